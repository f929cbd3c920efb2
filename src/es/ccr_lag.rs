//! The lag figures the lists read from `_ccr/stats`, asked with `filter_path` so that only
//! they come back: owned for a page's followers, or borrowed and folded as they are read for
//! a whole list of thousands ([`CcrLagSummaries`]).

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};

use super::ccr_model::{AutoFollowStats, ShardFollowStats};

/// The `filter_path` of `GET /<names>/_ccr/stats` for lists: what [`FollowerLag`] reads.
pub const INDICES_LAG_FILTER: &str = "indices.index,indices.total_global_checkpoint_lag,\
    indices.shards.leader_global_checkpoint,indices.shards.follower_global_checkpoint,\
    indices.shards.time_since_last_read_millis,indices.shards.fatal_exception.type";

/// The `filter_path` of `GET /_ccr/stats` for the lists and the overview: every follower's
/// [`FollowerLag`] and the keys of the recent auto-follow errors.
pub const CCR_LAG_FILTER: &str = "follow_stats.indices.index,follow_stats.indices.total_global_checkpoint_lag,\
    follow_stats.indices.shards.leader_global_checkpoint,follow_stats.indices.shards.follower_global_checkpoint,\
    follow_stats.indices.shards.time_since_last_read_millis,follow_stats.indices.shards.fatal_exception.type,\
    auto_follow_stats.recent_auto_follow_errors.leader_index";

/// A follower's stats as far as a list needs them (asked with one of the filters above).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct FollowerLag {
    pub index: String,
    #[serde(default)]
    pub total_global_checkpoint_lag: Option<i64>,
    #[serde(default)]
    pub shards: Vec<ShardLag>,
}

/// One shard's part of [`FollowerLag`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ShardLag {
    #[serde(default)]
    pub leader_global_checkpoint: i64,
    #[serde(default)]
    pub follower_global_checkpoint: i64,
    #[serde(default)]
    pub time_since_last_read_millis: i64,
    /// Present when the shard's task stopped for good (only its type is asked for).
    #[serde(default)]
    pub fatal_exception: Option<serde::de::IgnoredAny>,
}

/// `GET /<names>/_ccr/stats` filtered with [`INDICES_LAG_FILTER`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FollowerLags {
    #[serde(default)]
    pub indices: Vec<FollowerLag>,
}

/// `GET /_ccr/stats` filtered with [`CCR_LAG_FILTER`], read borrowed: the followers' names point
/// into the answer and each follower's shards are folded as they are read, so a list of
/// 10,000 followers allocates no string and no list of shards per follower.
#[derive(Debug, Default, Deserialize)]
pub struct CcrLagSummaries<'a> {
    #[serde(borrow, default)]
    pub follow_stats: LagSummaries<'a>,
    #[serde(default)]
    pub auto_follow_stats: AutoFollowStats,
}

/// The `follow_stats` of [`CcrLagSummaries`].
#[derive(Debug, Default, Deserialize)]
pub struct LagSummaries<'a> {
    #[serde(borrow, default)]
    pub indices: Vec<LagSummary<'a>>,
}

/// One follower's figures in [`CcrLagSummaries`].
#[derive(Debug, Deserialize)]
pub struct LagSummary<'a> {
    #[serde(borrow)]
    pub index: Cow<'a, str>,
    #[serde(default)]
    pub total_global_checkpoint_lag: Option<i64>,
    #[serde(default)]
    pub shards: FoldedShards,
}

/// What a list needs of a follower's shards, folded while they are read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FoldedShards {
    /// The sum over shards of leader minus follower global checkpoint (never negative).
    pub checkpoint_lag: u64,
    /// The longest time a shard has gone without reading from the leader, in milliseconds.
    pub max_millis_since_last_read: Option<u64>,
    /// A shard's task stopped for good.
    pub any_fatal: bool,
}

impl FoldedShards {
    fn add(mut self, shard: &ShardLag) -> FoldedShards {
        self.add_figures(
            shard.leader_global_checkpoint,
            shard.follower_global_checkpoint,
            shard.time_since_last_read_millis,
            shard.fatal_exception.is_some(),
        );
        self
    }

    fn add_figures(&mut self, leader_checkpoint: i64, follower_checkpoint: i64, since_last_read: i64, fatal: bool) {
        self.checkpoint_lag += (leader_checkpoint - follower_checkpoint).max(0) as u64;
        let since = since_last_read.max(0) as u64;
        self.max_millis_since_last_read = Some(self.max_millis_since_last_read.map_or(since, |m| m.max(since)));
        self.any_fatal |= fatal;
    }
}

impl From<&[ShardLag]> for FoldedShards {
    fn from(shards: &[ShardLag]) -> FoldedShards {
        shards.iter().fold(FoldedShards::default(), FoldedShards::add)
    }
}

/// The same fold over shard stats (filtered for the doctor, whole for the detail page), without
/// a copy.
impl From<&[ShardFollowStats]> for FoldedShards {
    fn from(shards: &[ShardFollowStats]) -> FoldedShards {
        let mut folded = FoldedShards::default();
        for s in shards {
            let fatal = s.fatal_exception.is_some();
            folded.add_figures(
                s.leader_global_checkpoint,
                s.follower_global_checkpoint,
                s.time_since_last_read_millis,
                fatal,
            );
        }
        folded
    }
}

impl<'de> Deserialize<'de> for FoldedShards {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FoldedShards, D::Error> {
        struct Fold;
        impl<'de> Visitor<'de> for Fold {
            type Value = FoldedShards;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of shard stats")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut shards: A) -> Result<FoldedShards, A::Error> {
                let mut folded = FoldedShards::default();
                while let Some(shard) = shards.next_element::<ShardLag>()? {
                    folded = folded.add(&shard);
                }
                Ok(folded)
            }
        }
        deserializer.deserialize_seq(Fold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_shards_say_what_the_owned_ones_say() {
        let body = r#"{"follow_stats":{"indices":[
            {"index":"a","shards":[
                {"leader_global_checkpoint":10,"follower_global_checkpoint":4,"time_since_last_read_millis":30},
                {"leader_global_checkpoint":5,"follower_global_checkpoint":9,"time_since_last_read_millis":70,
                 "fatal_exception":{"type":"x"}}]},
            {"index":"b","total_global_checkpoint_lag":3,"shards":[]},
            {"index":"c"}]},
            "auto_follow_stats":{"recent_auto_follow_errors":[{"leader_index":"p:l"}]}}"#;
        let borrowed: CcrLagSummaries<'_> = serde_json::from_str(body).unwrap();
        let whole: serde_json::Value = serde_json::from_str(body).unwrap();
        let owned: FollowerLags = serde_json::from_value(whole["follow_stats"].clone()).unwrap();
        assert_eq!(borrowed.follow_stats.indices.len(), 3);
        for (folded, lag) in borrowed.follow_stats.indices.iter().zip(&owned.indices) {
            assert_eq!(folded.index, lag.index.as_str());
            assert_eq!(folded.total_global_checkpoint_lag, lag.total_global_checkpoint_lag);
            assert_eq!(folded.shards, FoldedShards::from(lag.shards.as_slice()));
        }
        let a = borrowed.follow_stats.indices[0].shards;
        // A shard ahead of its leader counts as no lag, not as negative.
        assert_eq!(a, FoldedShards { checkpoint_lag: 6, max_millis_since_last_read: Some(70), any_fatal: true });
        assert_eq!(borrowed.follow_stats.indices[2].shards, FoldedShards::default());
        assert!(matches!(borrowed.follow_stats.indices[0].index, Cow::Borrowed(_)), "names are borrowed");
        assert_eq!(borrowed.auto_follow_stats.recent_auto_follow_errors.len(), 1);
    }
}
