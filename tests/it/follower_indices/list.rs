//! The list with 10,000 followers: one page of 50 rows, pages and search in the query string.

use ccr_panel::sim::follower::FollowerState;
use ccr_panel::sim::state::Index;
use serde_json::Value;

use crate::helpers::{Visitor, panel_for, start_sim};

#[tokio::test]
async fn ten_thousand_followers_are_paged_and_searchable() {
    let local = start_sim("local").await;
    {
        // Straight into the simulator's state: 10,000 paused followers cost no API calls.
        let mut state = local.sim.state();
        for i in 0..10_000 {
            let mut index = Index::new(format!("uuid-{i}"), Default::default());
            let mut follower = FollowerState::new("leader", &format!("logs-{i:05}"), "leader-uuid", Value::Null, 1);
            follower.active = false;
            index.follower = Some(follower);
            state.indices.insert(format!("copy-{i:05}"), index);
        }
    }
    let panel = panel_for(&local);
    let mut visitor = Visitor::new(&panel);
    let first = visitor.get("/follower-indices").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.texts("#follower-indices tbody tr").len(), 50);
    assert_eq!(first.text("#page-of"), "Page 1 of 200");
    assert_eq!(first.text("#follower-count"), "10,000 of 10,000 follower indices");
    let third = visitor.get(&first.attr("#page-next", "href").unwrap().replace("page=2", "page=3")).await;
    assert_eq!(third.attr("#follower-indices tbody tr", "data-follower").as_deref(), Some("copy-00100"));
    let found = visitor.get("/follower-indices?q=logs-0999&sort=name&order=desc").await;
    let names: Vec<String> = found
        .html()
        .select(&scraper::Selector::parse("#follower-indices tbody tr").unwrap())
        .map(|r| r.value().attr("data-follower").unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 10);
    assert_eq!(names[0], "copy-09999");
    assert!(found.attr("#page-next", "href").is_none());
}
