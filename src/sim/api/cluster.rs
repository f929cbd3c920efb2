//! Cluster-level APIs: `GET /`, license, cluster settings, health and nodes.

use serde_json::{Value, json};

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::settings::{self, Scope};
use super::super::state::LicenseKind;
use super::Request;

/// Lucene and wire-compatibility versions that go with each simulated major version.
fn build_facts(major: u32) -> (&'static str, &'static str, &'static str) {
    match major {
        0..=6 => ("7.7.3", "5.6.0", "5.0.0"),
        7 => ("8.11.1", "6.8.0", "6.0.0-beta1"),
        8 => ("9.11.1", "7.17.0", "7.0.0"),
        _ => ("10.2.2", "8.18.0", "8.0.0"),
    }
}

pub fn root(sim: &Sim) -> SimResult {
    let state = sim.state();
    let (lucene, wire, index) = build_facts(state.version().major);
    Ok(Reply::ok(json!({
        "name": state.node.name,
        "cluster_name": state.config.cluster_name,
        "cluster_uuid": state.cluster_uuid,
        "version": {
            "number": state.version().to_string(),
            "build_flavor": "default",
            "build_type": "simulated",
            "build_hash": "0000000000000000000000000000000000000000",
            "build_date": "2026-01-01T00:00:00.000000000Z",
            "build_snapshot": false,
            "lucene_version": lucene,
            "minimum_wire_compatibility_version": wire,
            "minimum_index_compatibility_version": index,
        },
        "tagline": "You Know, for Search",
    })))
}

pub fn license(sim: &Sim) -> SimResult {
    let state = sim.state();
    const ISSUED: i64 = 1_767_225_600_000; // 2026-01-01
    let mut license = json!({
        "status": if state.license_active() { "active" } else { "expired" },
        "uid": state.license_uid,
        "type": state.license_type.as_str(),
        "issue_date": "2026-01-01T00:00:00.000Z",
        "issue_date_in_millis": ISSUED,
    });
    if let Some(expiry) = state.license_expiry() {
        license["expiry_date"] = json!(iso_date(expiry));
        license["expiry_date_in_millis"] = json!(expiry);
    }
    license["max_nodes"] = json!(1000);
    license["max_resource_units"] = Value::Null;
    license["issued_to"] = json!(state.config.cluster_name);
    license["issuer"] = json!("elasticsearch");
    license["start_date_in_millis"] = json!(-1);
    Ok(Reply::ok(json!({ "license": license })))
}

/// Milliseconds since the epoch as Elasticsearch prints dates (`2026-01-01T00:00:00.000Z`).
pub(super) fn iso_date(millis: i64) -> String {
    let (days, ms) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, sec, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{sec:02}.{milli:03}Z")
}

pub fn start_trial(sim: &Sim, request: &Request) -> SimResult {
    let mut state = sim.state();
    let acknowledged = request.flag("acknowledge");
    if state.trial_used {
        return Ok(Reply::with_status(
            403,
            json!({"acknowledged": acknowledged, "trial_was_started": false, "error_message": "Operation failed: Trial was already activated."}),
        ));
    }
    if !acknowledged {
        return Ok(Reply::ok(json!({
            "acknowledged": false,
            "trial_was_started": false,
            "error_message": "Operation failed: Needs acknowledgement.",
            "acknowledge": {
                "message": "This API initiates a free 30-day trial for all subscription features. By starting this trial, you agree that it is subject to the terms and conditions at https://www.elastic.co/legal/trial_license/. To begin your free trial, call /start_trial again and specify the \"acknowledge=true\" parameter."
            }
        })));
    }
    state.trial_used = true;
    state.license_type = LicenseKind::Trial;
    Ok(Reply::ok(json!({"acknowledged": true, "trial_was_started": true, "type": "trial"})))
}

pub fn xpack_info(sim: &Sim) -> SimResult {
    let state = sim.state();
    let ccr = state.ccr_allowed();
    let status = if state.license_active() { "active" } else { "expired" };
    Ok(Reply::ok(json!({
        "build": {"hash": "0000000", "date": "2026-01-01T00:00:00.000Z"},
        "license": {"uid": state.license_uid, "type": state.license_type.as_str(), "mode": state.license_type.as_str(), "status": status},
        "features": {
            "ccr": {"available": ccr, "enabled": true},
            "security": {"available": true, "enabled": false},
        },
        "tagline": "You know, for X",
    })))
}

pub fn get_settings(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let flat = request.flag("flat_settings");
    let mut body = json!({
        "persistent": settings::render(&state.persistent, flat),
        "transient": settings::render(&state.transient, flat),
    });
    if request.flag("include_defaults") {
        body["defaults"] = settings::render(&state.config.node_settings, flat);
    }
    Ok(Reply::ok(body))
}

pub fn put_settings(sim: &Sim, request: &Request) -> SimResult {
    let body = request.json_body()?;
    let mut state = sim.state();
    let version = state.version();
    let (mut persistent, mut transient) = (state.persistent.clone(), state.transient.clone());
    let empty = json!({});
    // Elasticsearch applies transient before persistent, so a bad transient key is reported first.
    let transient_echo =
        settings::apply(Scope::Transient, body.get("transient").unwrap_or(&empty), &mut transient, version)?;
    let persistent_echo =
        settings::apply(Scope::Persistent, body.get("persistent").unwrap_or(&empty), &mut persistent, version)?;
    let mut effective = state.config.node_settings.clone();
    effective.extend(persistent.clone());
    effective.extend(transient.clone());
    settings::validate_remotes(&effective, version)?;
    state.persistent = persistent;
    state.transient = transient;
    let flat = request.flag("flat_settings");
    Ok(Reply::ok(json!({
        "acknowledged": true,
        "persistent": settings::render(&persistent_echo, flat),
        "transient": settings::render(&transient_echo, flat),
    })))
}

/// `GET /_cluster/state/{metric}` for the metrics the simulator keeps: `version` (the
/// `version` and `state_uuid` of the cluster state, new with every change to it) and
/// `master_node`. Like Elasticsearch it ignores metrics it does not know; one it knows but does
/// not simulate (`metadata`, `nodes`, ...) is refused rather than left out of the answer.
pub fn state_metrics(sim: &Sim, request: &Request) -> SimResult {
    const SIMULATED: [&str; 2] = ["version", "master_node"];
    const NOT_SIMULATED: [&str; 7] =
        ["_all", "blocks", "customs", "metadata", "nodes", "routing_table", "routing_nodes"];
    let metrics: Vec<&str> = request.param(0).unwrap_or("_all").split(',').collect();
    if let Some(metric) = metrics.iter().find(|m| NOT_SIMULATED.contains(m)) {
        return Err(EsException::new(
            501,
            "simulator_exception",
            format!("the simulator does not keep the cluster state metric [{metric}]"),
        ));
    }
    let state = sim.state();
    let mut answer = json!({"cluster_name": state.config.cluster_name, "cluster_uuid": state.cluster_uuid});
    if metrics.contains(&SIMULATED[0]) {
        answer["version"] = json!(state.state_version);
        answer["state_uuid"] = json!(state.state_uuid);
    }
    if metrics.contains(&SIMULATED[1]) {
        answer["master_node"] = json!(state.node.id);
    }
    Ok(Reply::ok(answer))
}

pub fn health(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    let names = request.param(0).map(|expression| super::expand_expression(&state, expression, true)).transpose()?;
    // Every page's header asks the whole cluster's health: walked in place, no name copied.
    let indices: Vec<_> = match &names {
        Some(names) => names.iter().filter_map(|n| state.indices.get(n).map(|i| (n, i))).collect(),
        None => state.indices.iter().collect(),
    };
    let failed: u32 = indices.iter().map(|(_, i)| i.failed_primaries.len() as u32).sum();
    let primaries: u32 = indices.iter().map(|(_, i)| i.shards()).sum::<u32>() - failed;
    let unassigned: u32 = indices.iter().map(|(_, i)| i.shards() * i.replicas()).sum::<u32>() + failed;
    let status = if failed > 0 {
        "red"
    } else if unassigned > 0 {
        "yellow"
    } else {
        "green"
    };
    let total = primaries + unassigned;
    let percent = if total == 0 { 100.0 } else { f64::from(primaries) * 100.0 / f64::from(total) };
    let mut body = json!({
        "cluster_name": state.config.cluster_name,
        "status": status,
        "timed_out": false,
        "number_of_nodes": state.nodes().count(),
        "number_of_data_nodes": state.nodes().filter(|n| n.roles.iter().any(|r| r.starts_with("data"))).count(),
        "active_primary_shards": primaries,
        "active_shards": primaries,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": unassigned,
        "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": 0,
        "number_of_in_flight_fetch": 0,
        "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": percent,
    });
    // `level=indices` (and `shards`) add one entry per index (`ClusterIndexHealth`).
    if matches!(request.query("level"), Some("indices" | "shards")) {
        let per_index: serde_json::Map<String, Value> =
            indices.iter().map(|(n, i)| ((*n).clone(), super::allocation::index_health(i))).collect();
        body["indices"] = Value::Object(per_index);
    }
    Ok(Reply::ok(body))
}

/// The sections `_nodes/{metric}` can ask for; any other value names nodes.
const NODE_METRICS: &[&str] = &[
    "settings",
    "os",
    "process",
    "jvm",
    "thread_pool",
    "transport",
    "http",
    "plugins",
    "ingest",
    "aggregations",
    "indices",
    "_all",
    "_none",
];

/// Whether a node filter (`_local`, `_master`, `*`, an id, a name, `role:true`,
/// comma-separated) selects a node; the master is the node that answers (`_local`).
fn selects(filter: &str, node: &super::super::state::Node, master: bool) -> bool {
    filter.split(',').any(|f| {
        matches!(f, "_all" | "*")
            || (master && matches!(f, "_local" | "_master"))
            || f == node.id
            || super::expressions::glob(f, &node.name)
            || (f.ends_with(":true") && node.roles.iter().any(|r| format!("{r}:true") == f))
    })
}

pub fn nodes_info(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    // `/_nodes/{x}`: a metric list when every part is a metric, else a node filter.
    let (filter, metrics) = match (request.param(0), request.param(1)) {
        (Some(nodes), Some(metrics)) => (nodes, metrics),
        (Some(one), None) if one.split(',').all(|m| NODE_METRICS.contains(&m)) => ("_all", one),
        (Some(nodes), None) => (nodes, "_all"),
        (None, _) => ("_all", "_all"),
    };
    let wants = |section: &str| metrics.split(',').any(|m| m == section || m == "_all");
    let mut nodes = serde_json::Map::new();
    for (n, node) in state.nodes().enumerate() {
        if selects(filter, node, n == 0) {
            nodes.insert(node.id.clone(), node_info(&state, node, &wants));
        }
    }
    let count = nodes.len();
    Ok(Reply::ok(json!({
        "_nodes": {"total": count, "successful": count, "failed": 0},
        "cluster_name": state.config.cluster_name,
        "nodes": nodes,
    })))
}

/// One node in `_nodes`: its identity, and the sections asked for.
fn node_info(
    state: &super::super::state::ClusterState,
    node: &super::super::state::Node,
    wants: &dyn Fn(&str) -> bool,
) -> Value {
    let ip = node.transport_address.ip().to_string();
    let mut roles = node.roles.clone();
    if state.version().major < 7 {
        // 6.x keeps roles in an `EnumSet` of MASTER, DATA, INGEST, and lists them in that order.
        let rank = |r: &String| ["master", "data", "ingest"].iter().position(|k| k == r).unwrap_or(3);
        roles.sort_by_key(rank);
    } else {
        roles.sort_unstable();
    }
    let mut entry = json!({
        "name": node.name,
        "transport_address": node.transport_address.to_string(),
        "host": ip,
        "ip": ip,
        "version": state.version().to_string(),
        "build_flavor": "default",
        "build_type": "simulated",
        "build_hash": "0000000000000000000000000000000000000000",
        "roles": roles,
        "attributes": {},
    });
    if wants("transport") {
        entry["transport"] = json!({"bound_address": [node.transport_address.to_string()], "publish_address": node.transport_address.to_string(), "profiles": {}});
    }
    if wants("http") {
        entry["http"] = json!({"bound_address": [node.http_address.to_string()], "publish_address": node.http_address.to_string(), "max_content_length_in_bytes": 104_857_600});
    }
    if wants("settings") {
        entry["settings"] = json!({
            "cluster": {"name": state.config.cluster_name},
            "node": {"name": node.name, "roles": node.roles},
        });
    }
    entry
}

/// `node.role` letters as `_cat/nodes` prints them.
fn role_letters(roles: &[String], version: crate::es::Version) -> String {
    let mut letters: Vec<char> = roles
        .iter()
        .filter_map(|role| match role.as_str() {
            "data" => Some('d'),
            "data_content" => Some('s'),
            "data_hot" => Some('h'),
            "ingest" => Some('i'),
            "master" => Some('m'),
            "remote_cluster_client" => Some('r'),
            _ => None,
        })
        .collect();
    if version.major < 7 {
        // 6.x prints its role enum in order: master, data, ingest (`mdi`).
        letters.sort_by_key(|c| "mdi".find(*c).unwrap_or(3));
    } else {
        letters.sort_unstable();
    }
    letters.into_iter().collect()
}

pub fn cat_nodes(sim: &Sim) -> SimResult {
    let state = sim.state();
    let rows: Vec<Value> = state
        .nodes()
        .enumerate()
        .map(|(n, node)| {
            json!({
                "ip": node.transport_address.ip().to_string(),
                "heap.percent": "21",
                "ram.percent": "40",
                "cpu": "1",
                "load_1m": "0.10",
                "load_5m": "0.08",
                "load_15m": "0.05",
                "node.role": role_letters(&node.roles, state.version()),
                "master": if n == 0 { "*" } else { "-" },
                "name": node.name,
            })
        })
        .collect();
    Ok(Reply::ok(Value::Array(rows)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_print_as_elasticsearch_prints_them() {
        assert_eq!(super::iso_date(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(super::iso_date(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(super::iso_date(0), "1970-01-01T00:00:00.000Z");
    }
}
