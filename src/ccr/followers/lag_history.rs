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

#[derive(Debug, Default)]
struct Series {
    samples: VecDeque<LagSample>,
    touched: u64,
}

/// The samples of every follower of every cluster the panel has looked at.
#[derive(Debug, Default)]
pub struct LagHistory {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    series: HashMap<(String, String), Series>,
    clock: u64,
}

impl LagHistory {
    pub fn new() -> LagHistory {
        LagHistory::default()
    }

    /// Records the lags read at `at` for followers of `cluster`.
    pub fn record<'a>(&self, cluster: &str, at: Instant, lags: impl IntoIterator<Item = (&'a str, u64)>) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        for (follower, lag) in lags {
            inner.clock += 1;
            let clock = inner.clock;
            let series = inner.series.entry((cluster.to_owned(), follower.to_owned())).or_default();
            series.touched = clock;
            let sample = LagSample { at, lag };
            match series.samples.back_mut() {
                Some(last) if at.saturating_duration_since(last.at) < MIN_SPACING => *last = sample,
                _ => series.samples.push_back(sample),
            }
            while series.samples.len() > SAMPLES_PER_FOLLOWER
                || series.samples.front().is_some_and(|s| at.saturating_duration_since(s.at) > WINDOW)
            {
                series.samples.pop_front();
            }
        }
        evict_oldest(&mut inner.series);
    }

    /// The samples of one follower, oldest first.
    pub fn samples(&self, cluster: &str, follower: &str) -> Vec<LagSample> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .series
            .get(&(cluster.to_owned(), follower.to_owned()))
            .map(|s| s.samples.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Forgets a follower (converted to a regular index, or deleted).
    pub fn forget(&self, cluster: &str, follower: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.series.remove(&(cluster.to_owned(), follower.to_owned()));
    }

    pub fn followers_tracked(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).series.len()
    }
}

/// Drops the series updated longest ago until [`MAX_FOLLOWERS`] are left: one pass however
/// many must go (a reading of 10,000 followers overflows by thousands at once; dropping them
/// one scan each was quadratic).
fn evict_oldest(series: &mut HashMap<(String, String), Series>) {
    let Some(excess) = series.len().checked_sub(MAX_FOLLOWERS).filter(|e| *e > 0) else { return };
    let mut touched: Vec<u64> = series.values().map(|s| s.touched).collect();
    // Clocks are unique, so exactly `excess` series are at or below the cut.
    let (_, cut, _) = touched.select_nth_unstable(excess - 1);
    let cut = *cut;
    series.retain(|_, s| s.touched > cut);
    if excess > MAX_FOLLOWERS / 2 {
        series.shrink_to(MAX_FOLLOWERS);
    }
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
        assert!(history.samples("b", &names[MAX_FOLLOWERS + 9]).is_empty());
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
