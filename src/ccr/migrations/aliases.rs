//! Aliases added at the cut-over: after a follower became a regular index, the person may give
//! it aliases (typically the leader index's own name, so applications keep the name they
//! know). Checked before anything runs (Elasticsearch's name rules, no clash with an index or
//! alias of the local cluster, no alias asked twice); added with one `POST _aliases` per index
//! after its conversion; a refused alias leaves the converted index as it is.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::plan::MigrationPlan;
use crate::ccr::names::{self, NameProblems, NameRules};
use crate::es::{EsClient, EsError};

/// Why an alias cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AliasProblem {
    /// Elasticsearch's index-name rules (aliases follow them).
    Name(NameProblems),
    /// An index of that name exists on the local cluster (or an alias pointing elsewhere).
    Taken,
    /// Asked for two indices of the migration.
    Twice,
}

/// The aliases asked for one index, by its position in the plan.
pub type AliasRequest = BTreeMap<usize, Vec<String>>;

/// Aliases per leader index as planned, ready to add.
pub type Aliases = BTreeMap<String, Vec<String>>;

/// Whether `name` is free on `local` for `follower`: no index or alias of that name, or an
/// alias that already points at `follower` (the cut-over is safe to repeat).
pub async fn is_free_for(local: &EsClient, name: &str, follower: &str) -> Result<bool, EsError> {
    if !local.index_exists(name).await? {
        return Ok(true);
    }
    let definition = local.index_definition(follower).await.ok().flatten();
    Ok(definition.is_some_and(|d| d.aliases.contains_key(name)))
}

/// Checks every alias asked; the aliases keyed by leader index, or every problem by position.
pub async fn check(
    local: &EsClient,
    plan: &MigrationPlan,
    asked: &AliasRequest,
    major: u32,
) -> Result<Result<Aliases, Vec<(usize, String, AliasProblem)>>, EsError> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut aliases = Aliases::new();
    for (position, names_asked) in asked {
        let Some(index) = plan.indices.get(*position) else { continue };
        for alias in names_asked {
            let found = names::check(alias, NameRules::index(major));
            if !found.is_empty() {
                problems.push((*position, alias.clone(), AliasProblem::Name(found)));
                continue;
            }
            if seen.insert(alias, *position).is_some_and(|other| other != *position) {
                problems.push((*position, alias.clone(), AliasProblem::Twice));
                continue;
            }
            if !is_free_for(local, alias, &index.follower_index).await? {
                problems.push((*position, alias.clone(), AliasProblem::Taken));
                continue;
            }
            let list = aliases.entry(index.leader_index.clone()).or_default();
            if !list.contains(alias) {
                list.push(alias.clone());
            }
        }
    }
    Ok(if problems.is_empty() { Ok(aliases) } else { Err(problems) })
}

/// The `POST _aliases` body that adds `aliases` to `index`.
pub fn add_body(index: &str, aliases: &[String]) -> Value {
    let actions: Vec<Value> = aliases.iter().map(|a| json!({"add": {"index": index, "alias": a}})).collect();
    json!({ "actions": actions })
}
