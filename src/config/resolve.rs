//! The one config resolver: every key gets a value and a source, in the documented
//! precedence flags > `GROUP_EXPORT_*` environment > profile > built-in defaults, for global
//! and per-command keys alike. The parsed command line, the settings and `config show` all
//! read this one result.
//!
//! How: a profile's values are checked with the value parser of the flag they stand for
//! (a bad value is an error naming the file, the profile and the key) and become that
//! flag's default, so clap applies the precedence and reports for each flag where its
//! value came from. Keys of commands other than the one invoked (`config show` lists them
//! all) are resolved here the same way: environment, profile, default. The access token
//! and the client secret, which can come from several places, are decided here once.

use std::ffi::{OsStr, OsString};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use super::file::{self, Profile};
use crate::auth::StaticToken;
use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Where a profile key goes: a global flag, or a flag of some subcommands. The key is the
/// clap argument id (the flag's field name).
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

/// Every key a profile may set that is a flag.
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
    of(&["kickoff", "run", "crawl"], "types"),
    of(&["download", "run", "hydrate", "crawl"], "parallel"),
    of(&["download", "run"], "compress"),
    of(&["poll", "run"], "timeout"),
    of(&["poll", "run"], "max_wait"),
];

/// The keys a profile may set that are flags, each with the commands whose flag it is
/// (none: a global flag), for the man page.
pub fn profile_keys() -> Vec<(&'static str, &'static [&'static str])> {
    KEYS.iter().map(|key| (key.name, key.commands)).collect()
}

/// Secrets a profile may hold inline (allowed, with a warning, for users who insist).
const INLINE_SECRETS: &[&str] = &["token", "client_secret"];

/// The environment variable that may hold a bearer token.
pub const TOKEN_ENV: &str = "GROUP_EXPORT_TOKEN";

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(String),
    /// The profile, as [`Profile::describe`] says it.
    Profile(String),
    Default,
    NotSet,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Profile(profile) => f.write_str(profile),
            Source::Default => f.write_str("default"),
            Source::NotSet => f.write_str("not set"),
        }
    }
}

/// One setting as `config show` prints it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Setting {
    pub key: String,
    pub value: Option<String>,
    pub source: String,
}

/// A parsed command line with everything resolved against the profile.
#[derive(Debug)]
pub struct Invocation {
    pub cli: Cli,
    /// Every key's value in effect and its source (secrets redacted).
    pub settings: Vec<Setting>,
    /// The bearer token's source, if any (read only when the network is used).
    pub token: Option<StaticToken>,
    /// A client secret written inline in the profile (a `client_secret_file` wins).
    pub inline_client_secret: Option<Secret>,
}

fn known_key(key: &str) -> bool {
    KEYS.iter().any(|k| k.name == key) || INLINE_SECRETS.contains(&key)
}

/// Parses the command line against the profile (clap errors come back as `Error::Clap`).
pub fn parse(args: Vec<OsString>) -> Result<Invocation> {
    let names: Vec<&str> = KEYS
        .iter()
        .map(|k| k.name)
        .chain(INLINE_SECRETS.iter().copied())
        .collect();
    let profile = file::load(&args, known_key, &names.join(", "))?;
    for secret in INLINE_SECRETS {
        if profile.values.contains_key(*secret) {
            // Logging is not set up yet: this runs before the command line is parsed.
            crate::report::stderr_line(&format!(
                "group-export: warning: {} holds a secret ({secret}) inline: prefer {secret}_file",
                profile.describe()
            ));
        }
    }
    let plain = Cli::command();
    let mut command = plain.clone();
    for key in KEYS {
        let Some(value) = profile.values.get(key.name) else {
            continue;
        };
        let text = value_text(&profile, key.name, value)?;
        check_value(&plain, key, &text, &profile)?;
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
    // (Help shows every flag's variable, set or not: it is left as it is for help.)
    let command = if asks_for_help(&args) {
        command
    } else {
        ignore_empty_env(command)
    };
    let matches = crate::cli::with_help_layout(command, &args)
        .try_get_matches_from(args)
        .map_err(Error::Clap)?;
    let cli = Cli::from_arg_matches(&matches).map_err(Error::Clap)?;
    let mut settings: Vec<Setting> = KEYS
        .iter()
        .map(|key| resolve_key(&plain, &matches, &profile, key))
        .collect();
    let token = choose_token(&matches, &profile, &mut settings);
    let inline_client_secret = profile.text("client_secret").map(|s| Secret::new(s.into()));
    if inline_client_secret.is_some() && cli.global.client_secret_file.is_none() {
        settings.push(Setting {
            key: "client_secret".into(),
            value: Some("***".into()),
            source: profile.describe(),
        });
    }
    Ok(Invocation {
        cli,
        settings,
        token,
        inline_client_secret,
    })
}

/// Whether the command line asks for help or the version (before any `--`).
fn asks_for_help(args: &[OsString]) -> bool {
    let words: Vec<&OsString> = args.iter().skip(1).take_while(|a| *a != "--").collect();
    words.iter().any(|a| {
        matches!(
            a.to_str(),
            Some("-h" | "--help" | "--help-all" | "-V" | "--version")
        )
    }) || words
        .iter()
        .find(|a| !a.to_string_lossy().starts_with('-'))
        .is_some_and(|a| *a == "help")
}

/// A `GROUP_EXPORT_*` variable set to an empty value counts as unset (clap would take the
/// empty text, which then beats the profile): its flag reads no variable this time.
fn ignore_empty_env(mut command: clap::Command) -> clap::Command {
    let empty = |arg: &clap::Arg| {
        arg.get_env()
            .is_some_and(|name| std::env::var_os(name).is_some_and(|v| v.is_empty()))
    };
    let ids: Vec<clap::Id> = command
        .get_arguments()
        .filter(|a| empty(a))
        .map(|a| a.get_id().clone())
        .collect();
    for id in ids {
        command = command.mut_arg(id, |arg| arg.env(None));
    }
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subcommands {
        command = command.mut_subcommand(name, ignore_empty_env);
    }
    command
}

/// A profile value as the text clap would get on the command line.
fn value_text(profile: &Profile, key: &str, value: &toml::Value) -> Result<String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(String::from)
                    .ok_or_else(|| profile.key_error(key, "a list of strings is expected"))
            })
            .collect::<Result<Vec<_>>>()
            .map(|items| items.join(",")),
        _ => Err(profile.key_error(
            key,
            "use a string, a number, true/false or a list of strings",
        )),
    }
}

/// The clap argument of a key (of its first subcommand for per-command keys).
fn argument<'c>(command: &'c clap::Command, key: &Key) -> Option<&'c clap::Arg> {
    let holder = match key.commands.first() {
        Some(name) => command.find_subcommand(name)?,
        None => command,
    };
    holder.get_arguments().find(|a| a.get_id() == key.name)
}

/// Checks a profile value with the value parser of its flag, so that `parallel = "eight"`
/// is refused as the profile's mistake, not as a bad flag.
fn check_value(command: &clap::Command, key: &Key, text: &str, profile: &Profile) -> Result<()> {
    let Some(arg) = argument(command, key) else {
        return Ok(());
    };
    // The flag's own value parser, alone in a scratch command.
    let mut probe = clap::Arg::new("value")
        .long("value")
        .value_parser(arg.get_value_parser().clone())
        .action(clap::ArgAction::Append);
    if let Some(delimiter) = arg.get_value_delimiter() {
        probe = probe.value_delimiter(delimiter);
    }
    let checked = clap::Command::new("profile")
        .no_binary_name(true)
        .arg(probe)
        .try_get_matches_from([OsStr::new("--value"), OsStr::new(text)]);
    match checked {
        Ok(_) => Ok(()),
        Err(error) => {
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            let why = first
                .strip_prefix("error: ")
                .unwrap_or(first)
                .replace(" for '--value <value>'", "");
            Err(profile.key_error(key.name, why))
        }
    }
}

/// The matches of the invoked subcommand when it has the key's flag (or the top level,
/// for global flags).
fn matches_for<'m>(matches: &'m ArgMatches, key: &Key) -> Option<&'m ArgMatches> {
    if key.commands.is_empty() {
        return Some(matches);
    }
    let (name, sub) = matches.subcommand()?;
    key.commands.contains(&name).then_some(sub)
}

fn env_name(arg: Option<&clap::Arg>) -> Option<String> {
    arg.and_then(clap::Arg::get_env)
        .map(|e| e.to_string_lossy().into_owned())
}

/// One key's value and source.
fn resolve_key(
    plain: &clap::Command,
    matches: &ArgMatches,
    profile: &Profile,
    key: &Key,
) -> Setting {
    let arg = argument(plain, key);
    let (value, source) = match matches_for(matches, key) {
        Some(matches) => {
            let value = matches
                .get_raw(key.name)
                .map(|v| v.map(|s| s.to_string_lossy()).collect::<Vec<_>>().join(","));
            let source = match matches.value_source(key.name) {
                Some(ValueSource::CommandLine) => Source::Flag,
                Some(ValueSource::EnvVariable) => Source::Env(env_name(arg).unwrap_or_default()),
                Some(ValueSource::DefaultValue) if profile.values.contains_key(key.name) => {
                    Source::Profile(profile.describe())
                }
                Some(ValueSource::DefaultValue) => Source::Default,
                _ => Source::NotSet,
            };
            (value, source)
        }
        // A key of another command: the environment, the profile, the default.
        None => {
            let env = env_name(arg).and_then(|name| {
                std::env::var(&name)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(|v| (v, name))
            });
            match (env, profile.values.get(key.name)) {
                (Some((value, name)), _) => (Some(value), Source::Env(name)),
                (None, Some(value)) => (
                    value_text(profile, key.name, value).ok(),
                    Source::Profile(profile.describe()),
                ),
                (None, None) => {
                    let defaults: Vec<String> = arg
                        .map(|a| a.get_default_values())
                        .unwrap_or_default()
                        .iter()
                        .map(|v| v.to_string_lossy().into_owned())
                        .collect();
                    if defaults.is_empty() {
                        (None, Source::NotSet)
                    } else {
                        (Some(defaults.join(",")), Source::Default)
                    }
                }
            }
        }
    };
    let (value, source) = match (key.name, value) {
        // Not a clap default: where --since auto keeps its records without the flag.
        ("state_dir", None) => (
            file::default_state_dir().map(|d| d.display().to_string()),
            Source::Default,
        ),
        (_, value) => (value, source),
    };
    Setting {
        key: key.name.to_string(),
        value,
        source: source.to_string(),
    }
}

/// The bearer token: `--token-file` (flag or its variable) > `GROUP_EXPORT_TOKEN` >
/// the profile's `token_file` > the profile's inline `token`. A file beats a value at the
/// same level. The `token` row of `config show` says which won.
fn choose_token(
    matches: &ArgMatches,
    profile: &Profile,
    settings: &mut Vec<Setting>,
) -> Option<StaticToken> {
    let file = matches.get_one::<std::path::PathBuf>("token_file").cloned();
    let file_source = matches.value_source("token_file");
    let env_token = std::env::var(TOKEN_ENV)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let file_given = matches!(
        file_source,
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    );
    let (token, source) = match (file, file_given, env_token, profile.text("token")) {
        (Some(path), true, _, _) => (StaticToken::File(path), None),
        (_, _, Some(token), _) => (
            StaticToken::Value(Secret::new(token)),
            Some(Source::Env(TOKEN_ENV.into())),
        ),
        (Some(path), false, None, _) => (StaticToken::File(path), None),
        (None, _, None, Some(inline)) => (
            StaticToken::Value(Secret::new(inline.trim().to_string())),
            Some(Source::Profile(profile.describe())),
        ),
        (None, _, None, None) => return None,
    };
    // A token file shows as the token_file row; a value gets a row of its own.
    if let Some(source) = source {
        settings.push(Setting {
            key: "token".into(),
            value: Some("***".into()),
            source: source.to_string(),
        });
        if let Some(row) = settings
            .iter_mut()
            .find(|s| s.key == "token_file" && s.value.is_some())
        {
            row.source = format!("{} (not used: {source} wins)", row.source);
        }
    }
    Some(token)
}
