//! The re-indexed copy `prepare` makes of a leader index without soft deletes: the same
//! mappings and the same user settings, soft deletes on. What is left out is listed in
//! [`NOT_COPIED`], each for a reason Elasticsearch gives (it refuses the setting in a request,
//! or the setting would stop the copy from taking the documents).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::plan::{MigrationPlan, StepName};
use super::recipe::REPLICATION_TYPE;
use crate::es::{EsClient, IndexDefinition};

/// Settings the re-indexed copy does not take from its source (a trailing `.` names a group):
/// those Elasticsearch sets itself and refuses in a request (identity, versions, resize and
/// recovery bookkeeping), those that would stop or spoil the copy (blocks: a migrated index is
/// often made read-only; frozen or snapshot-backed storage), and soft deletes, which the copy
/// turns on. Everything else (shards, replicas, analysis, mapping limits, refresh, codec,
/// ILM policy...) is the user's and carries over.
pub const NOT_COPIED: [&str; 21] = [
    "index.uuid",
    "index.creation_date",
    "index.creation_date_string",
    "index.provided_name",
    "index.version.",
    "index.history.uuid",
    "index.soft_deletes.",
    "index.resize.",
    "index.shrink.",
    "index.routing.allocation.initial_recovery.",
    "index.blocks.",
    "index.verified_before_close",
    "index.frozen",
    "index.search.throttled",
    "index.store.snapshot.",
    "index.recovery.type",
    "index.lifecycle.indexing_complete",
    "index.xpack.ccr.following_index",
    "index.downsample.",
    "index.rollup.",
    "archived.",
];

fn copied(key: &str) -> bool {
    key != REPLICATION_TYPE && !NOT_COPIED.iter().any(|n| if n.ends_with('.') { key.starts_with(n) } else { key == *n })
}

/// The body that creates the re-indexed copy of an index: the source's mappings and its
/// settings but those in [`NOT_COPIED`], with soft deletes on and, where the source has the
/// vendor's `index.replication.type`, that setting explicitly null (those clusters give new
/// indices `physical` otherwise).
pub fn copy_body(source: &IndexDefinition) -> Value {
    let mut settings: serde_json::Map<String, Value> =
        source.settings.iter().filter(|(k, _)| copied(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    settings.insert("index.soft_deletes.enabled".into(), json!(true));
    if source.settings.contains_key(REPLICATION_TYPE) {
        settings.insert(REPLICATION_TYPE.into(), Value::Null);
    }
    json!({ "settings": settings, "mappings": source.mappings })
}

/// How many copy bodies a page reads from the leader for "Show request" (one request each).
pub const SHOWN_COPIES: usize = 20;

/// For "Show request": the body that would create the re-indexed copy of each index not yet
/// prepared (at most [`SHOWN_COPIES`]), read from the leader now.
pub async fn copy_bodies(leader: &EsClient, plan: &MigrationPlan) -> BTreeMap<String, Value> {
    let mut bodies = BTreeMap::new();
    let pending = plan.indices.iter().filter(|i| !i.outcomes.get(&StepName::Prepare).is_some_and(|o| o.ok));
    for index in pending.take(SHOWN_COPIES) {
        if let Ok(Some(definition)) = leader.index_definition(&index.source_index).await {
            bodies.insert(index.leader_index.clone(), copy_body(&definition));
        }
    }
    bodies
}
