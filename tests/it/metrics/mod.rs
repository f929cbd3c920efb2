//! `GET /metrics`: what Prometheus reads (names, labels, values against two simulators), who
//! may read it, what a scrape costs Elasticsearch, and a real Prometheus and `promtool`.

mod access;
mod cost;
mod exposition;
mod prometheus;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ccr_panel::ccr::metrics::Target;
use ccr_panel::ccr::metrics::cache::{Readings, Settings};
use ccr_panel::es::EsClient;
use ccr_panel::sim::SimServer;
use ccr_panel::sim::follower::FollowerState;
use ccr_panel::sim::state::Index;
use ccr_panel::web::auth::AuthSettings;
use ccr_panel::web::metrics::MetricsEndpoint;
use ccr_panel::{AppState, ManagedCluster, app};

use crate::helpers::*;

/// No cache: every scrape reads again (tests that change things between scrapes).
pub fn uncached() -> Settings {
    Settings { cache: Duration::ZERO, timeout: Duration::from_secs(5), detailed: false }
}

/// The endpoint reading these clusters (first is the panel's default) with `settings`.
pub fn endpoint(clusters: &[(&str, EsClient)], settings: Settings, token: Option<&str>) -> Arc<MetricsEndpoint> {
    let targets =
        clusters.iter().map(|(name, client)| Target { name: (*name).into(), client: Some(client.clone()) }).collect();
    Arc::new(MetricsEndpoint {
        readings: Readings::new(targets, settings),
        token: token.map(|t| t.to_owned().into()),
        on_panel_address: true,
    })
}

/// The panel managing `local` (and `leader`, when given), serving `/metrics` behind `token`.
pub fn panel(local: &SimServer, leader: Option<&SimServer>, settings: Settings, token: &str) -> axum::Router {
    let mut clusters = vec![("local", client(local))];
    if let Some(leader) = leader {
        clusters.push(("leader", client(leader)));
    }
    let managed = clusters.iter().map(|(n, c)| ManagedCluster { name: (*n).into(), client: c.clone() }).collect();
    let state =
        AppState::new(managed, AuthSettings::anonymous()).with_metrics(endpoint(&clusters, settings, Some(token)));
    app(state)
}

pub const TOKEN: &str = "test-scrape-token-0123456789";

/// One scrape with the right token, as Prometheus's text format.
pub async fn scrape(panel: &axum::Router) -> String {
    let page = get_with(panel, "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

/// The samples of `name` in an exposition: labels and value.
pub fn samples(body: &str, name: &str) -> Vec<(BTreeMap<String, String>, f64)> {
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, labels) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            if metric != name {
                return None;
            }
            let labels = labels
                .split("\",")
                .filter(|p| !p.is_empty())
                .filter_map(|pair| {
                    let (k, v) = pair.split_once("=\"")?;
                    Some((k.to_owned(), v.trim_end_matches('"').to_owned()))
                })
                .collect();
            Some((labels, value.parse().ok()?))
        })
        .collect()
}

/// The value of the one sample of `name` whose labels include `wanted`.
pub fn value(body: &str, name: &str, wanted: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = samples(body, name)
        .into_iter()
        .filter(|(labels, _)| wanted.iter().all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v)))
        .map(|(_, v)| v)
        .collect();
    assert!(matching.len() <= 1, "{name} {wanted:?} matches {} samples", matching.len());
    matching.first().copied()
}

/// A cluster with `count` active followers of `leader:myindex`, made directly in its state.
pub async fn cluster_with_followers(count: usize) -> SimServer {
    let local = start_sim("local").await;
    {
        let mut state = local.sim.state();
        for i in 0..count {
            let settings = [("index.number_of_shards".to_owned(), "1".to_owned())].into();
            let mut index = Index::new(format!("uuid-{i}"), settings);
            index.follower = Some(FollowerState::new("leader", "myindex", "leader-uuid", serde_json::json!({}), 1));
            state.indices.insert(format!("follower-{i:04}"), index);
        }
    }
    local
}
