//! Bodies of the `_ccr/*` APIs.
//!
//! Surprises kept in mind here: a paused follower has no `parameters` in `_ccr/info` and is
//! absent from `_ccr/stats`; `total_global_checkpoint_lag` exists from 8.13 only.

use serde::{Deserialize, Serialize};

/// The tuning parameters shared by follow, resume-follow and auto-follow patterns. Every field
/// is optional: Elasticsearch applies its defaults to what is left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FollowParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_read_request_operation_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_read_request_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_outstanding_read_requests: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_write_request_operation_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_write_request_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_outstanding_write_requests: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_write_buffer_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_write_buffer_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retry_delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_poll_timeout: Option<String>,
}

/// Body of `PUT /{follower}/_ccr/follow`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowRequest {
    pub remote_cluster: String,
    pub leader_index: String,
    #[serde(flatten)]
    pub parameters: FollowParameters,
}

/// Response of `PUT /{follower}/_ccr/follow`. With the default `wait_for_active_shards=0` all
/// three flags are `false` even on success.
#[derive(Debug, Clone, Deserialize)]
pub struct FollowCreated {
    pub follow_index_created: bool,
    pub follow_index_shards_acked: bool,
    pub index_following_started: bool,
}

/// `GET /{index}/_ccr/info`
#[derive(Debug, Clone, Deserialize)]
pub struct FollowInfoResponse {
    /// Absent from a filtered answer without followers (`filter_path` drops empty arrays).
    #[serde(default)]
    pub follower_indices: Vec<FollowerInfo>,
}

/// The `filter_path` of `_ccr/info` for the doctor: of the parameters, only the four limits a
/// lagging follower is compared with (at 10,000 followers the rest is most of the answer).
pub const CHECKED_INFO_FILTER: &str = "follower_indices.follower_index,follower_indices.remote_cluster,\
    follower_indices.leader_index,follower_indices.status,\
    follower_indices.parameters.max_outstanding_read_requests,\
    follower_indices.parameters.max_outstanding_write_requests,\
    follower_indices.parameters.max_write_buffer_count,follower_indices.parameters.max_write_buffer_size";

/// The `filter_path` of `_ccr/stats` for the doctor: what its checks read of every shard (its
/// state, the limits it may be at, where its reads spend their time), without the names and
/// the dozen counters each shard repeats (two thirds of the answer at 10,000 followers).
pub const CHECKED_STATS_FILTER: &str = "auto_follow_stats,follow_stats.indices.index,\
    follow_stats.indices.total_global_checkpoint_lag,follow_stats.indices.shards.shard_id,\
    follow_stats.indices.shards.leader_global_checkpoint,follow_stats.indices.shards.follower_global_checkpoint,\
    follow_stats.indices.shards.time_since_last_read_millis,follow_stats.indices.shards.outstanding_*,\
    follow_stats.indices.shards.write_buffer_*,follow_stats.indices.shards.total_read_*,\
    follow_stats.indices.shards.read_exceptions,follow_stats.indices.shards.fatal_exception";

/// `GET /_ccr/stats?filter_path=auto_follow_stats`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CcrAutoFollowStats {
    #[serde(default)]
    pub auto_follow_stats: AutoFollowStats,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FollowerInfo {
    pub follower_index: String,
    pub remote_cluster: String,
    pub leader_index: String,
    /// `active` or `paused`.
    pub status: String,
    /// Absent when paused.
    #[serde(default)]
    pub parameters: Option<FollowParameters>,
}

/// `GET /{index}/_ccr/stats`, and the `follow_stats` part of `GET /_ccr/stats`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FollowStats {
    #[serde(default)]
    pub indices: Vec<FollowerIndexStats>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FollowerIndexStats {
    pub index: String,
    #[serde(default)]
    pub total_global_checkpoint_lag: Option<i64>,
    #[serde(default)]
    pub shards: Vec<ShardFollowStats>,
}

/// One shard's follow task, as `_ccr/stats` reports it. Counters start at zero when the task
/// starts (a resume starts a new task). The names and the counters the doctor does not read
/// are absent from its answer ([`CHECKED_STATS_FILTER`]): they default to empty and zero.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShardFollowStats {
    #[serde(default)]
    pub remote_cluster: String,
    #[serde(default)]
    pub leader_index: String,
    #[serde(default)]
    pub follower_index: String,
    pub shard_id: u32,
    pub leader_global_checkpoint: i64,
    #[serde(default)]
    pub leader_max_seq_no: i64,
    pub follower_global_checkpoint: i64,
    #[serde(default)]
    pub follower_max_seq_no: i64,
    #[serde(default)]
    pub last_requested_seq_no: i64,
    #[serde(default)]
    pub outstanding_read_requests: u64,
    #[serde(default)]
    pub outstanding_write_requests: u64,
    #[serde(default)]
    pub write_buffer_operation_count: u64,
    #[serde(default)]
    pub write_buffer_size_in_bytes: u64,
    #[serde(default)]
    pub successful_read_requests: u64,
    #[serde(default)]
    pub failed_read_requests: u64,
    #[serde(default)]
    pub operations_read: u64,
    #[serde(default)]
    pub bytes_read: u64,
    #[serde(default)]
    pub total_read_time_millis: u64,
    /// Of the read time, how long the leader took to answer (the rest is the network).
    #[serde(default)]
    pub total_read_remote_exec_time_millis: u64,
    #[serde(default)]
    pub successful_write_requests: u64,
    #[serde(default)]
    pub failed_write_requests: u64,
    #[serde(default)]
    pub operations_written: u64,
    #[serde(default)]
    pub total_write_time_millis: u64,
    #[serde(default)]
    pub time_since_last_read_millis: i64,
    /// Reads that failed and are being retried.
    #[serde(default)]
    pub read_exceptions: Vec<ReadException>,
    /// Present when the shard's task stopped for good: the follower must be fixed by hand.
    #[serde(default)]
    pub fatal_exception: Option<ExceptionBody>,
}

/// A read from the leader that failed and is retried (`read_exceptions[]`).
#[derive(Debug, Clone, Deserialize)]
pub struct ReadException {
    #[serde(default)]
    pub from_seq_no: i64,
    #[serde(default)]
    pub retries: u32,
    pub exception: ExceptionBody,
}

/// An exception as Elasticsearch renders one inside a body: `type`, `reason` and the chain of
/// `caused_by`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ExceptionBody {
    #[serde(rename = "type", default)]
    pub error_type: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub caused_by: Option<Box<ExceptionBody>>,
}

impl ExceptionBody {
    /// This exception and its causes, outermost first. Bounded: a body that nests deeper than
    /// any real one is cut.
    pub fn chain(&self) -> Vec<&ExceptionBody> {
        let mut chain = vec![self];
        while let Some(next) = chain.last().and_then(|e| e.caused_by.as_deref()) {
            if chain.len() >= 16 {
                break;
            }
            chain.push(next);
        }
        chain
    }
}

/// `GET /_ccr/stats`. `follow_stats` may be absent from a filtered answer: `filter_path` drops
/// an empty `indices` and then the `follow_stats` left empty (a cluster without followers).
/// `auto_follow_stats` is always there (its counters are never empty), so an answer without
/// it (a proxy's page, a filter that no longer matches) is an error, not "no errors".
#[derive(Debug, Clone, Deserialize)]
pub struct CcrStats {
    pub auto_follow_stats: AutoFollowStats,
    #[serde(default)]
    pub follow_stats: FollowStats,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AutoFollowStats {
    #[serde(default)]
    pub number_of_failed_follow_indices: u64,
    #[serde(default)]
    pub number_of_failed_remote_cluster_state_requests: u64,
    #[serde(default)]
    pub number_of_successful_follow_indices: u64,
    #[serde(default)]
    pub recent_auto_follow_errors: Vec<RecentAutoFollowError>,
    /// The remotes the coordinator checks, with how long ago (absent before 7.x).
    #[serde(default)]
    pub auto_followed_clusters: Vec<AutoFollowedCluster>,
}

/// One of `recent_auto_follow_errors`: `leader_index` is `<pattern>:<leader index>` for a
/// follow that failed, or the pattern's name alone when the remote could not be read.
#[derive(Debug, Clone, Deserialize)]
pub struct RecentAutoFollowError {
    #[serde(default)]
    pub leader_index: String,
    #[serde(default)]
    pub timestamp: i64,
    #[serde(default)]
    pub auto_follow_exception: ExceptionBody,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AutoFollowedCluster {
    pub cluster_name: String,
    #[serde(default)]
    pub time_since_last_check_millis: i64,
    #[serde(default)]
    pub last_seen_metadata_version: i64,
}

/// `GET /_ccr/auto_follow[/{name}]`
#[derive(Debug, Clone, Deserialize)]
pub struct AutoFollowPatterns {
    pub patterns: Vec<NamedAutoFollowPattern>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NamedAutoFollowPattern {
    pub name: String,
    pub pattern: AutoFollowPattern,
}

/// An auto-follow pattern, as read and (with `parameters`) as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AutoFollowPattern {
    /// Absent before 7.5, where patterns cannot be paused.
    #[serde(default = "active_by_default", skip_serializing)]
    pub active: bool,
    pub remote_cluster: String,
    pub leader_index_patterns: Vec<String>,
    /// 7.14+.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leader_index_exclusion_patterns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_index_pattern: Option<String>,
    #[serde(flatten)]
    pub parameters: FollowParameters,
}

fn active_by_default() -> bool {
    true
}

/// Body of `POST /{leader}/_ccr/forget_follower`, sent to the leader cluster.
#[derive(Debug, Clone, Serialize)]
pub struct ForgetFollower {
    pub follower_cluster: String,
    pub follower_index: String,
    pub follower_index_uuid: String,
    pub leader_remote_cluster: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::filter_path;

    /// What the doctor's checks read of an answer, whole or filtered: the filtered answer must
    /// say the same (a field left out of a filter would read as zero or empty, silently).
    fn checked(stats: &CcrStats) -> String {
        let shards: Vec<String> = stats
            .follow_stats
            .indices
            .iter()
            .flat_map(|i| i.shards.iter().map(move |s| (i, s)))
            .map(|(i, s)| {
                format!(
                    "{} {:?} {} {} {} {} {} {} {} {} {} {} {:?} {:?}",
                    i.index,
                    i.total_global_checkpoint_lag,
                    s.shard_id,
                    s.leader_global_checkpoint,
                    s.follower_global_checkpoint,
                    s.time_since_last_read_millis,
                    s.outstanding_read_requests,
                    s.outstanding_write_requests,
                    s.write_buffer_operation_count,
                    s.write_buffer_size_in_bytes,
                    s.total_read_time_millis,
                    s.total_read_remote_exec_time_millis,
                    s.read_exceptions.iter().map(|e| (e.from_seq_no, e.retries, &e.exception)).collect::<Vec<_>>(),
                    s.fatal_exception,
                )
            })
            .collect();
        format!("{shards:?} {:?}", stats.auto_follow_stats.recent_auto_follow_errors.len())
    }

    #[test]
    fn the_doctors_filters_keep_every_field_its_checks_read() {
        let stats: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/es-examples/ccr_stats.json")).unwrap();
        let whole: CcrStats = serde_json::from_value(stats.clone()).unwrap();
        let filtered: CcrStats = serde_json::from_value(filter_path::apply(stats, CHECKED_STATS_FILTER)).unwrap();
        assert!(!whole.follow_stats.indices.is_empty());
        assert_eq!(checked(&filtered), checked(&whole));
        // The figures the bottleneck check compares are not all zero in the example.
        let shard = &whole.follow_stats.indices[0].shards[0];
        assert!(shard.write_buffer_operation_count > 0 && shard.total_read_time_millis > 0);

        let info: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/es-examples/follow_info.active.json")).unwrap();
        let whole: FollowInfoResponse = serde_json::from_value(info.clone()).unwrap();
        let filtered: FollowInfoResponse =
            serde_json::from_value(filter_path::apply(info, CHECKED_INFO_FILTER)).unwrap();
        let read = |f: &FollowerInfo| {
            let p = f.parameters.clone().unwrap_or_default();
            let limits = (
                p.max_outstanding_read_requests,
                p.max_outstanding_write_requests,
                p.max_write_buffer_count,
                p.max_write_buffer_size,
            );
            (f.follower_index.clone(), f.remote_cluster.clone(), f.leader_index.clone(), f.status.clone(), limits)
        };
        let (whole, filtered): (Vec<_>, Vec<_>) =
            (whole.follower_indices.iter().map(read).collect(), filtered.follower_indices.iter().map(read).collect());
        assert!(whole[0].4.0.is_some(), "the example has parameters");
        assert_eq!(filtered, whole);
    }

    #[test]
    fn a_filtered_answer_without_followers_reads_as_none_but_one_without_auto_follow_stats_is_refused() {
        let no_followers = serde_json::json!({"auto_follow_stats": {"number_of_failed_follow_indices": 0}});
        let stats: CcrStats = serde_json::from_value(no_followers).unwrap();
        assert!(stats.follow_stats.indices.is_empty());
        assert!(serde_json::from_value::<CcrStats>(serde_json::json!({})).is_err());
    }
}
