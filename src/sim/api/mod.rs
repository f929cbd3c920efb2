//! The simulated APIs, one module per area, and what a request hands them.

pub(super) mod aliases;
pub(super) mod allocation;
mod bulk;
pub(super) mod ccr;
mod cluster;
mod docs;
pub(super) mod expressions;
pub(super) mod follow;
pub(super) mod indices;
mod leader_checks;
mod lifecycle;
pub(super) mod mappings;
mod remote;
mod stats;
pub mod tasks;
mod templates;

use std::sync::Arc;

use axum::body::Bytes;
use serde_json::{Value, json};

use super::Sim;
use super::reply::{EsException, Reply, SimResult};
use super::router::Op;
use super::security::{self, Principal};

pub use expressions::{expand_expression, resolve_local};

/// The parts of a request an API reads: path parameters, query string, body.
pub struct Request {
    pub params: Vec<String>,
    pub query: Vec<(String, String)>,
    body: Bytes,
    /// The authenticated user, when security is on.
    pub principal: Option<Principal>,
}

impl Request {
    pub fn new(params: Vec<String>, query: &str, body: Bytes, principal: Option<Principal>) -> Request {
        let query = serde_urlencoded::from_str(query).unwrap_or_default();
        Request { params, query, body, principal }
    }

    /// The n-th `{placeholder}` of the path.
    pub fn param(&self, n: usize) -> Option<&str> {
        self.params.get(n).map(String::as_str)
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A boolean query flag: present without a value, or `true`.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.query(key), Some("" | "true"))
    }

    /// The JSON body, or Elasticsearch's error when it is missing or unreadable.
    pub fn json_body(&self) -> SimResult<Value> {
        if self.body.is_empty() {
            return Err(EsException::new(400, "parse_exception", "request body is required"));
        }
        self.parse_body()
    }

    /// The body as sent (NDJSON for `_bulk`).
    pub fn raw_body(&self) -> &[u8] {
        &self.body
    }

    /// The JSON body when there is one.
    pub fn optional_body(&self) -> SimResult<Option<Value>> {
        if self.body.is_empty() { Ok(None) } else { self.parse_body().map(Some) }
    }

    fn parse_body(&self) -> SimResult<Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let detail = e.to_string();
            EsException::new(400, "x_content_parse_exception", format!("[{}:{}] {detail}", e.line(), e.column()))
                .caused_by(EsException::new(400, "json_parse_exception", detail))
        })
    }
}

pub async fn dispatch(sim: &Arc<Sim>, op: Op, request: Request) -> SimResult {
    match op {
        Op::Root => cluster::root(sim),
        Op::License => cluster::license(sim),
        Op::StartTrial => cluster::start_trial(sim, &request),
        Op::XpackInfo => cluster::xpack_info(sim),
        Op::GetClusterSettings => cluster::get_settings(sim, &request),
        Op::PutClusterSettings => {
            let reply = cluster::put_settings(sim, &request)?;
            sim.reconcile_remotes();
            Ok(reply)
        }
        Op::Health => cluster::health(sim, &request),
        Op::ClusterStateMetrics => cluster::state_metrics(sim, &request),
        Op::NodesInfo => cluster::nodes_info(sim, &request),
        Op::CatNodes => cluster::cat_nodes(sim),
        Op::RemoteInfo => remote::remote_info(sim),
        Op::ResolveIndex => remote::resolve_index(sim, &request).await,
        Op::ResolveCluster => remote::resolve_cluster(sim, &request).await,
        Op::CatIndices => indices::cat_indices(sim, &request),
        Op::IndexExists => indices::exists(sim, &request),
        Op::CreateIndex => indices::create(sim, &request),
        Op::DeleteIndex => indices::delete(sim, &request),
        Op::OpenIndex => indices::open(sim, &request),
        Op::CloseIndex => indices::close(sim, &request),
        Op::GetIndexSettings => indices::get_settings(sim, &request),
        Op::GetIndex => mappings::get_index(sim, &request),
        Op::GetMapping => mappings::get_mapping(sim, &request),
        Op::UpdateAliases => aliases::update_aliases(sim, &request),
        Op::GetAlias => aliases::get_alias(sim, &request, false),
        Op::GetAliasByName => aliases::get_alias(sim, &request, true),
        Op::PutIndexSettings => indices::put_settings(sim, &request),
        Op::IndexDoc => docs::index(sim, &request),
        Op::GetDoc => docs::get(sim, &request),
        Op::DeleteDoc => docs::delete(sim, &request),
        Op::Bulk => bulk::bulk(sim, &request),
        Op::IndexStats => stats::index_stats(sim, &request),
        Op::ForgetFollower => stats::forget_follower(sim, &request),
        Op::Count => docs::count(sim, &request),
        Op::Search => docs::search(sim, &request),
        Op::FollowInfo => follow::follow_info(sim, &request),
        Op::CcrStats => follow::ccr_stats(sim),
        Op::Follow => follow::put_follow(sim, &request).await,
        Op::PauseFollow => follow::pause_follow(sim, &request),
        Op::ResumeFollow => follow::resume_follow(sim, &request).await,
        Op::Unfollow => follow::unfollow(sim, &request).await,
        Op::FollowStats => follow::follow_stats(sim, &request),
        Op::GetAutoFollow => ccr::get_auto_follow(sim, &request),
        Op::PutAutoFollow => ccr::put_auto_follow(sim, &request).await,
        Op::DeleteAutoFollow => ccr::delete_auto_follow(sim, &request),
        Op::PauseAutoFollow => ccr::set_auto_follow_active(sim, &request, false),
        Op::ResumeAutoFollow => ccr::set_auto_follow_active(sim, &request, true),
        Op::Reindex => tasks::reindex(sim, &request),
        Op::GetTask => tasks::get_task(sim, &request),
        Op::IlmExplain => lifecycle::explain(sim, &request),
        Op::AllocationExplain => allocation::explain(sim, &request),
        Op::Reroute => allocation::reroute(sim, &request),
        Op::GetIlmPolicy => templates::get_policies(sim, &request),
        Op::PutIlmPolicy => templates::put_policy(sim, &request),
        Op::GetIndexTemplate => templates::get_templates(sim, &request),
        Op::PutIndexTemplate => templates::put_template(sim, &request),
        Op::Authenticate => match &request.principal {
            Some(principal) => Ok(Reply::ok(security::authenticate_body(principal))),
            None => Ok(security_off(sim, "GET", "/_security/_authenticate")),
        },
        Op::HasPrivileges => match &request.principal {
            Some(principal) => Ok(Reply::ok(security::has_privileges_body(principal, &request.json_body()?))),
            None => Ok(security_off(sim, "POST", "/_security/user/_has_privileges")),
        },
    }
}

/// Whether a read walks every index or follower of the cluster: one of these reads, on every
/// index (none named, `_all` or a wildcard). Each is a synchronous arm of [`dispatch`] (none
/// waits), so the simulator may answer it off its async workers (`off_the_workers`); a read
/// added here must not wait either. Reads of a few named indices, and the health (a count
/// over the indices, a millisecond at 10,000), stay on the workers, which is cheaper.
pub fn walks_every_index(op: Op, index: Option<&str>) -> bool {
    let reads = matches!(
        op,
        Op::FollowInfo
            | Op::CcrStats
            | Op::FollowStats
            | Op::IndexStats
            | Op::CatIndices
            | Op::Count
            | Op::Search
            | Op::GetIndexSettings
            | Op::GetIndex
            | Op::GetMapping
            | Op::IlmExplain
    );
    reads && index.is_none_or(|expression| expression.split(',').any(|part| part == "_all" || part.contains('*')))
}

/// What a security API answers on a cluster without security. From 8.0 security is on unless
/// `xpack.security.enabled: false`, and then its REST handlers are not registered at all
/// (400 `no handler found`); before 8.0 a basic or trial licence left security off by default
/// with the handlers in place, answering `SecurityBaseRestHandler`'s 500.
fn security_off(sim: &Sim, method: &str, path: &str) -> Reply {
    let state = sim.state();
    if state.version().major >= 8 {
        return Reply::with_status(
            400,
            json!({"error": format!("no handler found for uri [{path}] and method [{method}]")}),
        );
    }
    let reason = format!(
        "Security must be explicitly enabled when using a [{}] license. Enable security by setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.",
        state.license_type.as_str()
    );
    EsException::new(500, "exception", reason).into_reply()
}

/// Whether the version a handshake announces can talk to `local` (an unannounced one can).
fn handshake_compatible(local: crate::es::Version, request: &Value) -> bool {
    let theirs = request["version"].as_str().and_then(|v| v.parse::<crate::es::Version>().ok());
    theirs.is_none_or(|theirs| super::remote::wire_compatible(local, theirs))
}

/// Answers a transport frame: the handshake, pings, and actions run on behalf of a remote
/// cluster's users (`resolve_index` for `_resolve/index/remote:pattern`, `resolve_cluster` for
/// `_resolve/cluster`).
pub fn transport_answer(sim: &Sim, request: &Value) -> Value {
    // What a follower asks of its leader (reads, retention leases) changes no cluster state.
    let mut state = sim.state().outside_cluster_state();
    match request.get("action").and_then(Value::as_str) {
        Some("handshake") if !handshake_compatible(state.version(), request) => {
            // `TransportHandshaker`'s refusal, from the side that received the handshake.
            json!({"error": format!(
                "Received message from unsupported version: [{}] minimal compatible version is: [{}]",
                request["version"].as_str().unwrap_or_default(),
                super::remote::minimum_wire_compatible(state.version())
            )})
        }
        Some("handshake") => json!({
            "cluster_name": state.config.cluster_name,
            "cluster_uuid": state.cluster_uuid,
            "version": state.version().to_string(),
            "license": state.license_type.as_str(),
            "nodes": state.nodes().map(|node| json!({
                "id": node.id,
                "name": node.name,
                "transport_address": node.transport_address.to_string(),
                "roles": node.roles,
            })).collect::<Vec<_>>(),
        }),
        Some("ping") => json!({"ok": true}),
        Some("read_index") => super::leader::read_index(&state, request),
        Some("list_indices") => super::leader::list_indices(&state),
        Some("forget_lease") => {
            let lease = request["lease_id"].as_str().unwrap_or_default();
            let index = request["index"].as_str().and_then(|name| state.indices.get_mut(name));
            json!({"ok": index.map_or(0, |index| super::leader::forget(index, lease))})
        }
        Some("shard_changes") => super::leader::shard_changes(&mut state, request),
        Some("resolve_index") => {
            let expression = request.get("expression").and_then(Value::as_str).unwrap_or("*");
            match resolve_local(&state, expression) {
                Ok(resolved) => json!({"ok": resolved}),
                Err(e) => json!({"error": e.reason}),
            }
        }
        // What `_resolve/cluster` asks each remote: only whether an open index matches, or
        // which named index is missing (TransportResolveClusterAction's remote side), not the
        // list of every index.
        Some("resolve_cluster") => {
            let expression = request.get("expression").and_then(Value::as_str).unwrap_or("*");
            match expressions::missing_index(&state, expression) {
                Some(name) => json!({"ok": {"error": format!("no such index [{name}]")}}),
                None => json!({"ok": {"matching_indices": expressions::any_open_index(&state, expression)}}),
            }
        }
        other => json!({"error": format!("unknown action {other:?}")}),
    }
}
