//! The guided migration screens through the panel (issue 13): each step, its failures, a
//! restart in the middle, and the replication overview.

mod aliases;
mod copies;
mod failures;
mod flow;
mod keys;
mod overview;
mod session_leader;

use ccr_panel::es::{EsClient, Version};
use ccr_panel::sim::SimServer;
use ccr_panel::web::auth::AuthSettings;
use ccr_panel::{AppState, ManagedCluster, app};
use serde_json::json;

use crate::helpers::*;
use crate::sim_migration::config;

/// Two simulated 7.10 clusters: `old` (the leader, like one vendor's managed clusters) holding
/// `orders` (soft deletes on) and `legacy` (soft deletes off), and `new`, the local one.
pub struct TwoClusters {
    pub leader: SimServer,
    pub local: SimServer,
}

impl TwoClusters {
    pub async fn start() -> TwoClusters {
        TwoClusters::start_with_local_licence(ccr_panel::sim::LicenseKind::Trial).await
    }

    pub async fn start_with_local_licence(licence: ccr_panel::sim::LicenseKind) -> TwoClusters {
        let mut leader_config = config("old", Version::new(7, 10, 2));
        leader_config.physical_replication = true;
        let leader = start_sim_with(leader_config).await;
        let mut local_config = config("new", Version::new(7, 10, 2));
        local_config.license = licence;
        let local = start_sim_with(local_config).await;
        let old = client(&leader);
        old.create_index("orders", &json!({"settings": {"index.soft_deletes.enabled": true}})).await.unwrap();
        old.create_index("legacy", &json!({"settings": {"index.soft_deletes.enabled": false}})).await.unwrap();
        documents(&old, "orders", 0, 20).await;
        documents(&old, "legacy", 0, 30).await;
        TwoClusters { leader, local }
    }

    /// A panel on `new` that knows `old` as a configured cluster (a fresh one each call, as
    /// after a restart).
    pub fn panel(&self) -> axum::Router {
        app(self.state())
    }

    /// The state of a panel over both clusters (for a test that looks into it).
    pub fn state(&self) -> AppState {
        state_with_leader(client(&self.leader), &self.local)
    }
}

pub fn panel_with_leader(leader: EsClient, local: &SimServer) -> axum::Router {
    app(state_with_leader(leader, local))
}

fn state_with_leader(leader: EsClient, local: &SimServer) -> AppState {
    AppState::new(
        vec![
            ManagedCluster { name: "new".into(), client: client(local) },
            ManagedCluster { name: "old".into(), client: leader },
        ],
        AuthSettings::anonymous(),
    )
}

pub async fn documents(client: &EsClient, index: &str, from: u32, n: u32) {
    for i in from..from + n {
        client.index_doc(index, Some(&format!("{index}-{i}")), &json!({"n": i})).await.unwrap();
    }
}

/// Plans a migration of `indices` from `old` and returns its page's address.
pub async fn plan(visitor: &mut Visitor, indices: &str) -> String {
    let created = visitor
        .post_form("/migrations", &[("leader_cluster", "old"), ("remote_cluster", ""), ("leader_indices", indices)])
        .await;
    assert!(created.status.is_redirection(), "{}: {}", created.status, created.body);
    created.header("location").unwrap().to_owned()
}

/// The outcome key shown for `index` in `step`.
pub fn outcome(page: &Page, step: &str, index: &str) -> String {
    page.attr(&format!("#step-{step} tr[data-index='{index}'] [data-key]"), "data-key").unwrap_or_default()
}

/// Runs `step` (confirmed) and returns the page it redirects to.
pub async fn run(visitor: &mut Visitor, at: &str, step: &str, extra: &[(&str, &str)]) -> Page {
    let mut fields = vec![("confirm", "yes")];
    fields.extend_from_slice(extra);
    let answer = visitor.post_form(&format!("{at}/{step}"), &fields).await;
    assert_redirect_to(&answer, at);
    visitor.follow(&answer).await
}
