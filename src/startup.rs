//! Start-up policy for `serve`: the managed clusters from the configuration, and how people
//! sign in (asking the cluster whether it has security, refusing set-ups that would expose
//! it). `main.rs` only parses, sets up logging, and serves.

use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use secrecy::ExposeSecret;

use crate::ccr::metrics::Target;
use crate::ccr::metrics::cache::{Readings, Settings};
use crate::config::{AuthChoice, ClusterConfig, MetricsArgs, SecurityArgs};
use crate::es::{Auth, EsClient};
use crate::web::ManagedCluster;
use crate::web::auth::{self, AuthMode, AuthSettings, LoginLimiter};
use crate::web::metrics::MetricsEndpoint;
use crate::web::session::SessionConfig;

/// The variable, tokio's own, by which an operator chooses the number of worker threads.
pub const WORKER_THREADS_VARIABLE: &str = "TOKIO_WORKER_THREADS";

/// How many worker threads the runtime gets: [`WORKER_THREADS_VARIABLE`] when the operator set
/// it (a whole number from 1; anything else is refused here with a message, where tokio would
/// panic), else one for every two cores for `serve` (at least one) and one per core for the
/// other commands (the simulator does Elasticsearch's work, tokio's default suits it).
///
/// Why not one per core for `serve`: a page is mostly waiting on Elasticsearch, and each of its
/// requests passes between the page's task and the connection's, which a second worker picks
/// up by being woken (a futex and a context switch each time). Measured on 2 cores
/// (BENCHMARKS.md, fix 35): one worker used 7 to 25 % less CPU per page and answered small
/// pages 2 to 8 % sooner; 64 users at once got up to a quarter fewer pages a second, as the
/// second core went to the simulator. The cost: a page's longest stretch of CPU without waiting
/// (decoding one whole list of 10,000 followers, tens of milliseconds) holds up the others on
/// a machine of 2 or 3 cores.
pub fn worker_threads(serve: bool, cores: usize, chosen: Option<&std::ffi::OsStr>) -> Result<usize, String> {
    match chosen {
        Some(value) => value
            .to_str()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("{WORKER_THREADS_VARIABLE} must be a whole number from 1, not {value:?}")),
        None if serve => Ok((cores / 2).max(1)),
        None => Ok(cores.max(1)),
    }
}

/// The configured clusters with their clients.
pub fn managed(clusters: Vec<ClusterConfig>) -> Result<Vec<ManagedCluster>, String> {
    clusters
        .into_iter()
        .map(|cluster| {
            if cluster.es.insecure {
                tracing::warn!(cluster = %cluster.name, "TLS certificate verification is OFF for this cluster (--es-insecure)");
            }
            let client = EsClient::new(cluster.es).map_err(|e| format!("cluster {}: {e}", cluster.name))?;
            Ok(ManagedCluster { name: cluster.name, client })
        })
        .collect()
}

/// Asks the cluster whether it has security, waiting a little for a cluster that is still
/// starting (as in a compose file that starts everything at once).
async fn detect_security(client: &EsClient) -> Option<bool> {
    for attempt in 1..=10 {
        if let Some(answer) = auth::cluster_has_security(client).await {
            return Some(answer);
        }
        tracing::info!(attempt, "the cluster does not answer yet; asking again in 3 s");
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    None
}

/// Decides how people sign in, refusing set-ups that would expose the cluster.
pub async fn auth_settings(
    security: &SecurityArgs,
    listen: SocketAddr,
    default: &EsClient,
) -> Result<AuthSettings, String> {
    let mode = match security.auth {
        AuthChoice::Es => AuthMode::Es,
        AuthChoice::None => AuthMode::None,
        AuthChoice::Proxy if security.trusted_proxies.is_empty() => {
            return Err("--auth proxy needs --trusted-proxy with the address of the authenticating proxy".into());
        }
        AuthChoice::Proxy => {
            AuthMode::Proxy { header: security.auth_header.clone(), trusted: security.trusted_proxies.clone() }
        }
        AuthChoice::Auto => match detect_security(default).await {
            Some(true) => AuthMode::Es,
            Some(false) => AuthMode::None,
            None => {
                tracing::warn!("the cluster could not be asked whether it has security; asking users to sign in");
                AuthMode::Es
            }
        },
    };
    if mode == AuthMode::None && !auth::anonymous_allowed_on(&listen) && !security.allow_anonymous_on_network {
        return Err(format!(
            "refusing to serve without sign-in on {listen}: anyone who reaches it would act with the configured \
             credentials. Use --auth es (sign in with Elasticsearch users), listen on 127.0.0.1, or pass \
             --allow-anonymous-on-network if that is really intended"
        ));
    }
    if security.session_key.is_none() && mode == AuthMode::Es {
        tracing::warn!("no --session-key: using a random one, so sign-ins will not survive a restart");
    }
    let secure = security.tls_cert.is_some() || security.secure_cookies;
    let sessions = SessionConfig::new(
        security.session_key.as_ref(),
        security.session_idle_timeout,
        security.session_lifetime,
        secure,
    )
    .map_err(|e| e.to_string())?;
    tracing::info!(mode = ?mode, "authentication");
    // Behind a TLS-terminating or authenticating proxy, the sign-in limit counts the client
    // the proxy forwarded, not the proxy.
    let limiter = LoginLimiter::new(5, Duration::from_secs(300)).trusting(security.trusted_proxies.clone());
    Ok(AuthSettings { mode, sessions, limiter })
}

/// The shortest `--metrics-token` accepted.
const MIN_TOKEN_BYTES: usize = 16;

/// The `/metrics` endpoint, when `--metrics` is given. `metrics_auth` holds each cluster's
/// metrics API key, in the order of `clusters`. With `--auth es` a cluster is read only with
/// its own metrics key (nobody's sign-in is there to borrow); otherwise with that key or the
/// configured credentials.
pub fn metrics_endpoint(
    args: &MetricsArgs,
    clusters: &[ManagedCluster],
    metrics_auth: &[Option<Auth>],
    mode: &AuthMode,
) -> Result<Option<Arc<MetricsEndpoint>>, String> {
    if !args.metrics {
        if args.metrics_listen.is_some() || args.metrics_token.is_some() {
            return Err("--metrics-listen and --metrics-token need --metrics".into());
        }
        return Ok(None);
    }
    if args.metrics_listen.is_none() && args.metrics_token.is_none() {
        return Err("--metrics needs --metrics-listen (a separate address) or --metrics-token (a bearer token \
                    on the panel's address): /metrics is not served to anyone who asks"
            .into());
    }
    // Anyone who reaches the address may guess: a token must be long enough not to be.
    if args.metrics_token.as_ref().is_some_and(|t| t.expose_secret().len() < MIN_TOKEN_BYTES) {
        return Err(format!(
            "--metrics-token must be at least {MIN_TOKEN_BYTES} characters (e.g. `openssl rand -hex 32`)"
        ));
    }
    let targets = clusters
        .iter()
        .enumerate()
        .map(|(i, cluster)| {
            let mut key = metrics_auth.get(i).cloned().flatten();
            if i == 0 && key.is_none() {
                key = args.metrics_es_api_key.clone().map(Auth::ApiKey);
            }
            let client = match (mode, key) {
                (_, Some(key)) => Some(cluster.client.with_auth(Some(key))),
                (AuthMode::Es, None) => {
                    tracing::warn!(cluster = %cluster.name, "/metrics cannot read this cluster: with --auth es it needs a metrics API key");
                    None
                }
                (_, None) => Some(cluster.client.clone()),
            };
            Target { name: cluster.name.clone(), client }
        })
        .collect();
    let settings =
        Settings { cache: args.metrics_cache, timeout: args.metrics_timeout, detailed: args.metrics_detailed };
    tracing::info!(
        separate_listener = args.metrics_listen.is_some(),
        token = args.metrics_token.is_some(),
        "metrics on"
    );
    Ok(Some(Arc::new(MetricsEndpoint {
        readings: Readings::new(targets, settings),
        token: args.metrics_token.clone(),
        on_panel_address: args.metrics_listen.is_none(),
    })))
}

#[cfg(test)]
mod tests {
    use super::worker_threads;
    use std::ffi::OsStr;

    #[test]
    fn serve_gets_a_worker_for_every_two_cores_unless_the_operator_chose() {
        assert_eq!(worker_threads(true, 1, None), Ok(1));
        assert_eq!(worker_threads(true, 2, None), Ok(1));
        assert_eq!(worker_threads(true, 3, None), Ok(1));
        assert_eq!(worker_threads(true, 8, None), Ok(4));
        assert_eq!(worker_threads(false, 2, None), Ok(2));
        assert_eq!(worker_threads(true, 8, Some(OsStr::new("3"))), Ok(3));
        assert_eq!(worker_threads(false, 8, Some(OsStr::new(" 2 "))), Ok(2));
        for refused in ["0", "abc", "", "-1"] {
            let error = worker_threads(true, 2, Some(OsStr::new(refused))).unwrap_err();
            assert!(error.starts_with("TOKIO_WORKER_THREADS must be a whole number from 1"), "{error}");
        }
    }
}
