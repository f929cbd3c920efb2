//! The follower list's first view (every follower, by name) read from the followers' names
//! alone, and its page's summaries by name.

use std::time::Duration;

use ccr_panel::sim::fault::{Fault, FaultKind};
use ccr_panel::sim::{RecordedRequest, SimServer};

use super::page_stats::{filter_of, sim_with, stats_requests};
use crate::helpers::{Visitor, add_remote, eventually, panel_for};

const SUMMARY_FILTER: &str = "follower_indices.follower_index,follower_indices.remote_cluster,\
    follower_indices.leader_index,follower_indices.status";

fn info_requests(sim: &SimServer) -> Vec<RecordedRequest> {
    sim.sim.requests().into_iter().filter(|r| r.method == "GET" && r.path.ends_with("/_ccr/info")).collect()
}

fn names(from: usize, to: usize) -> String {
    (from..to).map(|i| format!("copy-{i:03}")).collect::<Vec<_>>().join(",")
}

#[tokio::test]
async fn every_follower_by_name_is_listed_from_the_names_and_the_pages_summaries() {
    let local = sim_with(230).await;
    add_remote(&local, "spare", &["127.0.0.1:9"]).await;
    local.sim.state().indices.get_mut("copy-051").unwrap().follower.as_mut().unwrap().active = false;
    local.sim.clear_requests();
    let panel = panel_for(&local);
    let page = Visitor::new(&panel).get("/follower-indices?page=2").await;
    assert_eq!(page.status, 200);
    let rows = page.texts("#follower-indices tbody tr");
    assert_eq!(rows.len(), 50);
    // Every column is there: the leader, the remote, the status and (active ones) the lag.
    assert!(rows[0].contains("copy-050") && rows[0].contains("logs-050") && rows[0].contains("leader"), "{}", rows[0]);
    assert!(rows[0].contains(" 102 "), "{}", rows[0]);
    assert!(rows[1].contains("copy-051") && rows[1].contains("Paused"), "{}", rows[1]);
    assert!(page.text("#follower-count").contains("230"), "{}", page.text("#follower-count"));

    let info = info_requests(&local);
    let asked: Vec<(&str, String)> = info.iter().map(|r| (r.path.as_str(), filter_of(r))).collect();
    assert_eq!(
        asked,
        [
            ("/_all/_ccr/info", "follower_indices.follower_index".to_owned()),
            (format!("/{}/_ccr/info", names(50, 100)).as_str(), SUMMARY_FILTER.to_owned()),
        ]
    );
    // The paused follower's stats are not asked for.
    let stats: Vec<String> = stats_requests(&local).into_iter().map(|r| r.path).collect();
    let active: Vec<String> = (50..100).filter(|i| *i != 51).map(|i| format!("copy-{i:03}")).collect();
    assert_eq!(stats, [format!("/{}/_ccr/stats", active.join(","))]);
    // The remote filter offers the remotes the cluster knows and those the followers use,
    // read by name or not, and the one chosen even when neither has it.
    let offered = page.texts("#follower-remote-filter option");
    assert_eq!(offered[1..], ["leader", "spare"]);
    let mut visitor = Visitor::new(&panel);
    for (view, expected) in [
        ("/follower-indices?q=copy", &["leader", "spare"][..]),
        ("/follower-indices?remote_cluster=gone", &["gone", "leader", "spare"][..]),
    ] {
        let page = visitor.get(view).await;
        assert_eq!(page.texts("#follower-remote-filter option")[1..], *expected, "{view}");
    }
    assert_eq!(
        visitor
            .get("/follower-indices?remote_cluster=gone")
            .await
            .attr("#follower-remote-filter option[selected]", "value")
            .as_deref(),
        Some("gone")
    );
}

/// Seen before, the page's summaries and stats are asked together with the names (the
/// cluster changed since, so the names are read again): with the list held for 2.5 s, both
/// are already asked within 1.5 s.
#[tokio::test]
async fn a_page_seen_before_asks_its_summaries_with_the_names() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    assert_eq!(visitor.get("/follower-indices?page=3").await.status, 200);
    local.sim.state().indices.remove("copy-229");
    local.sim.clear_requests();
    local.sim.inject_fault(Fault::new("/_all/_ccr/info", FaultKind::Hang { millis: 2500 }).once());
    let early = async {
        eventually(Duration::from_millis(1500), || async {
            info_requests(&local).iter().any(|r| r.path.starts_with("/copy-100,")) && !stats_requests(&local).is_empty()
        })
        .await
    };
    let (page, early) = tokio::join!(visitor.get("/follower-indices?page=3"), early);
    assert!(early, "{:?}", local.sim.requests());
    let rows = page.texts("#follower-indices tbody tr");
    assert!(rows[0].contains("copy-100") && rows[0].contains("logs-100") && rows[0].contains(" 202 "), "{}", rows[0]);
    let info: Vec<String> = info_requests(&local).into_iter().map(|r| r.path).collect();
    assert_eq!(info, [format!("/{}/_ccr/info", names(100, 150)), "/_all/_ccr/info".to_owned()]);
}

/// A follower of the page deleted, or turned into a regular index, between the list of names
/// and the page's summaries: the page is read again from every follower's summary, and shows
/// what the cluster has then.
#[tokio::test]
async fn a_page_that_changed_meanwhile_is_read_again_whole() {
    for deleted in [true, false] {
        let local = sim_with(230).await;
        let panel = panel_for(&local);
        // The page's summaries are held 1.5 s; the follower goes meanwhile, once the list of
        // names has been answered (its request is recorded as it is answered).
        let page_two = format!("/{}/_ccr/info", names(50, 100));
        local.sim.inject_fault(Fault::new(&page_two, FaultKind::Hang { millis: 1500 }).once());
        let change = async {
            let listed = || async { info_requests(&local).iter().any(|r| r.path == "/_all/_ccr/info") };
            assert!(eventually(Duration::from_secs(5), listed).await);
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut state = local.sim.state();
            if deleted {
                state.indices.remove("copy-060");
            } else {
                state.indices.get_mut("copy-060").unwrap().follower = None;
            }
        };
        let mut visitor = Visitor::new(&panel);
        let (page, ()) = tokio::join!(visitor.get("/follower-indices?page=2"), change);
        assert_eq!(page.status, 200);
        let shown: Vec<String> = page
            .texts("#follower-indices tbody tr")
            .iter()
            .map(|r| r.split_whitespace().next().unwrap().to_owned())
            .collect();
        let expected: Vec<String> = (50..101).filter(|i| *i != 60).map(|i| format!("copy-{i:03}")).collect();
        assert_eq!(shown, expected, "deleted: {deleted}");
        let whole: Vec<String> =
            info_requests(&local).iter().filter(|r| r.path == "/_all/_ccr/info").map(filter_of).collect();
        assert_eq!(whole, ["follower_indices.follower_index", SUMMARY_FILTER], "deleted: {deleted}");
    }
}

/// Any other view (a search, a filter, another sort) still reads every follower's summary.
#[tokio::test]
async fn a_search_reads_every_followers_summary() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    for view in
        ["/follower-indices?q=copy", "/follower-indices?remote_cluster=leader", "/follower-indices?sort=leader_index"]
    {
        local.sim.clear_requests();
        assert_eq!(Visitor::new(&panel).get(view).await.status, 200, "{view}");
        let info: Vec<(String, String)> =
            info_requests(&local).iter().map(|r| (r.path.clone(), filter_of(r))).collect();
        assert_eq!(info, [("/_all/_ccr/info".to_owned(), SUMMARY_FILTER.to_owned())], "{view}");
    }
}

/// The page's summaries refused for another reason than a follower gone (a 503 once): the
/// page is read whole rather than failed.
#[tokio::test]
async fn a_page_whose_summaries_are_refused_is_read_whole() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    let unavailable =
        serde_json::json!({"error": {"type": "cluster_block_exception", "reason": "blocked"}, "status": 503});
    let page_two = format!("/{}/_ccr/info", names(50, 100));
    local.sim.inject_fault(Fault::new(&page_two, FaultKind::Status { status: 503, body: unavailable }).once());
    let page = Visitor::new(&panel).get("/follower-indices?page=2").await;
    assert_eq!(page.status, 200);
    let rows = page.texts("#follower-indices tbody tr");
    assert!(rows[0].contains("copy-050") && rows[0].contains("logs-050"), "{}", rows[0]);
    let whole: Vec<String> =
        info_requests(&local).iter().filter(|r| r.path == "/_all/_ccr/info").map(filter_of).collect();
    assert_eq!(whole, ["follower_indices.follower_index", SUMMARY_FILTER]);
}

/// `_remote/info` only feeds the remote filter: slow (held 5 s) or refused, the list does not
/// wait for it, and the filter offers the remotes the followers use, and the one chosen.
#[tokio::test]
async fn a_slow_or_refused_remote_info_does_not_hold_the_list() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    local.sim.inject_fault(Fault::new("/_remote/info", FaultKind::Hang { millis: 5000 }).once());
    let started = std::time::Instant::now();
    let page = visitor.get("/follower-indices").await;
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(page.texts("#follower-remote-filter option")[1..], ["leader"]);
    let refused = serde_json::json!({"error": {"type": "security_exception", "reason": "no"}, "status": 403});
    local.sim.inject_fault(Fault::new("/_remote/info", FaultKind::Status { status: 403, body: refused }).once());
    // Chosen with spaces around it (trimmed, as the filter reads it), it stays chosen.
    let page = visitor.get("/follower-indices?remote_cluster=%20gone%20").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.texts("#follower-remote-filter option")[1..], ["gone", "leader"]);
    assert_eq!(page.attr("#follower-remote-filter option[selected]", "value").as_deref(), Some("gone"));
}
