//! Writing remote clusters: the rules of a write (persistent settings, and the transient
//! definition nulled in the same request since it would win over them), the HTTP addresses a
//! seed should not point at, the security-model mistakes, and the audit event of each write.
//! Handlers parse the form into a [`RemoteClusterSpec`], call these, and pick a page.

use serde_json::Value;

use super::address::SeedAddress;
use super::spec::{self, RemoteClusterSpec};
use super::{RemoteCluster, SecurityModel};
use crate::audit::{Action, Event, Outcome};
use crate::es::{Capabilities, ClusterSettingsUpdate, EsClient, EsError};

/// A write of one remote's definition, planned before it is sent (the form previews it).
#[derive(Debug, Clone)]
pub struct SaveRequest {
    pub name: String,
    pub update: ClusterSettingsUpdate,
    /// Replacing an existing remote (edit), not adding one.
    pub replacing: bool,
}

impl SaveRequest {
    /// The request that stores `spec`; `editing` is the remote it replaces, if any.
    pub fn new(spec: &RemoteClusterSpec, caps: Capabilities, editing: Option<&RemoteCluster>) -> SaveRequest {
        let mut update = spec.settings_update(caps, editing.is_some());
        if let Some(remote) = editing {
            // Writes go to the persistent settings; a transient definition would win over
            // them, so its keys are removed in the same request.
            update.transient = remote.transient.keys().map(|key| (key.clone(), Value::Null)).collect();
        }
        SaveRequest { name: spec.name.as_str().to_owned(), update, replacing: editing.is_some() }
    }
}

/// Sends `request`; the event says what happened, for the audit log.
pub async fn save(client: &EsClient, request: &SaveRequest) -> (Result<(), EsError>, Event) {
    let result = client.put_cluster_settings(&request.update).await.map(drop);
    let event = Event {
        action: if request.replacing { Action::UpdateRemoteCluster } else { Action::AddRemoteCluster },
        target: request.name.clone(),
        request: format!("PUT _cluster/settings {}", serde_json::to_string(&request.update).unwrap_or_default()),
        outcome: if result.is_ok() { Outcome::Succeeded } else { Outcome::Failed },
        detail: result.as_ref().err().map(ToString::to_string).unwrap_or_default(),
    };
    (result, event)
}

/// Removes the remote `name` from the cluster settings (persistent and transient).
pub async fn delete(client: &EsClient, name: &str) -> (Result<(), EsError>, Event) {
    let result = async {
        let settings = client.cluster_settings().await?;
        client.put_cluster_settings(&spec::removal_update(name, &settings)).await.map(drop)
    }
    .await;
    let event = Event {
        action: Action::DeleteRemoteCluster,
        target: name.to_owned(),
        request: format!("PUT _cluster/settings (null every cluster.remote.{name}.* key)"),
        outcome: if result.is_ok() { Outcome::Succeeded } else { Outcome::Failed },
        detail: result.as_ref().err().map(ToString::to_string).unwrap_or_default(),
    };
    (result, event)
}

/// A URL's `host:port` as an address (the scheme's default port when it names none).
fn url_address(url: &str) -> Option<SeedAddress> {
    let url = reqwest::Url::parse(url).ok()?;
    format!("{}:{}", url.host_str()?, url.port_or_known_default()?).parse().ok()
}

/// Every HTTP address the panel knows: `panel_urls` (the URLs of the configured clusters: the
/// panel talks HTTP to them, so a seed there is certainly wrong) and the HTTP publish
/// addresses of the local cluster's nodes. A seed on one of them is a classic mistake.
pub async fn http_endpoints(panel_urls: impl IntoIterator<Item = String>, client: &EsClient) -> Vec<SeedAddress> {
    let mut endpoints: Vec<SeedAddress> = panel_urls.into_iter().filter_map(|u| url_address(&u)).collect();
    if let Ok(nodes) = client.nodes().await {
        // `publish_address` is `host:port`, or `name/ip:port` on some versions.
        endpoints.extend(
            nodes
                .nodes
                .values()
                .filter_map(|node| node.http.as_ref()?.publish_address.rsplit('/').next()?.parse::<SeedAddress>().ok()),
        );
    }
    endpoints
}

/// The two classic mistakes of the API-key security model (8.10+): pointing at a port other
/// than the remote cluster port 9443, and pointing at 9443 without credentials. Message keys.
pub fn security_warnings(remote: &RemoteCluster) -> Vec<&'static str> {
    let ports: Vec<u16> =
        remote.mode.addresses().iter().filter_map(|a| a.parse::<SeedAddress>().ok()).map(|a| a.port).collect();
    let mut warnings = Vec::new();
    if remote.security == SecurityModel::ApiKey && ports.iter().any(|p| *p != SeedAddress::REMOTE_CLUSTER_PORT) {
        warnings.push("remote-security-api-key-port");
    }
    if remote.security == SecurityModel::Certificate && ports.contains(&SeedAddress::REMOTE_CLUSTER_PORT) {
        warnings.push("remote-security-no-credentials");
    }
    warnings
}
