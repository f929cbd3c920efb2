//! Auto-follow patterns: what each one is, what it has done (`_ccr/stats`
//! `auto_follow_stats`), what it would and would not follow, and the actions on it.
//!
//! Templates get [`PatternView`]s, never Elasticsearch's JSON.

pub mod list;
pub mod preview;
pub mod spec;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::followers::create::{self as follower_create, Created, NewFollower};
use super::followers::settings::FollowSettings;
use super::steps::{self, Report, Step};
use crate::es::{EsClient, EsError, FollowParameters, FollowerSummariesAnswer, FollowerSummary, RecentAutoFollowError};
use spec::FollowIndexPattern;

/// One pattern as the screens show it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternView {
    pub name: String,
    /// False when paused (always true before 7.5, where patterns cannot be paused).
    pub active: bool,
    pub remote_cluster: String,
    pub leader_index_patterns: Vec<String>,
    pub leader_index_exclusion_patterns: Vec<String>,
    pub follow_index_pattern: FollowIndexPattern,
    /// The ten follow settings the pattern gives its followers (`None`: unreadable values).
    pub follow_settings: Option<FollowSettings>,
    /// Index settings overrides for the followers.
    pub settings: Option<Value>,
    /// Follower indices on the local cluster whose leader matches this pattern on its remote:
    /// the ones it created (Elasticsearch does not record which pattern made a follower).
    pub followers: Vec<String>,
    /// Its recent errors from `_ccr/stats`, newest first.
    pub errors: Vec<PatternError>,
}

/// A recent error of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternError {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// `None` when the remote itself could not be read.
    pub leader_index: Option<String>,
    pub error_type: String,
    pub reason: String,
    pub diagnosis: ErrorDiagnosis,
}

/// What a recent error means, in the user's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorDiagnosis {
    /// The leader index has no soft deletes: it can never be followed; re-index it.
    NoSoftDeletes,
    /// The remote could not be read (down, unknown, or not licensed).
    RemoteUnavailable,
    /// A follower of that name exists already.
    FollowerExists,
    Other,
}

impl ErrorDiagnosis {
    pub const ALL: [ErrorDiagnosis; 4] = [
        ErrorDiagnosis::NoSoftDeletes,
        ErrorDiagnosis::RemoteUnavailable,
        ErrorDiagnosis::FollowerExists,
        ErrorDiagnosis::Other,
    ];

    fn of(error_type: &str, reason: &str, leader_index: Option<&str>) -> ErrorDiagnosis {
        if reason.contains("soft deletes") {
            ErrorDiagnosis::NoSoftDeletes
        } else if reason.contains("already exists") || error_type == "resource_already_exists_exception" {
            ErrorDiagnosis::FollowerExists
        } else if leader_index.is_none()
            || error_type.contains("connect")
            || reason.contains("no such remote cluster")
            || reason.contains("not licensed for [ccr]")
        {
            ErrorDiagnosis::RemoteUnavailable
        } else {
            ErrorDiagnosis::Other
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            ErrorDiagnosis::NoSoftDeletes => "auto-follow-error-no-soft-deletes",
            ErrorDiagnosis::RemoteUnavailable => "auto-follow-error-remote",
            ErrorDiagnosis::FollowerExists => "auto-follow-error-follower-exists",
            ErrorDiagnosis::Other => "auto-follow-error-other",
        }
    }
}

/// The counters of `auto_follow_stats`, for the detail page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub successful_follow_indices: u64,
    pub failed_follow_indices: u64,
    pub failed_remote_cluster_state_requests: u64,
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default()
}

fn view(name: &str, pattern: &Value) -> PatternView {
    let parameters: Option<FollowParameters> = serde_json::from_value(pattern.clone()).ok();
    PatternView {
        name: name.to_owned(),
        active: pattern["active"].as_bool().unwrap_or(true),
        remote_cluster: pattern["remote_cluster"].as_str().unwrap_or_default().to_owned(),
        leader_index_patterns: strings(&pattern["leader_index_patterns"]),
        leader_index_exclusion_patterns: strings(&pattern["leader_index_exclusion_patterns"]),
        follow_index_pattern: FollowIndexPattern::parse(pattern["follow_index_pattern"].as_str()),
        follow_settings: parameters.and_then(|p| FollowSettings::from_parameters(&p).ok()),
        settings: pattern.get("settings").filter(|s| s.as_object().is_some_and(|o| !o.is_empty())).cloned(),
        followers: Vec::new(),
        errors: Vec::new(),
    }
}

/// Attributes the recent errors (keyed `<pattern>:<index>` or `<pattern>`) to their pattern.
fn errors_of(name: &str, errors: &[RecentAutoFollowError]) -> Vec<PatternError> {
    let mut mine: Vec<PatternError> = errors
        .iter()
        .filter_map(|e| {
            let leader_index = if e.leader_index == name {
                None
            } else {
                Some(e.leader_index.strip_prefix(name)?.strip_prefix(':')?.to_owned())
            };
            let reason = e.auto_follow_exception.reason.clone().unwrap_or_default();
            let error_type = e.auto_follow_exception.error_type.clone();
            Some(PatternError {
                timestamp: e.timestamp,
                diagnosis: ErrorDiagnosis::of(&error_type, &reason, leader_index.as_deref()),
                leader_index,
                error_type,
                reason,
            })
        })
        .collect();
    mine.sort_by_key(|e| std::cmp::Reverse(e.timestamp));
    mine
}

/// The followers a pattern made: local followers of its remote whose leader it matches.
/// `followers` may be all of them or only its remote's.
fn followers_of(pattern: &PatternView, followers: &[&FollowerSummary<'_>]) -> Vec<String> {
    let mut names: Vec<String> = followers
        .iter()
        .filter(|f| {
            f.remote_cluster == pattern.remote_cluster.as_str()
                && preview::matches(
                    &f.leader_index,
                    &pattern.leader_index_patterns,
                    &pattern.leader_index_exclusion_patterns,
                )
        })
        .map(|f| f.follower_index.to_string())
        .collect();
    names.sort();
    names
}

/// The summaries in a `_ccr/info` answer, none when it could not be read (the list needs a CCR
/// licence and `monitor`; without them the patterns still show).
fn summaries_in(answer: &Result<FollowerSummariesAnswer, EsError>) -> Vec<FollowerSummary<'_>> {
    answer.as_ref().ok().and_then(|answer| answer.read().ok()).unwrap_or_default()
}

/// Every pattern with its followers and recent errors. The stats and the follower list need a
/// CCR licence and `monitor`; without them the patterns still show.
pub async fn list(client: &EsClient) -> Result<(Vec<PatternView>, Counters), EsError> {
    // Every follower's summary is read and held here (to count each pattern's followers),
    // borrowed from the answer.
    let turn = crate::ccr::followers::whole_list_turn().await;
    let (patterns, stats, answer) = tokio::join!(
        client.auto_follow_patterns_raw(),
        client.auto_follow_stats(),
        client.follower_summaries_answer("_all")
    );
    let patterns = patterns?;
    let followers = summaries_in(&answer);
    turn.holds(followers.len());
    // A pattern only ever makes followers of its own remote: each pattern reads only those
    // (200 patterns over 10,000 followers on 30 remotes: 67,000 matches, not 2,000,000).
    let mut by_remote: HashMap<&str, Vec<&FollowerSummary<'_>>> = HashMap::new();
    for follower in &followers {
        by_remote.entry(follower.remote_cluster.as_ref()).or_default().push(follower);
    }
    let (errors, counters) = match stats {
        Ok(stats) => {
            let s = stats;
            let counters = Counters {
                successful_follow_indices: s.number_of_successful_follow_indices,
                failed_follow_indices: s.number_of_failed_follow_indices,
                failed_remote_cluster_state_requests: s.number_of_failed_remote_cluster_state_requests,
            };
            (s.recent_auto_follow_errors, counters)
        }
        Err(_) => (Vec::new(), Counters::default()),
    };
    let mut views: Vec<PatternView> = patterns
        .iter()
        .map(|(name, pattern)| {
            let mut v = view(name, pattern);
            v.followers = by_remote.get(v.remote_cluster.as_str()).map_or_else(Vec::new, |of| followers_of(&v, of));
            v.errors = errors_of(name, &errors);
            v
        })
        .collect();
    views.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((views, counters))
}

/// One pattern, with what it made and its errors; `None` when there is no such pattern.
pub async fn detail(client: &EsClient, name: &str) -> Result<Option<(PatternView, Value)>, EsError> {
    let (pattern, stats, answer) = tokio::join!(
        client.auto_follow_pattern_raw(name),
        client.auto_follow_stats(),
        client.follower_summaries_answer("_all")
    );
    let Some(raw) = pattern? else { return Ok(None) };
    let mut v = view(name, &raw);
    let followers = summaries_in(&answer);
    v.followers = followers_of(&v, &followers.iter().collect::<Vec<_>>());
    if let Ok(stats) = stats {
        v.errors = errors_of(name, &stats.recent_auto_follow_errors);
    }
    Ok(Some((v, raw)))
}

/// Saves a pattern: for an edit, laid over the pattern as Elasticsearch has it now, so nothing
/// the form does not show is lost. `existing` is `None` for a new pattern.
pub async fn save(client: &EsClient, spec: &spec::PatternSpec, existing: Option<&Value>) -> Result<(), EsError> {
    client.put_auto_follow_pattern_raw(&spec.name, &spec.body(existing)).await.map(drop)
}

/// The remote's indices and the leader indices already followed from it, for the preview.
pub async fn preview_inputs(
    client: &EsClient,
    remote: &str,
) -> Result<(Option<Vec<String>>, HashSet<String>), EsError> {
    let (candidates, followers) =
        tokio::join!(follower_create::leader_candidates(client, remote), client.follower_summaries("_all"));
    let followed = followers
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.remote_cluster == remote)
        .map(|f| f.leader_index)
        .collect();
    Ok((candidates?, followed))
}

/// Pauses, resumes or deletes one pattern, as a one-step report.
pub async fn act(client: &EsClient, name: &str, action: PatternAction) -> Report {
    let step = match action {
        PatternAction::Pause => Step::new("step-pause-pattern", name, move || async move {
            client.pause_auto_follow_pattern(name).await.map(drop)
        }),
        PatternAction::Resume => Step::new("step-resume-pattern", name, move || async move {
            client.resume_auto_follow_pattern(name).await.map(drop)
        }),
        PatternAction::Delete => Step::new("step-delete-pattern", name, move || async move {
            client.delete_auto_follow_pattern(name).await.map(drop)
        }),
    };
    steps::run(vec![step]).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternAction {
    Pause,
    Resume,
    Delete,
}

/// The outcome of following one existing leader index now.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowedNow {
    pub leader_index: String,
    pub follower_index: String,
    pub outcome: Result<Created, String>,
}

/// Creates followers for existing leader indices that the pattern matches (Elasticsearch never
/// follows those by itself), named and tuned as the pattern would. One at a time, each
/// reported; a failure does not stop the others.
pub async fn follow_existing(client: &EsClient, pattern: &PatternView, leaders: &[String]) -> Vec<FollowedNow> {
    let settings = pattern.follow_settings.clone().unwrap_or_default();
    let mut report = Vec::new();
    for leader in leaders {
        if !preview::matches(leader, &pattern.leader_index_patterns, &pattern.leader_index_exclusion_patterns) {
            continue;
        }
        let follower = NewFollower {
            remote_cluster: pattern.remote_cluster.clone(),
            leader_index: leader.clone(),
            follower_index: pattern.follow_index_pattern.follower_name(leader),
            settings: settings.clone(),
        };
        let outcome = follower_create::create(client, &follower).await.map_err(|e| match &e {
            EsError::Api(api) => format!("[{}] {}", api.error_type, api.reason),
            other => other.to_string(),
        });
        report.push(FollowedNow { leader_index: leader.clone(), follower_index: follower.follower_index, outcome });
    }
    report
}
