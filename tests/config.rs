//! The configuration file: profiles, precedence (flags > env > profile > defaults) and
//! `config show`, which never shows a secret.

mod common;

use common::*;
use serde_json::Value;

fn config_home(body: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("group-export");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), body).unwrap();
    home
}

fn show(home: &tempfile::TempDir, env: &[(&str, &str)], args: &[&str]) -> Vec<Value> {
    let mut cmd = group_export("");
    cmd.env("XDG_CONFIG_HOME", home.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).args(["config", "show", "--format", "json"]);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str::<Value>(&stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn setting<'a>(settings: &'a [Value], key: &str) -> (&'a Value, &'a str) {
    let s = settings.iter().find(|s| s["key"] == key).unwrap();
    (&s["value"], s["source"].as_str().unwrap())
}

#[test]
fn flags_beat_env_beat_profile_beat_defaults() {
    let home = config_home(
        r#"
default_profile = "nightly"
[profiles.nightly]
base_url = "http://profile.invalid/fhir"
retries = 9
request_timeout = "5m"
parallel = 8
"#,
    );
    let settings = show(
        &home,
        &[("GROUP_EXPORT_RETRIES", "5"), ("GROUP_EXPORT_BASE_URL", "")],
        &["--request-timeout", "10s"],
    );
    assert_eq!(setting(&settings, "request_timeout").0, "10s");
    assert_eq!(setting(&settings, "request_timeout").1, "flag");
    assert_eq!(setting(&settings, "retries").0, "5");
    assert_eq!(setting(&settings, "retries").1, "env GROUP_EXPORT_RETRIES");
    let (parallel, from) = setting(&settings, "parallel");
    assert_eq!(
        (parallel.as_str(), from.starts_with("profile nightly")),
        (Some("8"), true)
    );
    assert_eq!(
        setting(&settings, "progress"),
        (&Value::from("auto"), "default")
    );
}

#[test]
fn a_profile_points_commands_at_its_server() {
    let mock = mock(MockConfig::default());
    let home = config_home(&format!(
        "[profiles.mock]\nbase_url = \"{}\"\n[profiles.other]\nbase_url = \"http://nowhere.invalid\"\n",
        mock.base_url()
    ));
    let mut cmd = group_export("");
    cmd.env_remove("GROUP_EXPORT_BASE_URL")
        .env("XDG_CONFIG_HOME", home.path())
        .env("GROUP_EXPORT_PROFILE", "mock")
        .args(["groups", "read", "hypertension-cohort", "--format", "json"]);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"hypertension-cohort\""));
}

#[test]
fn secrets_are_redacted_and_inline_ones_warned_about() {
    let home = config_home(
        "[profiles.p]\ntoken = \"s3cr3t-inline\"\nclient_secret_file = \"/etc/secret\"\n",
    );
    let mut cmd = group_export("");
    cmd.env("XDG_CONFIG_HOME", home.path())
        .args(["--profile", "p", "config", "show"]);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("s3cr3t") && !stderr.contains("s3cr3t"));
    assert!(stdout.contains("***"), "{stdout}");
    assert!(
        stdout.contains("/etc/secret"),
        "file paths are shown: {stdout}"
    );
    assert!(stderr.contains("inline"), "{stderr}");

    // The environment's token outranks the profile's, and config show says so.
    let settings = show(
        &home,
        &[("GROUP_EXPORT_TOKEN", "s3cr3t-env")],
        &["--profile", "p"],
    );
    let (value, source) = setting(&settings, "token");
    assert_eq!(value, "***");
    assert_eq!(source, "env GROUP_EXPORT_TOKEN");
    assert_eq!(settings.iter().filter(|s| s["key"] == "token").count(), 1);
}

#[test]
fn config_mistakes_are_usage_errors() {
    for (body, args, expected) in [
        (
            "[profiles.p]\nbase_urll = \"x\"\n",
            &["--profile", "p"][..],
            "key 'base_urll': unknown key",
        ),
        ("[profiles.p]\n", &["--profile", "q"][..], "no profile 'q'"),
        ("not toml", &[][..], "config.toml"),
    ] {
        let home = config_home(body);
        let mut cmd = group_export("");
        cmd.env("XDG_CONFIG_HOME", home.path())
            .args(args)
            .args(["config", "show"]);
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, 2, "{body}: {stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn per_command_keys_from_the_environment_show_as_such() {
    let home = config_home("[profiles.p]\ntimeout = \"2h\"\n");
    let settings = show(
        &home,
        &[("GROUP_EXPORT_PARALLEL", "16")],
        &["--profile", "p"],
    );
    assert_eq!(
        setting(&settings, "parallel"),
        (&Value::from("16"), "env GROUP_EXPORT_PARALLEL")
    );
    let (timeout, from) = setting(&settings, "timeout");
    assert_eq!(timeout, "2h");
    assert!(from.starts_with("profile p"), "{from}");
}

#[test]
fn the_token_config_show_names_is_the_token_sent() {
    let mock = mock(MockConfig::default());
    let secrets = tempfile::tempdir().unwrap();
    let token_file = secrets.path().join("token");
    std::fs::write(&token_file, "from-profile-file\n").unwrap();
    let home = config_home(&format!(
        "[profiles.p]\ntoken_file = \"{}\"\n",
        token_file.display()
    ));
    let sent = |env: &[(&str, &str)]| {
        let mut cmd = group_export(&mock.base_url());
        cmd.env("XDG_CONFIG_HOME", home.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(["--profile", "p", "groups", "read", "hypertension-cohort"]);
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, 0, "{stderr}");
        let requests = mock.requests();
        requests
            .last()
            .unwrap()
            .header("authorization")
            .unwrap()
            .to_string()
    };
    // The environment's token outranks the profile's token file, in use and in config show.
    assert_eq!(
        sent(&[("GROUP_EXPORT_TOKEN", "from-env")]),
        "Bearer from-env"
    );
    let settings = show(
        &home,
        &[("GROUP_EXPORT_TOKEN", "from-env")],
        &["--profile", "p"],
    );
    assert_eq!(setting(&settings, "token").1, "env GROUP_EXPORT_TOKEN");
    assert!(setting(&settings, "token_file").1.contains("not used"));
    // Without it, the profile's file is used, and config show says the file is in use.
    assert_eq!(sent(&[]), "Bearer from-profile-file");
    let settings = show(&home, &[], &["--profile", "p"]);
    assert!(settings.iter().all(|s| s["key"] != "token"));
    assert!(setting(&settings, "token_file").1.starts_with("profile p"));
}

#[test]
fn secrets_are_read_only_by_commands_that_go_to_the_network() {
    let home = config_home("[profiles.p]\ntoken_file = \"/nonexistent/token\"\n");
    for args in [
        &["config", "show"][..],
        &["completions", "bash"][..],
        &["man"][..],
    ] {
        let mut cmd = group_export("");
        cmd.env("XDG_CONFIG_HOME", home.path())
            .args(["--profile", "p"])
            .args(args);
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let mut cmd = group_export("http://127.0.0.1:1/fhir");
    cmd.env("XDG_CONFIG_HOME", home.path())
        .args(["--profile", "p", "groups", "read", "g1"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 3, "the network command reads it: {stderr}");
    assert!(stderr.contains("/nonexistent/token"), "{stderr}");
}

#[test]
fn a_bad_profile_value_names_the_file_the_profile_and_the_key() {
    let home = config_home("[profiles.p]\nparallel = \"eight\"\n");
    let mut cmd = group_export("");
    cmd.env("XDG_CONFIG_HOME", home.path())
        .args(["--profile", "p", "download", "--out", "x"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("config.toml"), "{stderr}");
    assert!(stderr.contains("profile 'p'"), "{stderr}");
    assert!(stderr.contains("key 'parallel'"), "{stderr}");
    assert!(stderr.contains("eight"), "{stderr}");
    assert!(
        !stderr.contains("--parallel"),
        "not a flag's mistake: {stderr}"
    );
}

#[test]
fn an_unreadable_default_config_is_skipped_with_a_warning() {
    // A directory where the file should be cannot be read, even by root.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("group-export/config.toml")).unwrap();
    let mut cmd = group_export("");
    cmd.env("XDG_CONFIG_HOME", home.path())
        .args(["config", "show"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning") && stderr.contains("cannot be read"),
        "{stderr}"
    );
    // Named explicitly, it must be readable.
    let mut cmd = group_export("");
    cmd.args(["--config"])
        .arg(home.path().join("group-export/config.toml"))
        .args(["config", "show"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 74, "{stderr}");
}

#[test]
fn an_empty_variable_counts_as_unset_and_the_profile_wins() {
    let home =
        config_home("[profiles.p]\nbase_url = \"http://profile.invalid/fhir\"\nretries = 7\n");
    let settings = show(
        &home,
        &[("GROUP_EXPORT_BASE_URL", ""), ("GROUP_EXPORT_RETRIES", "")],
        &["--profile", "p"],
    );
    let (url, from) = setting(&settings, "base_url");
    assert_eq!(url, "http://profile.invalid/fhir");
    assert!(from.starts_with("profile p"), "{from}");
    assert_eq!(setting(&settings, "retries").0, "7");
}
