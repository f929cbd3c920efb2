//! The clusters the panel manages: from the `--es-*` flags or a `--config` TOML file, with
//! URLs checked and secrets kept in `SecretString`s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;
use serde::Deserialize;

use super::{ClusterArgs, parse_duration};
use crate::es::{Auth, EsConfig};

/// One cluster the panel can manage.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub name: String,
    pub es: EsConfig,
    /// The API key `/metrics` uses with `--auth es` (`metrics_api_key[_env]`).
    pub metrics_auth: Option<Auth>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid Elasticsearch URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {reason}")]
    Toml { path: String, reason: String },
    #[error("cluster {cluster:?}: environment variable {var} is not set")]
    MissingEnv { cluster: String, var: String },
    #[error("{0}")]
    Invalid(String),
}

/// Splits a comma-separated list of node URLs. Credentials written into a URL are refused:
/// a URL ends up in logs and error pages, a password must not.
pub fn parse_urls(list: &str) -> Result<Vec<Url>, ConfigError> {
    let mut urls = Vec::new();
    for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = |reason: &str| ConfigError::BadUrl { url: redact_userinfo(raw), reason: reason.to_owned() };
        let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("put credentials in --es-username/--es-password or --es-api-key, not in the URL"));
        }
        if url.host_str().is_none() {
            return Err(bad("a host is required"));
        }
        urls.push(url);
    }
    if urls.is_empty() {
        return Err(ConfigError::Invalid("at least one Elasticsearch URL is required".into()));
    }
    Ok(urls)
}

/// Hides everything between `://` and the host. The user information ends at the *last* `@`
/// of the authority (a password may itself hold `@`), and the authority at the first `/`.
fn redact_userinfo(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://").map(|i| i + 3) else { return raw.to_owned() };
    let authority_end = raw[scheme_end..].find(['/', '?', '#']).map(|i| scheme_end + i).unwrap_or(raw.len());
    match raw[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}<redacted>@{}", &raw[..scheme_end], &raw[scheme_end + at + 1..]),
        None => raw.to_owned(),
    }
}

fn read_ca(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError::Read { path: path.display().to_string(), reason: e.to_string() })
}

impl ClusterArgs {
    pub fn to_cluster(&self) -> Result<ClusterConfig, ConfigError> {
        let auth = match (&self.es_username, &self.es_password, &self.es_api_key) {
            (_, _, Some(key)) => Some(Auth::ApiKey(key.clone())),
            (Some(username), Some(password), None) => {
                Some(Auth::Basic { username: username.clone(), password: password.clone() })
            }
            _ => None,
        };
        let es = EsConfig {
            urls: parse_urls(&self.es_url)?,
            auth,
            ca_cert_pem: self.es_ca_cert.as_deref().map(read_ca).transpose()?,
            insecure: self.es_insecure,
            timeout: self.es_timeout,
        };
        Ok(ClusterConfig { name: "default".into(), es, metrics_auth: None })
    }
}

/// The `--config` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(rename = "cluster")]
    clusters: Vec<ClusterEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterEntry {
    name: String,
    /// One URL, or several separated by commas.
    url: String,
    username: Option<String>,
    /// The password itself (prefer `password_env`: then the file holds no secret).
    password: Option<SecretString>,
    /// The name of the environment variable that holds the password.
    password_env: Option<String>,
    /// An API key itself (prefer `api_key_env`).
    api_key: Option<SecretString>,
    /// The name of the environment variable that holds an API key.
    api_key_env: Option<String>,
    ca_cert: Option<PathBuf>,
    #[serde(default)]
    insecure: bool,
    /// The API key `/metrics` reads this cluster with when people sign in with their own
    /// credentials (`--auth es`); prefer `metrics_api_key_env`.
    metrics_api_key: Option<SecretString>,
    metrics_api_key_env: Option<String>,
    timeout: Option<String>,
}

/// Reads the clusters of a `--config` file. Secrets come from environment variables named in
/// the file, so the file itself can be committed or mounted without them.
pub fn load_config_file(path: &Path) -> Result<Vec<ClusterConfig>, ConfigError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: shown.clone(), reason: e.to_string() })?;
    parse_config(&text, &shown, |var| std::env::var(var).ok())
}

pub fn parse_config(
    text: &str,
    shown: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<ClusterConfig>, ConfigError> {
    let file: ConfigFile =
        toml::from_str(text).map_err(|e| ConfigError::Toml { path: shown.to_owned(), reason: e.to_string() })?;
    if file.clusters.is_empty() {
        return Err(ConfigError::Invalid(format!("{shown}: no [[cluster]] entries")));
    }
    let mut clusters: Vec<ClusterConfig> = Vec::new();
    for entry in file.clusters {
        if clusters.iter().any(|c| c.name == entry.name) {
            return Err(ConfigError::Invalid(format!("{shown}: cluster name {:?} appears twice", entry.name)));
        }
        let secret = |var: &Option<String>| -> Result<Option<SecretString>, ConfigError> {
            match var {
                None => Ok(None),
                Some(var) => env(var)
                    .map(|v| Some(SecretString::from(v)))
                    .ok_or_else(|| ConfigError::MissingEnv { cluster: entry.name.clone(), var: var.clone() }),
            }
        };
        let api_key = entry.api_key.clone().or(secret(&entry.api_key_env)?);
        let metrics_auth = entry.metrics_api_key.clone().or(secret(&entry.metrics_api_key_env)?).map(Auth::ApiKey);
        let password = entry.password.clone().or(secret(&entry.password_env)?);
        let auth = match (api_key, &entry.username, password) {
            (Some(key), _, _) => Some(Auth::ApiKey(key)),
            (None, Some(username), Some(password)) => Some(Auth::Basic { username: username.clone(), password }),
            (None, Some(_), None) => {
                return Err(ConfigError::Invalid(format!(
                    "cluster {:?}: username without password or password_env",
                    entry.name
                )));
            }
            _ => None,
        };
        let timeout = match &entry.timeout {
            Some(t) => {
                parse_duration(t).map_err(|e| ConfigError::Invalid(format!("cluster {:?}: timeout {e}", entry.name)))?
            }
            None => Duration::from_secs(30),
        };
        let es = EsConfig {
            urls: parse_urls(&entry.url)?,
            auth,
            ca_cert_pem: entry.ca_cert.as_deref().map(read_ca).transpose()?,
            insecure: entry.insecure,
            timeout,
        };
        clusters.push(ClusterConfig { name: entry.name, es, metrics_auth });
    }
    Ok(clusters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_refuse_credentials_and_keep_them_out_of_the_message() {
        let err = parse_urls("https://elastic:s3cret@es:9200").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        let err = parse_urls("https://elastic:p@ss@es:9200/x@y").unwrap_err().to_string();
        assert!(!err.contains("ss@es") && err.contains("<redacted>@es:9200/x@y"), "{err}");
        assert_eq!(parse_urls("http://a:9200, http://b:9200").unwrap().len(), 2);
        assert!(parse_urls("ftp://a").is_err());
        assert!(parse_urls(" , ").is_err());
    }

    #[test]
    fn config_file_reads_secrets_from_named_variables() {
        let text = r#"
            [[cluster]]
            name = "prod"
            url = "https://a:9200,https://b:9200"
            username = "ops"
            password_env = "PROD_PW"

            [[cluster]]
            name = "dr"
            url = "http://dr:9200"
            api_key_env = "DR_KEY"
            timeout = "5s"
            metrics_api_key_env = "DR_METRICS_KEY"

            [[cluster]]
            name = "lab"
            url = "http://lab:9200"
            username = "elastic"
            password = "inline-secret"
        "#;
        let env = |v: &str| match v {
            "PROD_PW" => Some("pw".to_owned()),
            "DR_KEY" => Some("key".to_owned()),
            "DR_METRICS_KEY" => Some("metrics-key".to_owned()),
            _ => None,
        };
        let clusters = parse_config(text, "test.toml", env).unwrap();
        assert_eq!(clusters.len(), 3);
        assert!(matches!(&clusters[2].es.auth, Some(Auth::Basic { username, .. }) if username == "elastic"));
        assert!(!format!("{:?}", clusters[2]).contains("inline-secret"), "secrets stay out of Debug");
        assert_eq!(clusters[0].es.urls.len(), 2);
        assert!(matches!(clusters[1].es.auth, Some(Auth::ApiKey(_))));
        assert_eq!(clusters[1].es.timeout, Duration::from_secs(5));
        assert!(matches!(clusters[1].metrics_auth, Some(Auth::ApiKey(_))) && clusters[0].metrics_auth.is_none());
        let missing = parse_config(text, "test.toml", |_| None).unwrap_err();
        assert!(missing.to_string().contains("PROD_PW"));
    }
}
