//! The command line and the cluster configuration, parsed once into types.
//!
//! Every flag is also an environment variable, so container deployments need no arguments.
//! Secrets are `SecretString`: they have no `Debug` output and never reach a log line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use reqwest::Url;
use secrecy::SecretString;
use serde::Deserialize;

use crate::es::{Auth, EsConfig, Version};
use crate::sim::LicenseKind;

#[derive(Debug, Parser)]
#[command(
    name = "ccr-panel",
    version,
    about = "A small web control panel for Elasticsearch cross-cluster replication (CCR).",
    long_about = "A small web control panel for Elasticsearch cross-cluster replication (CCR): remote \
clusters, follower indices and auto-follow patterns, for admins without Kibana.\n\n\
Start with `ccr-panel demo` to try it against two simulated clusters, or `ccr-panel serve \
--es-url https://your-cluster:9200` for a real one."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log filter, in tracing's EnvFilter syntax (e.g. `info`, `ccr_panel=debug`).
    #[arg(long, env = "CCR_PANEL_LOG", default_value = "info", global = true)]
    pub log: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the panel for a real Elasticsearch cluster.
    Serve(Box<ServeArgs>),
    /// Run one simulated Elasticsearch cluster (HTTP API and transport port), for trying things out.
    Sim(SimArgs),
    /// Start two simulated clusters, `leader` and `local`, and the panel connected to `local`.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address the panel listens on.
    #[arg(long, env = "CCR_PANEL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// A TOML file listing one or more clusters (see the README); replaces the --es-* flags.
    #[arg(long, env = "CCR_PANEL_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub security: SecurityArgs,
}

/// How people sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthChoice {
    /// `es` when the cluster has security enabled, `none` when it has not.
    Auto,
    /// Sign in with Elasticsearch credentials; the panel acts as each user.
    Es,
    /// No sign-in; the configured credentials are used (loopback only by default).
    None,
    /// Trust a user name set by an authenticating reverse proxy.
    Proxy,
}

#[derive(Debug, Args)]
pub struct SecurityArgs {
    /// How people sign in: auto, es, none or proxy.
    #[arg(long, env = "CCR_PANEL_AUTH", value_enum, default_value = "auto")]
    pub auth: AuthChoice,
    /// Allow `--auth none` on an address other than loopback (anyone who reaches it gets the configured rights).
    #[arg(long, env = "CCR_PANEL_ALLOW_ANONYMOUS_ON_NETWORK")]
    pub allow_anonymous_on_network: bool,
    /// With `--auth proxy`: the header that carries the user name.
    #[arg(long, env = "CCR_PANEL_AUTH_HEADER", default_value = "X-Forwarded-User")]
    pub auth_header: String,
    /// With `--auth proxy`: addresses of the proxies allowed to set that header (comma-separated).
    #[arg(long = "trusted-proxy", env = "CCR_PANEL_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Secret (32 bytes or more) that encrypts session cookies; give every instance behind a
    /// load balancer the same one. Random when absent: sign-ins then end at restart.
    #[arg(long, env = "CCR_PANEL_SESSION_KEY", hide_env_values = true)]
    pub session_key: Option<SecretString>,
    /// Sign out after this much inactivity.
    #[arg(long, env = "CCR_PANEL_SESSION_IDLE_TIMEOUT", default_value = "30m", value_parser = parse_duration)]
    pub session_idle_timeout: Duration,
    /// Sign out this long after signing in, active or not.
    #[arg(long, env = "CCR_PANEL_SESSION_LIFETIME", default_value = "12h", value_parser = parse_duration)]
    pub session_lifetime: Duration,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "CCR_PANEL_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) for --tls-cert.
    #[arg(long, env = "CCR_PANEL_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Mark cookies Secure even without --tls-cert (when a TLS-terminating proxy is in front).
    #[arg(long, env = "CCR_PANEL_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Elasticsearch URL; a comma-separated list of node URLs is tried in turn when one is unreachable.
    #[arg(long, env = "CCR_PANEL_ES_URL", default_value = "http://localhost:9200")]
    pub es_url: String,
    /// User name for basic authentication.
    #[arg(long, env = "CCR_PANEL_ES_USERNAME", requires = "es_password")]
    pub es_username: Option<String>,
    /// Password for basic authentication (prefer the environment variable over the flag).
    #[arg(long, env = "CCR_PANEL_ES_PASSWORD", hide_env_values = true)]
    pub es_password: Option<SecretString>,
    /// An Elasticsearch API key (the base64 `encoded` value), instead of user and password.
    #[arg(long, env = "CCR_PANEL_ES_API_KEY", hide_env_values = true, conflicts_with = "es_username")]
    pub es_api_key: Option<SecretString>,
    /// PEM file of a private certificate authority to trust.
    #[arg(long, env = "CCR_PANEL_ES_CA_CERT")]
    pub es_ca_cert: Option<PathBuf>,
    /// Do not verify the cluster's TLS certificate (test clusters only; logged as a warning).
    #[arg(long, env = "CCR_PANEL_ES_INSECURE")]
    pub es_insecure: bool,
    /// How long to wait for Elasticsearch before giving up on a request (e.g. 30s, 2m).
    #[arg(long, env = "CCR_PANEL_ES_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub es_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address of the simulated HTTP API.
    #[arg(long, default_value = "127.0.0.1:9200")]
    pub listen: SocketAddr,
    /// Address of the simulated transport port, which remote clusters' seeds point at.
    #[arg(long, default_value = "127.0.0.1:9300")]
    pub transport_listen: SocketAddr,
    /// The cluster name.
    #[arg(long, default_value = "sim")]
    pub cluster_name: String,
    /// The Elasticsearch version to behave as (APIs and fields follow it).
    #[arg(long, default_value = "8.15.0")]
    pub version: Version,
    /// The license the cluster starts with (CCR needs trial or platinum).
    #[arg(long, value_enum, default_value = "trial")]
    pub license: LicenseKind,
    /// Turn security on with this user, as `name:password:role[,role]` (repeatable). Roles:
    /// superuser, ccr_admin, ccr_operator, viewer, no_access.
    #[arg(long = "user", value_parser = crate::sim::security::SimSecurity::parse_user)]
    pub users: Vec<crate::sim::security::SimUser>,
    /// A setting as if in the node's elasticsearch.yml, as `key=value` (repeatable); lists are
    /// comma-separated. E.g. `cluster.remote.dr.seeds=10.0.0.1:9300` for a remote the API
    /// cannot change, or `cluster.remote.dr.credentials=...` for the API-key security model.
    #[arg(long = "node-setting", value_parser = parse_node_setting)]
    pub node_settings: Vec<(String, String)>,
}

fn parse_node_setting(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| format!("{text:?}: expected key=value"))?;
    if key.trim().is_empty() {
        return Err(format!("{text:?}: the key is empty"));
    }
    Ok((key.trim().to_owned(), value.trim().to_owned()))
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address the panel listens on.
    #[arg(long, env = "CCR_PANEL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Allow the demo (which has no sign-in) on an address other than loopback.
    #[arg(long)]
    pub allow_anonymous_on_network: bool,
}

/// Parses `30s`, `1500ms`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("{text:?} is not a duration such as 30s, 500ms or 2m"))?;
    let duration = match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => return Err(format!("{text:?} has an unknown unit (use ms, s, m or h)")),
    };
    if duration.is_zero() {
        return Err("a timeout must be longer than zero".into());
    }
    Ok(duration)
}

/// One cluster the panel can manage.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub name: String,
    pub es: EsConfig,
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
        Ok(ClusterConfig { name: "default".into(), es })
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
        clusters.push(ClusterConfig { name: entry.name, es });
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
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
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

            [[cluster]]
            name = "lab"
            url = "http://lab:9200"
            username = "elastic"
            password = "inline-secret"
        "#;
        let env = |v: &str| match v {
            "PROD_PW" => Some("pw".to_owned()),
            "DR_KEY" => Some("key".to_owned()),
            _ => None,
        };
        let clusters = parse_config(text, "test.toml", env).unwrap();
        assert_eq!(clusters.len(), 3);
        assert!(matches!(&clusters[2].es.auth, Some(Auth::Basic { username, .. }) if username == "elastic"));
        assert!(!format!("{:?}", clusters[2]).contains("inline-secret"), "secrets stay out of Debug");
        assert_eq!(clusters[0].es.urls.len(), 2);
        assert!(matches!(clusters[1].es.auth, Some(Auth::ApiKey(_))));
        assert_eq!(clusters[1].es.timeout, Duration::from_secs(5));
        let missing = parse_config(text, "test.toml", |_| None).unwrap_err();
        assert!(missing.to_string().contains("PROD_PW"));
    }
}
