//! What the follower list asks Elasticsearch: the stats of the page's followers only, where
//! the view allows it, and every answer cut down with `filter_path`.

use ccr_panel::sim::follower::FollowerState;
use ccr_panel::sim::state::Index;
use ccr_panel::sim::{RecordedRequest, SimServer};
use serde_json::Value;

use std::time::Duration;

use crate::helpers::{Visitor, eventually, panel_for, start_sim};

/// 120 active followers `copy-000` .. `copy-119`; `copy-<i>` is `i + 1` operations behind on
/// each of its two shards (the follower is at -1, nothing applied yet).
async fn sim_with_active_followers() -> SimServer {
    sim_with(120).await
}

pub(super) async fn sim_with(followers: i64) -> SimServer {
    let local = start_sim("local").await;
    {
        let mut state = local.sim.state();
        for i in 0..followers {
            let mut index = Index::new(format!("uuid-{i}"), Default::default());
            let mut follower = FollowerState::new("leader", &format!("logs-{i:03}"), "leader-uuid", Value::Null, 2);
            for shard in &mut follower.shards {
                shard.leader_global_checkpoint = i;
            }
            index.follower = Some(follower);
            state.indices.insert(format!("copy-{i:03}"), index);
        }
    }
    local
}

pub(super) fn stats_requests(sim: &SimServer) -> Vec<RecordedRequest> {
    sim.sim.requests().into_iter().filter(|r| r.method == "GET" && r.path.ends_with("/_ccr/stats")).collect()
}

pub(super) fn filter_of(request: &RecordedRequest) -> String {
    let query: Vec<(String, String)> = serde_urlencoded::from_str(&request.query).unwrap();
    query.into_iter().find(|(k, _)| k == "filter_path").map(|(_, v)| v).unwrap_or_default()
}

#[tokio::test]
async fn by_name_only_the_pages_followers_stats_are_asked_for() {
    let local = sim_with_active_followers().await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let page = visitor.get("/follower-indices?page=2").await;
    assert_eq!(page.status, 200);
    let rows = page.texts("#follower-indices tbody tr");
    assert_eq!(rows.len(), 50);
    // The page's lag is there: copy-050 is 51 operations behind on each of two shards.
    assert!(rows[0].contains("copy-050") && rows[0].contains(" 102 "), "{}", rows[0]);

    let stats = stats_requests(&local);
    let expected: Vec<String> = (50..100).map(|i| format!("copy-{i:03}")).collect();
    assert_eq!(stats.len(), 1, "{stats:?}");
    assert_eq!(stats[0].path, format!("/{}/_ccr/stats", expected.join(",")));
    assert!(filter_of(&stats[0]).contains("indices.shards.leader_global_checkpoint"));
    let info: Vec<RecordedRequest> = local.sim.requests().into_iter().filter(|r| r.path == "/_all/_ccr/info").collect();
    assert_eq!(info.len(), 1);
    assert!(!filter_of(&info[0]).contains("parameters"), "the list never reads the parameters");
}

#[tokio::test]
async fn sorted_by_lag_every_followers_stats_are_asked_for_once_cut_down() {
    let local = sim_with_active_followers().await;
    let panel = panel_for(&local);
    let page = Visitor::new(&panel).get("/follower-indices?sort=lag&order=desc").await;
    let names: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse("#follower-indices tbody tr").unwrap())
        .map(|r| r.value().attr("data-follower").unwrap().to_owned())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("copy-119"));
    assert_eq!(names.len(), 50);
    let stats = stats_requests(&local);
    assert_eq!(stats.len(), 1, "{stats:?}");
    assert_eq!(stats[0].path, "/_ccr/stats");
    let filter = filter_of(&stats[0]);
    assert!(filter.contains("follow_stats.indices.index"), "{filter}");
    assert!(!filter.contains("read_exceptions") && !filter.contains("bytes_read"), "{filter}");
}

#[tokio::test]
async fn paused_rows_and_the_paused_filter_ask_no_stats() {
    let local = sim_with_active_followers().await;
    local.sim.state().indices.values_mut().filter_map(|i| i.follower.as_mut()).for_each(|f| f.active = false);
    let panel = panel_for(&local);
    let page = Visitor::new(&panel).get("/follower-indices?status=paused").await;
    assert_eq!(page.texts("#follower-indices tbody tr").len(), 50);
    assert!(stats_requests(&local).is_empty(), "{:?}", stats_requests(&local));
}

/// A cluster seen with few followers gets its list in one round trip: `_ccr/info` and every
/// follower's stats at once; a larger one keeps asking the page's stats after `_ccr/info`.
#[tokio::test]
async fn a_small_cluster_is_listed_in_one_round_trip_once_its_size_is_known() {
    use ccr_panel::ccr::followers::ONE_ROUND_TRIP_UP_TO;
    let small = sim_with_active_followers().await;
    const { assert!(120 <= ONE_ROUND_TRIP_UP_TO) };
    let panel = panel_for(&small);
    let mut visitor = Visitor::new(&panel);
    visitor.get("/follower-indices").await;
    assert_ne!(stats_requests(&small)[0].path, "/_ccr/stats", "the first read does not know the size yet");
    small.sim.clear_requests();
    let page = visitor.get("/follower-indices?page=2").await;
    let rows = page.texts("#follower-indices tbody tr");
    assert!(rows[0].contains("copy-050") && rows[0].contains(" 102 "), "{}", rows[0]);
    let stats = stats_requests(&small);
    assert_eq!(stats.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["/_ccr/stats"], "{stats:?}");
    assert!(filter_of(&stats[0]).contains("follow_stats.indices.index"));

    let large = sim_with(ONE_ROUND_TRIP_UP_TO as i64 + 1).await;
    let panel = panel_for(&large);
    let mut visitor = Visitor::new(&panel);
    visitor.get("/follower-indices").await;
    large.sim.clear_requests();
    visitor.get("/follower-indices?page=2").await;
    let stats = stats_requests(&large);
    let expected: Vec<String> = (50..100).map(|i| format!("copy-{i:03}")).collect();
    assert_eq!(
        stats.iter().map(|r| r.path.clone()).collect::<Vec<_>>(),
        [format!("/{}/_ccr/stats", expected.join(","))]
    );
}

/// A view looked at again gets its page's stats together with `_ccr/info`: with `_ccr/info`
/// held for 2.5 s, the stats request is already made; a view not seen yet waits for it. (The
/// searches are this test's own: the views are remembered per process.)
#[tokio::test]
async fn a_view_seen_before_asks_its_pages_stats_together_with_ccr_info() {
    use ccr_panel::ccr::followers::ONE_ROUND_TRIP_UP_TO;
    use ccr_panel::sim::fault::{Fault, FaultKind};
    let local = sim_with(ONE_ROUND_TRIP_UP_TO as i64 + 1).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let (seen, unseen) = ("/follower-indices?q=copy-&page=2", "/follower-indices?q=copy-0&page=2");
    assert_eq!(visitor.get(seen).await.status, 200);
    let expected: Vec<String> = (50..100).map(|i| format!("copy-{i:03}")).collect();
    let page_two = format!("/{}/_ccr/stats", expected.join(","));

    for (view, guessed) in [(seen, true), (unseen, false)] {
        local.sim.clear_requests();
        local.sim.inject_fault(Fault::new("/_all/_ccr/info", FaultKind::Hang { millis: 2500 }).once());
        // The simulator records a request once its hang is over: only a stats request sent
        // while `_ccr/info` is held shows up in the first 1.5 s.
        let early_stats =
            async { eventually(Duration::from_millis(1500), || async { !stats_requests(&local).is_empty() }).await };
        let (page, early) = tokio::join!(visitor.get(view), early_stats);
        assert_eq!(page.status, 200, "{view}");
        assert_eq!(early, guessed, "{view}");
        if guessed {
            let stats: Vec<String> = stats_requests(&local).into_iter().map(|r| r.path).collect();
            assert_eq!(stats, std::slice::from_ref(&page_two), "one request, the page's");
            let rows = page.texts("#follower-indices tbody tr");
            assert!(rows[0].contains("copy-050") && rows[0].contains(" 102 "), "{}", rows[0]);
        }
    }
}

/// A guessed request refused for another reason than a follower gone (here a 503) is not
/// asked again: it would fail the same way and double the wait; the rows show without lag.
#[tokio::test]
async fn a_guess_refused_for_another_reason_is_not_asked_again() {
    use ccr_panel::ccr::followers::ONE_ROUND_TRIP_UP_TO;
    use ccr_panel::sim::fault::{Fault, FaultKind};
    let local = sim_with(ONE_ROUND_TRIP_UP_TO as i64 + 1).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let view = "/follower-indices?q=copy-1";
    visitor.get(view).await;
    local.sim.clear_requests();
    let unavailable =
        serde_json::json!({"error": {"type": "cluster_block_exception", "reason": "blocked"}, "status": 503});
    local.sim.inject_fault(Fault::new("/copy-", FaultKind::Status { status: 503, body: unavailable }).once());
    let page = visitor.get(view).await;
    assert_eq!(page.status, 200);
    // The refused guess is not recorded (a fault answers first); asked again, it would be.
    assert!(stats_requests(&local).is_empty(), "{:?}", stats_requests(&local));
    let lag = page.texts("tr[data-follower=copy-100] td.lag");
    assert_eq!(lag, ["—"], "shown without lag (it is 202 behind)");
}

/// When the page changed, the followers the guess missed are asked after `_ccr/info`: a guessed
/// request naming a deleted follower is refused whole, and the page's are asked again.
#[tokio::test]
async fn a_guess_that_no_longer_fits_is_completed_after_ccr_info() {
    use ccr_panel::ccr::followers::ONE_ROUND_TRIP_UP_TO;
    let local = sim_with(ONE_ROUND_TRIP_UP_TO as i64 + 1).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    visitor.get("/follower-indices").await;
    local.sim.state().indices.remove("copy-010");
    local.sim.clear_requests();
    let rows = visitor.get("/follower-indices").await.texts("#follower-indices tbody tr");
    assert!(rows.iter().all(|r| !r.contains("copy-010")));
    assert!(rows[49].contains("copy-050") && rows[49].contains(" 102 "), "{}", rows[49]);
    let page: Vec<String> = (0..51).filter(|i| *i != 10).map(|i| format!("copy-{i:03}")).collect();
    let guessed: Vec<String> = (0..50).map(|i| format!("copy-{i:03}")).collect();
    assert_eq!(
        stats_requests(&local).into_iter().map(|r| r.path).collect::<Vec<_>>(),
        [format!("/{}/_ccr/stats", guessed.join(",")), format!("/{}/_ccr/stats", page.join(","))]
    );
}
