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
            "unknown key 'base_urll'",
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
