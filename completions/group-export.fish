# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_group_export_global_optspecs
    string join \n help-all base-url= v/verbose q/quiet header= request-timeout= retries= object-store-option= token-file= client-id= client-secret-file= client-auth= private-key= kid= alg= token-url= scope= config= profile= state-dir= progress= h/help V/version
end

function __fish_group_export_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_group_export_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_group_export_using_subcommand
    set -l cmd (__fish_group_export_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c group-export -n "__fish_group_export_needs_command" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_needs_command" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_needs_command" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_needs_command" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_needs_command" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_needs_command" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_needs_command" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_needs_command" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_needs_command" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_needs_command" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_needs_command" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_needs_command" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_needs_command" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_needs_command" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_needs_command" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_needs_command" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_needs_command" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_needs_command" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_needs_command" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_needs_command" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_needs_command" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_needs_command" -s V -l version -d 'Print version'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "groups" -d 'Find and read Groups'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "kickoff" -d 'Start a Group export; prints the status URL and records the job in --out DIR'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "poll" -d 'Wait until the export of a job is complete and save its manifest'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "download" -d 'Download (or resume) every file of a job\'s manifest, verified'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "run" -d 'Kick off, poll and download in one go; re-running with the same --out resumes'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "hydrate" -d 'Fetch what a finished export\'s resources point at: attachments, and the Medications and Observations the export left out (resumable, verified)'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "crawl" -d 'Export a Group with FHIR searches, patient by patient, when the server has no Group $export (or one too slow or broken); resumable'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "status" -d 'Ask the status URL once (no waiting)'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "cancel" -d 'Cancel the export on the server (DELETE on the status URL)'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "jobs" -d 'List the job directories under ROOT: export, state, files, resources, size, age'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "report" -d 'Write the run report of a job: DIR/report.html and DIR/report.md'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "demo" -d 'Run a full export against the bundled mock server, into --out DIR'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "mock-server" -d 'Run the bundled mock Bulk Data server (prints its base URL on stdout)'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "config" -d 'Show the configuration in effect'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "man" -d 'Print the man page (roff) on stdout'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "completions" -d 'Print shell completions for SHELL on stdout'
complete -c group-export -n "__fish_group_export_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -f -a "search" -d 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -f -a "read" -d 'Read one Group by id'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -f -a "members" -d 'List the members of one Group with their period and inactive flag'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and not __fish_seen_subcommand_from search read members help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l code -d 'Group.code, as CODE or SYSTEM|CODE' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l type -d 'Group.type: person, animal, practitioner, device, medication, substance' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l member -d 'A member reference, e.g. Patient/patient-123' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l identifier -d 'Group.identifier, as VALUE or SYSTEM|VALUE' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l characteristic -d 'Group.characteristic code, as CODE or SYSTEM|CODE' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l managing-entity -d 'Group.managingEntity reference, e.g. Organization/org-1' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l param -d 'Any other search parameter, as NAME=VALUE (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l count -d 'Page size asked of the server (_count)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l limit -d 'Stop after N Groups, following next links as needed' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l include -d '_include, e.g. Group:member (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l revinclude -d '_revinclude, e.g. Coverage:beneficiary (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l format -d 'Output format (auto: table on a terminal, ndjson otherwise)' -r -f -a "auto\t'table on a terminal, ndjson otherwise'
table\t'aligned columns for people'
json\t'one JSON document'
ndjson\t'one JSON object per line'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l all -d 'Follow next links to the last page'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l summary -d 'Ask for _summary=true (no member or characteristic lists)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l post -d 'Search with POST [base]/Group/_search and a form body'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l format -d 'Output format (auto: table on a terminal, json otherwise)' -r -f -a "auto\t'table on a terminal, json otherwise'
table\t'a readable summary'
json\t'the resource as the server sent it, pretty-printed'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from read" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l format -d 'Output format (auto: table on a terminal, ndjson otherwise)' -r -f -a "auto\t'table on a terminal, ndjson otherwise'
table\t'aligned columns for people'
json\t'one JSON document'
ndjson\t'one JSON object per line'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from members" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from help" -f -a "search" -d 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from help" -f -a "read" -d 'Read one Group by id'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from help" -f -a "members" -d 'List the members of one Group with their period and inactive flag'
complete -c group-export -n "__fish_group_export_using_subcommand groups; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l out -d 'Where the job goes: a directory, or an object store URL (s3://bucket/prefix, gs://, az://); {group}, {date} and {time} (UTC) are filled in (the place made is printed on stderr)' -r -f -a "(__fish_complete_directories)"
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l type -d 'Resource types to export (_type), comma-separated or repeated' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l since -d 'Only resources changed after this instant (_since), e.g. 2024-01-01T00:00:00Z' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l until -d 'Only resources changed before this instant (_until, IG v3)' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l type-filter -d 'A FHIR query restricting one type (_typeFilter), e.g. \'Observation?status=final\'' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l elements -d 'Elements to keep (_elements), comma-separated' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l output-format -d '_outputFormat to ask for' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l patient -d 'Only these patients of the Group (sent with POST), e.g. Patient/123' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l include-associated-data -d 'includeAssociatedData values, e.g. LatestProvenanceResources' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l level -d 'Export every patient (Patient-level, [base]/Patient/$export) or the whole server (system-level, [base]/$export) instead of a Group\'s members; {group} in --out is then `patients` or `system`' -r -f -a "patient\t'every patient: [base]/Patient/$export'
system\t'the whole server: [base]/$export'"
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l param -d 'Any other kick-off parameter, as NAME=VALUE (repeatable; `true`/`false` are sent as booleans in a POST), e.g. allowPartialManifests=true, organizeOutputBy=Patient' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l post -d 'Kick off with POST and a Parameters body instead of GET'
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l lenient -d 'Ask the server to ignore parameters it does not support (Prefer: handling=lenient)'
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l allow-nonempty-out -d 'Write into a directory that is not empty and holds no job of group-export'
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand kickoff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l out -d 'The job written by kickoff or run: a directory or an object store URL (s3://, gs://, az://); a template with {group}, {date}, {time} takes the newest job that matches' -r -f -a "(__fish_complete_directories)"
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l status-url -d 'A status URL (Content-Location of a kick-off), when there is no job directory' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l timeout -d 'Give up waiting after this long (the job goes on; poll again later)' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l max-wait -d 'The longest single wait between two status requests, whatever Retry-After says' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand poll" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand poll" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand poll" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand poll" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand download" -l out -d 'The job: a directory or an object store URL (with --manifest: where to write); a template with {group}, {date}, {time} takes the newest job that matches' -r -f -a "(__fish_complete_directories)"
complete -c group-export -n "__fish_group_export_using_subcommand download" -l manifest -d 'A manifest file to download from, for a job not started by group-export (its link[next] pages are read too)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand download" -l parallel -d 'Files downloaded at once' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l only-types -d 'Download only the output files of these types, comma-separated (what the server exports is --type)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l types -d 'The old spelling of --only-types (one letter from --type: easy to mix up)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l compress -d 'Store finished files compressed: gzip writes `<Type>.<NNN>.ndjson.gz` once a file is complete and verified (a file still downloading stays a plain `.part`)' -r -f -a "none\t'as received'
gzip\t'gzip-compressed, as `.ndjson.gz`'"
complete -c group-export -n "__fish_group_export_using_subcommand download" -l format -d 'Print the final summary as text (stderr) or JSON (stdout)' -r -f -a "text\t'readable lines for people'
json\t'one JSON document on stdout, for scripts'"
complete -c group-export -n "__fish_group_export_using_subcommand download" -l shard -d 'Download only share K of N of the job\'s files, so that N workers (machines) share one export: file i of the manifest goes to share (i mod N) + 1; whichever worker finishes last concludes the job' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l timeout -d 'Give up waiting after this long (the job goes on; poll again later)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l max-wait -d 'The longest single wait between two status requests, whatever Retry-After says' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand download" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand download" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand download" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand download" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand download" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand download" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand download" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand download" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand download" -l stdout -d 'Write the NDJSON of the output files to stdout, one file after another in manifest order, instead of to files (error and deleted files still go to DIR)'
complete -c group-export -n "__fish_group_export_using_subcommand download" -l no-verify -d 'Skip the per-line JSON and resourceType check (line counts are still compared)'
complete -c group-export -n "__fish_group_export_using_subcommand download" -l allow-nonempty-out -d 'Write into a directory that is not empty and holds no job of group-export'
complete -c group-export -n "__fish_group_export_using_subcommand download" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand download" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand download" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand download" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l out -d 'Where the job goes: a directory or an object store URL (s3://bucket/prefix, gs://, az://); re-running with the same --out resumes the job. {group}, {date} and {time} (UTC) are filled in, e.g. \'exports/{group}/{date}\'' -r -f -a "(__fish_complete_directories)"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l type -d 'Resource types to export (_type), comma-separated or repeated' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l since -d 'Only resources changed after this instant (_since), e.g. 2024-01-01T00:00:00Z' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l until -d 'Only resources changed before this instant (_until, IG v3)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l type-filter -d 'A FHIR query restricting one type (_typeFilter), e.g. \'Observation?status=final\'' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l elements -d 'Elements to keep (_elements), comma-separated' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l output-format -d '_outputFormat to ask for' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l patient -d 'Only these patients of the Group (sent with POST), e.g. Patient/123' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l include-associated-data -d 'includeAssociatedData values, e.g. LatestProvenanceResources' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l level -d 'Export every patient (Patient-level, [base]/Patient/$export) or the whole server (system-level, [base]/$export) instead of a Group\'s members; {group} in --out is then `patients` or `system`' -r -f -a "patient\t'every patient: [base]/Patient/$export'
system\t'the whole server: [base]/$export'"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l param -d 'Any other kick-off parameter, as NAME=VALUE (repeatable; `true`/`false` are sent as booleans in a POST), e.g. allowPartialManifests=true, organizeOutputBy=Patient' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l timeout -d 'Give up waiting after this long (the job goes on; poll again later)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l max-wait -d 'The longest single wait between two status requests, whatever Retry-After says' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l parallel -d 'Files downloaded at once' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l only-types -d 'Download only the output files of these types, comma-separated (what the server exports is --type)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l types -d 'The old spelling of --only-types (one letter from --type: easy to mix up)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l compress -d 'Store finished files compressed: gzip writes `<Type>.<NNN>.ndjson.gz` once a file is complete and verified (a file still downloading stays a plain `.part`)' -r -f -a "none\t'as received'
gzip\t'gzip-compressed, as `.ndjson.gz`'"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l format -d 'Print the final summary as text (stderr) or JSON (stdout)' -r -f -a "text\t'readable lines for people'
json\t'one JSON document on stdout, for scripts'"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l shard -d 'Download only share K of N of the job\'s files, so that N workers (machines) share one export: file i of the manifest goes to share (i mod N) + 1; whichever worker finishes last concludes the job' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l hydrate -d 'After a complete, verified download, hydrate: attachments, medications, observations (see `group-export hydrate`); with --since auto, the export is recorded only once its hydration succeeded' -r -f -a "attachments\t''
medications\t''
observations\t''"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l attachment-types -d 'Fetch only attachments of these content types, comma-separated (text/plain, application/pdf, text/*); default: every type' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l max-attachment-size -d 'The largest attachment fetched (e.g. 500K, 20M, 1G); a larger one is counted as failed and not fetched' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l inline-under -d 'Also write copies of the resources (DIR/inlined/) with attachments smaller than SIZE inlined as base64 data; the originals are never changed' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l inline-types -d 'The content types that --inline-under inlines, comma-separated' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l send-token-to -d 'Also send the access token (and --header values) to attachments and references on ORIGIN, e.g. https://docs.example.org (repeatable); by default only the FHIR server\'s origin gets them, and never across a redirect to another origin' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l mode -d 'The server\'s Group $export, or a crawl with FHIR searches (see `group-export crawl`); auto crawls when the server has no Group $export, and says so' -r -f -a "auto\t'the server\'s Group $export, or a crawl when the server has none (its CapabilityStatement says so, or it answers the kick-off 404, 405 or 501)'
export\t'the server\'s Group $export only'
crawl\t'FHIR searches, patient by patient (as `group-export crawl`)'"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l count -d 'Resources per page asked of each search (_count; the server may send fewer)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l max-resources-per-file -d 'Start a new output file after this many resources of a type (a page is never split; files also roll before 1 GiB)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand run" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand run" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand run" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand run" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand run" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand run" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand run" -l post -d 'Kick off with POST and a Parameters body instead of GET'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l lenient -d 'Ask the server to ignore parameters it does not support (Prefer: handling=lenient)'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l stdout -d 'Write the NDJSON of the output files to stdout, one file after another in manifest order, instead of to files (error and deleted files still go to DIR)'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l no-verify -d 'Skip the per-line JSON and resourceType check (line counts are still compared)'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l keep-server-job -d 'Leave the export on the server after a complete, verified download (no DELETE)'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l restart -d 'Start a new export in --out even if it holds one (its files there are removed; a server job still running is cancelled)'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l allow-nonempty-out -d 'Write into a directory that is not empty and holds no job of group-export'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l extract-inline -d 'Also store attachments that carry their content inline (data) under DIR/attachments/, and index them (with a null url)'
complete -c group-export -n "__fish_group_export_using_subcommand run" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand run" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand run" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l out -d 'The job directory of a finished export; a template with {group}, {date}, {time} takes the newest job that matches' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l tasks -d 'What to fetch, comma-separated: attachments (the content of DocumentReference, DiagnosticReport and Media attachments), medications (Medications that MedicationRequest/Dispense/Administration/Statement reference), observations (those DiagnosticReport.result and Observation.hasMember reference); default: all' -r -f -a "attachments\t''
medications\t''
observations\t''"
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l attachment-types -d 'Fetch only attachments of these content types, comma-separated (text/plain, application/pdf, text/*); default: every type' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l max-attachment-size -d 'The largest attachment fetched (e.g. 500K, 20M, 1G); a larger one is counted as failed and not fetched' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l inline-under -d 'Also write copies of the resources (DIR/inlined/) with attachments smaller than SIZE inlined as base64 data; the originals are never changed' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l inline-types -d 'The content types that --inline-under inlines, comma-separated' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l send-token-to -d 'Also send the access token (and --header values) to attachments and references on ORIGIN, e.g. https://docs.example.org (repeatable); by default only the FHIR server\'s origin gets them, and never across a redirect to another origin' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l parallel -d 'Transfers at once (attachments, searches), fewer while the server answers 429' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l format -d 'Print the per-task summary as text (stderr) or JSON (stdout)' -r -f -a "text\t'readable lines for people'
json\t'one JSON document on stdout, for scripts'"
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l extract-inline -d 'Also store attachments that carry their content inline (data) under DIR/attachments/, and index them (with a null url)'
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand hydrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l out -d 'The job directory; re-running with the same directory resumes the crawl. {group}, {date} and {time} (UTC) are filled in, e.g. \'exports/{group}/{date}\'' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l type -d 'Resource types to crawl, comma-separated or repeated (default: every type of the Patient compartment that the server\'s CapabilityStatement says it can search)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l since -d 'Only resources changed since this instant (_lastUpdated=ge…), e.g. 2024-01-01T00:00:00Z' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l until -d 'Only resources changed up to this instant (_lastUpdated=le…)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l type-filter -d 'A FHIR query added to the searches of one type, e.g. \'Observation?status=final\'; several for one type are ORed (one search each)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l elements -d 'Elements to keep (_elements), comma-separated; Type.element for one type' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l patient -d 'Only these members of the Group, e.g. Patient/123' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l parallel -d 'Searches at once, at most (fewer while the server answers 429)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l count -d 'Resources per page asked of each search (_count; the server may send fewer)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l max-resources-per-file -d 'Start a new output file after this many resources of a type (a page is never split; files also roll before 1 GiB)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l format -d 'Print the final summary as text (stderr) or JSON (stdout)' -r -f -a "text\t'readable lines for people'
json\t'one JSON document on stdout, for scripts'"
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l lenient -d 'Ask the server to ignore search parameters it does not support (Prefer: handling=lenient); a --patient that is not a member is left out'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l stdout -d 'Also write the NDJSON of the output files to stdout, one file after another, once the crawl of their type is complete'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l restart -d 'Start a new crawl in --out even if it holds a job (its files there are removed)'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l allow-nonempty-out -d 'Write into a directory that is not empty and holds no job of group-export'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand crawl" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand status" -l out -d 'The job written by kickoff or run: a directory or an object store URL (s3://, gs://, az://); a template with {group}, {date}, {time} takes the newest job that matches' -r -f -a "(__fish_complete_directories)"
complete -c group-export -n "__fish_group_export_using_subcommand status" -l status-url -d 'A status URL (Content-Location of a kick-off), when there is no job directory' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l format -d 'A line for people, or one JSON object (`state`: inProgress, complete, finished, cancelled), on stdout' -r -f -a "text\t'readable lines for people'
json\t'one JSON document on stdout, for scripts'"
complete -c group-export -n "__fish_group_export_using_subcommand status" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand status" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand status" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand status" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand status" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand status" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand status" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand status" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand status" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand status" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand status" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand status" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l out -d 'The job written by kickoff or run: a directory or an object store URL (s3://, gs://, az://); a template with {group}, {date}, {time} takes the newest job that matches' -r -f -a "(__fish_complete_directories)"
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l status-url -d 'A status URL (Content-Location of a kick-off), when there is no job directory' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l format -d 'Output format (auto: table on a terminal, ndjson otherwise)' -r -f -a "auto\t'table on a terminal, ndjson otherwise'
table\t'aligned columns for people'
json\t'one JSON document'
ndjson\t'one JSON object per line'"
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l check-server -d 'Ask each job\'s status URL whether its export still exists on the server'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -a "clean" -d 'Remove the data of finished jobs older than --older-than (never a running one; failed or incomplete ones only with --force)'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and not __fish_seen_subcommand_from clean help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l older-than -d 'Only jobs that last moved (completed, else kicked off) longer ago than this, e.g. 30d' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l force -d 'Also remove failed and incomplete jobs (never running ones)'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l dry-run -d 'Say what would be removed, remove nothing'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from clean" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "clean" -d 'Remove the data of finished jobs older than --older-than (never a running one; failed or incomplete ones only with --force)'
complete -c group-export -n "__fish_group_export_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand report" -l out -d 'The job: a directory or an object store URL; a template with {group}, {date}, {time} takes the newest job that matches' -r -f -a "(__fish_complete_directories)"
complete -c group-export -n "__fish_group_export_using_subcommand report" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand report" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand report" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand report" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand report" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand report" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand report" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand report" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand report" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand report" -l open -d 'Open report.html in the desktop\'s browser (xdg-open)'
complete -c group-export -n "__fish_group_export_using_subcommand report" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand report" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand report" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l out -d 'Where to write the export' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand demo" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand demo" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand demo" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l host -d 'Address to listen on' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l port -d 'Port to listen on (0 picks a free one)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l tenant -d 'Tenant id in the base path (`/provider/system-access/v2/{tenant}`)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l seed -d 'Seed of the synthetic data' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l groups -d 'Number of synthetic groups (`cohort-001`, `cohort-002`, …) besides the vendor examples' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l members -d 'Members of each synthetic patient group' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l large-group-members -d 'Members of the extra group `large-cohort` (0: no such group)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l observations-per-patient -d 'Observations exported per patient' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l max-resources-per-file -d 'Most resources in one export file; larger outputs are split into several files' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l polls-before-complete -d 'Status polls answered with 202 (in progress) before an export completes' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l retry-after-secs -d 'Seconds sent in `Retry-After` while an export runs or when throttling' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l requires-access-token -d 'The manifest\'s `requiresAccessToken`' -r -f -a "true\t''
false\t''"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l error-file -d 'Add an `error[]` file of OperationOutcome issues of this severity to every manifest' -r -f -a "warning\t''
error\t''"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l failed-output-files -d 'Let the first N output files fail as on the SMART reference server' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l disable-group-export -d 'Refuse Group `$export` with STATUS (default 501) and leave it out of `/metadata`' -r -f -a "404\t'404 Not Found (`not-found`)'
405\t'405 Method Not Allowed (`not-supported`, with an empty `Allow`)'
501\t'501 Not Implemented (`not-supported`)'"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l manifest-page-size -d 'Split every manifest into pages of N entries, each linking to the next' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l endless-manifest -d 'Page manifests without end: after the real pages, each page of ENTRIES entries links to another' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l token-lifetime-secs -d 'Seconds an issued access token stays valid (`expires_in`)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l registered-client-id -d 'The `client_id` of the client registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l registered-secret-file -d 'Read the registered client\'s secret from FILE (first line), allowing `client_secret_basic` and `client_secret_post`' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l registered-public-key -d 'Register the PEM public key in FILE for `private_key_jwt` (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l smart-configuration -d 'Serve `[base]/.well-known/smart-configuration` (false: 404, for discovery failures)' -r -f -a "true\t''
false\t''"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l range-support -d 'Honour `Range` (and `If-Range`) on export files; false: always 200 with the whole file' -r -f -a "true\t''
false\t''"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l gzip-files -d 'Compress export files with gzip when the client accepts it; false: always as they are, with their length (as most storage services send them)' -r -f -a "true\t''
false\t''"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l fault -d 'Inject a fault; repeatable. SPEC is TARGET:KIND[,OPTION…]' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l retry-after-http-date -d 'Send `Retry-After` as an HTTP-date that many seconds ahead instead of as seconds'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l lie-about-count -d 'Report one resource more than the truth in the first output file\'s `count`'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l omit-counts -d 'Leave `count` out of every manifest entry (it is optional in the IG)'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l accept-any-group -d 'Export an unknown Group id as an empty export (`output: []`) instead of 404'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l require-auth -d 'Require `Authorization: Bearer` with a token from `/auth/token`'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l redirect-files -d 'Answer file URLs (and `Binary/{id}` attachments) with `307` to a listener on another port that serves the same bytes without a token (like pre-signed storage URLs)'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l wrong-attachment-hash -d 'The first member\'s progress note (DocumentReference doc-syn-patient-000000-0) carries an `Attachment.hash` of other bytes than its Binary serves'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l wrong-attachment-size -d 'The first member\'s progress note carries an `Attachment.size` one byte too large'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l dangling-references -d 'The first member\'s DiagnosticReport and MedicationRequests also reference what does not exist (Observation/lab-…-gone, Medication/med-withdrawn) and a urn:uuid: reference'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l binary-as-resource -d 'Answer `Binary/{id}` with a FHIR Binary resource (base64 `data`) whatever `Accept` asks for, as some servers do'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l pretty-json -d 'Indent the JSON of search and read answers (Bundles, Groups) as some servers do: whitespace between tokens only, so numbers and strings keep their text'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand mock-server" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print every setting, its value (secrets redacted) and where it came from: flag, environment, profile or default'
complete -c group-export -n "__fish_group_export_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'A table (text) or JSON, on stdout' -r -f -a "text\t'readable lines for people'
json\t'one JSON document on stdout, for scripts'"
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every setting, its value (secrets redacted) and where it came from: flag, environment, profile or default'
complete -c group-export -n "__fish_group_export_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand man" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand man" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand man" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand man" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand man" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand man" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand man" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand man" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand man" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand man" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand man" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand man" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l base-url -d 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l header -d 'Extra HTTP header for requests to the FHIR server, as \'Name: value\' (repeatable)' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l request-timeout -d 'Timeout for connecting and for each response to start, e.g. 30s, 2m' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l retries -d 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l object-store-option -d 'A setting of the object store that an --out URL names, as KEY=VALUE (repeatable): endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l token-file -d 'Read a bearer access token from FILE (first line)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l client-id -d 'OAuth2 client id (with --client-secret-file or --private-key)' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l client-secret-file -d 'File holding the OAuth2 client secret (client_credentials grant)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l client-auth -d 'How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body' -r -f -a "basic\t'client_secret_basic: an HTTP Basic Authorization header'
post\t'client_secret_post: client_id and client_secret in the form body'"
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l private-key -d 'Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l kid -d 'Key id (kid) put in the assertion header, as registered with the server' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l alg -d 'Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)' -r -f -a "RS384\t''
ES384\t''"
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l token-url -d 'Token endpoint (default: discovered from [base]/.well-known/smart-configuration)' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l scope -d 'Scopes to ask for (default: system/*.rs when the server announces SMART v2 permissions, else system/*.read)' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l config -d 'The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or ~/.config/group-export/config.toml)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l profile -d 'The profile of the configuration file to use (default: its default_profile)' -r
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l state-dir -d 'Where `--since auto` keeps the last export of each request: a directory, or an object store location (s3://, gs://, az://) that workers on several machines share (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)' -r -F
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l progress -d 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)' -r -f -a "auto\t'bars on a terminal, plain lines otherwise'
bars\t'progress bars'
plain\t'one log line per event, for cron mail and CI logs'
json\t'only JSON objects, one per line: progress events, log lines, summaries, the error'
none\t'no progress display (log lines and the summary stay; -q hides them)'"
complete -c group-export -n "__fish_group_export_using_subcommand completions" -l help-all -d 'Print help with the global and authentication options, which the help of each command leaves out'
complete -c group-export -n "__fish_group_export_using_subcommand completions" -s v -l verbose -d 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
complete -c group-export -n "__fish_group_export_using_subcommand completions" -s q -l quiet -d 'Print only errors on stderr'
complete -c group-export -n "__fish_group_export_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "groups" -d 'Find and read Groups'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "kickoff" -d 'Start a Group export; prints the status URL and records the job in --out DIR'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "poll" -d 'Wait until the export of a job is complete and save its manifest'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "download" -d 'Download (or resume) every file of a job\'s manifest, verified'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "run" -d 'Kick off, poll and download in one go; re-running with the same --out resumes'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "hydrate" -d 'Fetch what a finished export\'s resources point at: attachments, and the Medications and Observations the export left out (resumable, verified)'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "crawl" -d 'Export a Group with FHIR searches, patient by patient, when the server has no Group $export (or one too slow or broken); resumable'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "status" -d 'Ask the status URL once (no waiting)'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "cancel" -d 'Cancel the export on the server (DELETE on the status URL)'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "jobs" -d 'List the job directories under ROOT: export, state, files, resources, size, age'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "report" -d 'Write the run report of a job: DIR/report.html and DIR/report.md'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "demo" -d 'Run a full export against the bundled mock server, into --out DIR'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "mock-server" -d 'Run the bundled mock Bulk Data server (prints its base URL on stdout)'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "config" -d 'Show the configuration in effect'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "man" -d 'Print the man page (roff) on stdout'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "completions" -d 'Print shell completions for SHELL on stdout'
complete -c group-export -n "__fish_group_export_using_subcommand help; and not __fish_seen_subcommand_from groups kickoff poll download run hydrate crawl status cancel jobs report demo mock-server config man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c group-export -n "__fish_group_export_using_subcommand help; and __fish_seen_subcommand_from groups" -f -a "search" -d 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)'
complete -c group-export -n "__fish_group_export_using_subcommand help; and __fish_seen_subcommand_from groups" -f -a "read" -d 'Read one Group by id'
complete -c group-export -n "__fish_group_export_using_subcommand help; and __fish_seen_subcommand_from groups" -f -a "members" -d 'List the members of one Group with their period and inactive flag'
complete -c group-export -n "__fish_group_export_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "clean" -d 'Remove the data of finished jobs older than --older-than (never a running one; failed or incomplete ones only with --force)'
complete -c group-export -n "__fish_group_export_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every setting, its value (secrets redacted) and where it came from: flag, environment, profile or default'
