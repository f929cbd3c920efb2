//! Follower indices, merged from `_ccr/info` (every follower, with its status) and
//! `_ccr/stats` (lag, for active followers only: paused ones are absent from the stats), and
//! the actions on them: follow, edit (pause and resume with new settings), convert to a
//! regular index.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use super::paging::DistinctNames;
use super::panel_store;
use super::steps::{self, Report, Step};
use crate::es::{EsClient, EsError, FollowParameters, FollowRequest, FollowerSummariesAnswer};

mod by_name;
pub mod create;
pub mod detail;
pub mod lag_history;
pub mod list;
mod page_stats;
pub mod rows;
pub mod settings;

pub use detail::{Diagnosis, FatalProblem, FollowerDetail};
pub use list::{FollowerIndex, FollowerPage, FollowerStatus, ListQuery, ListRow};
pub use settings::{FollowSettings, SettingProblem, SettingProblems};

/// Every follower index, sorted by name. Lag comes from `_ccr/stats`, which needs a CCR
/// license and the `monitor` privilege; without them the list still shows, without lag.
pub async fn list(client: &EsClient) -> Result<Vec<FollowerIndex>, EsError> {
    let turn = whole_list_turn().await;
    let (info, stats) = rows::whole_list_answers(client).await;
    let (info, lags) = (info?, rows::lag_summaries(&stats));
    let mut all: Vec<FollowerIndex> = rows::merge(info.read()?, &lags.follow_stats.indices)
        .into_iter()
        .map(rows::SummaryWithLag::into_owned)
        .collect();
    turn.holds(all.len());
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

/// How many whole-list reads (every follower, with its lag) may be decoded and held at once
/// in this process. Each one holds a few MB at 10,000 followers; the work is CPU-bound, so
/// more at once than the machine has cores only adds memory, not throughput. Pages past
/// the limit wait their turn (and identical reads under way are shared, see the client).
const TURNS: usize = 4;
static WHOLE_LISTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(TURNS);

/// Set when a turn held a list large enough that handing its memory back is worth the cost.
static LARGE_LIST_HELD: AtomicBool = AtomicBool::new(false);
/// From this many followers a list is worth a `malloc_trim` once the last turn ends: several MB
/// decoded, on a page of a quarter of a second or more, so the trim's millisecond and the next
/// page's faults are lost in it, and a burst of them would otherwise leave the heap at its peak
/// until the burst is over (measured: 60 MiB after 64 users at 10,000 followers, 20 with it).
/// Below it the burst trimmer is enough ([`crate::memory::trim_after_bursts`]): at 1,000, a trim
/// after every page took 0.5 ms of a 12 ms page, and cost the next 120 page faults.
const LARGE_LIST: usize = 5_000;

/// A turn to read and hold a whole list. When the last turn ends after a large list, the memory
/// the lists took is handed back to the system: glibc's allocator otherwise keeps the peak of a
/// burst of 10,000-follower pages (measured: the resident size stayed at the peak after the load).
pub struct WholeListTurn(Option<tokio::sync::SemaphorePermit<'static>>);

impl WholeListTurn {
    /// Notes how many followers this turn holds.
    pub fn holds(&self, followers: usize) {
        if followers >= LARGE_LIST {
            LARGE_LIST_HELD.store(true, Ordering::Relaxed);
        }
    }
}

impl Drop for WholeListTurn {
    fn drop(&mut self) {
        drop(self.0.take());
        if WHOLE_LISTS.available_permits() == TURNS && LARGE_LIST_HELD.swap(false, Ordering::Relaxed) {
            crate::memory::release_freed();
        }
    }
}

/// Waits for a turn to read and hold a whole list (see [`WHOLE_LISTS`]).
pub async fn whole_list_turn() -> WholeListTurn {
    WholeListTurn(Some(WHOLE_LISTS.acquire().await.expect("the semaphore is never closed")))
}

/// Up to this many followers, the list asks every follower's stats at once with `_ccr/info`
/// (one round trip) rather than the page's after it (two): the whole answer then costs less
/// than the second round trip (measured in the simulator: about 20 µs per follower, against
/// a round trip of 1 to 5 ms to a real cluster).
pub const ONE_ROUND_TRIP_UP_TO: usize = 200;

/// How many followers each caller (the cluster's first URL and a digest of the credentials)
/// saw when the list was last read: the next read chooses its requests by it
/// ([`ONE_ROUND_TRIP_UP_TO`]). Per caller, as Elasticsearch lists only the followers a user may
/// see: one user's 150 must not send another's 5,000 down the one-round-trip path.
static LAST_COUNT: std::sync::Mutex<BTreeMap<String, usize>> = std::sync::Mutex::new(BTreeMap::new());

/// Callers remembered at most; past it one is forgotten for each new one.
const MAX_COUNTS: usize = 128;

fn count_key(client: &EsClient) -> Option<String> {
    Some(format!("{} {}", client.urls().into_iter().next()?, client.credentials_digest()))
}

fn last_count(client: &EsClient) -> Option<usize> {
    LAST_COUNT.lock().unwrap_or_else(|p| p.into_inner()).get(&count_key(client)?).copied()
}

fn remember_count(client: &EsClient, count: usize) {
    if let Some(key) = count_key(client) {
        let mut counts = LAST_COUNT.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() >= MAX_COUNTS && !counts.contains_key(&key) {
            counts.pop_first();
        }
        counts.insert(key, count);
    }
}

/// One page of the follower list, and the remotes its filter offers: those the cluster knows
/// (`_remote/info`, asked at the same time), those the followers read use (every follower's,
/// or the page's where only the page is read: see `by_name`) and the one chosen.
pub async fn page(client: &EsClient, query: &ListQuery) -> Result<(FollowerPage, Vec<String>), EsError> {
    // The list's requests first: the longest is the first the cluster starts on.
    let (listed, known) = tokio::join!(page_and_remotes_used(client, query), remotes_known(client));
    let (page, used) = listed?;
    let mut remotes: BTreeSet<String> = known.into_iter().chain(used).collect();
    remotes.extend(query.remote_cluster.clone());
    Ok((page, remotes.into_iter().collect()))
}

/// The longest the list waits for `_remote/info`: only its filter needs it, and on 6.x it asks
/// every connected remote for its nodes, so one slow remote could hold the list back.
const REMOTES_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The remotes the cluster knows, for the list's filter; none when `_remote/info` is refused
/// or slow (the filter then offers those of the followers read).
async fn remotes_known(client: &EsClient) -> Vec<String> {
    match tokio::time::timeout(REMOTES_WAIT, client.remote_info()).await {
        Ok(Ok(remotes)) => remotes.into_keys().collect(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "the follower list's filter offers only the remotes its followers use");
            Vec::new()
        }
        Err(_) => {
            tracing::warn!(
                "the follower list's filter offers only the remotes its followers use: _remote/info was slow"
            );
            Vec::new()
        }
    }
}

/// [`page`], and the remotes the followers read use. When the view does not
/// need every follower's stats ([`ListQuery::needs_all_stats`]) and the cluster had more than
/// [`ONE_ROUND_TRIP_UP_TO`] followers last time (or has not been read yet), only the page's
/// active followers are asked for theirs (`GET /<names>/_ccr/stats`): with `_ccr/info` for
/// those the view showed last time, after it for the others. A view of every follower by
/// name reads their names alone, and the page's summaries by name (see `by_name`).
async fn page_and_remotes_used(client: &EsClient, query: &ListQuery) -> Result<(FollowerPage, Vec<String>), EsError> {
    let turn = whole_list_turn().await;
    let small = last_count(client).is_some_and(|count| count <= ONE_ROUND_TRIP_UP_TO);
    if query.needs_all_stats() || small {
        // Every follower with its lag, read borrowed from both answers: only the page is owned.
        let (info, stats) = rows::whole_list_answers(client).await;
        let (info, lags) = (info?, rows::lag_summaries(&stats));
        let all = rows::merge(info.read()?, &lags.follow_stats.indices);
        turn.holds(all.len());
        remember_count(client, all.len());
        let remotes = distinct(all.iter().map(ListRow::remote_cluster));
        return Ok((query.apply_with(all, rows::SummaryWithLag::into_owned), remotes));
    }
    if query.needs_names_only()
        && let Some(by_name::ByName { page, remotes_used }) = by_name::page(client, query).await?
    {
        turn.holds(page.total);
        remember_count(client, page.total);
        return Ok((page, remotes_used));
    }
    by_summaries(client, query, turn).await
}

/// [`page`] cut out of every follower's summary.
async fn by_summaries(
    client: &EsClient,
    query: &ListQuery,
    turn: WholeListTurn,
) -> Result<(FollowerPage, Vec<String>), EsError> {
    // The summaries are read borrowed from the answer, one at a time as they are read, and
    // dropped unless they can be on the page: only the page's rows are owned.
    let cut = |answer: &FollowerSummariesAnswer| {
        let (mut remotes, mut collector) = (DistinctNames::default(), query.collector());
        answer.for_each(|summary| {
            remotes.add(&summary.remote_cluster);
            collector.offer(summary);
        })?;
        let found = collector.finish();
        let total = found.total;
        Ok((FollowerPage::from_collected(found, FollowerIndex::from_summary), remotes.sorted(), total))
    };
    // The stats of the page this view showed last, at the same time (see `page_stats`).
    // A failed `_ccr/info` ends the page at once: the guess is dropped, its requests cancelled.
    let ((mut page, remotes, total), guessed) = futures_util::future::try_join(
        client.with_follower_summaries("_all", cut),
        futures_util::FutureExt::map(page_stats::ask_guessed(client, query), Ok),
    )
    .await?;
    turn.holds(total);
    remember_count(client, total);
    let shown_as_asked = page.page == query.page;
    page_stats::add(client, guessed, &mut page.rows, shown_as_asked).await;
    Ok((page, remotes))
}

/// The distinct names, sorted, owned once each.
fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut distinct = DistinctNames::default();
    names.for_each(|name| distinct.add(&Cow::Borrowed(name)));
    distinct.sorted()
}

/// What the panel remembers of a follower it paused.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct RememberedSettings {
    follower_index: String,
    parameters: FollowParameters,
}

/// The outcome of a pause: whether the follower's settings were kept for its resume.
#[derive(Debug, Clone, PartialEq)]
pub struct Paused {
    pub report: Report,
    /// False when the settings could not be read or written (no privilege on the panel's
    /// index, say): the pause still happened, and the page says the resume will need them.
    pub settings_remembered: bool,
}

/// Pauses a follower, first remembering its settings (Elasticsearch forgets them while it is
/// paused, and a plain resume would silently return to the defaults).
pub async fn pause(client: &EsClient, follower: &str) -> Paused {
    let remembered = remember_settings(client, follower).await;
    if let Err(error) = &remembered {
        tracing::warn!(follower, %error, "settings not remembered before pausing");
    }
    let report = steps::run(vec![Step::new("step-pause-follower", follower, move || async move {
        client.pause_follow(follower).await.map(drop)
    })])
    .await;
    Paused { report, settings_remembered: remembered.unwrap_or(false) }
}

/// Reads the active follower's settings from `_ccr/info` and keeps them; `Ok(false)` when it
/// has none to keep (already paused).
async fn remember_settings(client: &EsClient, follower: &str) -> Result<bool, EsError> {
    let info = client.follow_info(follower).await?;
    let Some(parameters) = info.into_iter().find(|i| i.follower_index == follower).and_then(|i| i.parameters) else {
        return Ok(false);
    };
    let record = RememberedSettings { follower_index: follower.to_owned(), parameters };
    panel_store::FOLLOW_SETTINGS.put(client, follower, &record).await?;
    Ok(true)
}

/// The settings a resume will send: those remembered at the pause, else none (Elasticsearch's
/// defaults), which the resume page says before the person confirms.
pub async fn settings_for_resume(client: &EsClient, follower: &str) -> Result<Option<FollowParameters>, EsError> {
    let record: Option<RememberedSettings> = panel_store::FOLLOW_SETTINGS.get(client, follower).await?;
    Ok(record.filter(|r| r.follower_index == follower).map(|r| r.parameters))
}

/// Resumes a follower with the given settings, then drops the remembered ones (best effort:
/// a stale record is overwritten by the next pause).
pub async fn resume(client: &EsClient, follower: &str, parameters: &FollowParameters) -> Report {
    let report = steps::run(vec![Step::new("step-resume-follower", follower, move || async move {
        client.resume_follow(follower, parameters).await.map(drop)
    })])
    .await;
    if report.succeeded()
        && let Err(error) = panel_store::FOLLOW_SETTINGS.delete(client, follower).await
    {
        tracing::warn!(follower, %error, "remembered settings not removed after resume");
    }
    report
}

/// Creates the follower index `follower` of `leader_index` on the remote `remote_cluster`.
pub async fn follow(
    client: &EsClient,
    follower: &str,
    remote_cluster: &str,
    leader_index: &str,
    parameters: FollowParameters,
) -> Result<(), EsError> {
    let request =
        FollowRequest { remote_cluster: remote_cluster.to_owned(), leader_index: leader_index.to_owned(), parameters };
    client.follow(follower, &request, "1").await.map(drop)
}

/// Changes a follower's parameters: Elasticsearch only takes them on resume, so pause, then
/// resume with the new ones. If the resume fails, the follower is resumed with its old
/// parameters: it is never left paused by surprise.
pub async fn edit<'a>(
    client: &'a EsClient,
    follower: &'a str,
    old: &'a FollowParameters,
    new: &'a FollowParameters,
) -> Report {
    steps::run(vec![
        Step::new(
            "step-pause-follower",
            follower,
            move || async move { client.pause_follow(follower).await.map(drop) },
        )
        .undo_with("step-resume-follower", move || async move { client.resume_follow(follower, old).await.map(drop) }),
        Step::new("step-resume-follower", follower, move || async move {
            client.resume_follow(follower, new).await.map(drop)
        }),
    ])
    .await
}

/// Converts a follower into a regular index: pause (if active), close, unfollow, open. On a
/// failure before the unfollow the steps before it are undone (reopened, resumed); once
/// unfollowed, there is no way back, and only the open remains to be done.
pub async fn unfollow<'a>(
    client: &'a EsClient,
    follower: &'a str,
    active: bool,
    parameters: &'a FollowParameters,
) -> Report {
    let mut plan = Vec::new();
    if active {
        plan.push(
            Step::new(
                "step-pause-follower",
                follower,
                move || async move { client.pause_follow(follower).await.map(drop) },
            )
            .undo_with("step-resume-follower", move || async move {
                client.resume_follow(follower, parameters).await.map(drop)
            }),
        );
    }
    plan.push(
        Step::new("step-close-index", follower, move || async move { client.close_index(follower).await.map(drop) })
            .undo_with("step-open-index", move || async move { client.open_index(follower).await.map(drop) }),
    );
    plan.push(
        Step::new("step-unfollow", follower, move || async move { client.unfollow(follower).await.map(drop) })
            .irreversible(),
    );
    plan.push(Step::new(
        "step-open-index",
        follower,
        move || async move { client.open_index(follower).await.map(drop) },
    ));
    steps::run(plan).await
}

/// Where an index stands after an action on it, read back from the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexState {
    pub open: bool,
    /// `None`: a regular index (no longer following).
    pub following: Option<FollowerStatus>,
}

/// The outcome of "convert to a regular index".
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub report: Report,
    /// Read back after the steps; `None` when the cluster could not be asked.
    pub state: Option<IndexState>,
}

/// Converts a follower into a regular index (pause if active, close, unfollow, open), reading
/// first whether it is active and with which settings, so a failure can resume it as it was.
/// Whatever happens, the index is not left closed if the panel can open it: a failed final
/// open is tried once more. Afterwards the index's state is read back for the report.
pub async fn convert_to_regular(client: &EsClient, follower: &str) -> Result<Converted, EsError> {
    let info = client.follow_info(follower).await?;
    let info = info.into_iter().find(|i| i.follower_index == follower);
    let active = info.as_ref().is_some_and(|i| i.status == "active");
    let parameters = info.and_then(|i| i.parameters).unwrap_or_default();
    let mut report = unfollow(client, follower, active, &parameters).await;
    if let Some(last) = report.steps.last_mut()
        && last.key == "step-open-index"
        && matches!(last.outcome, steps::StepOutcome::Failed(_))
        && client.open_index(follower).await.is_ok()
    {
        last.outcome = steps::StepOutcome::Done;
    }
    let state = index_state(client, follower).await.ok();
    Ok(Converted { report, state })
}

/// Whether the index is open and whether it still follows.
pub async fn index_state(client: &EsClient, index: &str) -> Result<IndexState, EsError> {
    let (rows, info) = tokio::join!(client.cat_indices(Some(index)), client.follow_info(index));
    let open = rows?.iter().any(|row| row.index == index && row.status == "open");
    let following = info?
        .into_iter()
        .find(|i| i.follower_index == index)
        .map(|i| if i.status == "paused" { FollowerStatus::Paused } else { FollowerStatus::Active });
    Ok(IndexState { open, following })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::{Auth, EsConfig};

    #[test]
    fn the_count_that_chooses_the_requests_is_each_callers_own() {
        let cluster = EsClient::new(EsConfig {
            urls: vec!["http://count-test.invalid:9200".parse().unwrap()],
            auth: None,
            ca_cert_pem: None,
            insecure: false,
            timeout: std::time::Duration::from_secs(1),
        })
        .unwrap();
        let as_user = |name: &str| {
            cluster.with_auth(Some(Auth::Basic { username: name.into(), password: format!("{name}-pw").into() }))
        };
        let (few, many) = (as_user("sees-few"), as_user("sees-many"));
        remember_count(&few, 150);
        remember_count(&many, 5_000);
        assert_eq!(last_count(&few), Some(150));
        assert_eq!(last_count(&many), Some(5_000));
        assert_eq!(last_count(&as_user("not-seen-yet")), None);
    }
}
