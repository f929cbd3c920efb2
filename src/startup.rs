//! Start-up policy for `serve`: the managed clusters from the configuration, and how people
//! sign in (asking the cluster whether it has security, refusing set-ups that would expose
//! it). `main.rs` only parses, sets up logging, and serves.

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::{AuthChoice, ClusterConfig, SecurityArgs};
use crate::es::EsClient;
use crate::web::ManagedCluster;
use crate::web::auth::{self, AuthMode, AuthSettings, LoginLimiter};
use crate::web::session::SessionConfig;

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
