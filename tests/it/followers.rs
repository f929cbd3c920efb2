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
