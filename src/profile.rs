//! The configuration file and its named profiles, and the command line resolved against
//! them: flags > `GROUP_EXPORT_*` environment > profile > built-in defaults.
//!
//! A profile's values become the defaults of the matching clap arguments, so clap itself
//! applies that precedence and can say where each value came from (`config show`).
//!
//! ```toml
//! default_profile = "prod"
//!
//! [profiles.prod]
//! base_url = "https://ehr.example.org/fhir/r4"
//! client_id = "my-client"
//! private_key = "/etc/group-export/private.pem"
//! types = ["Patient", "Observation"]
//! parallel = 8
//! timeout = "12h"
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Where a profile key goes: a global flag, or a flag of some subcommands. The key is
/// the clap argument id (the flag's field name).
struct Key {
    name: &'static str,
    /// Subcommands that have the flag; empty for global flags.
    commands: &'static [&'static str],
}

const fn global(name: &'static str) -> Key {
    Key {
        name,
        commands: &[],
    }
}

const fn of(commands: &'static [&'static str], name: &'static str) -> Key {
    Key { name, commands }
}

/// Every key a profile may set.
const KEYS: &[Key] = &[
    global("base_url"),
    global("token_file"),
    global("client_id"),
    global("client_secret_file"),
    global("client_auth"),
    global("private_key"),
    global("kid"),
    global("alg"),
    global("token_url"),
    global("scope"),
    global("request_timeout"),
    global("retries"),
    global("progress"),
    global("state_dir"),
    of(&["kickoff", "run"], "types"),
    of(&["download", "run"], "parallel"),
    of(&["poll", "run"], "timeout"),
    of(&["poll", "run"], "max_wait"),
];

/// Inline secrets: allowed (with a warning) for users who insist.
const INLINE_SECRETS: &[&str] = &["token", "client_secret"];

/// A parsed command line with the profile it was resolved against.
#[derive(Debug)]
pub struct Invocation {
    pub cli: Cli,
    pub profile: LoadedProfile,
    /// For each key: the value in effect and where it came from.
    pub resolved: Vec<Resolved>,
}

/// The profile in use (possibly none).
#[derive(Debug, Default)]
pub struct LoadedProfile {
    pub name: Option<String>,
    pub file: Option<PathBuf>,
    values: toml::Table,
}

/// One setting as `config show` prints it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Resolved {
    pub key: String,
    pub value: Option<String>,
    pub source: String,
}

impl LoadedProfile {
    /// An inline secret of the profile (`token`, `client_secret`).
    pub fn secret(&self, key: &str) -> Option<String> {
        self.values
            .get(key)
            .and_then(|v| v.as_str())
            .map(String::from)
    }
}

/// Parses the command line (clap errors come back as `Error::Clap`).
pub fn parse(args: Vec<OsString>) -> Result<Invocation> {
    let profile = load(&args)?;
    let mut command = Cli::command();
    for key in KEYS {
        let Some(value) = profile.values.get(key.name) else {
            continue;
        };
        let text = value_text(key.name, value)?;
        if key.commands.is_empty() {
            command = command.mut_arg(key.name, |arg| arg.default_value(text.clone()));
        } else {
            for name in key.commands {
                command = command.mut_subcommand(*name, |sub| {
                    sub.mut_arg(key.name, |arg| arg.default_value(text.clone()))
                });
            }
        }
    }
    let matches = command.try_get_matches_from(args).map_err(Error::Clap)?;
    let cli = Cli::from_arg_matches(&matches).map_err(Error::Clap)?;
    let resolved = resolve(&matches, &profile);
    Ok(Invocation {
        cli,
        profile,
        resolved,
    })
}

/// Finds and reads the config file and picks the profile.
fn load(args: &[OsString]) -> Result<LoadedProfile> {
    let flag = |name: &str| -> Option<String> {
        let long = format!("--{name}");
        let prefix = format!("--{name}=");
        let mut iter = args.iter().filter_map(|a| a.to_str());
        while let Some(arg) = iter.next() {
            if arg == long {
                return iter.next().map(String::from);
            }
            if let Some(value) = arg.strip_prefix(&prefix) {
                return Some(value.to_string());
            }
        }
        None
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let explicit = flag("config")
        .or_else(|| env("GROUP_EXPORT_CONFIG"))
        .map(PathBuf::from);
    let wanted = flag("profile").or_else(|| env("GROUP_EXPORT_PROFILE"));
    let path = match explicit.clone().or_else(default_path) {
        Some(path) => path,
        None => return no_file(wanted),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            return no_file(wanted);
        }
        Err(source) => return Err(Error::Io { path, source }),
    };
    let bad = |why: String| Error::usage(format!("{}: {why}", path.display()));
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let default_profile = table
        .remove("default_profile")
        .and_then(|v| v.as_str().map(String::from));
    let mut profiles = match table.remove("profiles") {
        Some(toml::Value::Table(profiles)) => profiles,
        Some(_) => return Err(bad("'profiles' must be a table of profiles".into())),
        None => toml::Table::new(),
    };
    if let Some(unknown) = table.keys().next() {
        return Err(bad(format!("unknown top-level key '{unknown}'")));
    }
    let Some(name) = wanted.or(default_profile) else {
        return Ok(LoadedProfile {
            file: Some(path),
            ..LoadedProfile::default()
        });
    };
    let values = match profiles.remove(&name) {
        Some(toml::Value::Table(values)) => values,
        _ => {
            let known: Vec<&String> = profiles.keys().collect();
            return Err(bad(format!("no profile '{name}' (profiles: {known:?})")));
        }
    };
    for key in values.keys() {
        let known = KEYS.iter().any(|k| k.name == key) || INLINE_SECRETS.contains(&key.as_str());
        if !known {
            let names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
            return Err(bad(format!(
                "profile '{name}': unknown key '{key}' (known: {}, token, client_secret)",
                names.join(", ")
            )));
        }
        if INLINE_SECRETS.contains(&key.as_str()) {
            // Logging is not set up yet: this runs before the command line is parsed.
            crate::report::stderr_line(&format!(
                "group-export: warning: profile '{name}' in {} holds a secret ({key}) inline: prefer {key}_file",
                path.display()
            ));
        }
    }
    Ok(LoadedProfile {
        name: Some(name),
        file: Some(path),
        values,
    })
}

fn no_file(wanted: Option<String>) -> Result<LoadedProfile> {
    match wanted {
        Some(name) => Err(Error::usage(format!(
            "--profile {name}: there is no config file (see --config)"
        ))),
        None => Ok(LoadedProfile::default()),
    }
}

/// `$XDG_CONFIG_HOME/group-export/config.toml`, else `~/.config/group-export/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let non_empty = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    non_empty("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| Path::new(&home).join(".config")))
        .map(|dir| dir.join("group-export").join("config.toml"))
}

/// A profile value as the text clap would get on the command line.
fn value_text(key: &str, value: &toml::Value) -> Result<String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().map(String::from).ok_or_else(|| {
                    Error::usage(format!(
                        "profile key '{key}': a list of strings is expected"
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(|items| items.join(",")),
        _ => Err(Error::usage(format!(
            "profile key '{key}': use a string, a number, true/false or a list of strings"
        ))),
    }
}

/// Every key's value in effect and its source, secrets redacted.
fn resolve(matches: &ArgMatches, profile: &LoadedProfile) -> Vec<Resolved> {
    let profile_source = || {
        format!(
            "profile {} ({})",
            profile.name.as_deref().unwrap_or("?"),
            profile
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default()
        )
    };
    let command = Cli::command();
    let mut resolved = Vec::new();
    for key in KEYS {
        let (value, source) = if key.commands.is_empty() {
            let value = matches
                .get_raw(key.name)
                .map(|v| v.map(|s| s.to_string_lossy()).collect::<Vec<_>>().join(","));
            let source = match matches.value_source(key.name) {
                Some(ValueSource::CommandLine) => "flag".to_string(),
                Some(ValueSource::EnvVariable) => format!("env {}", env_name(&command, key)),
                Some(ValueSource::DefaultValue) if profile.values.contains_key(key.name) => {
                    profile_source()
                }
                Some(ValueSource::DefaultValue) => "default".into(),
                _ => "not set".into(),
            };
            match (key.name, value) {
                // Not a clap default: where --since auto keeps its records without the flag.
                ("state_dir", None) => (
                    crate::export::incremental::default_dir().map(|d| d.display().to_string()),
                    "default (XDG state directory)".into(),
                ),
                (_, value) => (value, source),
            }
        } else {
            match profile.values.get(key.name) {
                Some(value) => (value_text(key.name, value).ok(), profile_source()),
                None => (builtin_default(&command, key), "default".into()),
            }
        };
        resolved.push(Resolved {
            key: key.name.to_string(),
            value,
            source,
        });
    }
    // The token variable outranks a token in the profile (see Settings::from_args).
    let token_env = std::env::var(crate::config::TOKEN_ENV).is_ok_and(|t| !t.trim().is_empty());
    if token_env {
        resolved.push(Resolved {
            key: "token".into(),
            value: Some("***".into()),
            source: format!("env {}", crate::config::TOKEN_ENV),
        });
    }
    for secret in INLINE_SECRETS {
        if profile.values.contains_key(*secret) && !(token_env && *secret == "token") {
            resolved.push(Resolved {
                key: secret.to_string(),
                value: Some("***".into()),
                source: profile_source(),
            });
        }
    }
    resolved
}

fn env_name(command: &clap::Command, key: &Key) -> String {
    command
        .get_arguments()
        .find(|a| a.get_id() == key.name)
        .and_then(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn builtin_default(command: &clap::Command, key: &Key) -> Option<String> {
    let sub = command.find_subcommand(key.commands.first()?)?;
    let arg = sub.get_arguments().find(|a| a.get_id() == key.name)?;
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    (!defaults.is_empty()).then(|| defaults.join(","))
}
