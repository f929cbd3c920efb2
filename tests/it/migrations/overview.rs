//! The replication overview: remotes, followers by state, operations behind with the worst
//! followers, patterns with errors and migrations in progress, each linking to its screen.

use serde_json::json;

use super::*;

#[tokio::test]
async fn the_overview_shows_replication_health_in_both_languages() {
    let clusters = TwoClusters::start().await;
    let panel = clusters.panel();
    let mut visitor = Visitor::new(&panel);
    let at = plan(&mut visitor, "orders").await;
    run(&mut visitor, &at, "prepare", &[]).await;
    run(&mut visitor, &at, "connect", &[]).await;
    let page = run(&mut visitor, &at, "follow", &[]).await;
    assert_eq!(outcome(&page, "follow", "orders"), "migration-followed", "{}", page.body);
    let new = client(&clusters.local);
    new.pause_follow("orders").await.unwrap();
    // A pattern that meets a new leader index without soft deletes records a recent error.
    let pattern = json!({"remote_cluster": "old", "leader_index_patterns": ["archive-*"]});
    new.put_auto_follow_pattern_raw("legacy-auto", &pattern).await.unwrap();
    let settings = json!({"settings": {"index.soft_deletes.enabled": false}});
    client(&clusters.leader).create_index("archive-1", &settings).await.unwrap();
    let failed = eventually(std::time::Duration::from_secs(5), || async {
        new.checked_ccr_stats().await.is_ok_and(|s| !s.auto_follow_stats.recent_auto_follow_errors.is_empty())
    })
    .await;
    assert!(failed, "the pattern fails on legacy");

    let page = visitor.get("/").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text("#health-remotes .figure a"), "1 / 1");
    assert_eq!(page.attr("#health-remotes .figure a", "href").as_deref(), Some("/remote-clusters"));
    assert_eq!(page.text("#health-followers [data-status=paused] a"), "1");
    assert_eq!(page.text("#health-followers [data-status=active] a"), "0");
    assert_eq!(
        page.attr("#health-followers [data-status=paused] a", "href").as_deref(),
        Some("/follower-indices?status=paused")
    );
    assert_eq!(page.text("#health-migrations .figure a"), "1");
    assert_eq!(page.attr("#health-migrations li a", "href").as_deref(), Some(at.as_str()));
    assert_eq!(page.attr("#replication-health", "hx-trigger").as_deref(), Some("every 5s"), "refreshes itself");
    assert!(page.text("#health-migrations li").contains("Verify"), "the next step is named");
    assert_eq!(page.text("#health-patterns .figure a"), "1");
    assert_eq!(page.attr("#health-patterns li a", "href").as_deref(), Some("/auto-follow-patterns/legacy-auto"));

    // The section refreshes alone; a paused follower counts no operations behind.
    let fragment = get(&panel, "/overview/replication").await;
    assert_eq!(fragment.text("#health-behind .figure a"), "0");
    assert!(fragment.texts("#health-behind .worst li").is_empty());

    visitor.headers.push(("accept-language".into(), "zh-CN".into()));
    let chinese = visitor.get("/").await;
    assert!(chinese.text("#health-followers").contains("已暂停"), "{}", chinese.text("#health-followers"));
    assert!(chinese.text("#health-migrations h2").contains("进行中的迁移"));
    let migrations = visitor.get("/migrations").await;
    assert!(migrations.text("#migrations [data-col=state]").contains("下一步"));
    let detail = visitor.get(&at).await;
    assert!(detail.text("#step-follow h2").contains("跟随"));
}

#[tokio::test]
async fn the_followers_furthest_behind_are_named_furthest_first() {
    let local = start_sim("local").await;
    {
        // Straight into the simulator's state: followers with known checkpoints.
        let mut state = local.sim.state();
        for (name, behind, active) in
            [("f-a", 5, true), ("f-b", 40, true), ("f-c", 0, true), ("f-d", 40, true), ("f-e", 900, false)]
        {
            let mut index = ccr_panel::sim::state::Index::new(format!("uuid-{name}"), Default::default());
            let mut follower = ccr_panel::sim::follower::FollowerState::new("leader", name, "u", json!({}), 1);
            follower.active = active;
            for shard in &mut follower.shards {
                shard.leader_global_checkpoint = 1_000;
                shard.follower_global_checkpoint = 1_000 - behind;
                shard.leader_max_seq_no = 1_000;
            }
            index.follower = Some(follower);
            state.indices.insert(name.to_owned(), index);
        }
    }
    let panel = panel_for(&local);
    let page = get(&panel, "/").await;
    assert_eq!(page.status, 200);
    // The paused follower counts no operations behind.
    assert_eq!(page.text("#health-behind .figure a"), "85");
    assert_eq!(page.texts("#health-behind .worst li a"), ["f-b", "f-d", "f-a"]);
    assert_eq!(page.text("#health-followers [data-status=active] a"), "4");
    assert_eq!(page.text("#health-followers [data-status=paused] a"), "1");
}
