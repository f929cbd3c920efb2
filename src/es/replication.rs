//! The cross-cluster replication calls: following and what follows (pause, resume, unfollow,
//! forget), the followers' info and stats (whole, cut down with `filter_path`, or kept
//! undecoded to be read borrowed, one follower at a time), and auto-follow patterns.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::ccr_lag::*;
use super::ccr_model::*;
use super::client::{EsClient, decode, decode_seed, one};
use super::error::EsError;
use super::model::*;
use super::routes;
use super::summaries::*;
use super::transport::Answer;

impl EsClient {
    pub async fn follow(
        &self,
        follower: &str,
        request: &FollowRequest,
        wait_for_active_shards: &str,
    ) -> Result<FollowCreated, EsError> {
        let follower = one(follower)?;
        self.call(
            &routes::CCR_FOLLOW,
            &[follower],
            &[("wait_for_active_shards", wait_for_active_shards)],
            Some(request),
        )
        .await
    }

    pub async fn pause_follow(&self, follower: &str) -> Result<Acknowledged, EsError> {
        let follower = one(follower)?;
        self.call(&routes::CCR_PAUSE_FOLLOW, &[follower], &[], None::<&Value>).await
    }

    pub async fn resume_follow(&self, follower: &str, parameters: &FollowParameters) -> Result<Acknowledged, EsError> {
        let follower = one(follower)?;
        self.call(&routes::CCR_RESUME_FOLLOW, &[follower], &[], Some(parameters)).await
    }

    pub async fn unfollow(&self, follower: &str) -> Result<Acknowledged, EsError> {
        let follower = one(follower)?;
        self.call(&routes::CCR_UNFOLLOW, &[follower], &[], None::<&Value>).await
    }

    /// Sent to the *leader* cluster, to release the history it retains for a follower.
    pub async fn forget_follower(&self, leader: &str, request: &ForgetFollower) -> Result<Value, EsError> {
        let leader = one(leader)?;
        self.call(&routes::CCR_FORGET_FOLLOWER, &[leader], &[], Some(request)).await
    }

    /// Follower info for `index` (`_all` for every follower).
    pub async fn follow_info(&self, index: &str) -> Result<Vec<FollowerInfo>, EsError> {
        Ok(self.get::<FollowInfoResponse>(&routes::CCR_FOLLOW_INFO, &[index], &[]).await?.follower_indices)
    }

    pub async fn follow_stats(&self, index: &str) -> Result<FollowStats, EsError> {
        self.get(&routes::CCR_FOLLOW_STATS, &[index], &[]).await
    }

    /// `_ccr/stats` cut down to what the checks read ([`CHECKED_STATS_FILTER`]).
    pub async fn checked_ccr_stats(&self) -> Result<CcrStats, EsError> {
        self.get(&routes::CCR_STATS, &[], &[("filter_path", CHECKED_STATS_FILTER)]).await
    }

    /// Every follower's `_ccr/info` cut down to what the checks read ([`CHECKED_INFO_FILTER`]).
    pub async fn checked_follow_info(&self) -> Result<Vec<FollowerInfo>, EsError> {
        let query = [("filter_path", CHECKED_INFO_FILTER)];
        Ok(self.get::<FollowInfoResponse>(&routes::CCR_FOLLOW_INFO, &["_all"], &query).await?.follower_indices)
    }

    /// Name, remote, leader and status of the followers of `index` (`_all` for every one):
    /// `_ccr/info` without the ten parameters of each, for lists of thousands.
    /// The answer handed to `read` as soon as it is in (see
    /// [`FollowerSummariesAnswer::for_each`]): a page of a list of thousands keeps only its own
    /// rows, and nothing is allocated for the others.
    pub async fn with_follower_summaries<R>(
        &self,
        index: &str,
        read: impl FnOnce(&FollowerSummariesAnswer) -> Result<R, EsError>,
    ) -> Result<R, EsError> {
        read(&self.follower_summaries_answer(index).await?)
    }

    /// The same answer as [`Self::with_follower_summaries`], kept to be read once other
    /// answers asked at the same time are in.
    pub async fn follower_summaries_answer(&self, index: &str) -> Result<FollowerSummariesAnswer, EsError> {
        let query = [("filter_path", FOLLOWER_SUMMARY_FILTER)];
        Ok(FollowerSummariesAnswer(self.get_shared_answer(&routes::CCR_FOLLOW_INFO, &[index], &query).await?))
    }

    /// Every follower's name alone (`_all`), kept to be read one at a time
    /// ([`FollowerNamesAnswer::for_each`]).
    pub async fn follower_names_answer(&self) -> Result<FollowerNamesAnswer, EsError> {
        let query = [("filter_path", FOLLOWER_NAME_FILTER)];
        Ok(FollowerNamesAnswer(self.get_shared_answer(&routes::CCR_FOLLOW_INFO, &["_all"], &query).await?))
    }

    /// The same, asked once `stamp` was read, and shared only with reads asked after the same
    /// stamp: one under way since before it could answer from an older cluster state (see
    /// `followers::by_name`).
    pub async fn follower_names_answer_after(&self, stamp: &ClusterStateStamp) -> Result<FollowerNamesAnswer, EsError> {
        let query = [("filter_path", FOLLOWER_NAME_FILTER)];
        let after = format!("after {} {}", stamp.version, stamp.state_uuid);
        let answer = self.get_shared_answer_among(&routes::CCR_FOLLOW_INFO, &["_all"], &query, &after).await?;
        Ok(FollowerNamesAnswer(answer))
    }

    pub async fn follower_summaries(&self, index: &str) -> Result<Vec<FollowerInfo>, EsError> {
        let query = [("filter_path", FOLLOWER_SUMMARY_FILTER)];
        Ok(self.get_shared::<FollowInfoResponse>(&routes::CCR_FOLLOW_INFO, &[index], &query).await?.follower_indices)
    }

    /// The lag figures of the given followers (comma-separated names), from
    /// `GET /<names>/_ccr/stats` cut down to what a list shows.
    pub async fn follower_lag(&self, names: &str) -> Result<Vec<FollowerLag>, EsError> {
        let query = [("filter_path", INDICES_LAG_FILTER)];
        Ok(self.get::<FollowerLags>(&routes::CCR_FOLLOW_STATS, &[names], &query).await?.indices)
    }

    /// Every follower's lag figures and the recent auto-follow errors, from one `_ccr/stats`
    /// cut down to those (shared by identical reads under way), to be read borrowed.
    pub async fn ccr_lag_stats_answer(&self) -> Result<CcrLagStatsAnswer, EsError> {
        Ok(CcrLagStatsAnswer(
            self.get_shared_answer(&routes::CCR_STATS, &[], &[("filter_path", CCR_LAG_FILTER)]).await?,
        ))
    }

    /// The auto-follow part of `_ccr/stats`, without the follow stats of every follower.
    pub async fn auto_follow_stats(&self) -> Result<AutoFollowStats, EsError> {
        let query = [("filter_path", "auto_follow_stats")];
        Ok(self.get_shared::<CcrAutoFollowStats>(&routes::CCR_STATS, &[], &query).await?.auto_follow_stats)
    }

    pub async fn auto_follow_patterns(&self) -> Result<Vec<NamedAutoFollowPattern>, EsError> {
        Ok(self.get::<AutoFollowPatterns>(&routes::CCR_AUTO_FOLLOW_LIST, &[], &[]).await?.patterns)
    }

    pub async fn auto_follow_pattern(&self, name: &str) -> Result<NamedAutoFollowPattern, EsError> {
        let name = one(name)?;
        let mut patterns = self.get::<AutoFollowPatterns>(&routes::CCR_AUTO_FOLLOW_GET, &[name], &[]).await?.patterns;
        patterns.pop().ok_or_else(|| EsError::NotElasticsearch {
            url: self.urls().join(", "),
            detail: format!("GET _ccr/auto_follow/{name} answered with no pattern"),
        })
    }

    pub async fn put_auto_follow_pattern(
        &self,
        name: &str,
        pattern: &AutoFollowPattern,
    ) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_PUT, &[name], &[], Some(pattern)).await
    }

    /// Every pattern exactly as Elasticsearch returns it, as (name, pattern) pairs.
    pub async fn auto_follow_patterns_raw(&self) -> Result<Vec<(String, Value)>, EsError> {
        let mut answer: Value = self.get(&routes::CCR_AUTO_FOLLOW_LIST, &[], &[]).await?;
        Ok(answer["patterns"]
            .as_array_mut()
            .map(|patterns| {
                patterns
                    .iter_mut()
                    .filter_map(|p| Some((p["name"].as_str()?.to_owned(), p["pattern"].take())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// One pattern exactly as Elasticsearch returns it, every field included (so an edit can
    /// send back what the panel does not know); `None` when there is no such pattern.
    pub async fn auto_follow_pattern_raw(&self, name: &str) -> Result<Option<Value>, EsError> {
        let name = one(name)?;
        match self.get::<Value>(&routes::CCR_AUTO_FOLLOW_GET, &[name], &[]).await {
            Ok(mut answer) => Ok(answer["patterns"]
                .as_array_mut()
                .and_then(|patterns| patterns.iter_mut().find(|p| p["name"] == name))
                .map(|p| p["pattern"].take())),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or replaces a pattern with a body built by the caller.
    pub async fn put_auto_follow_pattern_raw(&self, name: &str, body: &Value) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_PUT, &[name], &[], Some(body)).await
    }

    pub async fn delete_auto_follow_pattern(&self, name: &str) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_DELETE, &[name], &[], None::<&Value>).await
    }

    pub async fn pause_auto_follow_pattern(&self, name: &str) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_PAUSE, &[name], &[], None::<&Value>).await
    }

    pub async fn resume_auto_follow_pattern(&self, name: &str) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_RESUME, &[name], &[], None::<&Value>).await
    }
}

/// `_ccr/info` for lists as Elasticsearch sent it ([`EsClient::follower_summaries_answer`]).
pub struct FollowerSummariesAnswer(Arc<Answer>);

impl FollowerSummariesAnswer {
    /// Every follower's summary, borrowed from the answer.
    pub fn read(&self) -> Result<Vec<FollowerSummary<'_>>, EsError> {
        let summaries: FollowerSummaries<'_> = decode(&routes::CCR_FOLLOW_INFO, &self.0)?;
        Ok(summaries.follower_indices)
    }

    /// Hands every follower's summary, borrowed from the answer, to `each` as it is read: the
    /// list is never held whole. On an answer that cannot be read, the followers before the
    /// fault have been handed over already.
    pub fn for_each<'a>(&'a self, each: impl FnMut(FollowerSummary<'a>)) -> Result<(), EsError> {
        decode_seed(&routes::CCR_FOLLOW_INFO, &self.0, EachFollower::new(each))
    }
}

/// `_ccr/info` with the followers' names alone ([`EsClient::follower_names_answer`]).
pub struct FollowerNamesAnswer(Arc<Answer>);

impl FollowerNamesAnswer {
    /// Hands every follower's name, borrowed from the answer, to `each` as it is read.
    pub fn for_each<'a>(&'a self, mut each: impl FnMut(Cow<'a, str>)) -> Result<(), EsError> {
        let seed = EachFollower::new(|follower: FollowerName<'a>| each(follower.follower_index));
        decode_seed(&routes::CCR_FOLLOW_INFO, &self.0, seed)
    }
}

/// `_ccr/stats` for lists as Elasticsearch sent it ([`EsClient::ccr_lag_stats_answer`]).
pub struct CcrLagStatsAnswer(Arc<Answer>);

impl CcrLagStatsAnswer {
    /// Every follower's lag figures, borrowed from the answer.
    pub fn read(&self) -> Result<CcrLagSummaries<'_>, EsError> {
        decode(&routes::CCR_STATS, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &'static [u8]) -> FollowerSummariesAnswer {
        FollowerSummariesAnswer(Arc::new(Answer { status: 200, url: "http://es:9200/".into(), body: body.into() }))
    }

    #[test]
    fn an_answer_that_is_not_utf8_json_is_not_elasticsearch() {
        let names = |a: &FollowerSummariesAnswer| {
            let mut names = Vec::new();
            a.for_each(|s| names.push(s.follower_index.into_owned())).map(|()| names)
        };
        let good = br#"{"follower_indices":[{"follower_index":"f","remote_cluster":"r","leader_index":"l","status":"active"}]}"#;
        assert_eq!(names(&answer(good)).unwrap(), ["f"]);
        for (body, said) in [(&b"{\"follower_indices\":[\xff]}"[..], "not UTF-8"), (b"{} {}", "trailing characters")] {
            match names(&answer(body)) {
                Err(EsError::NotElasticsearch { detail, .. }) => assert!(detail.contains(said), "{detail}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
