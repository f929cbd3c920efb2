//! One reading of one cluster: four calls at once, then (only with paused followers, or when
//! the doctor is due) the leaders' side.

use std::collections::{BTreeMap, BTreeSet};

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    AutoFollowReading, DoctorLine, FollowerReading, RemoteReading, Replication, ScrapeError, ShardReading, Status,
    paused_lag,
};
use crate::ccr::leaders::{self, Candidate, KnownLeader};
use crate::ccr::panel_store;
use crate::es::{EsClient, EsError, routes};

/// Only what the readings use, so that 10,000 followers stay a small answer.
const INFO_FILTER: &str = "follower_indices.follower_index,follower_indices.remote_cluster,\
    follower_indices.leader_index,follower_indices.status";
const STATS_FILTER: &str = "auto_follow_stats.number_of_failed_follow_indices,\
    auto_follow_stats.number_of_successful_follow_indices,\
    auto_follow_stats.number_of_failed_remote_cluster_state_requests,\
    follow_stats.indices.index,follow_stats.indices.shards.shard_id,\
    follow_stats.indices.shards.leader_global_checkpoint,follow_stats.indices.shards.follower_global_checkpoint,\
    follow_stats.indices.shards.time_since_last_read_millis,follow_stats.indices.shards.read_exceptions.from_seq_no,\
    follow_stats.indices.shards.fatal_exception.type";
const PAUSES_FILTER: &str = "hits.hits._id";

// The shapes read, every field defaulted: `filter_path` drops what is empty.

#[derive(Debug, Default, Deserialize)]
struct Info {
    #[serde(default)]
    follower_indices: Vec<InfoEntry>,
}

#[derive(Debug, Default, Deserialize)]
struct InfoEntry {
    #[serde(default)]
    follower_index: String,
    #[serde(default)]
    remote_cluster: String,
    #[serde(default)]
    leader_index: String,
    #[serde(default)]
    status: String,
}

#[derive(Debug, Default, Deserialize)]
struct Stats {
    #[serde(default)]
    auto_follow_stats: Option<AutoFollowCounters>,
    #[serde(default)]
    follow_stats: FollowStats,
}

#[derive(Debug, Default, Deserialize)]
struct AutoFollowCounters {
    #[serde(default)]
    number_of_failed_follow_indices: u64,
    #[serde(default)]
    number_of_successful_follow_indices: u64,
    #[serde(default)]
    number_of_failed_remote_cluster_state_requests: u64,
}

#[derive(Debug, Default, Deserialize)]
struct FollowStats {
    #[serde(default)]
    indices: Vec<IndexStats>,
}

#[derive(Debug, Default, Deserialize)]
struct IndexStats {
    #[serde(default)]
    index: String,
    #[serde(default)]
    shards: Vec<ShardStats>,
}

#[derive(Debug, Default, Deserialize)]
struct ShardStats {
    #[serde(default)]
    shard_id: u32,
    #[serde(default)]
    leader_global_checkpoint: i64,
    #[serde(default)]
    follower_global_checkpoint: i64,
    #[serde(default)]
    time_since_last_read_millis: i64,
    #[serde(default)]
    read_exceptions: Vec<Value>,
    #[serde(default)]
    fatal_exception: Option<Value>,
}

fn reason(error: &EsError) -> String {
    match error {
        EsError::Api(api) => format!("[{}] {}", api.error_type, api.reason),
        other => other.to_string(),
    }
}

fn parse<T: serde::de::DeserializeOwned + Default>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_default()
}

/// The followers the panel paused itself: the ids of its saved settings (one per follower,
/// removed on resume). `None` when they could not be read; no index yet means none.
async fn pauses_by_panel(client: &EsClient) -> Option<BTreeSet<String>> {
    let body = json!({"size": 10000, "_source": false, "query": {"match_all": {}}});
    let index = panel_store::FOLLOW_SETTINGS.index;
    match client.read_filtered(&routes::SEARCH, &[index], &[], PAUSES_FILTER, Some(&body)).await {
        Ok(answer) => Some(
            answer["hits"]["hits"]
                .as_array()
                .map(|hits| hits.iter().filter_map(|h| h["_id"].as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
        ),
        Err(e) if e.es_type() == Some("index_not_found_exception") => Some(BTreeSet::new()),
        Err(error) => {
            tracing::debug!(error = %reason(&error), "the panel's pause records could not be read");
            None
        }
    }
}

fn follower_from_stats(entry: InfoEntry, stats: Option<&IndexStats>, detailed: bool) -> FollowerReading {
    let paused = entry.status == "paused";
    let mut reading = FollowerReading {
        follower_index: entry.follower_index,
        remote_cluster: entry.remote_cluster,
        leader_index: entry.leader_index,
        status: if paused { Status::Paused } else { Status::Active },
        paused_by_panel: None,
        lag: None,
        time_since_last_read_seconds: None,
        read_exceptions: None,
        fatal: None,
        shards: Vec::new(),
    };
    let Some(stats) = stats.filter(|_| !paused) else { return reading };
    let shards: Vec<ShardReading> = stats
        .shards
        .iter()
        .map(|s| ShardReading {
            shard_id: s.shard_id,
            lag: (s.leader_global_checkpoint - s.follower_global_checkpoint).max(0),
            time_since_last_read_seconds: s.time_since_last_read_millis.max(0) as f64 / 1000.0,
            read_exceptions: s.read_exceptions.len() as u64,
        })
        .collect();
    let fatal = stats.shards.iter().any(|s| s.fatal_exception.is_some());
    reading.lag = Some(shards.iter().map(|s| s.lag).sum());
    reading.time_since_last_read_seconds = shards.iter().map(|s| s.time_since_last_read_seconds).reduce(f64::max);
    reading.read_exceptions = Some(shards.iter().map(|s| s.read_exceptions).sum());
    reading.fatal = Some(fatal);
    if fatal {
        reading.status = Status::Failing;
    }
    if detailed {
        reading.shards = shards;
    }
    reading
}

/// Reads one cluster. `candidates` are the other configured clusters (possible leaders);
/// `run_doctor` also runs the doctor's checks. Every call waits at most `wait`.
pub async fn read_cluster(
    client: &EsClient,
    candidates: &[Candidate],
    detailed: bool,
    run_doctor: bool,
    wait: Duration,
) -> (Result<Replication, ScrapeError>, Option<Vec<DoctorLine>>) {
    let (info, stats, remotes, pauses) = tokio::join!(
        client.read_filtered(&routes::CCR_FOLLOW_INFO, &["_all"], &[], INFO_FILTER, None),
        client.read_filtered(&routes::CCR_STATS, &[], &[], STATS_FILTER, None),
        // Untrimmed: one entry per remote, and the leader matching needs the seeds.
        client.remote_info(),
        pauses_by_panel(client),
    );
    let (info, remote_map) = match (info, remotes) {
        (Ok(info), Ok(remotes)) => (parse::<Info>(info), remotes),
        (Err(e), _) | (_, Err(e)) => return (Err(ScrapeError::Failed(reason(&e))), None),
    };
    let remotes = remote_map
        .iter()
        .map(|(name, r)| RemoteReading {
            name: name.clone(),
            mode: r.mode.clone().unwrap_or_else(|| "sniff".into()),
            connected: r.connected,
        })
        .collect();
    let stats: Option<Stats> = stats.ok().map(parse);
    let auto_follow = stats.as_ref().and_then(|s| s.auto_follow_stats.as_ref()).map(|a| AutoFollowReading {
        failed_follow_indices: a.number_of_failed_follow_indices,
        successful_follow_indices: a.number_of_successful_follow_indices,
        failed_remote_cluster_state_requests: a.number_of_failed_remote_cluster_state_requests,
    });
    let by_index: BTreeMap<&str, &IndexStats> =
        stats.iter().flat_map(|s| s.follow_stats.indices.iter()).map(|i| (i.index.as_str(), i)).collect();
    let mut followers: Vec<FollowerReading> = info
        .follower_indices
        .into_iter()
        .map(|entry| {
            let found = by_index.get(entry.follower_index.as_str()).copied();
            follower_from_stats(entry, found, detailed)
        })
        .collect();
    followers.sort_by(|a, b| a.follower_index.cmp(&b.follower_index));
    for follower in followers.iter_mut().filter(|f| f.status == Status::Paused) {
        follower.paused_by_panel = pauses.as_ref().map(|p| p.contains(&follower.follower_index));
    }

    // The leaders' side, only when something needs it.
    let any_paused = followers.iter().any(|f| f.status == Status::Paused);
    let known = if (any_paused || run_doctor) && !candidates.is_empty() {
        leaders::match_remotes(&remote_map, candidates, wait).await
    } else {
        Vec::new()
    };
    let doctor = async { if run_doctor { Some(doctor_lines(client, &known, wait).await) } else { None } };
    let ((), doctor) = tokio::join!(paused_lag::fill(client, &known, &mut followers), doctor);
    (Ok(Replication { followers, remotes, auto_follow }), doctor)
}

/// The one place the metrics call the doctor: every check, D11 included, with the leaders
/// already found for the paused followers' lag.
async fn doctor_lines(client: &EsClient, known: &[KnownLeader], wait: Duration) -> Vec<DoctorLine> {
    use crate::ccr::doctor::{evidence::GatherOptions, run};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    run::run_with_leaders(client, known.to_vec(), GatherOptions::new(wait), now)
        .await
        .findings
        .into_iter()
        .map(|f| DoctorLine { id: f.check.code(), subject: f.subject.label(), verdict: f.verdict.as_str() })
        .collect()
}
