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
    let mut cmd = group_export("");
    cmd.arg("man");
    let (code, generated, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(generated.contains(".TH group-export"), "roff output");
    // The whole reference: every command's own options and examples, once each.
    for section in [
        ".SH \"GROUP-EXPORT RUN\"",
        ".SH \"GROUP-EXPORT GROUPS SEARCH\"",
    ] {
        assert!(generated.contains(section), "{section}");
    }
    assert!(generated.contains("keep\\-server\\-job"), "run's own flags");
    assert_eq!(
        generated
            .matches("\\-\\-request\\-timeout\\fR \\fI<DURATION>")
            .count(),
        1,
        "global options described once"
    );
    assert_fresh(&path, &generated);
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
