//! The command line and the cluster configuration, parsed once into types.
//!
//! Every flag is also an environment variable, so container deployments need no arguments.
//! Secrets are `SecretString`: they have no `Debug` output and never reach a log line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::es::Version;
use crate::sim::LicenseKind;

mod clusters;
pub use clusters::{ClusterConfig, ConfigError, load_config_file, parse_config, parse_urls};

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
    /// Log line format: `text` for people, `json` (one object per line) for log shippers.
    #[arg(long, env = "CCR_PANEL_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: crate::logging::LogFormat,
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
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// `GET /metrics` for Prometheus (see the README's "Prometheus" section).
#[derive(Debug, Clone, Args)]
pub struct MetricsArgs {
    /// Serve replication metrics in the Prometheus text format at `/metrics` (off by default);
    /// needs --metrics-listen or --metrics-token.
    #[arg(long, env = "CCR_PANEL_METRICS")]
    pub metrics: bool,
    /// Serve `/metrics` on this separate address (e.g. one only the Prometheus network reaches)
    /// instead of the panel's.
    #[arg(long, env = "CCR_PANEL_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Require `Authorization: Bearer <token>` on `/metrics` (prefer the environment variable).
    #[arg(long, env = "CCR_PANEL_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
    /// How long one reading of Elasticsearch answers every scraper (e.g. 5s).
    #[arg(long, env = "CCR_PANEL_METRICS_CACHE", default_value = "5s", value_parser = parse_duration)]
    pub metrics_cache: Duration,
    /// How long a scrape waits for one cluster before reporting `ccr_panel_scrape_success 0` for it.
    #[arg(long, env = "CCR_PANEL_METRICS_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub metrics_timeout: Duration,
    /// Also export one series per follower shard (large clusters: many series).
    #[arg(long, env = "CCR_PANEL_METRICS_DETAILED")]
    pub metrics_detailed: bool,
    /// With `--auth es` and `--es-url`: the API key `/metrics` reads Elasticsearch with (people's
    /// own credentials are not there to borrow). In a `--config` file: `metrics_api_key_env`.
    #[arg(long, env = "CCR_PANEL_METRICS_ES_API_KEY", hide_env_values = true)]
    pub metrics_es_api_key: Option<SecretString>,
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
    /// Addresses of trusted reverse proxies (comma-separated): with `--auth proxy` the ones allowed
    /// to set the user header; in every mode, the sign-in limit counts the client they forward
    /// in `X-Forwarded-For` instead of the proxy.
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
    /// Behave like the managed 6.7 clusters of one cloud vendor: new indices get the setting
    /// `index.replication.type: physical`, and an index that has it cannot be followed.
    #[arg(long)]
    pub physical_replication: bool,
    /// The node's roles, comma-separated (`node.roles`); leave out `remote_cluster_client` to
    /// see cross-cluster calls refused.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "data,data_content,data_hot,ingest,master,remote_cluster_client"
    )]
    pub node_roles: Vec<String>,
    /// How many nodes the cluster has, each with its own HTTP and transport port; the first
    /// is the elected master, the others are data nodes.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=9))]
    pub nodes: u16,
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
    #[command(flatten)]
    pub metrics: MetricsArgs,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
    }
}
