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
    let update = std::env::var_os("UPDATE_COMPLETIONS").is_some();
    for (shell, file) in SHELLS {
        let mut cmd = group_export("");
        cmd.args(["completions", shell]);
        let (code, generated, stderr) = run(cmd);
        assert_eq!(code, 0, "{stderr}");
        let path = dir.join(file);
        if update {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is stale: run `UPDATE_COMPLETIONS=1 cargo test --test cli`",
            path.display()
        );
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
    if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `UPDATE_COMPLETIONS=1 cargo test --test cli`",
        path.display()
    );
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
