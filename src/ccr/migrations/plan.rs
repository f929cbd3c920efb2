//! A migration's plan: which clusters, which indices under which names, and what each step did
//! to each index. Stored in the local cluster itself (`ccr-panel-migrations`), so it survives a
//! restart and every panel instance sees the same; progress is always read from the clusters.
//!
//! Writes are conditional on the version that was read (`if_seq_no`/`if_primary_term`): two
//! people running the same step at once cannot both record it, so nothing is created twice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::super::panel_store::Store;
use crate::es::{EsClient, EsError, WriteCondition};

/// Where migration plans are kept.
pub const MIGRATIONS: Store = Store { index: "ccr-panel-migrations" };

/// The steps of the recipe, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Prepare,
    Connect,
    Follow,
    Verify,
    Cutover,
}

impl StepName {
    pub const ALL: [StepName; 5] =
        [StepName::Prepare, StepName::Connect, StepName::Follow, StepName::Verify, StepName::Cutover];

    /// The URL segment (`POST /migrations/{id}/{step}`).
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Prepare => "prepare",
            StepName::Connect => "connect",
            StepName::Follow => "follow",
            StepName::Verify => "verify",
            StepName::Cutover => "cutover",
        }
    }

    pub fn parse(text: &str) -> Option<StepName> {
        StepName::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What became of one index in one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexOutcome {
    pub ok: bool,
    /// A message key with its detail (Elasticsearch's reason, a count...), for the report.
    pub key: String,
    #[serde(default)]
    pub detail: String,
}

/// One index being migrated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedIndex {
    /// The leader index as the person named it.
    pub leader_index: String,
    /// The leader index replication reads from: the same, or the re-indexed copy with soft
    /// deletes that `prepare` made.
    pub source_index: String,
    pub follower_index: String,
    /// The last outcome of each step for this index.
    #[serde(default)]
    pub outcomes: BTreeMap<StepName, IndexOutcome>,
}

/// When a step last ran, and who ran it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRun {
    pub by: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// Whether every index came through.
    pub ok: bool,
}

/// The plan document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationPlan {
    pub id: String,
    pub created_by: String,
    pub created_at: i64,
    /// A configured cluster whose HTTP endpoint is the leader, if the panel knows it.
    pub leader_cluster: Option<String>,
    /// The leader's URL when it was entered for a session only (its credentials are never
    /// stored): another session, or the same after a restart or sign-out, must enter it again.
    #[serde(default)]
    pub leader_endpoint: Option<String>,
    /// The remote cluster alias on the local cluster (chosen, or made by `connect`).
    pub remote_cluster: Option<String>,
    pub follower_index_prefix: String,
    pub follower_index_suffix: String,
    pub indices: Vec<PlannedIndex>,
    #[serde(default)]
    pub runs: BTreeMap<StepName, StepRun>,
    /// A step being run right now (claimed with a conditional write), and by whom.
    #[serde(default)]
    pub running: Option<(StepName, String, i64)>,
}

impl MigrationPlan {
    /// The first step not yet done for every index: the page's one clear next action.
    pub fn next_step(&self) -> Option<StepName> {
        StepName::ALL.into_iter().find(|step| {
            !self.runs.get(step).is_some_and(|r| r.ok)
                || self.indices.iter().any(|i| !i.outcomes.get(step).is_some_and(|o| o.ok))
        })
    }

    pub fn is_finished(&self) -> bool {
        self.next_step().is_none()
    }
}

/// A plan as read, with the version a conditional write must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    pub plan: MigrationPlan,
    pub seq_no: i64,
    pub primary_term: i64,
}

/// Why a plan could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlanWriteError {
    /// Somebody else changed the plan since it was read (or made one with the same id).
    #[error("the migration was changed by someone else")]
    Conflict,
    #[error(transparent)]
    Es(#[from] EsError),
}

fn conflict_or(error: EsError) -> PlanWriteError {
    if error.status() == Some(409) { PlanWriteError::Conflict } else { PlanWriteError::Es(error) }
}

/// Stores a new plan; refuses to replace one with the same id.
pub async fn create(client: &EsClient, plan: &MigrationPlan) -> Result<(), PlanWriteError> {
    MIGRATIONS.ensure(client).await?;
    let body = serde_json::to_value(plan).unwrap_or_default();
    client.index_doc_if(MIGRATIONS.index, &plan.id, &body, WriteCondition::Create).await.map(drop).map_err(conflict_or)
}

/// Reads a plan; `None` when there is no such migration.
pub async fn read(client: &EsClient, id: &str) -> Result<Option<StoredPlan>, EsError> {
    let doc = match client.get_doc(MIGRATIONS.index, id).await {
        Ok(doc) => doc,
        Err(e) if e.es_type() == Some("index_not_found_exception") => None,
        Err(e) => return Err(e),
    };
    let Some(doc) = doc else { return Ok(None) };
    let (Some(source), Some(seq_no), Some(primary_term)) = (doc.source, doc.seq_no, doc.primary_term) else {
        return Ok(None);
    };
    Ok(serde_json::from_value(source).ok().map(|plan| StoredPlan { plan, seq_no, primary_term }))
}

/// Replaces a plan only if it is still the version read.
pub async fn update(
    client: &EsClient,
    stored: &StoredPlan,
    plan: &MigrationPlan,
) -> Result<StoredPlan, PlanWriteError> {
    let body = serde_json::to_value(plan).unwrap_or_default();
    let condition = WriteCondition::IfUnchanged { seq_no: stored.seq_no, primary_term: stored.primary_term };
    let written = client.index_doc_if(MIGRATIONS.index, &plan.id, &body, condition).await.map_err(conflict_or)?;
    Ok(StoredPlan {
        plan: plan.clone(),
        seq_no: written.seq_no.unwrap_or(stored.seq_no + 1),
        primary_term: written.primary_term.unwrap_or(stored.primary_term),
    })
}

/// Claims a step for `user`: records that it runs, conditionally, so a second person running
/// the same step at the same moment is told it is already running instead of doing it twice.
/// A claim older than `stale_after_millis` (a panel that died mid-step) can be taken over.
pub async fn claim(
    client: &EsClient,
    stored: &StoredPlan,
    step: StepName,
    user: &str,
    now: i64,
    stale_after_millis: i64,
) -> Result<StoredPlan, PlanWriteError> {
    if let Some((_, _, since)) = &stored.plan.running
        && now - since < stale_after_millis
    {
        return Err(PlanWriteError::Conflict);
    }
    let mut plan = stored.plan.clone();
    plan.running = Some((step, user.to_owned(), now));
    update(client, stored, &plan).await
}

/// Records a step's outcome per index and releases the claim.
pub async fn finish(
    client: &EsClient,
    stored: &StoredPlan,
    step: StepName,
    user: &str,
    now: i64,
    outcomes: BTreeMap<String, IndexOutcome>,
) -> Result<StoredPlan, PlanWriteError> {
    let mut plan = stored.plan.clone();
    for index in &mut plan.indices {
        if let Some(outcome) = outcomes.get(&index.leader_index) {
            index.outcomes.insert(step, outcome.clone());
        }
    }
    let ok = plan.indices.iter().all(|i| i.outcomes.get(&step).is_some_and(|o| o.ok));
    plan.runs.insert(step, StepRun { by: user.to_owned(), at: now, ok });
    plan.running = None;
    update(client, stored, &plan).await
}

/// Every migration, newest first (at most `limit`).
pub async fn list(client: &EsClient, limit: usize) -> Result<Vec<MigrationPlan>, EsError> {
    let body = serde_json::json!({"size": limit, "query": {"match_all": {}}});
    let answer = match client.search(MIGRATIONS.index, &body).await {
        Ok(answer) => answer,
        Err(e) if e.es_type() == Some("index_not_found_exception") => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut plans: Vec<MigrationPlan> =
        answer.hits.hits.into_iter().filter_map(|hit| serde_json::from_value(hit.source).ok()).collect();
    plans.sort_by_key(|p| std::cmp::Reverse(p.created_at));
    Ok(plans)
}
