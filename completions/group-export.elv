
use builtin;
use str;

set edit:completion:arg-completer[group-export] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'group-export'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'group-export'= {
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand groups 'Find and read Groups'
            cand kickoff 'Start a Group export; prints the status URL and records the job in --out DIR'
            cand poll 'Wait until the export of a job is complete and save its manifest'
            cand download 'Download (or resume) every file of a job''s manifest, verified'
            cand run 'Kick off, poll and download in one go; re-running with the same --out resumes'
            cand status 'Ask the status URL once (no waiting)'
            cand cancel 'Cancel the export on the server (DELETE on the status URL)'
            cand demo 'Run a full export against the bundled mock server, into --out DIR'
            cand mock-server 'Run the bundled mock Bulk Data server (prints its base URL on stdout)'
            cand completions 'Print shell completions for SHELL on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'group-export;groups'= {
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand search 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)'
            cand read 'Read one Group by id'
            cand members 'List the members of one Group with their period and inactive flag'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'group-export;groups;search'= {
            cand --code 'Group.code, as CODE or SYSTEM|CODE'
            cand --type 'Group.type: person, animal, practitioner, device, medication, substance'
            cand --member 'A member reference, e.g. Patient/patient-123'
            cand --identifier 'Group.identifier, as VALUE or SYSTEM|VALUE'
            cand --characteristic 'Group.characteristic code, as CODE or SYSTEM|CODE'
            cand --managing-entity 'Group.managingEntity reference, e.g. Organization/org-1'
            cand --param 'Any other search parameter, as NAME=VALUE (repeatable)'
            cand --count 'Page size asked of the server (_count)'
            cand --limit 'Stop after N Groups, following next links as needed'
            cand --include '_include, e.g. Group:member (repeatable)'
            cand --revinclude '_revinclude, e.g. Coverage:beneficiary (repeatable)'
            cand --format 'Output format (auto: table on a terminal, ndjson otherwise)'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand --all 'Follow next links to the last page'
            cand --summary 'Ask for _summary=true (no member or characteristic lists)'
            cand --post 'Search with POST [base]/Group/_search and a form body'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;groups;read'= {
            cand --format 'Output format (auto: table on a terminal, json otherwise)'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;groups;members'= {
            cand --format 'Output format (auto: table on a terminal, ndjson otherwise)'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;groups;help'= {
            cand search 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)'
            cand read 'Read one Group by id'
            cand members 'List the members of one Group with their period and inactive flag'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'group-export;groups;help;search'= {
        }
        &'group-export;groups;help;read'= {
        }
        &'group-export;groups;help;members'= {
        }
        &'group-export;groups;help;help'= {
        }
        &'group-export;kickoff'= {
            cand --out 'The job directory to create'
            cand --type 'Resource types to export (_type), comma-separated or repeated'
            cand --since 'Only resources changed after this instant (_since), e.g. 2024-01-01T00:00:00Z'
            cand --until 'Only resources changed before this instant (_until, IG v3)'
            cand --type-filter 'A FHIR query restricting one type (_typeFilter), e.g. ''Observation?status=final'''
            cand --elements 'Elements to keep (_elements), comma-separated'
            cand --output-format '_outputFormat to ask for'
            cand --patient 'Only these patients of the Group (sent with POST), e.g. Patient/123'
            cand --include-associated-data 'includeAssociatedData values, e.g. LatestProvenanceResources'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand --post 'Kick off with POST and a Parameters body instead of GET'
            cand --lenient 'Ask the server to ignore parameters it does not support (Prefer: handling=lenient)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;poll'= {
            cand --out 'The job directory written by kickoff or run'
            cand --status-url 'A status URL (Content-Location of a kick-off), when there is no job directory'
            cand --timeout 'Give up waiting after this long (the job goes on; poll again later)'
            cand --max-wait 'The longest single wait between two status requests, whatever Retry-After says'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;download'= {
            cand --out 'The job directory (with --manifest: where to write)'
            cand --manifest 'A manifest file to download from, for a job not started by group-export'
            cand --parallel 'Files downloaded at once'
            cand --types 'Only the output files of these types, comma-separated'
            cand --format 'Print the final summary as text (stderr) or JSON (stdout)'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand --stdout 'Write the NDJSON of the output files to stdout, one file after another in manifest order, instead of to files (error and deleted files still go to DIR)'
            cand --no-verify 'Skip the per-line JSON and resourceType check (line counts are still compared)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;run'= {
            cand --out 'The job directory; re-running with the same directory resumes the job'
            cand --type 'Resource types to export (_type), comma-separated or repeated'
            cand --since 'Only resources changed after this instant (_since), e.g. 2024-01-01T00:00:00Z'
            cand --until 'Only resources changed before this instant (_until, IG v3)'
            cand --type-filter 'A FHIR query restricting one type (_typeFilter), e.g. ''Observation?status=final'''
            cand --elements 'Elements to keep (_elements), comma-separated'
            cand --output-format '_outputFormat to ask for'
            cand --patient 'Only these patients of the Group (sent with POST), e.g. Patient/123'
            cand --include-associated-data 'includeAssociatedData values, e.g. LatestProvenanceResources'
            cand --timeout 'Give up waiting after this long (the job goes on; poll again later)'
            cand --max-wait 'The longest single wait between two status requests, whatever Retry-After says'
            cand --parallel 'Files downloaded at once'
            cand --types 'Only the output files of these types, comma-separated'
            cand --format 'Print the final summary as text (stderr) or JSON (stdout)'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand --post 'Kick off with POST and a Parameters body instead of GET'
            cand --lenient 'Ask the server to ignore parameters it does not support (Prefer: handling=lenient)'
            cand --stdout 'Write the NDJSON of the output files to stdout, one file after another in manifest order, instead of to files (error and deleted files still go to DIR)'
            cand --no-verify 'Skip the per-line JSON and resourceType check (line counts are still compared)'
            cand --keep-server-job 'Leave the export on the server after a complete, verified download (no DELETE)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;status'= {
            cand --out 'The job directory written by kickoff or run'
            cand --status-url 'A status URL (Content-Location of a kick-off), when there is no job directory'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;cancel'= {
            cand --out 'The job directory written by kickoff or run'
            cand --status-url 'A status URL (Content-Location of a kick-off), when there is no job directory'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;demo'= {
            cand --out 'Where to write the export'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;mock-server'= {
            cand --host 'Address to listen on'
            cand --port 'Port to listen on (0 picks a free one)'
            cand --tenant 'Tenant id in the base path (`/provider/system-access/v2/{tenant}`)'
            cand --seed 'Seed of the synthetic data'
            cand --groups 'Number of synthetic groups (`cohort-001`, `cohort-002`, …) besides the vendor examples'
            cand --members 'Members of each synthetic patient group'
            cand --large-group-members 'Members of the extra group `large-cohort` (0: no such group)'
            cand --observations-per-patient 'Observations exported per patient'
            cand --max-resources-per-file 'Most resources in one export file; larger outputs are split into several files'
            cand --polls-before-complete 'Status polls answered with 202 (in progress) before an export completes'
            cand --retry-after-secs 'Seconds sent in `Retry-After` while an export runs or when throttling'
            cand --requires-access-token 'The manifest''s `requiresAccessToken`'
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand --retry-after-http-date 'Send `Retry-After` as an HTTP-date that many seconds ahead instead of as seconds'
            cand --error-file 'Add an `error[]` file of OperationOutcome warnings to every manifest'
            cand --lie-about-count 'Report one resource more than the truth in the first output file''s `count`'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;completions'= {
            cand --base-url 'FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT'
            cand --header 'Extra HTTP header for requests to the FHIR server, as ''Name: value'' (repeatable)'
            cand --request-timeout 'Timeout for connecting and for each response to start, e.g. 30s, 2m'
            cand --retries 'How often a request is retried after a transient failure (network error, 429, 502/503/504, a transient OperationOutcome)'
            cand --token-file 'Read a bearer access token from FILE (first line)'
            cand --progress 'How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)'
            cand -v 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand --verbose 'More log output on stderr (-v requests, -vv headers with secrets redacted)'
            cand -q 'Print only errors on stderr'
            cand --quiet 'Print only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'group-export;help'= {
            cand groups 'Find and read Groups'
            cand kickoff 'Start a Group export; prints the status URL and records the job in --out DIR'
            cand poll 'Wait until the export of a job is complete and save its manifest'
            cand download 'Download (or resume) every file of a job''s manifest, verified'
            cand run 'Kick off, poll and download in one go; re-running with the same --out resumes'
            cand status 'Ask the status URL once (no waiting)'
            cand cancel 'Cancel the export on the server (DELETE on the status URL)'
            cand demo 'Run a full export against the bundled mock server, into --out DIR'
            cand mock-server 'Run the bundled mock Bulk Data server (prints its base URL on stdout)'
            cand completions 'Print shell completions for SHELL on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'group-export;help;groups'= {
            cand search 'Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)'
            cand read 'Read one Group by id'
            cand members 'List the members of one Group with their period and inactive flag'
        }
        &'group-export;help;groups;search'= {
        }
        &'group-export;help;groups;read'= {
        }
        &'group-export;help;groups;members'= {
        }
        &'group-export;help;kickoff'= {
        }
        &'group-export;help;poll'= {
        }
        &'group-export;help;download'= {
        }
        &'group-export;help;run'= {
        }
        &'group-export;help;status'= {
        }
        &'group-export;help;cancel'= {
        }
        &'group-export;help;demo'= {
        }
        &'group-export;help;mock-server'= {
        }
        &'group-export;help;completions'= {
        }
        &'group-export;help;help'= {
        }
    ]
    $completions[$command]
}
