//! Actions that take several Elasticsearch calls, run so that a failure never leaves an index
//! closed or a follower paused by surprise: on failure, what can be undone is undone (newest
//! first), and the report says exactly what happened to each step.

use std::future::Future;
use std::pin::Pin;

use serde_json::json;

use crate::es::{EsClient, EsError};

type Call<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), EsError>> + Send + 'a>> + Send + Sync + 'a>;

/// One call of a multi-step action, with the call that reverses it, if any.
pub struct Step<'a> {
    /// What the step does, as a message key (`step-close-index`), with the index name.
    pub key: &'static str,
    pub target: String,
    run: Call<'a>,
    undo: Option<(&'static str, Call<'a>)>,
    /// A point of no return (unfollow): a later failure undoes nothing before it, since
    /// resuming a follower that no longer follows makes no sense.
    irreversible: bool,
}

impl<'a> Step<'a> {
    pub fn new<F, Fut>(key: &'static str, target: &str, run: F) -> Step<'a>
    where
        F: Fn() -> Fut + Send + Sync + 'a,
        Fut: Future<Output = Result<(), EsError>> + Send + 'a,
    {
        Step { key, target: target.to_owned(), run: Box::new(move || Box::pin(run())), undo: None, irreversible: false }
    }

    /// Marks this step as a point of no return.
    pub fn irreversible(mut self) -> Step<'a> {
        self.irreversible = true;
        self
    }

    /// The call that reverses this step, and its message key.
    pub fn undo_with<F, Fut>(mut self, key: &'static str, undo: F) -> Step<'a>
    where
        F: Fn() -> Fut + Send + Sync + 'a,
        Fut: Future<Output = Result<(), EsError>> + Send + 'a,
    {
        self.undo = Some((key, Box::new(move || Box::pin(undo()))));
        self
    }
}

/// What became of one step.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    Done,
    /// The step itself failed, with Elasticsearch's reason.
    Failed(String),
    /// It had succeeded, and was reversed after a later step failed.
    Undone,
    /// It had succeeded, a later step failed, and reversing it failed too.
    UndoFailed(String),
    /// Never attempted, because an earlier step failed.
    NotRun,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    pub key: &'static str,
    pub target: String,
    pub outcome: StepOutcome,
}

/// The whole story of a multi-step action.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub steps: Vec<StepReport>,
}

impl Report {
    pub fn succeeded(&self) -> bool {
        self.steps.iter().all(|s| s.outcome == StepOutcome::Done)
    }

    /// Whether everything done was undone, so the cluster is as it was before.
    pub fn rolled_back_cleanly(&self) -> bool {
        !self.succeeded()
            && self
                .steps
                .iter()
                .all(|s| matches!(s.outcome, StepOutcome::Undone | StepOutcome::Failed(_) | StepOutcome::NotRun))
    }

    /// The first failure's reason.
    pub fn failure(&self) -> Option<&str> {
        self.steps.iter().find_map(|s| match &s.outcome {
            StepOutcome::Failed(reason) => Some(reason.as_str()),
            _ => None,
        })
    }
}

fn reason(error: &EsError) -> String {
    error.reason()
}

/// Runs the steps in order; on the first failure, reverses the completed steps newest first,
/// back to the last point of no return.
pub async fn run(steps: Vec<Step<'_>>) -> Report {
    let mut reports: Vec<StepReport> = steps
        .iter()
        .map(|s| StepReport { key: s.key, target: s.target.clone(), outcome: StepOutcome::NotRun })
        .collect();
    let mut failed_at = None;
    for (i, step) in steps.iter().enumerate() {
        match (step.run)().await {
            Ok(()) => reports[i].outcome = StepOutcome::Done,
            Err(error) => {
                tracing::warn!(step = step.key, target = %step.target, %error, "step failed; undoing the steps before it");
                reports[i].outcome = StepOutcome::Failed(reason(&error));
                failed_at = Some(i);
                break;
            }
        }
    }
    if let Some(failed) = failed_at {
        for i in (0..failed).rev() {
            if steps[i].irreversible {
                break;
            }
            if let Some((_, undo)) = &steps[i].undo {
                reports[i].outcome = match undo().await {
                    Ok(()) => StepOutcome::Undone,
                    Err(error) => StepOutcome::UndoFailed(reason(&error)),
                };
            }
        }
    }
    Report { steps: reports }
}

/// Removes an index setting that can only change while the index is closed (such as the
/// vendor setting `index.replication.type` on some managed 6.7 clusters): close, update,
/// open. An index that was closed before stays closed; one that was open is never left
/// closed by a failed update.
pub async fn clear_static_index_setting(client: &EsClient, index: &str, key: &str) -> Result<Report, EsError> {
    let was_open = client.cat_indices(Some(index)).await?.iter().any(|row| row.index == index && row.status == "open");
    let mut steps = Vec::new();
    if was_open {
        steps.push(
            Step::new("step-close-index", index, move || async move { client.close_index(index).await.map(drop) })
                .undo_with("step-open-index", move || async move { client.open_index(index).await.map(drop) }),
        );
    }
    steps.push(Step::new("step-clear-setting", key, move || async move {
        client.put_index_settings(index, &json!({ key: null })).await.map(drop)
    }));
    if was_open {
        steps.push(Step::new(
            "step-open-index",
            index,
            move || async move { client.open_index(index).await.map(drop) },
        ));
    }
    Ok(run(steps).await)
}
