//! The follower list's first view read again while the cluster state is the one its page was
//! cut from: the cluster state's version says so, and every follower's name is not read
//! again.

use std::time::Duration;

use ccr_panel::sim::SimServer;
use ccr_panel::sim::fault::{Fault, FaultKind};

use super::page_stats::sim_with;
use super::sent;
use crate::helpers::{Visitor, client, panel_for};

fn names_read(sim: &SimServer) -> usize {
    sent(sim, "GET", "/_all/_ccr/info").len()
}

fn stamps_asked(sim: &SimServer) -> usize {
    sent(sim, "GET", "/_cluster/state/version").len()
}

fn first_row_names(page: &crate::helpers::Page) -> Vec<String> {
    page.texts("#follower-indices tbody tr").iter().map(|r| r.split_whitespace().next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_unchanged_cluster_is_not_asked_for_every_name_again() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let first = visitor.get("/follower-indices?page=2").await;
    assert_eq!((names_read(&local), stamps_asked(&local)), (1, 1));

    // Replication moves on (not a change to the cluster state): the same page, its lag fresh,
    // and no name read again.
    local.sim.clear_requests();
    for shard in &mut local
        .sim
        .state()
        .outside_cluster_state()
        .indices
        .get_mut("copy-050")
        .unwrap()
        .follower
        .as_mut()
        .unwrap()
        .shards
    {
        shard.follower_global_checkpoint = shard.leader_global_checkpoint - 2;
    }
    let again = visitor.get("/follower-indices?page=2").await;
    assert_eq!((names_read(&local), stamps_asked(&local)), (0, 1));
    assert_eq!(first_row_names(&again), first_row_names(&first));
    let rows = again.texts("#follower-indices tbody tr");
    assert!(rows[0].contains("copy-050") && rows[0].contains(" 4 "), "{}", rows[0]);
    assert!(again.text("#follower-count").contains("230"), "{}", again.text("#follower-count"));

    // A follower paused: a new cluster state, the names read again, the row paused.
    client(&local).pause_follow("copy-060").await.unwrap();
    local.sim.clear_requests();
    let paused = visitor.get("/follower-indices?page=2").await;
    assert_eq!(names_read(&local), 1);
    let row = paused.texts("#follower-indices tbody tr").into_iter().find(|r| r.starts_with("copy-060")).unwrap();
    assert!(row.contains("Paused"), "{row}");

    // A follower deleted before the page: every row moves up one, and the count says so.
    local.sim.state().indices.remove("copy-000");
    local.sim.clear_requests();
    let moved = visitor.get("/follower-indices?page=2").await;
    assert_eq!(names_read(&local), 1);
    assert_eq!(first_row_names(&moved)[0], "copy-051");
    assert!(moved.text("#follower-count").contains("229"), "{}", moved.text("#follower-count"));
    // And read once more, nothing changed: from the page remembered.
    local.sim.clear_requests();
    assert_eq!(first_row_names(&visitor.get("/follower-indices?page=2").await), first_row_names(&moved));
    assert_eq!(names_read(&local), 0);
}

/// Each view (its page, its order) is cut and remembered on its own.
#[tokio::test]
async fn a_page_is_remembered_per_view() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    visitor.get("/follower-indices?page=2").await;
    local.sim.clear_requests();
    // Another page, and another order, of the same list: cut from the names.
    for view in ["/follower-indices?page=3", "/follower-indices?page=2&order=desc"] {
        let page = visitor.get(view).await;
        assert_eq!(page.status, 200, "{view}");
        assert_eq!(names_read(&local), 1, "{view}");
        local.sim.clear_requests();
    }
    let desc = visitor.get("/follower-indices?page=2&order=desc").await;
    assert_eq!(names_read(&local), 0);
    assert_eq!(first_row_names(&desc)[0], "copy-179");
}

/// The stamp refused (a role without the cluster state): the names are read after it, and it
/// is not asked again for a while. Slow (held 3 s): the names are read after a second.
#[tokio::test]
async fn without_the_stamp_every_name_is_read() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let refused = serde_json::json!({"error": {"type": "security_exception", "reason": "action [cluster:monitor/state] is unauthorized"}, "status": 403});
    local
        .sim
        .inject_fault(Fault::new("/_cluster/state/version", FaultKind::Status { status: 403, body: refused }).once());
    let page = visitor.get("/follower-indices?page=2").await;
    assert_eq!(first_row_names(&page)[0], "copy-050");
    // (A request a fault answers is not recorded: the refusal is once, and another stamp asked
    // would be answered, and recorded.)
    assert_eq!(names_read(&local), 1);
    local.sim.clear_requests();
    let page = visitor.get("/follower-indices?page=2").await;
    assert_eq!(first_row_names(&page)[0], "copy-050");
    assert_eq!((names_read(&local), stamps_asked(&local)), (1, 0));

    let local = sim_with(230).await;
    let panel = panel_for(&local);
    local.sim.inject_fault(Fault::new("/_cluster/state/version", FaultKind::Hang { millis: 3000 }).once());
    let started = std::time::Instant::now();
    let mut visitor = Visitor::new(&panel);
    let page = visitor.get("/follower-indices?page=2").await;
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
    assert_eq!(first_row_names(&page)[0], "copy-050");
    assert_eq!(names_read(&local), 1);
    // Slow is as good as refused: not asked again for a while.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    local.sim.clear_requests();
    assert_eq!(first_row_names(&visitor.get("/follower-indices?page=2").await)[0], "copy-050");
    assert_eq!((names_read(&local), stamps_asked(&local)), (1, 0));
}

/// A names read under way since before a view read the cluster state's stamp is not shared
/// with that view (it could answer from the older state, and the page be remembered with the
/// newer stamp); views that read the same stamp first share one read.
#[tokio::test]
async fn a_names_read_is_shared_only_among_views_that_read_the_same_stamp() {
    let local = sim_with(230).await;
    let panel = panel_for(&local);
    let (mut first, mut second) = (Visitor::new(&panel), Visitor::new(&panel));
    // Held 1.5 s: the first view's names read is under way when the cluster changes again and
    // the second view reads its stamp.
    local.sim.inject_fault(Fault::new("/_all/_ccr/info", FaultKind::Hang { millis: 1500 }).once());
    let later = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        local.sim.state().indices.remove("copy-229");
        second.get("/follower-indices?page=3").await
    };
    let (page_two, page_three) = tokio::join!(first.get("/follower-indices?page=2"), later);
    assert_eq!((page_two.status.as_u16(), page_three.status.as_u16()), (200, 200));
    assert_eq!(names_read(&local), 2, "{:?}", local.sim.requests());
    assert!(page_three.text("#follower-count").contains("229"), "{}", page_three.text("#follower-count"));

    // After a change, two views that read the same stamp share one names read.
    local.sim.state().indices.remove("copy-228");
    local.sim.clear_requests();
    local.sim.inject_fault(Fault::new("/_all/_ccr/info", FaultKind::Hang { millis: 800 }).once());
    let (a, b) = tokio::join!(first.get("/follower-indices?page=2"), second.get("/follower-indices?page=3"));
    assert_eq!((first_row_names(&a)[0].as_str(), first_row_names(&b)[0].as_str()), ("copy-050", "copy-100"));
    assert_eq!((names_read(&local), stamps_asked(&local)), (1, 2));
}
