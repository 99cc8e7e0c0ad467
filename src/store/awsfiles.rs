//! The AWS shared files of a profile, for S3 when the environment names no keys:
//! `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`) for `aws_access_key_id`,
//! `aws_secret_access_key` and `aws_session_token`, and `~/.aws/config` (or
//! `AWS_CONFIG_FILE`) for `region` and `endpoint_url`, of the profile `AWS_PROFILE` (else
//! `default`). The `object_store` crate reads the environment, web identity, container and
//! instance credentials, but not these files, which most people's `aws` setups use.
//!
//! Only static keys are read: a profile that gets its keys by SSO, `credential_process` or
//! a role is refused with what to do instead.

use std::collections::HashMap;
use std::path::PathBuf;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};

use crate::error::{Error, Result};

/// One INI file: its sections' keys.
type Sections = HashMap<String, HashMap<String, String>>;

fn parse(text: &str) -> Sections {
    let mut sections = Sections::new();
    let mut current = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_string();
            sections.entry(name.clone()).or_default();
            current = Some(name);
        } else if let (Some(section), Some((key, value))) = (&current, line.split_once('=')) {
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    sections
}

fn file(variable: &str, default: &str) -> Option<PathBuf> {
    match std::env::var_os(variable) {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(default)),
    }
}

fn read(variable: &str, default: &str) -> Result<Option<(PathBuf, Sections)>> {
    let Some(path) = file(variable, default) else {
        return Ok(None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, parse(&text)))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(crate::fsutil::io_error(&path, e)),
    }
}

fn set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// `builder` with the keys, region and endpoint of the profile, where the environment
/// gives none.
pub fn with_profile(mut builder: AmazonS3Builder) -> Result<AmazonS3Builder> {
    if set("AWS_ACCESS_KEY_ID") {
        return Ok(builder);
    }
    let named = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let profile = named.clone().unwrap_or_else(|| "default".into());
    let credentials = read("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")?;
    let config = read("AWS_CONFIG_FILE", ".aws/config")?;
    let config_section = if profile == "default" {
        profile.clone()
    } else {
        format!("profile {profile}")
    };
    let from_credentials = credentials
        .as_ref()
        .and_then(|(_, sections)| sections.get(&profile));
    let from_config = config
        .as_ref()
        .and_then(|(_, sections)| sections.get(&config_section));
    if from_credentials.is_none() && from_config.is_none() {
        if named.is_some() {
            return Err(Error::usage(format!(
                "AWS_PROFILE={profile}: no such profile in ~/.aws/credentials or ~/.aws/config"
            )));
        }
        return Ok(builder);
    }
    let value = |key: &str| {
        from_credentials
            .and_then(|s| s.get(key))
            .or_else(|| from_config.and_then(|s| s.get(key)))
            .cloned()
    };
    match (value("aws_access_key_id"), value("aws_secret_access_key")) {
        (Some(id), Some(secret)) => {
            builder = builder
                .with_config(AmazonS3ConfigKey::AccessKeyId, id)
                .with_config(AmazonS3ConfigKey::SecretAccessKey, secret);
            if let Some(token) = value("aws_session_token") {
                builder = builder.with_config(AmazonS3ConfigKey::Token, token);
            }
        }
        _ if named.is_some() => {
            return Err(Error::usage(format!(
                "AWS_PROFILE={profile} has no aws_access_key_id and aws_secret_access_key: \
                 profiles that use SSO, credential_process or a role are not read; export \
                 the keys (`eval \"$(aws configure export-credentials --profile {profile} \
                 --format env)\"`)"
            )));
        }
        _ => {}
    }
    if !set("AWS_REGION")
        && !set("AWS_DEFAULT_REGION")
        && let Some(region) = value("region")
    {
        builder = builder.with_config(AmazonS3ConfigKey::Region, region);
    }
    if !set("AWS_ENDPOINT_URL")
        && !set("AWS_ENDPOINT")
        && let Some(endpoint) = value("endpoint_url")
    {
        builder = builder.with_config(AmazonS3ConfigKey::Endpoint, endpoint);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_keys_are_read_with_comments_and_spaces() {
        let sections = parse(
            "# comment\n[default]\naws_access_key_id = AK\n; other\n[profile x]\nRegion=eu-west-1\n",
        );
        assert_eq!(sections["default"]["aws_access_key_id"], "AK");
        assert_eq!(sections["profile x"]["region"], "eu-west-1");
    }
}
