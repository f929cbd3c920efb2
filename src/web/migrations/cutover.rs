//! The cut-over's alias options: per index, a checkbox "add the leader index's name as an
//! alias" (offered only when that name is free on this cluster) and a text field for another
//! alias. The form fields are `leader_alias_{n}` and `alias_{n}`, `n` the index's position in
//! the plan; the page keeps what was typed and lists every problem beside its field.

use std::collections::BTreeMap;

use super::new::problem_key;
use crate::ccr::migrations::aliases::{self, AliasProblem, AliasRequest, Aliases};
use crate::ccr::migrations::plan::MigrationPlan;
use crate::es::{EsClient, EsError};
use crate::i18n::Message;

/// One index's alias options, as the form shows them.
pub struct AliasRow {
    pub position: usize,
    pub leader: String,
    pub follower: String,
    /// The leader index's name is free here (and differs from the follower's): offer it.
    pub leader_name_free: bool,
    pub leader_checked: bool,
    pub typed: String,
    pub errors: Vec<Message>,
}

/// The alias fields as posted (`alias_{n}`, `leader_alias_{n}`).
pub fn asked(plan: &MigrationPlan, fields: &BTreeMap<String, String>) -> AliasRequest {
    let mut asked = AliasRequest::new();
    for (position, index) in plan.indices.iter().enumerate() {
        let mut wanted = Vec::new();
        if fields.get(&format!("leader_alias_{position}")).is_some_and(|v| v == "yes") {
            wanted.push(index.leader_index.clone());
        }
        if let Some(typed) = fields.get(&format!("alias_{position}")).map(|t| t.trim()).filter(|t| !t.is_empty()) {
            wanted.push(typed.to_owned());
        }
        if !wanted.is_empty() {
            asked.insert(position, wanted);
        }
    }
    asked
}

/// The rows of the form, with what was posted and the problems found (if any).
pub async fn rows(
    local: &EsClient,
    plan: &MigrationPlan,
    fields: &BTreeMap<String, String>,
    problems: &[(usize, String, AliasProblem)],
) -> Result<Vec<AliasRow>, EsError> {
    let mut rows = Vec::new();
    for (position, index) in plan.indices.iter().enumerate() {
        let leader_name_free = index.leader_index != index.follower_index
            && aliases::is_free_for(local, &index.leader_index, &index.follower_index).await?;
        let errors = problems
            .iter()
            .filter(|(p, _, _)| *p == position)
            .flat_map(|(_, name, problem)| messages(name, problem))
            .collect();
        rows.push(AliasRow {
            position,
            leader: index.leader_index.clone(),
            follower: index.follower_index.clone(),
            leader_name_free,
            leader_checked: fields.get(&format!("leader_alias_{position}")).is_some_and(|v| v == "yes"),
            typed: fields.get(&format!("alias_{position}")).cloned().unwrap_or_default(),
            errors,
        });
    }
    Ok(rows)
}

fn messages(name: &str, problem: &AliasProblem) -> Vec<Message> {
    match problem {
        AliasProblem::Name(found) => found
            .problems
            .iter()
            .map(|p| Message::new(problem_key(*p)).arg("name", name).arg("characters", found.forbidden.clone()))
            .collect(),
        AliasProblem::Taken => vec![Message::new("migration-alias-taken").arg("name", name)],
        AliasProblem::Twice => vec![Message::new("migration-alias-twice").arg("name", name)],
    }
}

/// Reads and checks the posted aliases: the aliases to add, or the form rows with problems.
pub async fn checked(
    local: &EsClient,
    plan: &MigrationPlan,
    fields: &BTreeMap<String, String>,
) -> Result<Result<Aliases, Vec<AliasRow>>, EsError> {
    let major = local.version().await?.major;
    match aliases::check(local, plan, &asked(plan, fields), major).await? {
        Ok(aliases) => Ok(Ok(aliases)),
        Err(problems) => Ok(Err(rows(local, plan, fields, &problems).await?)),
    }
}
