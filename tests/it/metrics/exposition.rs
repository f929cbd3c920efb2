//! What a scrape shows, against a leader and a local simulator connected to it.

use std::time::Duration;

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use serde_json::json;

use super::*;
use crate::replication::connected_pair;

#[tokio::test]
async fn followers_remotes_and_the_panel_itself_show_with_their_cluster() {
    let (leader, local, leader_client, local_client) = connected_pair().await;
    for name in ["copy", "paused-here", "paused-elsewhere"] {
        followers::follow(&local_client, name, "leader", "myindex", FollowParameters::default()).await.unwrap();
    }
    add_remote(&local, "gone", &[&format!("127.0.0.1:{}", closed_port())]).await;
    let caught_up = eventually(Duration::from_secs(10), || async {
        local_client.count("copy").await.unwrap_or(0) == 3 && local_client.count("paused-here").await.unwrap_or(0) == 3
    })
    .await;
    assert!(caught_up);
    // One paused through the panel (it remembers), one by a plain API call.
    assert!(followers::pause(&local_client, "paused-here").await.report.succeeded());
    local_client.pause_follow("paused-elsewhere").await.unwrap();
    for i in 10..15 {
        leader_client.index_doc("myindex", Some(&i.to_string()), &json!({"n": i})).await.unwrap();
    }
    let panel = panel(&local, Some(&leader), uncached(), TOKEN);
    let caught_up = eventually(Duration::from_secs(10), || async {
        value(
            &scrape(&panel).await,
            "elasticsearch_ccr_follow_index_global_checkpoint_lag",
            &[("follower_index", "copy")],
        ) == Some(0.0)
    })
    .await;
    assert!(caught_up, "the active follower copies the new documents: lag 0");
    let body = scrape(&panel).await;

    let follower = |name: &'static str| {
        vec![("cluster", "local"), ("follower_index", name), ("remote_cluster", "leader"), ("leader_index", "myindex")]
    };
    let status = |name: &'static str, status: &'static str| {
        let mut labels = follower(name);
        labels.push(("status", status));
        value(&body, "elasticsearch_ccr_follower_index_status", &labels)
    };
    assert_eq!(status("copy", "active"), Some(1.0));
    assert_eq!(status("copy", "paused"), Some(0.0));
    assert_eq!(status("paused-here", "paused"), Some(1.0));
    assert_eq!(status("paused-elsewhere", "paused"), Some(1.0));
    assert_eq!(status("paused-elsewhere", "failing"), Some(0.0));
    // Five documents written to the leader while paused: the lag read from both clusters'
    // shard stats, since Elasticsearch keeps no follow stats for a paused follower.
    let lag = "elasticsearch_ccr_follow_index_global_checkpoint_lag";
    assert_eq!(value(&body, lag, &follower("paused-here")), Some(5.0), "{body}");
    assert_eq!(value(&body, lag, &follower("paused-elsewhere")), Some(5.0));
    let last_read = "elasticsearch_ccr_follow_index_time_since_last_read_seconds";
    assert!(value(&body, last_read, &follower("copy")).is_some());
    assert_eq!(value(&body, last_read, &follower("paused-here")), None, "a paused follower does not read");
    assert_eq!(value(&body, "elasticsearch_ccr_follow_index_fatal", &follower("copy")), Some(0.0));
    assert_eq!(value(&body, "elasticsearch_ccr_follow_index_read_exceptions", &follower("copy")), Some(0.0));
    let by_panel = "ccr_panel_follower_paused_by_panel";
    assert_eq!(value(&body, by_panel, &[("follower_index", "paused-here")]), Some(1.0));
    assert_eq!(value(&body, by_panel, &[("follower_index", "paused-elsewhere")]), Some(0.0));
    assert_eq!(value(&body, by_panel, &[("follower_index", "copy")]), None);

    let remote = "elasticsearch_ccr_remote_cluster_connected";
    assert_eq!(
        value(&body, remote, &[("cluster", "local"), ("remote_cluster", "leader"), ("mode", "sniff")]),
        Some(1.0)
    );
    assert_eq!(value(&body, remote, &[("cluster", "local"), ("remote_cluster", "gone")]), Some(0.0));
    for cluster in ["local", "leader"] {
        assert_eq!(value(&body, "ccr_panel_scrape_success", &[("cluster", cluster)]), Some(1.0));
        assert!(value(&body, "ccr_panel_scrape_duration_seconds", &[("cluster", cluster)]).is_some());
        assert!(value(&body, "ccr_panel_es_requests_total", &[("cluster", cluster)]).unwrap() > 0.0);
        assert!(
            value(&body, "elasticsearch_ccr_auto_follow_failed_follow_indices_total", &[("cluster", cluster)])
                .is_some()
        );
        assert!(
            value(&body, "elasticsearch_ccr_auto_follow_successful_follow_indices_total", &[("cluster", cluster)])
                .is_some()
        );
    }
    // The doctor's verdicts: the unreachable remote (used by nobody: a warning), the pauses.
    let doctor = samples(&body, "ccr_panel_doctor_check");
    let verdict = |id: &str, subject: &str| {
        doctor
            .iter()
            .find(|(l, v)| *v == 1.0 && l["id"] == id && l["subject"] == subject)
            .map(|(l, _)| l["verdict"].clone())
    };
    assert_eq!(verdict("D1", "remote:gone").as_deref(), Some("warn"), "{doctor:?}");
    assert_eq!(verdict("D1", "remote:leader").as_deref(), Some("pass"));
    assert_eq!(verdict("D9", "follower:paused-elsewhere").as_deref(), Some("warn"));
    assert!(doctor.iter().all(|(l, _)| l.contains_key("id") && l.contains_key("cluster")));
    // Shard series only with --metrics-detailed.
    assert!(!body.contains("elasticsearch_ccr_follow_shard_"));
    let detailed = super::panel(&local, Some(&leader), Settings { detailed: true, ..uncached() }, TOKEN);
    let body = scrape(&detailed).await;
    let mut shard = follower("copy");
    shard.push(("shard", "0"));
    assert_eq!(value(&body, "elasticsearch_ccr_follow_shard_global_checkpoint_lag", &shard), Some(0.0));
}

#[tokio::test]
async fn a_paused_followers_lag_is_absent_without_the_leaders_endpoint() {
    let (_leader, local, _leader_client, local_client) = connected_pair().await;
    followers::follow(&local_client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    local_client.pause_follow("copy").await.unwrap();
    let panel = panel(&local, None, uncached(), TOKEN);
    let body = scrape(&panel).await;
    let labels = [("follower_index", "copy"), ("status", "paused")];
    assert_eq!(value(&body, "elasticsearch_ccr_follower_index_status", &labels), Some(1.0));
    assert_eq!(
        value(&body, "elasticsearch_ccr_follow_index_global_checkpoint_lag", &[("follower_index", "copy")]),
        None,
        "not a false 0: {body}"
    );
}

#[tokio::test]
async fn one_cluster_is_read_when_named() {
    let (leader, local, ..) = connected_pair().await;
    let panel = panel(&local, Some(&leader), uncached(), TOKEN);
    let page = get_with(&panel, "/metrics?cluster=leader", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 200);
    assert_eq!(value(&page.body, "ccr_panel_scrape_success", &[("cluster", "leader")]), Some(1.0));
    assert_eq!(value(&page.body, "ccr_panel_scrape_success", &[("cluster", "local")]), None);
    let page = get_with(&panel, "/metrics?cluster=nope", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 404);
}

#[tokio::test]
async fn openmetrics_is_served_to_whoever_asks_for_it() {
    let local = start_sim("local").await;
    let panel = panel(&local, None, uncached(), TOKEN);
    let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
    let page = get_with(&panel, "/metrics", &[("authorization", &format!("Bearer {TOKEN}")), ("accept", accept)]).await;
    assert!(page.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    assert!(page.body.ends_with("# EOF\n"));
    assert!(page.body.contains("# TYPE ccr_panel_es_requests counter"));
    let text = scrape(&panel).await;
    assert!(!text.contains("# EOF") && text.contains("# TYPE ccr_panel_es_requests_total counter"));
}

#[tokio::test]
async fn lag_slow_reads_and_exceptions_of_active_followers_come_from_their_stats() {
    let local = cluster_with_followers(3).await;
    {
        let mut state = local.sim.state();
        let shards = |name: &str, state: &mut ccr_panel::sim::state::ClusterState| {
            state.indices.get_mut(name).unwrap().follower.as_mut().unwrap().shards.clone()
        };
        let mut behind = shards("follower-0000", &mut state);
        behind[0].leader_global_checkpoint = 40;
        behind[0].follower_global_checkpoint = 12;
        behind[0].last_read = Some(std::time::Instant::now() - Duration::from_secs(90));
        behind[0].read_exception = Some((13, 2, json!({"type": "node_not_connected_exception", "reason": "gone"})));
        state.indices.get_mut("follower-0000").unwrap().follower.as_mut().unwrap().shards = behind;
        let mut stopped = shards("follower-0001", &mut state);
        stopped[0].fatal_exception = Some(json!({"type": "illegal_state_exception", "reason": "history lost"}));
        state.indices.get_mut("follower-0001").unwrap().follower.as_mut().unwrap().shards = stopped;
    }
    let body = scrape(&panel(&local, None, uncached(), TOKEN)).await;
    let of = |name: &'static str| [("cluster", "local"), ("follower_index", name)];
    assert_eq!(value(&body, "elasticsearch_ccr_follow_index_global_checkpoint_lag", &of("follower-0000")), Some(28.0));
    let last_read = value(&body, "elasticsearch_ccr_follow_index_time_since_last_read_seconds", &of("follower-0000"));
    assert!(last_read.is_some_and(|s| (89.0..120.0).contains(&s)), "{last_read:?}");
    assert_eq!(value(&body, "elasticsearch_ccr_follow_index_read_exceptions", &of("follower-0000")), Some(1.0));
    assert_eq!(value(&body, "elasticsearch_ccr_follow_index_fatal", &of("follower-0001")), Some(1.0));
    let status = |name: &'static str, status: &'static str| {
        let labels = [("follower_index", name), ("status", status)];
        value(&body, "elasticsearch_ccr_follower_index_status", &labels)
    };
    assert_eq!(status("follower-0001", "failing"), Some(1.0));
    assert_eq!(status("follower-0001", "active"), Some(0.0));
    assert_eq!(status("follower-0000", "active"), Some(1.0), "read exceptions are retried: still active");
    assert_eq!(value(&body, "elasticsearch_ccr_follow_index_global_checkpoint_lag", &of("follower-0002")), Some(0.0));
}
