//! "Show request" for every step: the exact requests a step sends, in Console syntax and as
//! curl, on the cluster each goes to. Without the leader's endpoint the leader's requests are
//! the ones to run by hand (curl then names `$LEADER_URL`).

use serde_json::{Value, json};

use crate::ccr::migrations::aliases::add_body;
use crate::ccr::migrations::plan::{MigrationPlan, StepName};
use crate::ccr::migrations::recipe::{MARKER_ID, REPLICATION_TYPE, reindexed_name};
use crate::web::filters::encode_segment;

/// Which cluster a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Leader,
    Local,
}

impl Side {
    pub fn key(self) -> &'static str {
        match self {
            Side::Leader => "migration-side-leader",
            Side::Local => "migration-side-local",
        }
    }
}

/// One request, ready to copy.
#[derive(Debug, Clone)]
pub struct ShownRequest {
    pub side: Side,
    /// A catalog key saying when it is sent (empty: always).
    pub when_key: &'static str,
    pub console: String,
    pub curl: String,
}

fn request(
    side: Side,
    when_key: &'static str,
    base: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> ShownRequest {
    let console = match &body {
        Some(body) => format!("{method} {path}\n{}", serde_json::to_string_pretty(body).unwrap_or_default()),
        None => format!("{method} {path}"),
    };
    let compact = body.as_ref().map(Value::to_string);
    let curl = crate::web::curl::curl_line(method, base, path, compact.as_deref());
    ShownRequest { side, when_key, console, curl }
}

/// Where the requests go: the leader's endpoint (`None` when the panel does not know it), this
/// cluster's, the remote `connect` would write, and the seeds it would give it (read from the
/// leader's nodes; empty when unknown).
pub struct Targets<'a> {
    pub leader_url: Option<&'a str>,
    pub local_url: &'a str,
    pub alias: &'a str,
    pub seeds: &'a [String],
    /// Per leader index, the body that creates its re-indexed copy (read from the leader;
    /// missing when unknown: the page then says what to put in it).
    pub copies: &'a std::collections::BTreeMap<String, Value>,
}

/// The copy's body when the leader cannot be asked: what to fill in by hand.
fn copy_placeholder(source: &str) -> Value {
    json!({
        "settings": {
            "index.soft_deletes.enabled": true,
            "…": format!("the settings of GET {source}?flat_settings=true, without index.uuid, index.creation_date, index.provided_name, index.version.*, index.soft_deletes.*, index.blocks.*")
        },
        "mappings": format!("the mappings of GET {source}")
    })
}

/// The requests `step` sends for `plan`.
pub fn for_step(step: StepName, plan: &MigrationPlan, targets: &Targets<'_>) -> Vec<ShownRequest> {
    let (leader_url, local_url, alias) = (targets.leader_url, targets.local_url, targets.alias);
    let leader = leader_url.unwrap_or("$LEADER_URL");
    let remote = plan.remote_cluster.as_deref().unwrap_or(alias);
    let mut out = Vec::new();
    for index in &plan.indices {
        let source = encode_segment(&index.source_index);
        let follower = encode_segment(&index.follower_index);
        match step {
            StepName::Prepare => {
                out.push(request(Side::Leader, "", leader, "GET", &format!("{source}/_settings"), None));
                let copy = reindexed_name(&index.leader_index);
                out.push(request(
                    Side::Leader,
                    "migration-when-soft-deletes-off",
                    leader,
                    "GET",
                    &format!("{source}?flat_settings=true"),
                    None,
                ));
                let body =
                    targets.copies.get(&index.leader_index).cloned().unwrap_or_else(|| copy_placeholder(&source));
                out.push(request(
                    Side::Leader,
                    "migration-when-soft-deletes-off",
                    leader,
                    "PUT",
                    &encode_segment(&copy),
                    Some(body),
                ));
                out.push(request(
                    Side::Leader,
                    "migration-when-soft-deletes-off",
                    leader,
                    "POST",
                    "_reindex?wait_for_completion=false",
                    Some(json!({"source": {"index": index.source_index}, "dest": {"index": copy}})),
                ));
                out.push(request(
                    Side::Leader,
                    "migration-when-replication-type",
                    leader,
                    "POST",
                    &format!("{source}/_close"),
                    None,
                ));
                out.push(request(
                    Side::Leader,
                    "migration-when-replication-type",
                    leader,
                    "PUT",
                    &format!("{source}/_settings"),
                    Some(json!({ REPLICATION_TYPE: null })),
                ));
                out.push(request(
                    Side::Leader,
                    "migration-when-replication-type",
                    leader,
                    "POST",
                    &format!("{source}/_open"),
                    None,
                ));
            }
            StepName::Follow => out.push(request(
                Side::Local,
                "",
                local_url,
                "PUT",
                &format!("{follower}/_ccr/follow?wait_for_active_shards=1"),
                Some(json!({"remote_cluster": remote, "leader_index": index.source_index})),
            )),
            StepName::Verify => {
                out.push(request(Side::Leader, "", leader, "GET", &format!("{source}/_count"), None));
                out.push(request(Side::Local, "", local_url, "GET", &format!("{follower}/_count"), None));
                let marker = format!("{source}/_doc/{MARKER_ID}");
                out.push(request(Side::Leader, "", leader, "PUT", &marker, Some(json!({"ccr_panel_verify": true}))));
                out.push(request(Side::Local, "", local_url, "GET", &format!("{follower}/_doc/{MARKER_ID}"), None));
                out.push(request(Side::Leader, "", leader, "DELETE", &marker, None));
                out.push(request(Side::Local, "", local_url, "GET", &format!("{follower}/_search?size=1"), None));
            }
            StepName::Cutover => {
                for action in ["_ccr/pause_follow", "_close", "_ccr/unfollow", "_open"] {
                    out.push(request(Side::Local, "", local_url, "POST", &format!("{follower}/{action}"), None));
                }
                // The alias a person would most often add: the leader index's own name.
                let alias = if index.leader_index != index.follower_index { &index.leader_index } else { "<alias>" };
                out.push(request(
                    Side::Local,
                    "migration-when-aliases",
                    local_url,
                    "POST",
                    "_aliases",
                    Some(add_body(&index.follower_index, &[alias.to_owned()])),
                ));
            }
            StepName::Connect => {}
        }
    }
    if step == StepName::Connect {
        let seeds: Vec<&str> = if targets.seeds.is_empty() {
            vec!["<transport publish address>"]
        } else {
            targets.seeds.iter().map(String::as_str).collect()
        };
        out.push(request(Side::Leader, "", leader, "GET", "_nodes/transport", None));
        out.push(request(
            Side::Local,
            "",
            local_url,
            "PUT",
            "_cluster/settings",
            Some(json!({"persistent": {format!("cluster.remote.{remote}.seeds"): seeds}})),
        ));
    }
    out
}
