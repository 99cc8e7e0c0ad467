//! The configuration file and its named profiles:
//! `$XDG_CONFIG_HOME/group-export/config.toml` (else `~/.config/group-export/config.toml`,
//! or `--config FILE` / `GROUP_EXPORT_CONFIG`), one profile of which is in use
//! (`--profile NAME` / `GROUP_EXPORT_PROFILE`, else `default_profile`).
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
//!
//! Every mistake names the file, the profile and the key. A default file that exists but
//! cannot be read (a service account whose HOME is not its own) is skipped with a warning;
//! a file given with `--config` must be readable.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The profile in use (possibly none).
#[derive(Debug, Default, Clone)]
pub struct Profile {
    pub name: Option<String>,
    pub file: Option<PathBuf>,
    pub values: toml::Table,
}

impl Profile {
    /// Where this profile's values come from, for `config show` and messages.
    pub fn describe(&self) -> String {
        format!(
            "profile {} ({})",
            self.name.as_deref().unwrap_or("?"),
            self.file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default()
        )
    }

    /// A config-file error about one key of this profile.
    pub fn key_error(&self, key: &str, why: impl std::fmt::Display) -> Error {
        Error::usage(format!(
            "{}: profile '{}': key '{key}': {why}",
            self.file
                .as_ref()
                .map_or_else(|| "config".into(), |f| f.display().to_string()),
            self.name.as_deref().unwrap_or("?"),
        ))
    }

    /// A string value of the profile.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(toml::Value::as_str)
    }
}

/// Finds and reads the config file and picks the profile. `known` says whether a key may
/// be set in a profile.
pub fn load(args: &[OsString], known: impl Fn(&str) -> bool, names: &str) -> Result<Profile> {
    let flag = |name: &str| -> Option<String> {
        let long = format!("--{name}");
        let prefix = format!("--{name}=");
        let mut iter = args.iter().filter_map(|a| a.to_str());
        while let Some(arg) = iter.next() {
            if arg == "--" {
                break;
            }
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
        Err(e) if explicit.is_none() && wanted.is_none() => {
            // Logging is not set up yet: this runs before the command line is parsed.
            crate::report::stderr_line(&format!(
                "group-export: warning: the configuration file {} cannot be read ({e}): \
                 going on without it",
                path.display()
            ));
            return Ok(Profile::default());
        }
        Err(source) => return Err(Error::io(path, source)),
    };
    parse(&text, path, wanted, known, names)
}

fn parse(
    text: &str,
    path: PathBuf,
    wanted: Option<String>,
    known: impl Fn(&str) -> bool,
    names: &str,
) -> Result<Profile> {
    let bad = |why: String| Error::usage(format!("{}: {why}", path.display()));
    let mut table: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let default_profile = match table.remove("default_profile") {
        None => None,
        Some(toml::Value::String(name)) => Some(name),
        Some(_) => return Err(bad("'default_profile' must be a profile name".into())),
    };
    let mut profiles = match table.remove("profiles") {
        Some(toml::Value::Table(profiles)) => profiles,
        Some(_) => return Err(bad("'profiles' must be a table of profiles".into())),
        None => toml::Table::new(),
    };
    if let Some(unknown) = table.keys().next() {
        return Err(bad(format!(
            "unknown top-level key '{unknown}' (known: default_profile, profiles)"
        )));
    }
    let Some(name) = wanted.or(default_profile) else {
        return Ok(Profile {
            file: Some(path),
            ..Profile::default()
        });
    };
    let values = match profiles.remove(&name) {
        Some(toml::Value::Table(values)) => values,
        _ => {
            let known: Vec<&String> = profiles.keys().collect();
            return Err(bad(format!("no profile '{name}' (profiles: {known:?})")));
        }
    };
    let profile = Profile {
        name: Some(name),
        file: Some(path),
        values,
    };
    for key in profile.values.keys() {
        if !known(key) {
            return Err(profile.key_error(key, format!("unknown key (known: {names})")));
        }
    }
    Ok(profile)
}

fn no_file(wanted: Option<String>) -> Result<Profile> {
    match wanted {
        Some(name) => Err(Error::usage(format!(
            "--profile {name}: there is no config file (see --config)"
        ))),
        None => Ok(Profile::default()),
    }
}

/// A non-empty environment variable as a path.
fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_CONFIG_HOME/group-export/config.toml`, else `~/.config/group-export/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    env_dir("XDG_CONFIG_HOME")
        .or_else(|| env_dir("HOME").map(|home| Path::new(&home).join(".config")))
        .map(|dir| dir.join("group-export").join("config.toml"))
}

/// `$XDG_STATE_HOME/group-export`, else `~/.local/state/group-export`: where `--since auto`
/// keeps its records without `--state-dir`.
pub fn default_state_dir() -> Option<PathBuf> {
    env_dir("XDG_STATE_HOME")
        .or_else(|| env_dir("HOME").map(|home| home.join(".local/state")))
        .map(|dir| dir.join("group-export"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistakes_name_the_file_the_profile_and_the_key() {
        let path = PathBuf::from("/etc/ge.toml");
        let known = |key: &str| key == "parallel";
        let error = parse(
            "[profiles.p]\nparalel = 8\n",
            path.clone(),
            Some("p".into()),
            known,
            "parallel",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("/etc/ge.toml"), "{error}");
        assert!(error.contains("profile 'p'"), "{error}");
        assert!(error.contains("'paralel'"), "{error}");
        let profile = parse(
            "default_profile = \"p\"\n[profiles.p]\nparallel = 8\n",
            path,
            None,
            known,
            "",
        )
        .unwrap();
        assert_eq!(profile.name.as_deref(), Some("p"));
    }
}
