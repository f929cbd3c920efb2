//! An in-memory stand-in for an Elasticsearch cluster, for `ccr-panel demo` and the tests.
//!
//! It serves the real REST contract (same paths, status codes, JSON shapes and error bodies),
//! keeps state (settings, indices, documents), and opens a transport port that other
//! simulators connect to as remote clusters. It is not Elasticsearch: it simulates what the
//! panel and its users observe: one elected master that holds the state (further nodes, if
//! configured, are more ports onto it), each index with the shards it was created with.
//!
//! It does not reuse the client's models (`crate::es`): two independent readings of the
//! Elasticsearch contract catch each other's mistakes, where shared structs would hide them.

mod api;
pub mod auto_follow;
pub mod fault;
pub mod filter_path;
pub mod follower;
mod held_state;
pub mod leader;
pub mod remote;
pub mod reply;
pub mod router;
pub mod security;
mod server;
pub mod settings;
pub mod state;
pub mod transport;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use serde_json::Value;

pub use api::indices::validate_index_name;
pub use fault::{Fault, FaultKind};
pub use held_state::HeldState;
use remote::{RemoteConfig, RemoteConnection};
use reply::Reply;
pub use server::SimServer;
use state::ClusterState;
pub use state::{LicenseKind, SimConfig};

/// One request as the simulator saw it, for tests that assert what the panel sent.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Option<Value>,
}

/// A simulated cluster: its state and what it has been asked.
#[derive(Debug)]
pub struct Sim {
    state: Mutex<ClusterState>,
    requests: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<Vec<Fault>>,
}

impl Sim {
    /// The state, held until dropped: a write through it makes a new cluster state version
    /// (see [`HeldState`]).
    pub fn state(&self) -> HeldState<'_> {
        HeldState::new(self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// A new cluster state with nothing the simulator models changed, as a change it does not
    /// model would make one (a mapping updated, a pipeline stored).
    pub fn publish_new_cluster_state(&self) {
        let _ = &mut *self.state();
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Forgets the recorded requests (a test's "from now on").
    pub fn clear_requests(&self) {
        self.requests.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Starts, restarts or stops remote connection tasks to match the settings.
    fn reconcile_remotes(self: &Arc<Self>) {
        let mut state = self.state().outside_cluster_state();
        let mut effective = state.config.node_settings.clone();
        effective.extend(state.persistent.clone());
        effective.extend(state.transient.clone());
        let skip_default = state.version() >= crate::es::Version::new(8, 15, 0);
        let wanted = remote::configured_remotes(&effective, skip_default, state.version());
        state.remotes.retain(|alias, conn| wanted.iter().any(|(a, c)| a == alias && *c == conn.config));
        for (alias, config) in wanted {
            if let std::collections::btree_map::Entry::Vacant(slot) = state.remotes.entry(alias) {
                let conn = RemoteConnection::start(self, slot.key(), config);
                slot.insert(conn);
            }
        }
    }

    /// Applies a connection task's news, unless the remote was reconfigured meanwhile.
    fn update_remote(&self, alias: &str, config: &RemoteConfig, change: impl FnOnce(&mut RemoteConnection)) {
        let mut state = self.state().outside_cluster_state();
        if let Some(conn) = state.remotes.get_mut(alias).filter(|c| c.config == *config) {
            change(conn);
        }
    }

    /// Makes matching requests fail, hang or answer garbage (see [`fault`]).
    pub fn inject_fault(&self, fault: Fault) {
        self.faults.lock().unwrap_or_else(|p| p.into_inner()).push(fault);
    }

    pub fn clear_faults(&self) {
        self.faults.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Changes the licence, as a licence update or an expiry would.
    pub fn set_license(&self, kind: LicenseKind) {
        let mut state = self.state();
        state.license_type = kind;
        state.license_expiry_millis = None;
    }

    /// Makes the licence end `hours` from now (negative: it has expired).
    pub fn set_license_expiry_in_hours(&self, hours: f64) {
        self.state().license_expiry_millis = Some(state::now_millis() + (hours * 3_600_000.0) as i64);
    }

    /// Leaves a primary of an index unassigned after failed allocation attempts, until
    /// `POST _cluster/reroute?retry_failed=true` (the doctor's D14 fault).
    pub fn fail_allocation(&self, index: &str, shard: usize) -> Result<(), String> {
        api::allocation::fail_primary(&mut self.state(), index, shard).map_err(|e| e.reason.to_string())
    }

    /// The simulator's own control endpoints, under `/_sim/`.
    fn control(&self, method: &Method, path: &str, body: &Bytes) -> Reply {
        match (method.as_str(), path) {
            ("POST", "/_sim/faults") => match serde_json::from_slice::<Fault>(body) {
                Ok(fault) => {
                    self.inject_fault(fault);
                    Reply::acknowledged()
                }
                Err(e) => reply::EsException::bad_json(&e.to_string()).into_reply(),
            },
            // `{"index": "logs-copy", "shard": 0}`: that primary fails allocation past its retries.
            ("POST", "/_sim/allocation_failure") => {
                let body = serde_json::from_slice::<Value>(body).unwrap_or_default();
                let shard = body["shard"].as_u64().unwrap_or(0) as usize;
                match self.fail_allocation(body["index"].as_str().unwrap_or_default(), shard) {
                    Ok(()) => Reply::acknowledged(),
                    Err(reason) => reply::EsException::bad_json(&reason).into_reply(),
                }
            }
            ("DELETE", "/_sim/faults") => {
                self.clear_faults();
                Reply::acknowledged()
            }
            // Switches the licence at once (an expired trial falling back to basic, say), and
            // with `expires_in_hours` sets when it ends (negative: expired already).
            ("PUT", "/_sim/license") => {
                let body = serde_json::from_slice::<Value>(body).unwrap_or_default();
                let kind = match body["type"].as_str() {
                    Some("basic") => Some(LicenseKind::Basic),
                    Some("trial") => Some(LicenseKind::Trial),
                    Some("platinum") => Some(LicenseKind::Platinum),
                    _ => None,
                };
                match kind {
                    Some(kind) => {
                        self.set_license(kind);
                        if let Some(hours) = body["expires_in_hours"].as_f64() {
                            self.set_license_expiry_in_hours(hours);
                        }
                        Reply::acknowledged()
                    }
                    None => reply::EsException::bad_json("expected {\"type\": \"basic\"|\"trial\"|\"platinum\"}")
                        .into_reply(),
                }
            }
            _ => Reply::with_status(
                404,
                serde_json::json!({"error": format!("unknown control endpoint {method} {path}")}),
            ),
        }
    }

    /// Answers one request: faults, routing, security, then the API.
    pub async fn handle(self: &Arc<Self>, method: Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Reply {
        if uri.path().starts_with("/_sim/") {
            // With security on, only a superuser may flip the fault switch.
            let security = self.state().config.security.clone();
            if let Some(security) = security {
                match security::authenticate(&security, headers, uri.path()) {
                    Ok(principal) if principal.roles.iter().any(|r| r == "superuser") => {}
                    Ok(_) => {
                        return reply::EsException::new(
                            403,
                            "security_exception",
                            "the fault switch needs the superuser role",
                        )
                        .into_reply();
                    }
                    Err(refusal) => return refusal.into_reply(),
                }
            }
            return self.control(&method, uri.path(), &body);
        }
        let fault =
            fault::take(&mut self.faults.lock().unwrap_or_else(|p| p.into_inner()), method.as_str(), uri.path());
        if let Some(fault) = &fault {
            match &fault.kind {
                FaultKind::Status { status, body } => return Reply::with_status(*status, body.clone()),
                FaultKind::Garbage => {
                    let mut reply = Reply::empty(200);
                    reply.raw = Some(("text/plain", "\u{1}garbage{{{ not json".into()));
                    return reply;
                }
                FaultKind::Html => {
                    let mut reply = Reply::empty(200);
                    reply.raw = Some(("text/html", "<!doctype html><title>Welcome to nginx!</title>".into()));
                    return reply;
                }
                FaultKind::Hang { .. } => {}
            }
        }
        if let Some(delay) = fault.as_ref().and_then(Fault::hang) {
            tokio::time::sleep(delay).await;
        }
        let query = uri.query().unwrap_or_default().to_owned();
        let body_json = if body.is_empty() { None } else { recorded_body(&body) };
        self.requests.lock().unwrap_or_else(|p| p.into_inner()).push(RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: query.clone(),
            body: body_json,
        });
        let raw_uri = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let segments = router::segments(uri.path());
        let version = self.state().version();
        match router::find(version, &method, raw_uri, &segments) {
            Ok(matched) => {
                if let Some(refusal) = router::unrecognized_parameter(matched.op, version, uri.path(), &query) {
                    return refusal;
                }
                let security = self.state().config.security.clone();
                let principal = match (&security, matched.op) {
                    (None, router::Op::Authenticate | router::Op::HasPrivileges) => {
                        // With security disabled, the security APIs do not exist.
                        let reason = format!("no handler found for uri [{raw_uri}] and method [{method}]");
                        return Reply::with_status(400, serde_json::json!({ "error": reason }));
                    }
                    (None, _) => None,
                    (Some(security), op) => {
                        let checked = security::authenticate(security, headers, raw_uri).and_then(|principal| {
                            security::authorize(&principal, op, matched.params.first().map(String::as_str))
                                .map(|()| principal)
                        });
                        match checked {
                            Ok(principal) => Some(principal),
                            Err(exception) => return exception.into_reply(),
                        }
                    }
                };
                let walks_every_index = api::walks_every_index(matched.op, matched.params.first().map(String::as_str));
                let request = api::Request::new(matched.params, &query, body, principal);
                let filter = request.query("filter_path").map(str::to_owned);
                let op = matched.op;
                let answer = async move {
                    match api::dispatch(self, op, request).await {
                        Ok(mut reply) => {
                            if let Some(filter) = filter {
                                reply.body = reply.body.map(|body| filter_path::apply(body, &filter));
                            }
                            reply
                        }
                        Err(exception) => exception.into_reply(),
                    }
                };
                if walks_every_index { off_the_workers(answer).await } else { answer.await }
            }
            Err(reply) => reply,
        }
    }

    /// Answers a transport frame from another simulator.
    fn transport_answer(&self, request: Value) -> Value {
        api::transport_answer(self, &request)
    }
}

/// A request body as tests read it: the JSON, or for NDJSON (`_bulk`) an array of its lines.
fn recorded_body(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok().or_else(|| {
        let text = std::str::from_utf8(body).ok()?;
        let lines: Option<Vec<Value>> =
            text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).ok()).collect();
        lines.map(Value::Array)
    })
}

/// Runs `answer`, one of the reads that walk every index (synchronous: it never waits), as a
/// blocking section where the runtime has threads to spare. Elasticsearch answers requests
/// side by side, each on a thread of its own; the simulator answers on its async workers, where
/// `_ccr/info` of 10,000 followers takes a worker for a tenth of a second, and the requests
/// that came in with it waited behind it (the task woken last on a worker is run by that worker
/// only), though the other core was free. In a blocking section the worker's other tasks go on
/// on another thread. Only for reads that do not wait: one that did would hold a thread the
/// whole time, and could no longer be dropped when its client hangs up.
async fn off_the_workers<F: Future>(answer: F) -> F::Output {
    let handle = tokio::runtime::Handle::current();
    match handle.runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(|| handle.block_on(answer)),
        // One thread (most tests): nothing else could run meanwhile anyway.
        _ => answer.await,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The task a read wakes (a request that came in with it) runs while the read still holds
    /// its thread: tokio runs a task woken on a worker on that worker only, and a read that
    /// walks 10,000 indices holds it for a tenth of a second.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_read_off_the_workers_lets_the_task_it_woke_run_meanwhile() {
        let (wake, woken) = tokio::sync::oneshot::channel::<()>();
        let (ran, ran_seen) = std::sync::mpsc::channel();
        tokio::spawn(async move {
            let _ = woken.await;
            let _ = ran.send(());
        });
        // Let the other task wait for its wake-up first.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let read = async move {
            let _ = wake.send(());
            // A read that never waits: the thread stays busy until it is done.
            ran_seen.recv_timeout(Duration::from_secs(2)).is_ok()
        };
        // On a worker, as the simulator answers requests (the test's own body is not on one).
        let answered = tokio::spawn(off_the_workers(read)).await.unwrap();
        assert!(answered, "the woken task waited for the read to end");
    }
}
