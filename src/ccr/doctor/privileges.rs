//! D7: the privileges cross-cluster replication needs, on both sides, asked with
//! `_security/user/_has_privileges` as the user the panel calls Elasticsearch with.
//!
//! As Elasticsearch's "Configure privileges for cross-cluster replication" lists them: on the
//! follower's cluster the `manage_ccr` cluster privilege and `monitor`, `read`, `write`,
//! `manage_follow_index` on the follower indices; on the leader's cluster `read_ccr` and
//! `monitor`, `read` on the leader indices. (With the API-key security model the leader-side
//! privileges live in the cross-cluster API key; asking the leader still tells whether the
//! panel's user could follow there.)

use std::collections::BTreeMap;

use serde_json::json;

use super::evidence::{Evidence, Missing, Privileges};
use super::{CheckId, Finding, Fix, Subject, Verdict};
use crate::es::{EsError, FollowerInfo, IndexPrivilegesQuery, PrivilegesAnswer, PrivilegesQuery};

pub const FOLLOWER_CLUSTER: &[&str] = &["manage_ccr"];
pub const FOLLOWER_INDEX: &[&str] = &["monitor", "read", "write", "manage_follow_index"];
pub const LEADER_CLUSTER: &[&str] = &["read_ccr"];
pub const LEADER_INDEX: &[&str] = &["monitor", "read"];

/// What to ask each side.
#[derive(Debug, Clone)]
pub struct Asked {
    pub local: PrivilegesQuery,
    /// By remote alias.
    pub leader: BTreeMap<String, PrivilegesQuery>,
}

fn query(cluster: &[&str], names: Vec<String>, index: &[&str]) -> PrivilegesQuery {
    let mut names = names;
    names.sort();
    names.dedup();
    PrivilegesQuery {
        cluster: cluster.iter().map(|p| p.to_string()).collect(),
        index: if names.is_empty() {
            Vec::new()
        } else {
            vec![IndexPrivilegesQuery { names, privileges: index.iter().map(|p| p.to_string()).collect() }]
        },
    }
}

pub fn leader_query(names: &[String]) -> PrivilegesQuery {
    query(LEADER_CLUSTER, names.to_vec(), LEADER_INDEX)
}

/// The follower indices a pattern creates, as a wildcard (`{{leader_index}}-copy` → `*-copy`).
fn followers_of_pattern(pattern: &serde_json::Value) -> Vec<String> {
    let leaders: Vec<String> = pattern["leader_index_patterns"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    match pattern["follow_index_pattern"].as_str() {
        Some(template) => vec![template.replace("{{leader_index}}", "*")],
        None => leaders,
    }
}

/// The queries for the followers and patterns there are.
pub fn asked(followers: &[FollowerInfo], patterns: &[(String, serde_json::Value)]) -> Asked {
    let mut local_names: Vec<String> = followers.iter().map(|f| f.follower_index.clone()).collect();
    let mut leader_names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for follower in followers {
        leader_names.entry(follower.remote_cluster.clone()).or_default().push(follower.leader_index.clone());
    }
    for (_, pattern) in patterns {
        local_names.extend(followers_of_pattern(pattern));
        if let Some(remote) = pattern["remote_cluster"].as_str() {
            let leaders = pattern["leader_index_patterns"].as_array().into_iter().flatten();
            leader_names
                .entry(remote.to_owned())
                .or_default()
                .extend(leaders.filter_map(|v| v.as_str().map(str::to_owned)));
        }
    }
    Asked {
        local: query(FOLLOWER_CLUSTER, local_names, FOLLOWER_INDEX),
        leader: leader_names.into_iter().map(|(remote, names)| (remote, leader_query(&names))).collect(),
    }
}

/// Whether an error from a security API means the cluster runs without security, and
/// Elasticsearch's words for it. 8.0+ with `xpack.security.enabled: false` registers no
/// security handlers (400 `no handler found for uri`); before 8.0 a basic or trial licence
/// without `xpack.security.enabled: true` answers 500 `Security must be explicitly enabled
/// when using a [basic] license...` (`SecurityBaseRestHandler`).
pub fn security_off(error: &EsError) -> Option<String> {
    let EsError::Api(api) = error else { return None };
    let reason = api.reason.as_str();
    let off = (api.status == 400 && reason.starts_with("no handler found for uri"))
        || reason.contains("Security must be explicitly enabled")
        || reason.contains("Security is not enabled");
    off.then(|| reason.to_owned())
}

/// What the answer says is missing: cluster privileges, and per index name its privileges.
pub fn missing(answer: &PrivilegesAnswer) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let cluster = answer.cluster.iter().filter(|(_, held)| !**held).map(|(p, _)| p.clone()).collect();
    let index = answer
        .index
        .iter()
        .filter_map(|(name, privileges)| {
            let lacking: Vec<String> = privileges.iter().filter(|(_, held)| !**held).map(|(p, _)| p.clone()).collect();
            (!lacking.is_empty()).then(|| (name.clone(), lacking))
        })
        .collect();
    (cluster, index)
}

/// The role that would grant what is missing, as a request to show (`POST _security/role/..`).
fn role_fix(side: &str, cluster: &[&str], index: &[&str], names: Vec<String>) -> Fix {
    let names = if names.is_empty() { vec!["*".to_owned()] } else { names };
    let body = json!({"cluster": cluster, "indices": [{"names": names, "privileges": index}]});
    Fix::Request {
        method: "POST",
        path: format!("/_security/role/ccr-{side}"),
        body: Some(serde_json::to_string_pretty(&body).unwrap_or_default()),
    }
}

/// The explanation of each outcome on each side.
fn key(side: &str, outcome: &str) -> &'static str {
    match (side, outcome) {
        ("local", "off") => "doctor-d7-security-off",
        ("local", "pass") => "doctor-d7-pass",
        ("local", _) => "doctor-d7-missing",
        (_, "off") => "doctor-d7-leader-security-off",
        (_, "pass") => "doctor-d7-leader-pass",
        _ => "doctor-d7-leader-missing",
    }
}

fn judge(answer: &Privileges, subject: Subject, side: &'static str) -> Finding {
    let check = CheckId::D7Privileges;
    let answer = match answer {
        // Pass, not "not checked": without security Elasticsearch allows every request, so
        // privileges cannot be what stops replication, and the on-call engineer should look
        // elsewhere rather than at a check that could never run.
        Privileges::SecurityOff(reason) => {
            return Finding::new(check, subject, Verdict::Pass, key(side, "off")).arg("detail", reason.clone());
        }
        Privileges::Answered(answer) => answer,
    };
    let (cluster, index) = missing(answer);
    if cluster.is_empty() && index.is_empty() {
        return Finding::new(check, subject, Verdict::Pass, key(side, "pass")).arg("user", answer.username.clone());
    }
    let indices: Vec<String> = index.iter().map(|(name, p)| format!("{name} ({})", p.join(", "))).collect();
    let (cluster_needed, index_needed) =
        if side == "local" { (FOLLOWER_CLUSTER, FOLLOWER_INDEX) } else { (LEADER_CLUSTER, LEADER_INDEX) };
    let names = answer.index.keys().cloned().collect();
    Finding::new(check, subject, Verdict::Fail, key(side, "missing"))
        .arg("user", answer.username.clone())
        .arg("cluster", cluster.join(", "))
        .arg("indices", indices.join("; "))
        .fix(role_fix(if side == "local" { "follower" } else { "leader" }, cluster_needed, index_needed, names))
}

/// D7 on both sides; the leader side for each remote in use, with its endpoint.
pub fn check(evidence: &Evidence, out: &mut Vec<Finding>) {
    let check = CheckId::D7Privileges;
    match &evidence.privileges {
        Ok(answer) => out.push(judge(answer, Subject::Cluster, "local")),
        Err(missing) => out.push(super::checks::not_checked(check, Subject::Cluster, missing)),
    }
    for remote in super::checks::leader_side_remotes(evidence) {
        let subject = Subject::Remote(remote.clone());
        out.push(match evidence.leaders.get(&remote).map(|l| &l.privileges) {
            Some(Ok(answer)) => judge(answer, subject, "leader"),
            Some(Err(missing)) => super::checks::not_checked(check, subject, missing),
            None => super::checks::not_checked(check, subject, &Missing::NoLeaderEndpoint),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(cluster: &[(&str, bool)], index: &[(&str, &[(&str, bool)])]) -> PrivilegesAnswer {
        PrivilegesAnswer {
            username: "ops".into(),
            has_all_requested: false,
            cluster: cluster.iter().map(|(p, h)| (p.to_string(), *h)).collect(),
            index: index
                .iter()
                .map(|(n, ps)| (n.to_string(), ps.iter().map(|(p, h)| (p.to_string(), *h)).collect()))
                .collect(),
        }
    }

    #[test]
    fn only_what_is_not_held_is_missing() {
        let a = answer(
            &[("manage_ccr", false)],
            &[("copy", &[("read", true), ("write", false), ("manage_follow_index", false)]), ("ok", &[("read", true)])],
        );
        let (cluster, index) = missing(&a);
        assert_eq!(cluster, ["manage_ccr"]);
        assert_eq!(index, [("copy".to_string(), vec!["manage_follow_index".to_string(), "write".to_string()])]);
        let all = answer(&[("read_ccr", true)], &[("logs", &[("monitor", true), ("read", true)])]);
        assert_eq!(missing(&all), (vec![], vec![]));
    }

    #[test]
    fn patterns_ask_for_the_followers_they_would_create() {
        let follower = FollowerInfo {
            follower_index: "copy".into(),
            remote_cluster: "leader".into(),
            leader_index: "orders".into(),
            status: "active".into(),
            parameters: None,
        };
        let pattern = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"], "follow_index_pattern": "{{leader_index}}-copy"});
        let asked = asked(&[follower], &[("logs".into(), pattern)]);
        assert_eq!(asked.local.cluster, ["manage_ccr"]);
        assert_eq!(asked.local.index[0].names, ["*-copy", "copy"]);
        assert_eq!(asked.local.index[0].privileges, FOLLOWER_INDEX);
        assert_eq!(asked.leader["leader"].cluster, ["read_ccr"]);
        assert_eq!(asked.leader["leader"].index[0].names, ["logs-*", "orders"]);
    }

    #[test]
    fn a_cluster_without_security_is_recognised_in_both_dialects() {
        let api = |status, reason: &str| {
            EsError::Api(Box::new(crate::es::ApiError {
                status,
                error_type: "exception".into(),
                reason: reason.into(),
                root_causes: vec![],
                caused_by: None,
            }))
        };
        assert!(
            security_off(&api(400, "no handler found for uri [/_security/user/_has_privileges] and method [POST]"))
                .is_some()
        );
        assert!(security_off(&api(500, "Security must be explicitly enabled when using a [basic] license.")).is_some());
        assert!(
            security_off(&api(403, "action [cluster:admin/xpack/security/user/has_privileges] is unauthorized"))
                .is_none()
        );
    }
}
