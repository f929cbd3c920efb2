//! D10: whether each follower's lag (operations behind, as Elasticsearch counts them) is
//! shrinking, steady or growing between two readings, and, when it is not shrinking, the
//! likely bottleneck read off the shard-follow tasks' own counters:
//!
//! - reads at their limit: every shard has `max_outstanding_read_requests` reads in flight;
//! - writes at their limit: the write buffer near `max_write_buffer_count` or
//!   `max_write_buffer_size`, or `max_outstanding_write_requests` writes in flight (the
//!   follower's cluster indexes too slowly);
//! - the leader slow: most of the read time is the leader executing the reads
//!   (`total_read_remote_exec_time_millis`), not the network;
//! - reads failing and retried (`read_exceptions`; D9 says which).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::checks::not_checked;
use super::evidence::{Evidence, GatherOptions, Piece, SecondReading, TrendEvidence, bounded, usable_sample};
use super::{CheckId, Finding, Fix, Subject, Verdict};
use crate::ccr::followers::list::lag_of_stats;
use crate::ccr::units::ByteSize;
use crate::es::{CcrStats, EsClient, FollowParameters, FollowerIndexStats, FollowerInfo};

/// The explanation of a follower that lags when there is one reading only (the run did not
/// wait for a second one): not a pass, and not a problem either: "not checked" yet.
pub const ONE_READING: &str = "doctor-d10-one-reading";

/// How the lag moved between two readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    CaughtUp,
    Shrinking,
    Steady,
    Growing,
}

/// Classifies two readings: a change within 5 % (and at least a few operations) is noise.
pub fn trend(earlier: u64, now: u64) -> Trend {
    if now == 0 {
        return Trend::CaughtUp;
    }
    let tolerance = (earlier.max(now) / 20).max(2);
    if now + tolerance < earlier {
        Trend::Shrinking
    } else if now > earlier + tolerance {
        Trend::Growing
    } else {
        Trend::Steady
    }
}

/// What holds a lagging follower back, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bottleneck {
    ReadErrors,
    WriteLimit,
    ReadLimit,
    LeaderSlow,
    /// No limit reached: the network, or the read batch size.
    Unknown,
}

impl Bottleneck {
    /// The explanation of a lag growing for this reason.
    pub fn growing_key(self) -> &'static str {
        match self {
            Bottleneck::ReadErrors => "doctor-d10-growing-read-errors",
            Bottleneck::WriteLimit => "doctor-d10-growing-write",
            Bottleneck::ReadLimit => "doctor-d10-growing-read",
            Bottleneck::LeaderSlow => "doctor-d10-growing-leader",
            Bottleneck::Unknown => "doctor-d10-growing-network",
        }
    }

    /// The explanation of a lag that stays for this reason (nothing at a limit: keeping pace).
    pub fn steady_key(self) -> &'static str {
        match self {
            Bottleneck::ReadErrors => "doctor-d10-steady-read-errors",
            Bottleneck::WriteLimit => "doctor-d10-steady-write",
            Bottleneck::ReadLimit => "doctor-d10-steady-read",
            Bottleneck::LeaderSlow => "doctor-d10-steady-leader",
            Bottleneck::Unknown => "doctor-d10-steady",
        }
    }
}

// Elasticsearch's defaults (`FollowParameters` / `ShardFollowTask`).
const DEFAULT_OUTSTANDING_READS: u64 = 12;
const DEFAULT_OUTSTANDING_WRITES: u64 = 9;
const DEFAULT_BUFFER_COUNT: u64 = i32::MAX as u64;
const DEFAULT_BUFFER_BYTES: u64 = 512 * 1024 * 1024;

/// The likely bottleneck of a follower from its shards' counters and its parameters.
pub fn bottleneck(stats: &FollowerIndexStats, parameters: Option<&FollowParameters>) -> Bottleneck {
    let p = parameters.cloned().unwrap_or_default();
    let max_reads = p.max_outstanding_read_requests.unwrap_or(DEFAULT_OUTSTANDING_READS);
    let max_writes = p.max_outstanding_write_requests.unwrap_or(DEFAULT_OUTSTANDING_WRITES);
    let max_count = p.max_write_buffer_count.unwrap_or(DEFAULT_BUFFER_COUNT);
    let max_bytes = p
        .max_write_buffer_size
        .as_deref()
        .and_then(|s| s.parse::<ByteSize>().ok())
        .map(|b| b.bytes())
        .unwrap_or(DEFAULT_BUFFER_BYTES);
    let shards = &stats.shards;
    if shards.iter().any(|s| !s.read_exceptions.is_empty()) {
        return Bottleneck::ReadErrors;
    }
    let near = |value: u64, max: u64| max > 0 && value.saturating_mul(10) >= max.saturating_mul(9);
    if shards.iter().any(|s| {
        near(s.write_buffer_operation_count, max_count)
            || near(s.write_buffer_size_in_bytes, max_bytes)
            || s.outstanding_write_requests >= max_writes
    }) {
        return Bottleneck::WriteLimit;
    }
    if shards.iter().any(|s| s.outstanding_read_requests >= max_reads) {
        return Bottleneck::ReadLimit;
    }
    let read: u64 = shards.iter().map(|s| s.total_read_time_millis).sum();
    let remote: u64 = shards.iter().map(|s| s.total_read_remote_exec_time_millis).sum();
    if read > 0 && remote * 2 > read {
        return Bottleneck::LeaderSlow;
    }
    Bottleneck::Unknown
}

fn seconds(duration: Duration) -> String {
    format!("{:.0}", duration.as_secs_f64().max(1.0))
}

/// D10 for every active follower.
pub fn check(evidence: &Evidence, out: &mut Vec<Finding>) {
    check_readings(&evidence.followers, &evidence.stats, &evidence.trend, out);
}

/// D10 alone, for a run that already has every other finding: reads `_ccr/info` and
/// `_ccr/stats` (nothing else), compares with the history in `options`, and pauses for a
/// second reading when told to ([`super::evidence::SecondReading`]).
pub async fn measure(local: &EsClient, options: GatherOptions<'_>) -> Vec<Finding> {
    let (followers, stats) = tokio::join!(
        bounded(options.wait, local.checked_follow_info()),
        bounded(options.wait, local.checked_ccr_stats())
    );
    let at = Instant::now();
    let first = FirstReading { stats: stats.as_ref().ok(), at, deadline: at + options.wait };
    let readings = read_trend(local, followers.as_ref().ok(), first, &options).await;
    let mut out = Vec::new();
    check_readings(&followers, &stats, &readings, &mut out);
    out
}

/// The first `_ccr/stats` reading D10 compares with: when it came in, and by when the run
/// must be over.
pub(super) struct FirstReading<'a> {
    pub stats: Option<&'a CcrStats>,
    pub at: Instant,
    pub deadline: Instant,
}

/// D10's earlier reading: from the history when it has a usable sample ([`usable_sample`]) for
/// every follower that lags, else a second `_ccr/stats` once the pause has passed since the
/// first came in (the run's other reads count towards it), ending by the run's deadline; or
/// (told to [`SecondReading::Defer`]) none: this reading waits in the history for the next run.
pub(super) async fn read_trend(
    local: &EsClient,
    followers: Option<&Vec<FollowerInfo>>,
    first: FirstReading<'_>,
    options: &GatherOptions<'_>,
) -> TrendEvidence {
    let (Some(followers), Some(stats)) = (followers, first.stats) else { return TrendEvidence::default() };
    // The reading's own time, for the history and the age of its samples.
    let now = first.at;
    let lags: BTreeMap<&str, u64> =
        stats.follow_stats.indices.iter().map(|i| (i.index.as_str(), lag_of_stats(i))).collect();
    let mut earlier = BTreeMap::new();
    let pause = options.pause();
    if let Some((history, cluster)) = options.history {
        for follower in followers {
            let samples = history.samples(cluster, &follower.follower_index);
            if let Some(sample) = usable_sample(&samples, now, pause) {
                earlier.insert(follower.follower_index.clone(), (sample.lag, now.saturating_duration_since(sample.at)));
            }
        }
    }
    // This reading is the next run's earlier sample (and a point on the detail page's chart).
    if let Some((history, cluster)) = options.history {
        history.record(cluster, now, lags.iter().map(|(name, lag)| (*name, *lag)));
    }
    // Only a follower that is behind needs a trend: one at zero has caught up.
    let missing = lags.iter().any(|(name, lag)| *lag > 0 && !earlier.contains_key(*name));
    if !missing {
        return TrendEvidence { earlier, second: None, deferred: false };
    }
    if options.second_reading == SecondReading::Defer {
        return TrendEvidence { earlier, second: None, deferred: true };
    }
    tokio::time::sleep(pause.saturating_sub(first.at.elapsed())).await;
    let apart = first.at.elapsed();
    let left = first.deadline.saturating_duration_since(Instant::now());
    let second = bounded(options.wait.saturating_sub(pause).min(left), local.checked_ccr_stats()).await;
    for (name, lag) in lags {
        earlier.entry(name.to_owned()).or_insert((lag, apart));
    }
    TrendEvidence { earlier, second: Some(second), deferred: false }
}

fn check_readings(
    followers: &Piece<Vec<FollowerInfo>>,
    stats: &Piece<CcrStats>,
    readings: &TrendEvidence,
    out: &mut Vec<Finding>,
) {
    let check = CheckId::D10LagTrend;
    let Ok(followers) = followers else { return };
    let current = match &readings.second {
        Some(Ok(second)) => second,
        Some(Err(missing)) => {
            out.push(not_checked(check, Subject::Cluster, missing));
            return;
        }
        None => match stats {
            Ok(stats) => stats,
            Err(missing) => {
                out.push(not_checked(check, Subject::Cluster, missing));
                return;
            }
        },
    };
    // By name, so 10,000 followers cost one pass, not one search each.
    let by_name: std::collections::HashMap<&str, _> =
        current.follow_stats.indices.iter().map(|i| (i.index.as_str(), i)).collect();
    for follower in followers.iter().filter(|f| f.status != "paused") {
        let subject = Subject::Follower(follower.follower_index.clone());
        let Some(stats) = by_name.get(follower.follower_index.as_str()).copied() else {
            continue;
        };
        let now = lag_of_stats(stats);
        let earlier = readings.earlier.get(&follower.follower_index).copied();
        if earlier.is_none() && now > 0 && readings.deferred {
            out.push(Finding::new(check, subject, Verdict::NotChecked, ONE_READING).arg("now", now.to_string()));
            continue;
        }
        let (earlier, span) = earlier.unwrap_or((now, Duration::ZERO));
        let finding = match trend(earlier, now) {
            Trend::CaughtUp => Finding::new(check, subject, Verdict::Pass, "doctor-d10-caught-up"),
            Trend::Shrinking => Finding::new(check, subject, Verdict::Pass, "doctor-d10-shrinking"),
            movement => {
                let bottleneck = bottleneck(stats, follower.parameters.as_ref());
                let (verdict, key) = match (movement, bottleneck) {
                    (Trend::Growing, _) => (Verdict::Warn, bottleneck.growing_key()),
                    // Steady behind with nothing at a limit is a follower keeping pace with a
                    // steady stream of writes: fine.
                    (_, Bottleneck::Unknown) => (Verdict::Pass, bottleneck.steady_key()),
                    _ => (Verdict::Warn, bottleneck.steady_key()),
                };
                let finding = Finding::new(check, subject, verdict, key);
                if matches!(bottleneck, Bottleneck::ReadLimit | Bottleneck::WriteLimit) {
                    finding.fix(Fix::Page(format!("/follower-indices/{}/edit", follower.follower_index)))
                } else {
                    finding
                }
            }
        };
        out.push(finding.arg("earlier", earlier.to_string()).arg("now", now.to_string()).arg("seconds", seconds(span)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::ShardFollowStats;

    #[test]
    fn two_readings_give_a_trend_and_noise_is_steady() {
        assert_eq!(trend(0, 0), Trend::CaughtUp);
        assert_eq!(trend(500, 0), Trend::CaughtUp);
        assert_eq!(trend(1_000, 400), Trend::Shrinking);
        assert_eq!(trend(1_000, 1_030), Trend::Steady, "within 5 %");
        assert_eq!(trend(3, 4), Trend::Steady, "a couple of operations is noise");
        assert_eq!(trend(1_000, 2_000), Trend::Growing);
        assert_eq!(trend(0, 50), Trend::Growing);
    }

    fn shard() -> ShardFollowStats {
        serde_json::from_value(serde_json::json!({
            "remote_cluster": "leader", "leader_index": "l", "follower_index": "f", "shard_id": 0,
            "leader_global_checkpoint": 100, "leader_max_seq_no": 100, "follower_global_checkpoint": 10,
            "follower_max_seq_no": 10, "last_requested_seq_no": 10
        }))
        .unwrap()
    }

    fn stats(shard: ShardFollowStats) -> FollowerIndexStats {
        FollowerIndexStats { index: "f".into(), total_global_checkpoint_lag: None, shards: vec![shard] }
    }

    #[test]
    fn the_bottleneck_is_read_off_the_counters() {
        assert_eq!(bottleneck(&stats(shard()), None), Bottleneck::Unknown);
        let mut reads = shard();
        reads.outstanding_read_requests = 12;
        assert_eq!(bottleneck(&stats(reads), None), Bottleneck::ReadLimit);
        let mut writes = shard();
        writes.outstanding_read_requests = 12;
        writes.write_buffer_size_in_bytes = 500 * 1024 * 1024;
        assert_eq!(bottleneck(&stats(writes), None), Bottleneck::WriteLimit, "the write side holds the reads back");
        let mut buffer = shard();
        buffer.write_buffer_operation_count = 95;
        let params = FollowParameters { max_write_buffer_count: Some(100), ..Default::default() };
        assert_eq!(bottleneck(&stats(buffer), Some(&params)), Bottleneck::WriteLimit);
        let mut leader = shard();
        leader.total_read_time_millis = 1_000;
        leader.total_read_remote_exec_time_millis = 800;
        assert_eq!(bottleneck(&stats(leader), None), Bottleneck::LeaderSlow);
    }
}
