//! The command-line definition itself: completions and the man page are fresh, and help
//! text carries the examples and exit codes users rely on.

mod common;

use common::*;

const SHELLS: &[(&str, &str)] = &[
    ("bash", "group-export.bash"),
    ("zsh", "_group-export"),
    ("fish", "group-export.fish"),
    ("powershell", "_group-export.ps1"),
    ("elvish", "group-export.elv"),
];

/// Fails when completions/ is stale. `UPDATE_COMPLETIONS=1 cargo test --test cli`
/// rewrites the files.
#[test]
fn committed_completions_are_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in SHELLS {
        let mut cmd = group_export("");
        cmd.args(["completions", shell]);
        let (code, generated, stderr) = run(cmd);
        assert_eq!(code, 0, "{stderr}");
        assert_fresh(&dir.join(file), &generated);
    }
}

/// Fails when the committed man page is stale (regenerated like the completions).
#[test]
fn committed_man_page_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/group-export.1");
    let generated = man_page();
    assert!(generated.contains(".TH group-export"), "roff output");
    assert_fresh(&path, &generated);
}

/// `group-export man`, the roff text.
fn man_page() -> String {
    let mut cmd = group_export("");
    cmd.arg("man");
    let (code, page, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    page
}

/// The text of one `.SH` section of the man page (up to the next `.SH`).
fn man_section<'a>(page: &'a str, heading: &str) -> &'a str {
    let start = page
        .find(&format!("\n.SH {heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading}"));
    let rest = &page[start + 1..];
    let end = rest[1..].find("\n.SH ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

#[test]
fn man_page_has_the_sections_of_a_man_page_and_no_dangling_references() {
    let page = man_page();
    for heading in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "\"GLOBAL OPTIONS\"",
        "\"AUTHENTICATION OPTIONS\"",
        "COMMANDS",
        "\"EXIT STATUS\"",
        "ENVIRONMENT",
        "FILES",
        "CONFIGURATION",
    ] {
        man_section(&page, heading);
    }
    assert!(!page.contains(".SH EXTRA"), "exit codes are not EXTRA");
    // No group-export-run(1) and the like: the page is the only one.
    assert!(!page.contains("(1)"), "a reference to another page");
    // The whole reference: every command's own options and examples, once each.
    let commands = man_section(&page, "COMMANDS");
    for command in ["run", "groups search", "poll", "demo", "mock\\-server"] {
        let heading = format!(".SS \"group\\-export {command}\"");
        assert!(commands.contains(&heading), "{heading}");
    }
    assert!(commands.contains("keep\\-server\\-job"), "run's own flags");
    assert!(
        commands.contains("/usr/local/bin/group\\-export run g1"),
        "run's examples"
    );
    assert_eq!(
        page.matches("\\-\\-request\\-timeout\\fR \\fI<DURATION>")
            .count(),
        1,
        "global options described once"
    );
}

#[test]
fn man_page_lists_every_environment_variable_exit_code_and_profile_key() {
    use clap::CommandFactory;
    let page = man_page();
    let environment = man_section(&page, "ENVIRONMENT");
    let mut variables = vec![
        "GROUP_EXPORT_TOKEN".to_string(),
        "XDG_CONFIG_HOME".into(),
        "XDG_STATE_HOME".into(),
    ];
    fn collect(command: &clap::Command, into: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                into.push(env.to_string_lossy().into_owned());
            }
        }
        for sub in command.get_subcommands() {
            collect(sub, into);
        }
    }
    collect(&group_export::cli::Cli::command(), &mut variables);
    assert!(variables.len() > 20, "{variables:?}");
    for variable in &variables {
        assert!(
            environment.contains(&format!("\\fB{variable}\\fR")),
            "{variable} missing from ENVIRONMENT"
        );
    }

    let exit_status = man_section(&page, "\"EXIT STATUS\"");
    let table = group_export::exit::SUMMARY.trim_start_matches("Exit codes:");
    for entry in table.trim().trim_end_matches('.').split(", ") {
        let (code, _) = entry.split_once(' ').unwrap();
        assert!(
            exit_status.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "exit code {code} missing"
        );
    }

    let configuration = man_section(&page, "CONFIGURATION");
    let mut cmd = group_export("");
    cmd.args(["config", "show", "--format", "json"]);
    let (code, shown, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    let shown: Vec<serde_json::Value> = serde_json::from_str(&shown).unwrap();
    for setting in shown {
        let key = setting["key"].as_str().unwrap();
        assert!(configuration.contains(key), "profile key {key} missing");
    }
}

#[test]
fn help_lists_exit_codes_and_examples() {
    let mut cmd = group_export("");
    cmd.arg("--help");
    let (_, help, _) = run(cmd);
    assert!(help.contains("130 interrupted"), "{help}");
    let mut cmd = group_export("");
    cmd.args(["run", "--help"]);
    let (_, help, _) = run(cmd);
    assert!(help.contains("| jq"), "{help}");
}

#[test]
fn usage_errors_exit_2() {
    let mut cmd = group_export("");
    cmd.args(["groups", "search", "--all", "--limit", "3"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
}

/// Every command that does something, as the words that name it (`["groups", "search"]`).
fn leaf_commands() -> Vec<Vec<String>> {
    use clap::CommandFactory;
    fn walk(command: &clap::Command, path: Vec<String>, into: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands() {
            let mut words = path.clone();
            words.push(sub.get_name().to_string());
            if sub.has_subcommands() {
                walk(sub, words, into);
            } else {
                into.push(words);
            }
        }
    }
    let mut commands = Vec::new();
    walk(
        &group_export::cli::Cli::command(),
        Vec::new(),
        &mut commands,
    );
    assert!(commands.len() > 10, "{commands:?}");
    commands
}

/// The help text the binary prints for these arguments.
fn help_text(args: &[&str]) -> String {
    let mut cmd = group_export("");
    cmd.args(args);
    let (code, help, stderr) = run(cmd);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    help
}

#[test]
fn command_help_shows_its_own_options_and_names_the_global_ones_in_one_note() {
    for words in leaf_commands() {
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
            args.push(flag);
            let help = help_text(&args);
            for global in [
                "--base-url <URL>",
                "--token-file <FILE>",
                "--progress <PROGRESS>",
            ] {
                assert!(
                    !help.contains(global),
                    "{args:?} describes {global}:\n{help}"
                );
            }
            assert!(!help.contains("Global options:\n"), "{args:?}:\n{help}");
            assert!(help.contains("--help-all"), "{args:?}:\n{help}");
            assert!(
                help.contains("Global options, for every command")
                    && help.contains("--base-url,")
                    && help.contains("--token-file,"),
                "{args:?} does not name the global options:\n{help}"
            );
        }
    }
    let man = help_text(&["man", "--help"]);
    assert!(man.lines().count() < 25, "{man}");
}

#[test]
fn help_all_adds_the_global_options_after_the_commands_own() {
    let help = help_text(&["run", "--help-all"]);
    let at = |text: &str| {
        help.find(text)
            .unwrap_or_else(|| panic!("no {text:?} in:\n{help}"))
    };
    assert!(at("--out <DIR|URL>") < at("\nGlobal options:\n"), "{help}");
    assert!(at("\nGlobal options:\n") < at("\nAuthentication options:\n"));
    assert!(help.contains("--base-url <URL>") && help.contains("--private-key <FILE>"));
    // Nested commands too, and the top-level help describes them without the flag.
    let nested = help_text(&["groups", "search", "--help-all"]);
    assert!(nested.contains("--request-timeout <DURATION>"), "{nested}");
    let top = help_text(&["--help"]);
    for text in [
        "\nGlobal options:\n",
        "\nAuthentication options:\n",
        "--token-file <FILE>",
    ] {
        assert!(top.contains(text), "{text:?} not in:\n{top}");
    }
}

#[test]
fn global_options_still_work_after_any_command_and_from_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.p]\nbase_url = \"https://profile.example/fhir\"\nretries = 5\nparallel = 6\n",
    )
    .unwrap();
    let setting = |args: &[&str], key: &str| {
        let mut cmd = group_export("");
        // Even empty, the variable would beat the profile.
        cmd.env_remove("GROUP_EXPORT_BASE_URL").args(args);
        let (code, out, stderr) = run(cmd);
        assert_eq!(code, 0, "{stderr}");
        let shown: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        let row = shown.into_iter().find(|s| s["key"] == key).unwrap();
        (
            row["value"].as_str().unwrap_or_default().to_string(),
            row["source"].as_str().unwrap().to_string(),
        )
    };
    let config = config.to_str().unwrap();
    let (value, source) = setting(
        &[
            "config",
            "show",
            "--format",
            "json",
            "--retries",
            "7",
            "--config",
            config,
            "--profile",
            "p",
        ],
        "retries",
    );
    assert_eq!((value.as_str(), source.as_str()), ("7", "flag"));
    let (value, source) = setting(
        &[
            "config",
            "show",
            "--format",
            "json",
            "--config",
            config,
            "--profile",
            "p",
        ],
        "base_url",
    );
    assert_eq!(value, "https://profile.example/fhir");
    assert!(source.starts_with("profile p"), "{source}");
    // A global flag after the command is read by that command.
    let mut cmd = group_export("");
    cmd.args(["run", "g1", "--out"])
        .arg(dir.path().join("out"))
        .args(["--base-url", "not a url"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("invalid base URL"), "{stderr}");
}

#[test]
fn environment_values_never_show_in_help() {
    // The harness sets GROUP_EXPORT_BASE_URL to an empty value.
    let mut cmd = group_export("");
    cmd.env("GROUP_EXPORT_CLIENT_ID", "client-from-env")
        .env("GROUP_EXPORT_PARALLEL", "9")
        .arg("--help");
    let (_, top, _) = run(cmd);
    assert!(top.contains("[env: GROUP_EXPORT_BASE_URL]"), "{top}");
    assert!(top.contains("[env: GROUP_EXPORT_CLIENT_ID]"), "{top}");
    assert!(
        !top.contains("=]") && !top.contains("client-from-env"),
        "{top}"
    );
    for args in [["run", "--help"], ["run", "--help-all"]] {
        let mut cmd = group_export("");
        cmd.env("GROUP_EXPORT_PARALLEL", "9").args(args);
        let (_, help, _) = run(cmd);
        assert!(help.contains("[env: GROUP_EXPORT_PARALLEL]"), "{help}");
        assert!(!help.contains("=9") && !help.contains("=]"), "{help}");
    }
}

#[test]
fn every_command_has_examples() {
    for words in leaf_commands() {
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let help = help_text(&args);
        let examples = help
            .split("\nExamples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{args:?} has no examples:\n{help}"));
        assert!(
            examples
                .lines()
                .any(|l| l.trim_start().starts_with("group-export ")),
            "{args:?}:\n{examples}"
        );
    }
}

#[test]
fn crontab_example_has_a_full_path_and_the_date_template_on_one_line() {
    let help = help_text(&["run", "--help"]);
    let line = help
        .lines()
        .find(|l| l.starts_with("  0 2 * * * "))
        .unwrap_or_else(|| panic!("no crontab line:\n{help}"));
    assert!(
        line.contains(" /usr/local/bin/group-export run ") && line.contains("'/data/g1/{date}'"),
        "{line}"
    );
    assert!(
        line.ends_with("2>>/var/log/g1.log"),
        "cut by wrapping: {line}"
    );
    assert!(!help.contains("$(date"), "{help}");
}
