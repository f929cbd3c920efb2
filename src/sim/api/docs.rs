//! Document APIs: index, get, `_count` and a small `_search` (`match_all`, `term`, `match`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::{ClusterState, Doc, Index, IndexState};
use super::Request;
use super::expressions::expand_expression;
use super::indices::create_index;
use crate::es::Version;

/// 6.x and 7.x still print the mapping type `_doc` in document responses.
pub(super) fn with_type(version: Version, mut body: Value) -> Value {
    if version.major < 8 {
        body["_type"] = json!("_doc");
    }
    body
}

/// A 20-character id in the style of Elasticsearch's generated ids.
pub(super) fn generated_id() -> String {
    let mut id = super::super::state::es_uuid();
    id.truncate(20);
    id
}

/// The index a write goes to, created on first use when `auto_create`; Elasticsearch's
/// refusal when it is closed or a follower (which only takes replicated operations).
pub(super) fn writable<'a>(state: &'a mut ClusterState, name: &str, auto_create: bool) -> SimResult<&'a mut Index> {
    // An alias stands for its write index.
    let name = &super::aliases::write_target(state, name)?;
    if auto_create && !state.indices.contains_key(name) {
        create_index(state, name, &BTreeMap::new())?;
    }
    let index = state.index_mut(name)?;
    if index.state == IndexState::Closed {
        return Err(EsException::index_closed(name, &index.uuid));
    }
    if let Some(block) = write_block(index) {
        return Err(EsException::new(403, "cluster_block_exception", format!("index [{name}] blocked by: [{block}];")));
    }
    if index.follower.is_some() {
        return Err(EsException::new(
            403,
            "status_exception",
            "a following engine does not accept operations without an assigned sequence number",
        ));
    }
    Ok(index)
}

/// The block that refuses writes to an index, as Elasticsearch names it (`ClusterBlock`).
pub(super) fn write_block(index: &Index) -> Option<&'static str> {
    let on = |key: &str| index.settings.get(key).is_some_and(|v| v == "true");
    if on("index.blocks.read_only") {
        Some("FORBIDDEN/5/index read-only (api)")
    } else if on("index.blocks.write") {
        Some("FORBIDDEN/8/index write (api)")
    } else {
        None
    }
}

/// The body Elasticsearch answers for a document write (index, create, update, delete).
pub(super) fn write_body(
    version: Version,
    name: &str,
    id: &str,
    doc_version: u64,
    result: &str,
    seq_no: i64,
    copies: u32,
) -> Value {
    with_type(
        version,
        json!({
            "_index": name,
            "_id": id,
            "_version": doc_version,
            "result": result,
            "_shards": {"total": copies, "successful": 1, "failed": 0},
            "_seq_no": seq_no,
            "_primary_term": 1,
        }),
    )
}

pub fn index(sim: &Sim, request: &Request) -> SimResult {
    let source = request.json_body()?;
    if !source.is_object() {
        return Err(EsException::parse("request body must be a JSON object"));
    }
    let mut state = sim.state();
    let version = state.version();
    // Answers name the index written to, not the alias.
    let name = super::aliases::write_target(&state, request.param(0).unwrap_or_default())?;
    let index = writable(&mut state, &name, true)?;
    let id = request.param(1).map(str::to_owned).unwrap_or_else(generated_id);
    let existed = index.docs.contains_key(&id);
    check_concurrency(request, index, &name, &id)?;
    let (_, seq_no, version_no) = index.write(&id, source);
    let (status, result) = if existed { (200, "updated") } else { (201, "created") };
    let body = write_body(version, &name, &id, version_no, result, seq_no, 1 + index.replicas());
    let mut reply = Reply::with_status(status, body);
    if status == 201 {
        reply.headers.push(("location", format!("/{name}/_doc/{id}")));
    }
    Ok(reply)
}

/// Optimistic concurrency, as Elasticsearch checks it: `op_type=create` (or `PUT .../_create`)
/// refuses an existing document; `if_seq_no` with `if_primary_term` refuses a write when the
/// document changed since it was read (or does not exist). Both answer 409.
fn check_concurrency(request: &Request, index: &Index, name: &str, id: &str) -> Result<(), EsException> {
    let conflict = |reason: String| {
        EsException::new(409, "version_conflict_engine_exception", reason)
            .with("index_uuid", index.uuid.clone())
            .with("shard", index.shard_of(id).to_string())
            .with("index", name.to_owned())
    };
    let current = index.docs.get(id);
    if request.query("op_type") == Some("create")
        && let Some(doc) = current
    {
        return Err(conflict(format!(
            "[{id}]: version conflict, document already exists (current version [{}])",
            doc.version
        )));
    }
    let (Some(if_seq_no), Some(if_term)) = (request.query("if_seq_no"), request.query("if_primary_term")) else {
        if request.query("if_seq_no").is_some() || request.query("if_primary_term").is_some() {
            return Err(EsException::new(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: ifSeqNo is set, but primary term is [0];",
            ));
        }
        return Ok(());
    };
    let (Ok(if_seq_no), Ok(if_term)) = (if_seq_no.parse::<i64>(), if_term.parse::<i64>()) else {
        return Err(EsException::illegal_argument("if_seq_no and if_primary_term must be numbers"));
    };
    match current {
        None => Err(conflict(format!(
            "[{id}]: version conflict, required seqNo [{if_seq_no}], primary term [{if_term}]. but no document was found"
        ))),
        Some(doc) if doc.seq_no != if_seq_no || if_term != 1 => Err(conflict(format!(
            "[{id}]: version conflict, required seqNo [{if_seq_no}], primary term [{if_term}]. current document has seqNo [{}] and primary term [1]",
            doc.seq_no
        ))),
        Some(_) => Ok(()),
    }
}

/// `DELETE /{index}/_doc/{id}`: `deleted`, or `not_found` with a 404 (the delete is still an
/// operation with its sequence number, as in Elasticsearch).
pub fn delete(sim: &Sim, request: &Request) -> SimResult {
    let name = request.param(0).unwrap_or_default().to_owned();
    let id = request.param(1).unwrap_or_default().to_owned();
    let mut state = sim.state();
    let version = state.version();
    let index = writable(&mut state, &name, false)?;
    let copies = 1 + index.replicas();
    let (status, result, seq_no, doc_version) = match index.delete(&id) {
        Some((_, seq_no, doc_version)) => (200, "deleted", seq_no, doc_version),
        None => {
            let (seq_no, doc_version) = index.delete_missing(&id);
            (404, "not_found", seq_no, doc_version)
        }
    };
    Ok(Reply::with_status(status, write_body(version, &name, &id, doc_version, result, seq_no, copies)))
}

pub fn get(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let name = request.param(0).unwrap_or_default();
    let id = request.param(1).unwrap_or_default();
    let index = state.index(name)?;
    if index.state == IndexState::Closed {
        return Err(EsException::index_closed(name, &index.uuid));
    }
    let body = match index.docs.get(id) {
        Some(doc) => json!({
            "_index": name, "_id": id, "_version": doc.version, "_seq_no": doc.seq_no,
            "_primary_term": 1, "found": true, "_source": doc.source,
        }),
        None => {
            return Ok(Reply::with_status(
                404,
                with_type(state.version(), json!({"_index": name, "_id": id, "found": false})),
            ));
        }
    };
    Ok(Reply::ok(with_type(state.version(), body)))
}

/// A query the simulator understands.
enum Query {
    All,
    Term { field: String, value: Value },
    Match { field: String, text: String },
}

impl Query {
    fn parse(body: Option<&Value>) -> SimResult<Query> {
        let Some(query) = body.and_then(|b| b.get("query")) else { return Ok(Query::All) };
        let Some((kind, inner)) = query.as_object().and_then(|o| o.iter().next()) else {
            return Err(EsException::parse("query malformed, empty clause found"));
        };
        let single = |inner: &Value| -> SimResult<(String, Value)> {
            inner
                .as_object()
                .and_then(|o| o.iter().next())
                .map(|(field, value)| (field.clone(), value.clone()))
                .ok_or_else(|| EsException::parse(format!("[{kind}] query malformed, no field specified")))
        };
        match kind.as_str() {
            "match_all" => Ok(Query::All),
            "term" => {
                let (field, value) = single(inner)?;
                let value = value.get("value").cloned().unwrap_or(value);
                Ok(Query::Term { field, value })
            }
            "match" => {
                let (field, value) = single(inner)?;
                let value = value.get("query").cloned().unwrap_or(value);
                let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
                Ok(Query::Match { field, text })
            }
            other => Err(EsException::parse(format!("unknown query [{other}]"))
                .with("line", 1)
                .with("col", 12)
                .caused_by(EsException::new(
                    400,
                    "named_object_not_found_exception",
                    format!("[1:12] unknown field [{other}]"),
                ))),
        }
    }

    fn matches(&self, source: &Value) -> bool {
        let field_value = |field: &str| field.split('.').try_fold(source, |v, part| v.get(part));
        match self {
            Query::All => true,
            Query::Term { field, value } => match field_value(field) {
                Some(Value::Array(items)) => items.contains(value),
                Some(found) => found == value,
                None => false,
            },
            Query::Match { field, text } => {
                let wanted: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
                let Some(found) = field_value(field) else { return false };
                let found = found.as_str().map(str::to_owned).unwrap_or_else(|| found.to_string()).to_lowercase();
                let tokens: Vec<&str> = found.split(|c: char| !c.is_alphanumeric()).collect();
                wanted.iter().any(|w| tokens.contains(&w.as_str()))
            }
        }
    }
}

fn shards(count: usize) -> Value {
    json!({"total": count, "successful": count, "skipped": 0, "failed": 0})
}

/// A matching document: its index, id, and the document.
type Hit<'a> = (&'a str, &'a str, &'a Doc);

/// The documents a count or search runs over, in indexing order.
fn matching_docs<'a>(state: &'a ClusterState, request: &Request, query: &Query) -> SimResult<(usize, Vec<Hit<'a>>)> {
    let names = expand_expression(state, request.param(0).unwrap_or("_all"), false)?;
    for name in &names {
        let index = state.index(name)?;
        if index.state == IndexState::Closed {
            return Err(EsException::index_closed(name, &index.uuid));
        }
    }
    let mut docs: Vec<Hit<'_>> = Vec::new();
    let wanted: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    for (name, index) in state.indices.iter().filter(|(name, _)| wanted.contains(name.as_str())) {
        for (id, doc) in &index.docs {
            if query.matches(&doc.source) {
                docs.push((name.as_str(), id.as_str(), doc));
            }
        }
    }
    docs.sort_by_key(|(index, _, doc)| (*index, doc.seq_no));
    Ok((names.len(), docs))
}

pub fn count(sim: &Sim, request: &Request) -> SimResult {
    let body = request.optional_body()?;
    let query = Query::parse(body.as_ref())?;
    let state = sim.state();
    let (indices, docs) = matching_docs(&state, request, &query)?;
    Ok(Reply::ok(json!({"count": docs.len(), "_shards": shards(indices)})))
}

pub fn search(sim: &Sim, request: &Request) -> SimResult {
    let body = request.optional_body()?;
    let query = Query::parse(body.as_ref())?;
    let number = |key: &str, default: usize| -> SimResult<usize> {
        let from_body = body.as_ref().and_then(|b| b.get(key)).and_then(Value::as_u64).map(|n| n as usize);
        let from_query = request.query(key).and_then(|v| v.parse().ok());
        Ok(from_body.or(from_query).unwrap_or(default))
    };
    let (size, from) = (number("size", 10)?, number("from", 0)?);
    if size + from > 10_000 {
        return Err(EsException::illegal_argument(format!(
            "Result window is too large, from + size must be less than or equal to: [10000] but was [{}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.",
            size + from
        )));
    }
    let state = sim.state();
    let version = state.version();
    let (indices, docs) = matching_docs(&state, request, &query)?;
    let hits: Vec<Value> = docs
        .iter()
        .skip(from)
        .take(size)
        .map(|(index, id, doc)| {
            with_type(version, json!({"_index": index, "_id": id, "_score": 1.0, "_source": doc.source}))
        })
        .collect();
    let total = if version.major < 7 { json!(docs.len()) } else { json!({"value": docs.len(), "relation": "eq"}) };
    let max_score = if hits.is_empty() { Value::Null } else { json!(1.0) };
    Ok(Reply::ok(json!({
        "took": 1,
        "timed_out": false,
        "_shards": shards(indices),
        "hits": {"total": total, "max_score": max_score, "hits": hits},
    })))
}
