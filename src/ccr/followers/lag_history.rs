//! The lag of each follower over the last minutes, sampled whenever the panel reads
//! `_ccr/stats` (the list's refresh, a detail page), for the small chart on the detail page.
//!
//! Kept in memory and bounded twice: a fixed number of samples per follower, and a fixed number
//! of followers (the one updated longest ago is dropped first), so 10,000 followers or a flood
//! of names cannot grow the panel. Samples closer together than `MIN_SPACING` replace the last
//! one, so ten people refreshing the list add no more than one.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Samples kept per follower.
pub const SAMPLES_PER_FOLLOWER: usize = 120;
/// Followers kept at most.
pub const MAX_FOLLOWERS: usize = 2_000;
/// How far back the chart looks.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
const MIN_SPACING: Duration = Duration::from_secs(2);

/// One reading of a follower's lag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LagSample {
    pub at: Instant,
    pub lag: u64,
}

/// A sample as kept: its time in tenths of a second since the history began (a `u32` lasts 13
/// years), packed with the lag in 12 bytes rather than the 24 of an `Instant` and a `u64`.
/// Why: up to [`MAX_FOLLOWERS`] × [`SAMPLES_PER_FOLLOWER`] of them stay resident; at 10,000
/// followers the history was the largest thing the panel kept after a load (`heaptrack`,
/// BENCHMARKS.md).
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
struct Kept {
    tenths: u32,
    lag: u64,
}

#[derive(Debug, Default)]
struct Series {
    samples: VecDeque<Kept>,
    touched: u64,
}

/// The samples of every follower of every cluster the panel has looked at.
#[derive(Debug)]
pub struct LagHistory {
    /// A window before the history began: sample times are kept as tenths of a second since.
    epoch: Instant,
    inner: Mutex<Inner>,
}

impl Default for LagHistory {
    fn default() -> LagHistory {
        // A window back, so that a reading from before the history began (the panel records
        // "now", tests record the past) keeps its time; clamped on a machine booted since.
        let now = Instant::now();
        LagHistory { epoch: now.checked_sub(WINDOW).unwrap_or(now), inner: Mutex::default() }
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// Per cluster, per follower: a follower already tracked is found by name without
    /// allocating a key (the doctor records every follower on each run).
    clusters: HashMap<String, HashMap<Box<str>, Series>>,
    clock: u64,
}

const MIN_SPACING_TENTHS: u32 = (MIN_SPACING.as_millis() / 100) as u32;
const WINDOW_TENTHS: u32 = (WINDOW.as_millis() / 100) as u32;

impl LagHistory {
    pub fn new() -> LagHistory {
        LagHistory::default()
    }

    fn tenths(&self, at: Instant) -> u32 {
        u32::try_from(at.saturating_duration_since(self.epoch).as_millis() / 100).unwrap_or(u32::MAX)
    }

    fn sample(&self, kept: Kept) -> LagSample {
        LagSample { at: self.epoch + Duration::from_millis(u64::from(kept.tenths) * 100), lag: kept.lag }
    }

    /// Records the lags read at `at` for followers of `cluster`.
    pub fn record<'a>(&self, cluster: &str, at: Instant, lags: impl IntoIterator<Item = (&'a str, u64)>) {
        let mut lags = lags.into_iter().peekable();
        if lags.peek().is_none() {
            return;
        }
        let tenths = self.tenths(at);
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = &mut *guard;
        if !inner.clusters.contains_key(cluster) {
            inner.clusters.insert(cluster.to_owned(), HashMap::new());
        }
        let followers = inner.clusters.get_mut(cluster).expect("inserted above");
        for (follower, lag) in lags {
            inner.clock += 1;
            let series = match followers.get_mut(follower) {
                Some(series) => series,
                None => followers.entry(follower.into()).or_default(),
            };
            series.touched = inner.clock;
            let kept = Kept { tenths, lag };
            match series.samples.back_mut() {
                Some(last) if tenths.saturating_sub(last.tenths) < MIN_SPACING_TENTHS => *last = kept,
                _ => series.samples.push_back(kept),
            }
            while series.samples.len() > SAMPLES_PER_FOLLOWER
                || series.samples.front().is_some_and(|s| tenths.saturating_sub(s.tenths) > WINDOW_TENTHS)
            {
                series.samples.pop_front();
            }
        }
        evict_oldest(inner);
    }

    /// The samples of one follower, oldest first.
    pub fn samples(&self, cluster: &str, follower: &str) -> Vec<LagSample> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .clusters
            .get(cluster)
            .and_then(|followers| followers.get(follower))
            .map(|s| s.samples.iter().map(|kept| self.sample(*kept)).collect())
            .unwrap_or_default()
    }

    /// Forgets a follower (converted to a regular index, or deleted).
    pub fn forget(&self, cluster: &str, follower: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Some(followers) = inner.clusters.get_mut(cluster) else { return };
        followers.remove(follower);
        if followers.is_empty() {
            inner.clusters.remove(cluster);
        }
    }

    pub fn followers_tracked(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).tracked()
    }
}

impl Inner {
    /// Followers tracked, over all clusters (a few clusters: summed when asked).
    fn tracked(&self) -> usize {
        self.clusters.values().map(HashMap::len).sum()
    }
}

/// Drops the series updated longest ago until [`MAX_FOLLOWERS`] are left: one pass however
/// many must go (a reading of 10,000 followers overflows by thousands at once; dropping them
/// one scan each was quadratic).
fn evict_oldest(inner: &mut Inner) {
    let Some(excess) = inner.tracked().checked_sub(MAX_FOLLOWERS).filter(|e| *e > 0) else { return };
    let mut touched: Vec<u64> = inner.clusters.values().flat_map(|f| f.values().map(|s| s.touched)).collect();
    // Clocks are unique, so exactly `excess` series are at or below the cut.
    let (_, cut, _) = touched.select_nth_unstable(excess - 1);
    let cut = *cut;
    for followers in inner.clusters.values_mut() {
        followers.retain(|_, s| s.touched > cut);
        if excess > MAX_FOLLOWERS / 2 {
            followers.shrink_to_fit();
        }
    }
    inner.clusters.retain(|_, followers| !followers.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_bounded_per_follower_and_in_time() {
        let history = LagHistory::new();
        let start = Instant::now();
        for i in 0..500u64 {
            history.record("local", start + Duration::from_secs(i * 3), [("f", i)]);
        }
        let samples = history.samples("local", "f");
        assert_eq!(samples.len(), SAMPLES_PER_FOLLOWER);
        assert_eq!(samples.last().unwrap().lag, 499);
        assert!(samples.windows(2).all(|w| w[0].at < w[1].at));
    }

    #[test]
    fn a_sample_is_kept_in_twelve_bytes_and_read_back_to_the_tenth_of_a_second() {
        assert_eq!(std::mem::size_of::<Kept>(), 12);
        let history = LagHistory::new();
        let at = history.epoch + Duration::from_millis(123_456);
        history.record("local", at, [("f", u64::MAX)]);
        let samples = history.samples("local", "f");
        assert_eq!(samples, [LagSample { at: history.epoch + Duration::from_millis(123_400), lag: u64::MAX }]);
    }

    #[test]
    fn forgetting_a_follower_frees_its_place() {
        let history = LagHistory::new();
        let now = Instant::now();
        history.record("a", now, [("f", 1), ("g", 2)]);
        history.record("b", now, [("f", 3)]);
        history.forget("a", "f");
        history.forget("a", "nope");
        assert_eq!(history.followers_tracked(), 2);
        assert!(history.samples("a", "f").is_empty());
        assert_eq!(history.samples("b", "f")[0].lag, 3);
    }

    #[test]
    fn the_bound_holds_over_all_clusters_and_the_oldest_go_first_wherever_they_are() {
        let history = LagHistory::new();
        let now = Instant::now();
        let a: Vec<String> = (0..1_500).map(|i| format!("a{i}")).collect();
        let b: Vec<String> = (0..1_000).map(|i| format!("b{i}")).collect();
        history.record("a", now, a.iter().map(|n| (n.as_str(), 1)));
        history.record("b", now, b.iter().map(|n| (n.as_str(), 2)));
        assert_eq!(history.followers_tracked(), MAX_FOLLOWERS);
        assert!(history.samples("a", "a499").is_empty(), "a's 500 oldest went");
        assert_eq!(history.samples("a", "a500")[0].lag, 1);
        assert_eq!(history.samples("b", "b0")[0].lag, 2);
        // A reading of another 2,000 leaves nothing of the first two clusters.
        let c: Vec<String> = (0..MAX_FOLLOWERS).map(|i| format!("c{i}")).collect();
        history.record("c", now, c.iter().map(|n| (n.as_str(), 3)));
        assert_eq!(history.followers_tracked(), MAX_FOLLOWERS);
        let inner = history.inner.lock().unwrap();
        assert_eq!(inner.clusters.keys().collect::<Vec<_>>(), ["c"], "emptied clusters are dropped");
    }

    #[test]
    fn nothing_to_record_and_forgetting_the_last_follower_leave_no_cluster_behind() {
        let history = LagHistory::new();
        history.record("a", Instant::now(), []);
        history.record("b", Instant::now(), [("f", 1)]);
        history.forget("b", "f");
        assert!(history.inner.lock().unwrap().clusters.is_empty());
        assert_eq!(history.followers_tracked(), 0);
    }

    #[test]
    fn close_samples_replace_each_other() {
        let history = LagHistory::new();
        let start = Instant::now();
        history.record("local", start, [("f", 10)]);
        history.record("local", start + Duration::from_millis(500), [("f", 7)]);
        history.record("local", start + Duration::from_secs(5), [("f", 3)]);
        let lags: Vec<u64> = history.samples("local", "f").iter().map(|s| s.lag).collect();
        assert_eq!(lags, [7, 3]);
    }

    #[test]
    fn the_number_of_followers_is_bounded_and_clusters_are_apart() {
        let history = LagHistory::new();
        let now = Instant::now();
        let names: Vec<String> = (0..MAX_FOLLOWERS + 10).map(|i| format!("f{i}")).collect();
        history.record("a", now, names.iter().map(|n| (n.as_str(), 1)));
        assert_eq!(history.followers_tracked(), MAX_FOLLOWERS);
        assert!(history.samples("a", "f0").is_empty(), "the oldest went first");
        assert_eq!(history.samples("a", &names[MAX_FOLLOWERS + 9]).len(), 1);
        history.record("b", now, [(names[MAX_FOLLOWERS + 9].as_str(), 7)]);
        assert_eq!(history.samples("a", &names[MAX_FOLLOWERS + 9])[0].lag, 1, "apart from b's");
        assert_eq!(history.samples("b", &names[MAX_FOLLOWERS + 9])[0].lag, 7);
        history.forget("a", &names[MAX_FOLLOWERS + 9]);
        assert!(history.samples("a", &names[MAX_FOLLOWERS + 9]).is_empty());
    }

    #[test]
    fn a_reading_far_over_the_bound_keeps_the_followers_touched_last() {
        let history = LagHistory::new();
        let now = Instant::now();
        let names: Vec<String> = (0..MAX_FOLLOWERS).map(|i| format!("f{i}")).collect();
        history.record("a", now, names.iter().map(|n| (n.as_str(), 1)));
        history.record("a", now, [("f0", 2)]);
        let more: Vec<String> = (0..5 * MAX_FOLLOWERS).map(|i| format!("g{i}")).collect();
        history.record("a", now, more[..10].iter().map(|n| (n.as_str(), 1)));
        assert_eq!(history.followers_tracked(), MAX_FOLLOWERS);
        assert_eq!(history.samples("a", "f0").len(), 1, "touched again, so kept");
        assert!(history.samples("a", "f1").is_empty() && history.samples("a", "f10").is_empty());
        assert_eq!(history.samples("a", "f11").len(), 1);
        history.record("a", now, more.iter().map(|n| (n.as_str(), 1)));
        assert_eq!(history.followers_tracked(), MAX_FOLLOWERS);
        assert!(history.samples("a", "f0").is_empty());
        assert_eq!(history.samples("a", &more[5 * MAX_FOLLOWERS - 1]).len(), 1);
        assert!(history.samples("a", &more[5 * MAX_FOLLOWERS - MAX_FOLLOWERS - 1]).is_empty());
    }
}
