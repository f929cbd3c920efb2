//! Follower indices, merged from `_ccr/info` (every follower, with its status) and
//! `_ccr/stats` (lag, for active followers only: paused ones are absent from the stats), and
//! the actions on them: follow, edit (pause and resume with new settings), convert to a
//! regular index.

use std::sync::atomic::{AtomicBool, Ordering};

use super::panel_store;
use super::steps::{self, Report, Step};
use crate::es::{EsClient, EsError, FollowParameters, FollowRequest};

mod by_name;
pub mod create;
pub mod detail;
pub mod lag_history;
pub mod list;
mod one_page;
mod page_stats;
pub mod rows;
pub mod settings;

pub use detail::{Diagnosis, FatalProblem, FollowerDetail};
pub use list::{FollowerIndex, FollowerPage, FollowerStatus, ListQuery, ListRow};
pub use one_page::{ONE_ROUND_TRIP_UP_TO, page};
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
