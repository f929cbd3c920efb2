//! The follower domain against two simulators: the detail page's data (paused followers read
//! from `_ccr/info` alone), and pause/resume keeping custom settings, which Elasticsearch
//! forgets while a follower is paused.

use ccr_panel::ccr::followers::{self, FollowSettings, FollowerStatus};
use ccr_panel::es::FollowParameters;

use crate::replication::connected_pair;

fn custom() -> FollowParameters {
    FollowParameters {
        max_read_request_operation_count: Some(100),
        max_retry_delay: Some("2s".into()),
        ..FollowParameters::default()
    }
}

#[tokio::test]
async fn resume_keeps_the_settings_the_follower_had_before_the_pause() {
    let (_leader, _local, _leader_client, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", custom()).await.unwrap();

    let paused = followers::pause(&local, "copy").await;
    assert!(paused.report.succeeded());
    assert!(paused.settings_remembered);
    assert!(local.follow_info("copy").await.unwrap()[0].parameters.is_none(), "Elasticsearch forgot them");

    let kept = followers::settings_for_resume(&local, "copy").await.unwrap().expect("remembered");
    assert_eq!(kept.max_read_request_operation_count, Some(100));
    assert_eq!(kept.max_retry_delay.as_deref(), Some("2s"));
    assert!(followers::resume(&local, "copy", &kept).await.succeeded());

    let info = local.follow_info("copy").await.unwrap();
    let parameters = info[0].parameters.clone().expect("active again");
    assert_eq!(parameters.max_read_request_operation_count, Some(100));
    assert_eq!(parameters.max_retry_delay.as_deref(), Some("2s"));
    assert_eq!(followers::settings_for_resume(&local, "copy").await.unwrap(), None, "used up");
    // The panel's record stays out of wildcard patterns.
    let listed = local.cat_indices(Some("*")).await.unwrap();
    let record = listed.iter().find(|i| i.index == "ccr-panel-follow-settings").expect("the record's index");
    assert_eq!(record.index, "ccr-panel-follow-settings");
}

#[tokio::test]
async fn a_paused_follower_still_has_a_detail() {
    let (_leader, _local, _leader_client, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", custom()).await.unwrap();

    let active = followers::detail::detail(&local, "copy").await.unwrap().expect("a follower");
    assert_eq!(active.status, FollowerStatus::Active);
    assert_eq!(active.remote_configured, Some(true));
    assert!(!active.shards.is_empty());
    let settings = active.settings.expect("settings while active");
    assert!(settings.is_custom("max_read_request_operation_count"));
    assert!(!settings.is_custom("read_poll_timeout"));

    followers::pause(&local, "copy").await;
    let paused = followers::detail::detail(&local, "copy").await.unwrap().expect("still a follower");
    assert_eq!(paused.status, FollowerStatus::Paused);
    assert!(paused.shards.is_empty() && paused.settings.is_none() && paused.lag.is_none());
    assert_eq!((paused.remote_cluster.as_str(), paused.leader_index.as_str()), ("leader", "myindex"));

    assert!(followers::detail::detail(&local, "ccr-panel-follow-settings").await.unwrap().is_none(), "not a follower");
}

#[tokio::test]
async fn settings_typed_in_a_form_reach_elasticsearch_as_typed() {
    let (_leader, _local, _leader_client, local) = connected_pair().await;
    let form = [("max_write_buffer_size", "64MB"), ("read_poll_timeout", "30s"), ("max_retry_delay", "")];
    let settings = FollowSettings::parse(|name| form.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)).unwrap();
    followers::follow(&local, "copy", "leader", "myindex", settings.to_parameters()).await.unwrap();
    let parameters = local.follow_info("copy").await.unwrap()[0].parameters.clone().unwrap();
    assert_eq!(parameters.max_write_buffer_size.as_deref(), Some("64mb"));
    assert_eq!(parameters.read_poll_timeout.as_deref(), Some("30s"));
    assert_eq!(parameters.max_retry_delay.as_deref(), Some("500ms"), "left at the default");
}

/// The simulator builds a follower's parameters only when `filter_path` keeps some of them:
/// what the filter asks for is there, whichever way it is spelled.
#[tokio::test]
async fn the_follow_parameters_are_in_every_answer_whose_filter_keeps_them() {
    let (_leader, local_sim, _leader_client, local) = connected_pair().await;
    let form = [("read_poll_timeout", "30s")];
    let settings = FollowSettings::parse(|name| form.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)).unwrap();
    followers::follow(&local, "copy", "leader", "myindex", settings.to_parameters()).await.unwrap();
    let info = |filter: &'static str| {
        let url = format!("{}/copy/_ccr/info?filter_path={filter}", local_sim.url());
        async move { reqwest::get(url).await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let timeout = serde_json::json!({"follower_indices": [{"parameters": {"read_poll_timeout": "30s"}}]});
    assert_eq!(info("follower_indices.parameters.read_poll_timeout").await, timeout);
    assert_eq!(info("**.read_poll_timeout").await, timeout);
    assert_eq!(info("follower_indices.*.read_poll_*").await, timeout);
    let without_max = info("-follower_indices.parameters.max_*").await;
    assert_eq!(without_max["follower_indices"][0]["parameters"], serde_json::json!({"read_poll_timeout": "30s"}));
    assert_eq!(without_max["follower_indices"][0]["status"], "active");
    assert_eq!(
        info("follower_indices.follower_index,-**.parameters").await,
        serde_json::json!({"follower_indices": [{"follower_index": "copy"}]})
    );
}

#[tokio::test]
async fn converting_leaves_a_regular_open_writable_index_with_every_document() {
    let (_leader, _local, _leader_client, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", custom()).await.unwrap();
    let converted = followers::convert_to_regular(&local, "copy").await.unwrap();
    assert!(converted.report.succeeded(), "{:?}", converted.report);
    assert_eq!(converted.state, Some(followers::IndexState { open: true, following: None }));
    assert_eq!(local.count("copy").await.unwrap(), 3);
    local.index_doc("copy", Some("new"), &serde_json::json!({"n": 0})).await.expect("writable");
}

#[tokio::test]
async fn a_fault_at_any_step_of_a_conversion_leaves_an_open_index_and_says_where_it_stands() {
    use ccr_panel::sim::{Fault, FaultKind};
    // (failing request, whether the index ends up converted, state after)
    let cases = [
        ("/copy/_ccr/pause_follow", false, Some(FollowerStatus::Active)),
        ("/copy/_close", false, Some(FollowerStatus::Active)),
        ("/copy/_ccr/unfollow", false, Some(FollowerStatus::Active)),
        // The final open fails once: tried again, so the conversion still completes.
        ("/copy/_open", true, None),
    ];
    for (path, converted_ok, following) in cases {
        let (_leader, local_sim, _leader_client, local) = connected_pair().await;
        followers::follow(&local, "copy", "leader", "myindex", custom()).await.unwrap();
        let refusal = serde_json::json!({"error": {"root_cause": [], "type": "illegal_state_exception", "reason": "cluster busy"}, "status": 500});
        local_sim.sim.inject_fault(Fault::new(path, FaultKind::Status { status: 500, body: refusal }).once());
        let converted = followers::convert_to_regular(&local, "copy").await.unwrap();
        assert_eq!(converted.report.succeeded(), converted_ok, "{path}: {:?}", converted.report);
        assert_eq!(converted.state, Some(followers::IndexState { open: true, following }), "{path}");
        if !converted_ok {
            assert_eq!(converted.report.failure(), Some("[illegal_state_exception] cluster busy"), "{path}");
            let parameters = local.follow_info("copy").await.unwrap()[0].parameters.clone().unwrap();
            assert_eq!(parameters.max_read_request_operation_count, Some(100), "{path}: resumed with its own settings");
        }
        assert_eq!(local.count("copy").await.unwrap(), 3, "{path}: every document is still there");
    }
}
