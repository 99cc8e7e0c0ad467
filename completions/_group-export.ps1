
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'group-export' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'group-export'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'group-export' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('groups', 'groups', [CompletionResultType]::ParameterValue, 'Find and read Groups')
            [CompletionResult]::new('kickoff', 'kickoff', [CompletionResultType]::ParameterValue, 'Start a Group export; prints the status URL and records the job in --out DIR')
            [CompletionResult]::new('poll', 'poll', [CompletionResultType]::ParameterValue, 'Wait until the export of a job is complete and save its manifest')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download (or resume) every file of a job''s manifest, verified')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Kick off, poll and download in one go; re-running with the same --out resumes')
            [CompletionResult]::new('hydrate', 'hydrate', [CompletionResultType]::ParameterValue, 'Fetch what a finished export''s resources point at: attachments, and the Medications and Observations the export left out (resumable, verified)')
            [CompletionResult]::new('crawl', 'crawl', [CompletionResultType]::ParameterValue, 'Export a Group with FHIR searches, patient by patient, when the server has no Group $export (or one too slow or broken); resumable')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Ask the status URL once (no waiting)')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel the export on the server (DELETE on the status URL)')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'List the job directories under ROOT: export, state, files, resources, size, age')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write the run report of a job: DIR/report.html and DIR/report.md')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run a full export against the bundled mock server, into --out DIR')
            [CompletionResult]::new('mock-server', 'mock-server', [CompletionResultType]::ParameterValue, 'Run the bundled mock Bulk Data server (prints its base URL on stdout)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the configuration in effect')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff) on stdout')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL on stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;groups' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)')
            [CompletionResult]::new('read', 'read', [CompletionResultType]::ParameterValue, 'Read one Group by id')
            [CompletionResult]::new('members', 'members', [CompletionResultType]::ParameterValue, 'List the members of one Group with their period and inactive flag')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;groups;search' {
            [CompletionResult]::new('--code', '--code', [CompletionResultType]::ParameterName, 'Group.code, as CODE or SYSTEM|CODE')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Group.type: person, animal, practitioner, device, medication, substance')
            [CompletionResult]::new('--member', '--member', [CompletionResultType]::ParameterName, 'A member reference, e.g. Patient/patient-123')
            [CompletionResult]::new('--identifier', '--identifier', [CompletionResultType]::ParameterName, 'Group.identifier, as VALUE or SYSTEM|VALUE')
            [CompletionResult]::new('--characteristic', '--characteristic', [CompletionResultType]::ParameterName, 'Group.characteristic code, as CODE or SYSTEM|CODE')
            [CompletionResult]::new('--managing-entity', '--managing-entity', [CompletionResultType]::ParameterName, 'Group.managingEntity reference, e.g. Organization/org-1')
            [CompletionResult]::new('--param', '--param', [CompletionResultType]::ParameterName, 'Any other search parameter, as NAME=VALUE (repeatable)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Page size asked of the server (_count)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Stop after N Groups, following next links as needed')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, '_include, e.g. Group:member (repeatable)')
            [CompletionResult]::new('--revinclude', '--revinclude', [CompletionResultType]::ParameterName, '_revinclude, e.g. Coverage:beneficiary (repeatable)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format (auto: table on a terminal, ndjson otherwise)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Follow next links to the last page')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Ask for _summary=true (no member or characteristic lists)')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'Search with POST [base]/Group/_search and a form body')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;groups;read' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format (auto: table on a terminal, json otherwise)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;groups;members' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format (auto: table on a terminal, ndjson otherwise)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;groups;help' {
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)')
            [CompletionResult]::new('read', 'read', [CompletionResultType]::ParameterValue, 'Read one Group by id')
            [CompletionResult]::new('members', 'members', [CompletionResultType]::ParameterValue, 'List the members of one Group with their period and inactive flag')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;groups;help;search' {
            break
        }
        'group-export;groups;help;read' {
            break
        }
        'group-export;groups;help;members' {
            break
        }
        'group-export;groups;help;help' {
            break
        }
        'group-export;kickoff' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where the job goes: a directory, or an object store URL (s3://bucket/prefix, gs://, az://); {group}, {date} and {time} (UTC) are filled in (the place made is printed on stderr)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Resource types to export (_type), comma-separated or repeated')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only resources changed after this instant (_since), e.g. 2024-01-01T00:00:00Z')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only resources changed before this instant (_until, IG v3)')
            [CompletionResult]::new('--type-filter', '--type-filter', [CompletionResultType]::ParameterName, 'A FHIR query restricting one type (_typeFilter), e.g. ''Observation?status=final''')
            [CompletionResult]::new('--elements', '--elements', [CompletionResultType]::ParameterName, 'Elements to keep (_elements), comma-separated')
            [CompletionResult]::new('--output-format', '--output-format', [CompletionResultType]::ParameterName, '_outputFormat to ask for')
            [CompletionResult]::new('--patient', '--patient', [CompletionResultType]::ParameterName, 'Only these patients of the Group (sent with POST), e.g. Patient/123')
            [CompletionResult]::new('--include-associated-data', '--include-associated-data', [CompletionResultType]::ParameterName, 'includeAssociatedData values, e.g. LatestProvenanceResources')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'Export every patient (Patient-level, [base]/Patient/$export) or the whole server (system-level, [base]/$export) instead of a Group''s members; {group} in --out is then `patients` or `system`')
            [CompletionResult]::new('--param', '--param', [CompletionResultType]::ParameterName, 'Any other kick-off parameter, as NAME=VALUE (repeatable; `true`/`false` are sent as booleans in a POST), e.g. allowPartialManifests=true, organizeOutputBy=Patient')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'Kick off with POST and a Parameters body instead of GET')
            [CompletionResult]::new('--lenient', '--lenient', [CompletionResultType]::ParameterName, 'Ask the server to ignore parameters it does not support (Prefer: handling=lenient)')
            [CompletionResult]::new('--allow-nonempty-out', '--allow-nonempty-out', [CompletionResultType]::ParameterName, 'Write into a directory that is not empty and holds no job of group-export')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;poll' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The job written by kickoff or run: a directory or an object store URL (s3://, gs://, az://); a template with {group}, {date}, {time} takes the newest job that matches')
            [CompletionResult]::new('--status-url', '--status-url', [CompletionResultType]::ParameterName, 'A status URL (Content-Location of a kick-off), when there is no job directory')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting after this long (the job goes on; poll again later)')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest single wait between two status requests, whatever Retry-After says')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;download' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The job: a directory or an object store URL (with --manifest: where to write); a template with {group}, {date}, {time} takes the newest job that matches')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'A manifest file to download from, for a job not started by group-export (its link[next] pages are read too)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Files downloaded at once')
            [CompletionResult]::new('--only-types', '--only-types', [CompletionResultType]::ParameterName, 'Download only the output files of these types, comma-separated (what the server exports is --type)')
            [CompletionResult]::new('--types', '--types', [CompletionResultType]::ParameterName, 'The old spelling of --only-types (one letter from --type: easy to mix up)')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Store finished files compressed: gzip writes `<Type>.<NNN>.ndjson.gz` once a file is complete and verified (a file still downloading stays a plain `.part`)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print the final summary as text (stderr) or JSON (stdout)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Download only share K of N of the job''s files, so that N workers (machines) share one export: file i of the manifest goes to share (i mod N) + 1; whichever worker finishes last concludes the job')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting after this long (the job goes on; poll again later)')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest single wait between two status requests, whatever Retry-After says')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Write the NDJSON of the output files to stdout, one file after another in manifest order, instead of to files (error and deleted files still go to DIR)')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Skip the per-line JSON and resourceType check (line counts are still compared)')
            [CompletionResult]::new('--allow-nonempty-out', '--allow-nonempty-out', [CompletionResultType]::ParameterName, 'Write into a directory that is not empty and holds no job of group-export')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;run' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where the job goes: a directory or an object store URL (s3://bucket/prefix, gs://, az://); re-running with the same --out resumes the job. {group}, {date} and {time} (UTC) are filled in, e.g. ''exports/{group}/{date}''')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Resource types to export (_type), comma-separated or repeated')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only resources changed after this instant (_since), e.g. 2024-01-01T00:00:00Z')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only resources changed before this instant (_until, IG v3)')
            [CompletionResult]::new('--type-filter', '--type-filter', [CompletionResultType]::ParameterName, 'A FHIR query restricting one type (_typeFilter), e.g. ''Observation?status=final''')
            [CompletionResult]::new('--elements', '--elements', [CompletionResultType]::ParameterName, 'Elements to keep (_elements), comma-separated')
            [CompletionResult]::new('--output-format', '--output-format', [CompletionResultType]::ParameterName, '_outputFormat to ask for')
            [CompletionResult]::new('--patient', '--patient', [CompletionResultType]::ParameterName, 'Only these patients of the Group (sent with POST), e.g. Patient/123')
            [CompletionResult]::new('--include-associated-data', '--include-associated-data', [CompletionResultType]::ParameterName, 'includeAssociatedData values, e.g. LatestProvenanceResources')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'Export every patient (Patient-level, [base]/Patient/$export) or the whole server (system-level, [base]/$export) instead of a Group''s members; {group} in --out is then `patients` or `system`')
            [CompletionResult]::new('--param', '--param', [CompletionResultType]::ParameterName, 'Any other kick-off parameter, as NAME=VALUE (repeatable; `true`/`false` are sent as booleans in a POST), e.g. allowPartialManifests=true, organizeOutputBy=Patient')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting after this long (the job goes on; poll again later)')
            [CompletionResult]::new('--max-wait', '--max-wait', [CompletionResultType]::ParameterName, 'The longest single wait between two status requests, whatever Retry-After says')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Files downloaded at once')
            [CompletionResult]::new('--only-types', '--only-types', [CompletionResultType]::ParameterName, 'Download only the output files of these types, comma-separated (what the server exports is --type)')
            [CompletionResult]::new('--types', '--types', [CompletionResultType]::ParameterName, 'The old spelling of --only-types (one letter from --type: easy to mix up)')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Store finished files compressed: gzip writes `<Type>.<NNN>.ndjson.gz` once a file is complete and verified (a file still downloading stays a plain `.part`)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print the final summary as text (stderr) or JSON (stdout)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Download only share K of N of the job''s files, so that N workers (machines) share one export: file i of the manifest goes to share (i mod N) + 1; whichever worker finishes last concludes the job')
            [CompletionResult]::new('--hydrate', '--hydrate', [CompletionResultType]::ParameterName, 'After a complete, verified download, hydrate: attachments, medications, observations (see `group-export hydrate`); with --since auto, the export is recorded only once its hydration succeeded')
            [CompletionResult]::new('--attachment-types', '--attachment-types', [CompletionResultType]::ParameterName, 'Fetch only attachments of these content types, comma-separated (text/plain, application/pdf, text/*); default: every type')
            [CompletionResult]::new('--max-attachment-size', '--max-attachment-size', [CompletionResultType]::ParameterName, 'The largest attachment fetched (e.g. 500K, 20M, 1G); a larger one is counted as failed and not fetched')
            [CompletionResult]::new('--inline-under', '--inline-under', [CompletionResultType]::ParameterName, 'Also write copies of the resources (DIR/inlined/) with attachments smaller than SIZE inlined as base64 data; the originals are never changed')
            [CompletionResult]::new('--inline-types', '--inline-types', [CompletionResultType]::ParameterName, 'The content types that --inline-under inlines, comma-separated')
            [CompletionResult]::new('--send-token-to', '--send-token-to', [CompletionResultType]::ParameterName, 'Also send the access token (and --header values) to attachments and references on ORIGIN, e.g. https://docs.example.org (repeatable); by default only the FHIR server''s origin gets them, and never across a redirect to another origin')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'The server''s Group $export, or a crawl with FHIR searches (see `group-export crawl`); auto crawls when the server has no Group $export, and says so')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Resources per page asked of each search (_count; the server may send fewer)')
            [CompletionResult]::new('--max-resources-per-file', '--max-resources-per-file', [CompletionResultType]::ParameterName, 'Start a new output file after this many resources of a type (a page is never split; files also roll before 1 GiB)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'Kick off with POST and a Parameters body instead of GET')
            [CompletionResult]::new('--lenient', '--lenient', [CompletionResultType]::ParameterName, 'Ask the server to ignore parameters it does not support (Prefer: handling=lenient)')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Write the NDJSON of the output files to stdout, one file after another in manifest order, instead of to files (error and deleted files still go to DIR)')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Skip the per-line JSON and resourceType check (line counts are still compared)')
            [CompletionResult]::new('--keep-server-job', '--keep-server-job', [CompletionResultType]::ParameterName, 'Leave the export on the server after a complete, verified download (no DELETE)')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Start a new export in --out even if it holds one (its files there are removed; a server job still running is cancelled)')
            [CompletionResult]::new('--allow-nonempty-out', '--allow-nonempty-out', [CompletionResultType]::ParameterName, 'Write into a directory that is not empty and holds no job of group-export')
            [CompletionResult]::new('--extract-inline', '--extract-inline', [CompletionResultType]::ParameterName, 'Also store attachments that carry their content inline (data) under DIR/attachments/, and index them (with a null url)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;hydrate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The job directory of a finished export; a template with {group}, {date}, {time} takes the newest job that matches')
            [CompletionResult]::new('--tasks', '--tasks', [CompletionResultType]::ParameterName, 'What to fetch, comma-separated: attachments (the content of DocumentReference, DiagnosticReport and Media attachments), medications (Medications that MedicationRequest/Dispense/Administration/Statement reference), observations (those DiagnosticReport.result and Observation.hasMember reference); default: all')
            [CompletionResult]::new('--attachment-types', '--attachment-types', [CompletionResultType]::ParameterName, 'Fetch only attachments of these content types, comma-separated (text/plain, application/pdf, text/*); default: every type')
            [CompletionResult]::new('--max-attachment-size', '--max-attachment-size', [CompletionResultType]::ParameterName, 'The largest attachment fetched (e.g. 500K, 20M, 1G); a larger one is counted as failed and not fetched')
            [CompletionResult]::new('--inline-under', '--inline-under', [CompletionResultType]::ParameterName, 'Also write copies of the resources (DIR/inlined/) with attachments smaller than SIZE inlined as base64 data; the originals are never changed')
            [CompletionResult]::new('--inline-types', '--inline-types', [CompletionResultType]::ParameterName, 'The content types that --inline-under inlines, comma-separated')
            [CompletionResult]::new('--send-token-to', '--send-token-to', [CompletionResultType]::ParameterName, 'Also send the access token (and --header values) to attachments and references on ORIGIN, e.g. https://docs.example.org (repeatable); by default only the FHIR server''s origin gets them, and never across a redirect to another origin')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Transfers at once (attachments, searches), fewer while the server answers 429')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print the per-task summary as text (stderr) or JSON (stdout)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--extract-inline', '--extract-inline', [CompletionResultType]::ParameterName, 'Also store attachments that carry their content inline (data) under DIR/attachments/, and index them (with a null url)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;crawl' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The job directory; re-running with the same directory resumes the crawl. {group}, {date} and {time} (UTC) are filled in, e.g. ''exports/{group}/{date}''')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Resource types to crawl, comma-separated or repeated (default: every type of the Patient compartment that the server''s CapabilityStatement says it can search)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only resources changed since this instant (_lastUpdated=ge…), e.g. 2024-01-01T00:00:00Z')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only resources changed up to this instant (_lastUpdated=le…)')
            [CompletionResult]::new('--type-filter', '--type-filter', [CompletionResultType]::ParameterName, 'A FHIR query added to the searches of one type, e.g. ''Observation?status=final''; several for one type are ORed (one search each)')
            [CompletionResult]::new('--elements', '--elements', [CompletionResultType]::ParameterName, 'Elements to keep (_elements), comma-separated; Type.element for one type')
            [CompletionResult]::new('--patient', '--patient', [CompletionResultType]::ParameterName, 'Only these members of the Group, e.g. Patient/123')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Searches at once, at most (fewer while the server answers 429)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Resources per page asked of each search (_count; the server may send fewer)')
            [CompletionResult]::new('--max-resources-per-file', '--max-resources-per-file', [CompletionResultType]::ParameterName, 'Start a new output file after this many resources of a type (a page is never split; files also roll before 1 GiB)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print the final summary as text (stderr) or JSON (stdout)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--lenient', '--lenient', [CompletionResultType]::ParameterName, 'Ask the server to ignore search parameters it does not support (Prefer: handling=lenient); a --patient that is not a member is left out')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Also write the NDJSON of the output files to stdout, one file after another, once the crawl of their type is complete')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Start a new crawl in --out even if it holds a job (its files there are removed)')
            [CompletionResult]::new('--allow-nonempty-out', '--allow-nonempty-out', [CompletionResultType]::ParameterName, 'Write into a directory that is not empty and holds no job of group-export')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;status' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The job written by kickoff or run: a directory or an object store URL (s3://, gs://, az://); a template with {group}, {date}, {time} takes the newest job that matches')
            [CompletionResult]::new('--status-url', '--status-url', [CompletionResultType]::ParameterName, 'A status URL (Content-Location of a kick-off), when there is no job directory')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'A line for people, or one JSON object (`state`: inProgress, complete, finished, cancelled), on stdout')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;cancel' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The job written by kickoff or run: a directory or an object store URL (s3://, gs://, az://); a template with {group}, {date}, {time} takes the newest job that matches')
            [CompletionResult]::new('--status-url', '--status-url', [CompletionResultType]::ParameterName, 'A status URL (Content-Location of a kick-off), when there is no job directory')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;jobs' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format (auto: table on a terminal, ndjson otherwise)')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--check-server', '--check-server', [CompletionResultType]::ParameterName, 'Ask each job''s status URL whether its export still exists on the server')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove the data of finished jobs older than --older-than (never a running one; failed or incomplete ones only with --force)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;jobs;clean' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only jobs that last moved (completed, else kicked off) longer ago than this, e.g. 30d')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also remove failed and incomplete jobs (never running ones)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would be removed, remove nothing')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;jobs;help' {
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove the data of finished jobs older than --older-than (never a running one; failed or incomplete ones only with --force)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;jobs;help;clean' {
            break
        }
        'group-export;jobs;help;help' {
            break
        }
        'group-export;report' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The job: a directory or an object store URL; a template with {group}, {date}, {time} takes the newest job that matches')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Open report.html in the desktop''s browser (xdg-open)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;demo' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where to write the export')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;mock-server' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0 picks a free one)')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id in the base path (`/provider/system-access/v2/{tenant}`)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the synthetic data')
            [CompletionResult]::new('--groups', '--groups', [CompletionResultType]::ParameterName, 'Number of synthetic groups (`cohort-001`, `cohort-002`, …) besides the vendor examples')
            [CompletionResult]::new('--members', '--members', [CompletionResultType]::ParameterName, 'Members of each synthetic patient group')
            [CompletionResult]::new('--large-group-members', '--large-group-members', [CompletionResultType]::ParameterName, 'Members of the extra group `large-cohort` (0: no such group)')
            [CompletionResult]::new('--observations-per-patient', '--observations-per-patient', [CompletionResultType]::ParameterName, 'Observations exported per patient')
            [CompletionResult]::new('--max-resources-per-file', '--max-resources-per-file', [CompletionResultType]::ParameterName, 'Most resources in one export file; larger outputs are split into several files')
            [CompletionResult]::new('--polls-before-complete', '--polls-before-complete', [CompletionResultType]::ParameterName, 'Status polls answered with 202 (in progress) before an export completes')
            [CompletionResult]::new('--retry-after-secs', '--retry-after-secs', [CompletionResultType]::ParameterName, 'Seconds sent in `Retry-After` while an export runs or when throttling')
            [CompletionResult]::new('--requires-access-token', '--requires-access-token', [CompletionResultType]::ParameterName, 'The manifest''s `requiresAccessToken`')
            [CompletionResult]::new('--error-file', '--error-file', [CompletionResultType]::ParameterName, 'Add an `error[]` file of OperationOutcome issues of this severity to every manifest')
            [CompletionResult]::new('--failed-output-files', '--failed-output-files', [CompletionResultType]::ParameterName, 'Let the first N output files fail as on the SMART reference server')
            [CompletionResult]::new('--disable-group-export', '--disable-group-export', [CompletionResultType]::ParameterName, 'Refuse Group `$export` with STATUS (default 501) and leave it out of `/metadata`')
            [CompletionResult]::new('--manifest-page-size', '--manifest-page-size', [CompletionResultType]::ParameterName, 'Split every manifest into pages of N entries, each linking to the next')
            [CompletionResult]::new('--endless-manifest', '--endless-manifest', [CompletionResultType]::ParameterName, 'Page manifests without end: after the real pages, each page of ENTRIES entries links to another')
            [CompletionResult]::new('--token-lifetime-secs', '--token-lifetime-secs', [CompletionResultType]::ParameterName, 'Seconds an issued access token stays valid (`expires_in`)')
            [CompletionResult]::new('--registered-client-id', '--registered-client-id', [CompletionResultType]::ParameterName, 'The `client_id` of the client registered with the server')
            [CompletionResult]::new('--registered-secret-file', '--registered-secret-file', [CompletionResultType]::ParameterName, 'Read the registered client''s secret from FILE (first line), allowing `client_secret_basic` and `client_secret_post`')
            [CompletionResult]::new('--registered-public-key', '--registered-public-key', [CompletionResultType]::ParameterName, 'Register the PEM public key in FILE for `private_key_jwt` (repeatable)')
            [CompletionResult]::new('--smart-configuration', '--smart-configuration', [CompletionResultType]::ParameterName, 'Serve `[base]/.well-known/smart-configuration` (false: 404, for discovery failures)')
            [CompletionResult]::new('--range-support', '--range-support', [CompletionResultType]::ParameterName, 'Honour `Range` (and `If-Range`) on export files; false: always 200 with the whole file')
            [CompletionResult]::new('--gzip-files', '--gzip-files', [CompletionResultType]::ParameterName, 'Compress export files with gzip when the client accepts it; false: always as they are, with their length (as most storage services send them)')
            [CompletionResult]::new('--fault', '--fault', [CompletionResultType]::ParameterName, 'Inject a fault; repeatable. SPEC is TARGET:KIND[,OPTION…]')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--retry-after-http-date', '--retry-after-http-date', [CompletionResultType]::ParameterName, 'Send `Retry-After` as an HTTP-date that many seconds ahead instead of as seconds')
            [CompletionResult]::new('--lie-about-count', '--lie-about-count', [CompletionResultType]::ParameterName, 'Report one resource more than the truth in the first output file''s `count`')
            [CompletionResult]::new('--omit-counts', '--omit-counts', [CompletionResultType]::ParameterName, 'Leave `count` out of every manifest entry (it is optional in the IG)')
            [CompletionResult]::new('--accept-any-group', '--accept-any-group', [CompletionResultType]::ParameterName, 'Export an unknown Group id as an empty export (`output: []`) instead of 404')
            [CompletionResult]::new('--require-auth', '--require-auth', [CompletionResultType]::ParameterName, 'Require `Authorization: Bearer` with a token from `/auth/token`')
            [CompletionResult]::new('--redirect-files', '--redirect-files', [CompletionResultType]::ParameterName, 'Answer file URLs (and `Binary/{id}` attachments) with `307` to a listener on another port that serves the same bytes without a token (like pre-signed storage URLs)')
            [CompletionResult]::new('--wrong-attachment-hash', '--wrong-attachment-hash', [CompletionResultType]::ParameterName, 'The first member''s progress note (DocumentReference doc-syn-patient-000000-0) carries an `Attachment.hash` of other bytes than its Binary serves')
            [CompletionResult]::new('--wrong-attachment-size', '--wrong-attachment-size', [CompletionResultType]::ParameterName, 'The first member''s progress note carries an `Attachment.size` one byte too large')
            [CompletionResult]::new('--dangling-references', '--dangling-references', [CompletionResultType]::ParameterName, 'The first member''s DiagnosticReport and MedicationRequests also reference what does not exist (Observation/lab-…-gone, Medication/med-withdrawn) and a urn:uuid: reference')
            [CompletionResult]::new('--binary-as-resource', '--binary-as-resource', [CompletionResultType]::ParameterName, 'Answer `Binary/{id}` with a FHIR Binary resource (base64 `data`) whatever `Accept` asks for, as some servers do')
            [CompletionResult]::new('--pretty-json', '--pretty-json', [CompletionResultType]::ParameterName, 'Indent the JSON of search and read answers (Bundles, Groups) as some servers do: whitespace between tokens only, so numbers and strings keep their text')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;config' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its value (secrets redacted) and where it came from: flag, environment, profile or default')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;config;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'A table (text) or JSON, on stdout')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its value (secrets redacted) and where it came from: flag, environment, profile or default')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;config;help;show' {
            break
        }
        'group-export;config;help;help' {
            break
        }
        'group-export;man' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;completions' {
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting and for each response to start, e.g. 30s, 2m')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)')
            [CompletionResult]::new('--object-store-option', '--object-store-option', [CompletionResultType]::ParameterName, 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read a bearer access token from FILE (first line)')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth2 client id (with --client-secret-file or --private-key)')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'File holding the OAuth2 client secret (client_credentials grant)')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body')
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Key id (kid) put in the assertion header, as registered with the server')
            [CompletionResult]::new('--alg', '--alg', [CompletionResultType]::ParameterName, 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile of the configuration file to use (default: its default_profile)')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)')
            [CompletionResult]::new('--help-all', '--help-all', [CompletionResultType]::ParameterName, 'Print help with the global and authentication options, which the help of each command leaves out')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v requests, -vv headers with secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'group-export;help' {
            [CompletionResult]::new('groups', 'groups', [CompletionResultType]::ParameterValue, 'Find and read Groups')
            [CompletionResult]::new('kickoff', 'kickoff', [CompletionResultType]::ParameterValue, 'Start a Group export; prints the status URL and records the job in --out DIR')
            [CompletionResult]::new('poll', 'poll', [CompletionResultType]::ParameterValue, 'Wait until the export of a job is complete and save its manifest')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download (or resume) every file of a job''s manifest, verified')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Kick off, poll and download in one go; re-running with the same --out resumes')
            [CompletionResult]::new('hydrate', 'hydrate', [CompletionResultType]::ParameterValue, 'Fetch what a finished export''s resources point at: attachments, and the Medications and Observations the export left out (resumable, verified)')
            [CompletionResult]::new('crawl', 'crawl', [CompletionResultType]::ParameterValue, 'Export a Group with FHIR searches, patient by patient, when the server has no Group $export (or one too slow or broken); resumable')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Ask the status URL once (no waiting)')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel the export on the server (DELETE on the status URL)')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'List the job directories under ROOT: export, state, files, resources, size, age')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write the run report of a job: DIR/report.html and DIR/report.md')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run a full export against the bundled mock server, into --out DIR')
            [CompletionResult]::new('mock-server', 'mock-server', [CompletionResultType]::ParameterValue, 'Run the bundled mock Bulk Data server (prints its base URL on stdout)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the configuration in effect')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff) on stdout')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for SHELL on stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'group-export;help;groups' {
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)')
            [CompletionResult]::new('read', 'read', [CompletionResultType]::ParameterValue, 'Read one Group by id')
            [CompletionResult]::new('members', 'members', [CompletionResultType]::ParameterValue, 'List the members of one Group with their period and inactive flag')
            break
        }
        'group-export;help;groups;search' {
            break
        }
        'group-export;help;groups;read' {
            break
        }
        'group-export;help;groups;members' {
            break
        }
        'group-export;help;kickoff' {
            break
        }
        'group-export;help;poll' {
            break
        }
        'group-export;help;download' {
            break
        }
        'group-export;help;run' {
            break
        }
        'group-export;help;hydrate' {
            break
        }
        'group-export;help;crawl' {
            break
        }
        'group-export;help;status' {
            break
        }
        'group-export;help;cancel' {
            break
        }
        'group-export;help;jobs' {
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove the data of finished jobs older than --older-than (never a running one; failed or incomplete ones only with --force)')
            break
        }
        'group-export;help;jobs;clean' {
            break
        }
        'group-export;help;report' {
            break
        }
        'group-export;help;demo' {
            break
        }
        'group-export;help;mock-server' {
            break
        }
        'group-export;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every setting, its value (secrets redacted) and where it came from: flag, environment, profile or default')
            break
        }
        'group-export;help;config;show' {
            break
        }
        'group-export;help;man' {
            break
        }
        'group-export;help;completions' {
            break
        }
        'group-export;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
