//! `_bulk`: NDJSON `index`, `create`, `update` and `delete` actions, each answered on its own
//! (`items`, with `errors` true when any failed), as Elasticsearch answers them. A failed item
//! carries the error Elasticsearch gives for the same single-document request.

use serde_json::{Map, Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::security::Principal;
use super::super::state::ClusterState;
use super::Request;
use super::docs::{generated_id, with_type, writable, write_body};

/// One action line and its document line.
struct Action {
    kind: String,
    index: String,
    id: Option<String>,
    doc: Option<Value>,
}

fn malformed(line: usize, found: &str) -> EsException {
    EsException::illegal_argument(format!(
        "Malformed action/metadata line [{line}], expected field [create], [delete], [index] or [update] but found [{found}]"
    ))
}

fn parse(request: &Request) -> SimResult<Vec<Action>> {
    let body = request.raw_body();
    if body.is_empty() {
        return Err(EsException::new(400, "parse_exception", "request body is required"));
    }
    if !body.ends_with(b"\n") {
        return Err(EsException::illegal_argument("The bulk request must be terminated by a newline [\\n]"));
    }
    let text = String::from_utf8_lossy(body);
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let mut actions = Vec::new();
    let default_index = request.param(0).map(str::to_owned);
    while let Some((n, line)) = lines.next() {
        let line_no = n + 1;
        let parsed: Value = serde_json::from_str(line).map_err(|e| {
            EsException::new(400, "x_content_parse_exception", format!("[{line_no}:{}] {e}", e.column()))
        })?;
        let Some((kind, meta)) = parsed.as_object().and_then(|o| o.iter().next()) else {
            return Err(malformed(line_no, "END_OBJECT"));
        };
        if !matches!(kind.as_str(), "index" | "create" | "update" | "delete") {
            return Err(malformed(line_no, kind));
        }
        let meta = meta.as_object().cloned().unwrap_or_default();
        let index = meta.get("_index").and_then(Value::as_str).map(str::to_owned).or_else(|| default_index.clone());
        let id = meta.get("_id").map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()));
        let doc = if kind == "delete" {
            None
        } else {
            let (m, doc_line) = lines.next().ok_or_else(|| {
                EsException::new(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;")
            })?;
            let doc: Value = serde_json::from_str(doc_line).map_err(|e| {
                EsException::new(400, "x_content_parse_exception", format!("[{}:{}] {e}", m + 1, e.column()))
            })?;
            Some(doc)
        };
        let Some(index) = index else {
            return Err(EsException::new(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: index is missing;",
            ));
        };
        actions.push(Action { kind: kind.clone(), index, id, doc });
    }
    if actions.is_empty() {
        return Err(EsException::new(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: no requests added;",
        ));
    }
    Ok(actions)
}

/// Merges `patch` into `target` the way a partial update does: objects recursively.
fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// The error of one item. Engine exceptions (a version conflict, a missing document) carry
/// the shard they happened on; others only their own metadata.
fn item_error(e: EsException, index: &str, shard: Option<(&str, usize)>) -> (u16, Value) {
    let mut error = Map::new();
    error.insert("type".into(), json!(e.error_type));
    error.insert("reason".into(), json!(e.reason));
    error.extend(e.extra);
    if let Some((uuid, shard)) = shard {
        error.insert("index_uuid".into(), json!(uuid));
        error.insert("shard".into(), json!(shard.to_string()));
        error.insert("index".into(), json!(index));
    }
    (e.status, Value::Object(error))
}

/// The index privileges that allow one bulk action.
fn granting(kind: &str) -> &'static [&'static str] {
    match kind {
        "create" => &["create_doc", "create", "index", "write"],
        "delete" => &["delete", "write"],
        _ => &["index", "write"],
    }
}

/// Runs one action: its status and its item body (without the action key).
fn run(state: &mut ClusterState, action: Action, principal: Option<&Principal>) -> Value {
    let version = state.version();
    let Action { kind, index: name, id, doc } = action;
    let id = id.unwrap_or_else(generated_id);
    let failed = |status: u16, error: Value| {
        with_type(version, json!({"_index": name, "_id": id, "status": status, "error": error}))
    };
    if let Some(user) = principal.filter(|p| !granting(&kind).iter().any(|g| p.has_index(&name, g))) {
        let reason = format!(
            "action [indices:data/write/bulk[s]] is unauthorized for user [{}] with effective roles [{}] on indices [{name}], this action is granted by the index privileges [create_doc,create,delete,index,write,all]",
            user.username,
            user.roles.join(",")
        );
        return failed(403, json!({"type": "security_exception", "reason": reason}));
    }
    let auto_create = kind != "delete";
    let index = match writable(state, &name, auto_create) {
        Ok(index) => index,
        Err(e) => {
            let (status, error) = item_error(e, &name, None);
            return failed(status, error);
        }
    };
    let (uuid, shard, copies) = (index.uuid.clone(), index.shard_of(&id), 1 + index.replicas());
    let conflict = |reason: String| {
        let e = EsException::new(409, "version_conflict_engine_exception", reason);
        let (status, error) = item_error(e, &name, Some((&uuid, shard)));
        failed(status, error)
    };
    let (status, result, seq_no, doc_version) = match kind.as_str() {
        "delete" => match index.delete(&id) {
            Some((_, seq_no, v)) => (200, "deleted", seq_no, v),
            None => {
                let (seq_no, v) = index.delete_missing(&id);
                (404, "not_found", seq_no, v)
            }
        },
        "create" if index.docs.contains_key(&id) => {
            let current = index.docs[&id].version;
            return conflict(format!(
                "[{id}]: version conflict, document already exists (current version [{current}])"
            ));
        }
        "index" | "create" => {
            let existed = index.docs.contains_key(&id);
            let (_, seq_no, v) = index.write(&id, doc.unwrap_or_default());
            if existed { (200, "updated", seq_no, v) } else { (201, "created", seq_no, v) }
        }
        _ => {
            let body = doc.unwrap_or_default();
            let partial = body.get("doc").cloned();
            let upsert = body
                .get("upsert")
                .cloned()
                .or_else(|| body.get("doc_as_upsert").and_then(Value::as_bool).filter(|b| *b).and(partial.clone()));
            match (index.docs.get(&id).cloned(), partial, upsert) {
                (Some(existing), Some(partial), _) => {
                    let mut source = existing.source.clone();
                    merge(&mut source, &partial);
                    if source == existing.source {
                        // Nothing changed: a noop, no new operation.
                        let mut item = write_body(version, &name, &id, existing.version, "noop", existing.seq_no, 0);
                        item["_shards"] = json!({"total": 0, "successful": 0, "failed": 0});
                        item["status"] = json!(200);
                        return item;
                    }
                    let (_, seq_no, v) = index.write(&id, source);
                    (200, "updated", seq_no, v)
                }
                (None, _, Some(upsert)) => {
                    let (_, seq_no, v) = index.write(&id, upsert);
                    (201, "created", seq_no, v)
                }
                (Some(_), None, _) => {
                    let e = EsException::new(
                        400,
                        "action_request_validation_exception",
                        "Validation Failed: 1: script or doc is missing;",
                    );
                    let (status, error) = item_error(e, &name, None);
                    return failed(status, error);
                }
                (None, _, None) => {
                    let reason = if version.major >= 8 {
                        format!("[{id}]: document missing")
                    } else {
                        format!("[_doc][{id}]: document missing")
                    };
                    let e = EsException::new(404, "document_missing_exception", reason);
                    let (status, error) = item_error(e, &name, Some((&uuid, shard)));
                    return failed(status, error);
                }
            }
        }
    };
    let mut item = write_body(version, &name, &id, doc_version, result, seq_no, copies);
    item["status"] = json!(status);
    item
}

pub fn bulk(sim: &Sim, request: &Request) -> SimResult {
    let actions = parse(request)?;
    let started = std::time::Instant::now();
    let mut state = sim.state();
    let items: Vec<Value> = actions
        .into_iter()
        .map(|action| {
            let kind = action.kind.clone();
            json!({ kind: run(&mut state, action, request.principal.as_ref()) })
        })
        .collect();
    let errors =
        items.iter().any(|i| i.as_object().and_then(|o| o.values().next()).is_some_and(|v| v.get("error").is_some()));
    Ok(Reply::ok(json!({"errors": errors, "took": started.elapsed().as_millis() as u64, "items": items})))
}
