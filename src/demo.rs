//! `ccr-panel demo`: two simulated clusters and the panel, on loopback, no setup needed.
//!
//! `leader` plays the remote cluster and holds `myindex` (soft deletes on, a few documents,
//! as a typical migration source); `local` is the cluster the panel manages. Both run a trial
//! license, so every CCR feature is available.

use std::net::SocketAddr;

use serde_json::json;

use crate::es::{EsClient, EsConfig, EsError};
use crate::sim::{LicenseKind, SimConfig, SimServer};

/// The two simulated clusters of the demo.
pub struct DemoClusters {
    pub leader: SimServer,
    pub local: SimServer,
}

const LOOPBACK_ANY_PORT: &str = "127.0.0.1:0";

fn loopback() -> SocketAddr {
    LOOPBACK_ANY_PORT.parse().expect("valid address")
}

/// A client for a simulator, as the panel would configure it.
pub fn client_for(server: &SimServer) -> EsClient {
    EsClient::new(EsConfig {
        urls: vec![server.url().parse().expect("simulator URL")],
        auth: None,
        ca_cert_pem: None,
        insecure: false,
        timeout: std::time::Duration::from_secs(10),
    })
    .expect("a client without TLS settings always builds")
}

/// Starts `leader` and `local` on free loopback ports and fills the leader with `myindex`.
pub async fn start_clusters() -> std::io::Result<DemoClusters> {
    let mut leader_config = SimConfig::new("leader");
    leader_config.license = LicenseKind::Trial;
    let leader = SimServer::start(leader_config, loopback(), loopback()).await?;
    let local = SimServer::start(SimConfig::new("local"), loopback(), loopback()).await?;
    seed_leader(&client_for(&leader)).await.map_err(std::io::Error::other)?;
    Ok(DemoClusters { leader, local })
}

/// Creates the migration source index through the REST API, as a user would.
async fn seed_leader(client: &EsClient) -> Result<(), EsError> {
    let settings = json!({"settings": {"index.number_of_replicas": 0, "index.soft_deletes.enabled": true}});
    client.create_index("myindex", &settings).await?;
    let docs = [
        json!({"user": "kimchy", "message": "trying out Elasticsearch", "post_date": "2026-11-01T10:00:00Z"}),
        json!({"user": "alice", "message": "cross-cluster replication keeps a copy in sync", "post_date": "2026-11-02T11:30:00Z"}),
        json!({"user": "bob", "message": "the follower index is read-only", "post_date": "2026-11-03T09:15:00Z"}),
        json!({"user": "carol", "message": "seed nodes use the transport port", "post_date": "2026-11-04T16:45:00Z"}),
        json!({"user": "dave", "message": "unfollow converts the follower into a regular index", "post_date": "2026-11-05T08:05:00Z"}),
    ];
    for (i, doc) in docs.iter().enumerate() {
        client.index_doc("myindex", Some(&(i + 1).to_string()), doc).await?;
    }
    Ok(())
}
