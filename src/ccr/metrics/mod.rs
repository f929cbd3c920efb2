//! Replication readings for Prometheus: what `/metrics` exports, read from a handful of
//! Elasticsearch calls whose number does not grow with the number of followers.
//!
//! One reading of a cluster ([`read_cluster`]) asks, all at once and trimmed with
//! `filter_path`: `_ccr/info` (every follower and its status, paused ones included),
//! `_ccr/stats` (lag, last read, exceptions of the active ones; the auto-follow counters),
//! `_remote/info`, and the panel's own record of the pauses it made. Only when followers are
//! paused does it read on: Elasticsearch keeps no follow stats for them, so their lag comes from
//! both clusters' shard-level index stats ([`paused_lag`]), when the leader is a configured
//! cluster. The doctor's checks run at most once a minute ([`DOCTOR_EVERY`]).
//!
//! [`cache`] shares one reading between concurrent scrapers; [`exposition`] writes the text.

pub mod cache;
pub mod exposition;
pub mod paused_lag;
mod read;

use std::time::Duration;

use crate::es::EsClient;

pub use read::read_cluster;

/// The doctor's checks read more (the full `_ccr/stats`, patterns, nodes): at most this often.
pub const DOCTOR_EVERY: Duration = Duration::from_secs(60);

/// A cluster the metrics read, with the client they read it with: `None` when people sign
/// in with their own credentials (`--auth es`) and the cluster entry has no metrics API key.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub client: Option<EsClient>,
}

/// A follower's state, as the `status` label spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Paused,
    /// Active, but a shard has stopped on a fatal exception.
    Failing,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Active, Status::Paused, Status::Failing];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Failing => "failing",
        }
    }
}

/// One follower shard (exported with `--metrics-detailed` only).
#[derive(Debug, Clone, PartialEq)]
pub struct ShardReading {
    pub shard_id: u32,
    pub lag: i64,
    pub time_since_last_read_seconds: f64,
    pub read_exceptions: u64,
}

/// One follower index.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowerReading {
    pub follower_index: String,
    pub remote_cluster: String,
    pub leader_index: String,
    pub status: Status,
    /// For a paused follower: whether the panel holds the settings it saved when it paused it
    /// (`None` when active, or when the panel's records could not be read).
    pub paused_by_panel: Option<bool>,
    /// Leader minus follower global checkpoint, summed over shards; `None` when unknown (a
    /// paused follower whose leader is not a configured cluster): never a false 0.
    pub lag: Option<i64>,
    /// The worst shard's; `None` for a paused follower (Elasticsearch does not read for it).
    pub time_since_last_read_seconds: Option<f64>,
    pub read_exceptions: Option<u64>,
    pub fatal: Option<bool>,
    pub shards: Vec<ShardReading>,
}

/// One remote cluster as `_remote/info` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteReading {
    pub name: String,
    /// `sniff` or `proxy` (before 7.6 every remote is `sniff`).
    pub mode: String,
    pub connected: bool,
}

/// The auto-follow counters of `_ccr/stats` (since the node started).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoFollowReading {
    pub failed_follow_indices: u64,
    pub successful_follow_indices: u64,
    pub failed_remote_cluster_state_requests: u64,
}

/// One doctor verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct DoctorLine {
    pub id: &'static str,
    pub subject: String,
    pub verdict: &'static str,
}

/// Everything read from one cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replication {
    pub followers: Vec<FollowerReading>,
    pub remotes: Vec<RemoteReading>,
    /// `None` when `_ccr/stats` could not be read (no licence, no privilege).
    pub auto_follow: Option<AutoFollowReading>,
}

/// Why a cluster could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ScrapeError {
    /// `--auth es` without a metrics API key for this cluster.
    NoCredentials,
    /// It did not answer within `--metrics-timeout`.
    TimedOut,
    /// It answered with an error, in its words.
    Failed(String),
}

impl std::fmt::Display for ScrapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScrapeError::NoCredentials => f.write_str(
                "people sign in with their own credentials (--auth es), so /metrics needs an API key of its own \
                 for this cluster: metrics_api_key_env in its [[cluster]] entry, or --metrics-es-api-key",
            ),
            ScrapeError::TimedOut => f.write_str("Elasticsearch did not answer within --metrics-timeout"),
            ScrapeError::Failed(reason) => write!(f, "Elasticsearch refused: {reason}"),
        }
    }
}

/// One reading of one cluster, as the cache keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterReading {
    pub cluster: String,
    pub outcome: Result<Replication, ScrapeError>,
    pub duration: Duration,
    /// The latest doctor verdicts (they may be up to [`DOCTOR_EVERY`] old).
    pub doctor: Vec<DoctorLine>,
    /// Requests this panel's metrics have sent to the cluster since start.
    pub es_requests: u64,
}
