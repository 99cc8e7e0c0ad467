//! The man page, `group-export(1)`: the whole reference in one page. NAME, SYNOPSIS,
//! DESCRIPTION, the options every command takes, COMMANDS (a subsection per command with
//! its synopsis, description, own options and examples), EXIT STATUS, ENVIRONMENT, FILES
//! and CONFIGURATION.
//!
//! What the program declares is read, never repeated: options and examples come from the
//! clap definitions (rendered by clap_mangen), the environment variables from the `env` of
//! each flag, the exit codes from `crate::exit`. The rest is prose written here.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;

/// Writes the page (roff).
pub fn render(out: &mut dyn Write) -> std::io::Result<()> {
    let mut cli = Cli::command();
    cli.build();
    let man = clap_mangen::Man::new(cli.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    synopsis(out)?;
    description(out)?;
    // OPTIONS, GLOBAL OPTIONS, AUTHENTICATION OPTIONS: one section per help heading.
    write_rendered(out, |w| man.render_options_section(w))?;
    commands(out, &cli)?;
    exit_status(out)?;
    environment(out, &cli)?;
    files(out)?;
    configuration(out)?;
    Ok(())
}

fn synopsis(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, ".SH SYNOPSIS")?;
    writeln!(
        out,
        "{} [{}] {} [{}] [{}]",
        bold("group-export"),
        italic("global options"),
        italic("command"),
        italic("options"),
        italic("arguments")
    )?;
    writeln!(out, ".br")?;
    writeln!(
        out,
        "{} {}|{}|{}",
        bold("group-export"),
        bold("--help"),
        bold("--help-all"),
        bold("--version")
    )
}

fn description(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, ".SH DESCRIPTION")?;
    paragraphs(
        out,
        &[
            "group-export finds FHIR Groups and exports the data of their members with the FHIR \
             Bulk Data Access API: a kick-off, the status polled until the export is complete, \
             and every file downloaded in parallel, each line checked and the counts compared, \
             written as *.part and renamed only when verified. Each step is a command of its \
             own, and run does them all; running it again with the same --out resumes the job.",
            "The global and authentication options below work with every command, before or \
             after its name; the help of a command leaves them out (--help-all shows them). \
             Most options can also be set with a GROUP_EXPORT_* environment variable (see \
             ENVIRONMENT) or in a profile of the configuration file (see CONFIGURATION). \
             Everything for people goes to stderr; stdout carries only data.",
        ],
    )
}

/// COMMANDS: a subsection per command that does something, with its synopsis, description,
/// own options (the global ones are described once, above) and examples.
fn commands(out: &mut dyn Write, cli: &clap::Command) -> std::io::Result<()> {
    writeln!(out, ".SH COMMANDS")?;
    for command in leaf_commands(cli) {
        let name = command.get_bin_name().unwrap_or(command.get_name());
        writeln!(out, ".SS \"{}\"", escape(name))?;
        let mut own = command.clone().mut_arg("help", |arg| arg.hide(true));
        for arg in cli.get_arguments().filter(|a| a.is_global_set()) {
            own = own.mut_arg(arg.get_id(), |arg| arg.hide(true));
        }
        let man = clap_mangen::Man::new(own);
        write_subsection(out, |w| man.render_synopsis_section(w))?;
        writeln!(out, ".PP")?;
        write_subsection(out, |w| man.render_description_section(w))?;
        write_subsection(out, |w| man.render_options_section(w))?;
        if let Some(help) = command.get_after_help() {
            examples(out, &help.to_string())?;
        }
    }
    Ok(())
}

/// Every command that does something (`groups search`, …, `run`, …), in help order.
fn leaf_commands(command: &clap::Command) -> Vec<&clap::Command> {
    command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .flat_map(|sub| {
            if sub.has_subcommands() {
                leaf_commands(sub)
            } else {
                vec![sub]
            }
        })
        .collect()
}

/// The examples of a command's help (`Examples:` and indented lines), as a literal block.
fn examples(out: &mut dyn Write, after_help: &str) -> std::io::Result<()> {
    let mut lines = after_help.lines();
    let Some(heading) = lines.next() else {
        return Ok(());
    };
    writeln!(out, ".PP")?;
    writeln!(out, "{}", bold(heading.trim()))?;
    writeln!(out, ".RS 4")?;
    writeln!(out, ".nf")?;
    for line in lines {
        writeln!(
            out,
            "{}",
            escape_line(line.strip_prefix("  ").unwrap_or(line))
        )?;
    }
    writeln!(out, ".fi")?;
    writeln!(out, ".RE")
}

/// EXIT STATUS, from the one table of `crate::exit`.
fn exit_status(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in exit_codes() {
        writeln!(out, ".TP\n{}\n{}", bold(code), escape_line(meaning))?;
    }
    paragraphs(
        out,
        &[
            "75 and 5 mean that trying again later may succeed (the same command continues \
             where it stopped); 73 that another process works on the same --out; 6 and 7 need \
             a person. A closed stdout (a reader such as head that stops early) ends the \
             program quietly with 0.",
        ],
    )
}

/// (code, meaning) from `crate::exit::SUMMARY`: `Exit codes: 0 ok, 1 internal, …`.
fn exit_codes() -> Vec<(&'static str, &'static str)> {
    let table = crate::exit::SUMMARY;
    let table = table.strip_prefix("Exit codes:").unwrap_or(table);
    table
        .trim()
        .trim_end_matches('.')
        .split(", ")
        .filter_map(|entry| entry.split_once(' '))
        .collect()
}

/// ENVIRONMENT: every variable a flag reads (from the clap definitions), then those read
/// elsewhere.
fn environment(out: &mut dyn Write, cli: &clap::Command) -> std::io::Result<()> {
    writeln!(out, ".SH ENVIRONMENT")?;
    paragraphs(
        out,
        &["Each GROUP_EXPORT_* variable stands for an option, which wins when it is given."],
    )?;
    for variable in flag_variables(cli) {
        let commands = match variable.commands.as_slice() {
            [] => "every command".to_string(),
            names => names.join(", "),
        };
        writeln!(out, ".TP\n{}", bold(&variable.name))?;
        writeln!(
            out,
            "{} ({}): {}",
            bold(&variable.flag),
            escape(&commands),
            escape(&variable.help)
        )?;
    }
    let others = [
        (
            crate::config::TOKEN_ENV,
            "A bearer access token, for servers that take one issued elsewhere (--token-file \
             reads one from a file and wins). There is deliberately no flag for the token \
             itself, so it never shows in the process list or shell history.",
        ),
        (
            "XDG_CONFIG_HOME",
            "Where the configuration file is looked for: \
             $XDG_CONFIG_HOME/group-export/config.toml (see FILES).",
        ),
        (
            "XDG_STATE_HOME",
            "Where --since auto keeps its records without --state-dir: \
             $XDG_STATE_HOME/group-export (see FILES).",
        ),
        (
            "HOME",
            "For the defaults when the XDG variables are not set: ~/.config and \
             ~/.local/state.",
        ),
        (
            "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
            "The proxy for requests, as usual (lower-case names too).",
        ),
        (
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, \
             AWS_REGION, AWS_ENDPOINT_URL, AWS_ALLOW_HTTP",
            "For an s3:// --out: credentials (also ~/.aws/credentials and ~/.aws/config of \
             AWS_PROFILE, web identity, container and instance credentials), region and \
             endpoint. --object-store-option KEY=VALUE sets other options.",
        ),
        (
            "GOOGLE_APPLICATION_CREDENTIALS",
            "For a gs:// --out: the service account file (else the application default \
             credentials).",
        ),
        (
            "AZURE_STORAGE_ACCOUNT_NAME, AZURE_STORAGE_ACCOUNT_KEY",
            "For an az:// --out: the storage account and its key (or an identity).",
        ),
        (
            "RUST_LOG",
            "A log filter that replaces the levels of -v, -vv and -q, e.g. \
             group_export=debug.",
        ),
    ];
    for (name, text) in others {
        writeln!(out, ".TP\n{}\n{}", bold(name), escape(text))?;
    }
    Ok(())
}

/// A variable of the command line: the flag it stands for, the commands that have it
/// (none: every command) and the flag's short help.
struct FlagVariable {
    name: String,
    flag: String,
    commands: Vec<String>,
    help: String,
}

/// Every `env` of the clap definitions, once each, global ones first.
fn flag_variables(cli: &clap::Command) -> Vec<FlagVariable> {
    let mut found: Vec<FlagVariable> = Vec::new();
    let mut visit = |command: &clap::Command, top: bool| {
        for arg in command.get_arguments() {
            let Some(env) = arg.get_env() else { continue };
            if arg.is_global_set() && !top {
                continue;
            }
            let name = env.to_string_lossy().into_owned();
            let path = command
                .get_bin_name()
                .unwrap_or(command.get_name())
                .trim_start_matches(cli.get_name())
                .trim()
                .to_string();
            match found.iter_mut().find(|v| v.name == name) {
                Some(variable) if !top => variable.commands.push(path),
                Some(_) => {}
                None => found.push(FlagVariable {
                    name,
                    flag: format!("--{}", arg.get_long().unwrap_or(arg.get_id().as_str())),
                    commands: if top { Vec::new() } else { vec![path] },
                    help: arg
                        .get_help()
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                }),
            }
        }
    };
    visit(cli, true);
    for command in leaf_commands(cli) {
        visit(command, false);
    }
    found
}

fn files(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, ".SH FILES")?;
    let entries = [
        (
            "$XDG_CONFIG_HOME/group-export/config.toml",
            "The configuration file, else ~/.config/group-export/config.toml; another one with \
             --config or GROUP_EXPORT_CONFIG. See CONFIGURATION.",
        ),
        (
            "$XDG_STATE_HOME/group-export/",
            "The state directory, else ~/.local/state/group-export/; another one with \
             --state-dir or GROUP_EXPORT_STATE_DIR. It holds the transactionTime of the last \
             complete, verified export of each request (base URL, Group, types, type filters, \
             elements, patients, includeAssociatedData), one small JSON file per request, for \
             --since auto. --state-dir may also be an object store location (s3://, gs://, \
             az://) that workers on several machines share.",
        ),
        (
            "DIR/",
            "The job directory given with --out (a template with {group}, {date} and {time} \
             makes one per run), or the prefix of an object store URL (s3://, gs://, az://) \
             that holds the same names. It holds:",
        ),
    ];
    for (path, text) in entries {
        writeln!(out, ".TP\n{}\n{}", italic(path), escape(text))?;
    }
    writeln!(out, ".RS")?;
    let layout = [
        ("manifest.json", "the server's manifest"),
        (
            "<Type>.<NNN>.ndjson",
            "the output files, numbered per type in manifest order, each renamed into place \
             only once verified",
        ),
        (
            "<Type>.<NNN>.ndjson.part",
            "a file still downloading, or one that failed verification",
        ),
        (
            "error/OperationOutcome.<NNN>.ndjson",
            "the error[] files of the server",
        ),
        (
            "deleted/Bundle.<NNN>.ndjson",
            "the deleted[] files (with --since)",
        ),
        (
            "log.ndjson",
            "the event log of the export, in the format of the SMART bulk-data-client",
        ),
        (
            ".group-export/job.json",
            "the job: the request, the status URL, the manifest, the files finished (for a \
             crawl: the searches and the pages done)",
        ),
        (
            ".group-export/crawl-members.json",
            "the patients a crawl covers, read from the Group when it started",
        ),
        (
            ".group-export/lock",
            "held while a process works on DIR (exit code 73 for a second one); in an object \
             store a lease that expires 60 s after its holder stops renewing it",
        ),
        (
            ".group-export/share-K-of-N.json, log.share-K-of-N.ndjson",
            "with --shard K/N: the files done of share K and its event log \
             (.group-export/lock.share-K-of-N is its lock)",
        ),
        (
            "attachments/, hydrated/, inlined/",
            "what hydrate fetched: attachment content by SHA-256 with attachments/index.ndjson, \
             referenced resources, copies with small attachments inlined (state in \
             .group-export/hydrate.json)",
        ),
        ("report.html, report.md", "the run report"),
    ];
    for (path, text) in layout {
        writeln!(
            out,
            ".TP\n{}\n{}",
            italic(&format!("DIR/{path}")),
            escape(text)
        )?;
    }
    writeln!(out, ".RE")
}

fn configuration(out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, ".SH CONFIGURATION")?;
    paragraphs(
        out,
        &[
            "Settings can live in the configuration file (see FILES), a TOML file of named \
           profiles. The profile used is the one named with --profile NAME or \
           GROUP_EXPORT_PROFILE, else the file's default_profile:",
        ],
    )?;
    let example = r#"default_profile = "nightly"

[profiles.nightly]
base_url = "https://ehr.example.org/provider/system-access/v2/tenant-1"
client_id = "my-client"
private_key = "/etc/group-export/private.pem"   # paths to secrets, not the secrets
types = ["Patient", "Observation", "Condition"]
parallel = 8
timeout = "12h"
state_dir = "/var/lib/group-export""#;
    writeln!(out, ".PP\n.RS 4\n.nf")?;
    for line in example.lines() {
        writeln!(out, "{}", escape_line(line))?;
    }
    writeln!(out, ".fi\n.RE")?;
    let keys = crate::config::profile_keys();
    let every: Vec<&str> = keys
        .iter()
        .filter(|(_, commands)| commands.is_empty())
        .map(|(key, _)| *key)
        .collect();
    let some: Vec<String> = keys
        .iter()
        .filter(|(_, commands)| !commands.is_empty())
        .map(|(key, commands)| format!("{key} ({})", commands.join(", ")))
        .collect();
    paragraphs(
        out,
        &[
            &format!(
                "Keys, named after the options they stand for: {} (every command); {}. token and \
                 client_secret may be written inline, with a warning each time. An unknown key \
                 is an error, and so is a bad value, naming the file, the profile and the key.",
                every.join(", "),
                some.join(", ")
            ),
            "Precedence, for every key: the option on the command line, then its GROUP_EXPORT_* \
             variable, then the profile, then the built-in default. The access token: \
             --token-file (or GROUP_EXPORT_TOKEN_FILE), then GROUP_EXPORT_TOKEN, then the \
             profile's token_file, then its inline token.",
            "group-export config show prints every setting, its value (secrets as ***) and \
             where it came from, from the same resolution the commands use.",
        ],
    )
}

/// Paragraphs of prose, escaped.
fn paragraphs(out: &mut dyn Write, texts: &[&str]) -> std::io::Result<()> {
    for text in texts {
        writeln!(out, ".PP\n{}", escape_line(text))?;
    }
    Ok(())
}

/// A section rendered by clap_mangen, without the string definitions roff repeats in each.
fn write_rendered(
    out: &mut dyn Write,
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut section = Vec::new();
    render(&mut section)?;
    for line in String::from_utf8_lossy(&section).lines() {
        if !line.starts_with(".ie \\n(.g .ds Aq") && !line.starts_with(".el .ds Aq") {
            writeln!(out, "{}", ascii(line))?;
        }
    }
    Ok(())
}

/// A section rendered by clap_mangen, inside a command's subsection: `.SH OPTIONS` becomes
/// a bold `Options:` paragraph; the headings SYNOPSIS and DESCRIPTION go (the subsection
/// says what it is).
fn write_subsection(
    out: &mut dyn Write,
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut section = Vec::new();
    write_rendered(&mut section, render)?;
    for line in String::from_utf8_lossy(&section).lines() {
        match line.strip_prefix(".SH ") {
            Some("SYNOPSIS" | "DESCRIPTION") => {}
            Some(heading) => {
                let heading = heading.trim_matches('"').to_lowercase();
                let mut chars = heading.chars();
                let title: String = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                writeln!(out, ".PP\n{}", bold(&format!("{title}:")))?;
            }
            None => writeln!(out, "{line}")?,
        }
    }
    Ok(())
}

/// Text for roff: backslashes and hyphens escaped, and any other character than ASCII
/// written as its code point (`…` as `\[u2026]`), which every troff reads.
fn escape(text: &str) -> String {
    ascii(&text.replace('\\', "\\e").replace('-', "\\-"))
}

fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\t' => c.to_string(),
            c => format!("\\[u{:04X}]", c as u32),
        })
        .collect()
}

/// A line of text for roff: escaped, and never read as a request (a leading `.` or `'`).
fn escape_line(text: &str) -> String {
    let escaped = escape(text);
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn bold(text: &str) -> String {
    format!("\\fB{}\\fR", escape(text))
}

fn italic(text: &str) -> String {
    format!("\\fI{}\\fR", escape(text))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_exit_code_of_the_table_is_read() {
        let codes = super::exit_codes();
        assert_eq!(codes.first(), Some(&("0", "ok")));
        assert_eq!(codes.last(), Some(&("130", "interrupted")));
        assert_eq!(
            codes.len(),
            crate::exit::SUMMARY.matches(", ").count() + 1,
            "{codes:?}"
        );
    }

    #[test]
    fn roff_lines_are_never_requests() {
        assert_eq!(super::escape_line(".hidden"), "\\&.hidden");
        assert_eq!(super::escape_line("a-b \\n"), "a\\-b \\en");
    }
}
