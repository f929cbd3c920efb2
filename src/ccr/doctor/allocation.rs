//! D14: follower shards that are unassigned or still recovering. A follower's primary that is
//! not active has no shard-follow task running: nothing replicates to it, whatever `_ccr/info`
//! says. Replicas do not matter here: following reads and writes primaries, and an unassigned
//! replica (a one-node cluster) is the cluster's health, not replication's.
//!
//! The explanation comes from `_cluster/allocation/explain`, put in plain words: the deciders
//! that said no, and for the common case (allocation failed five times and Elasticsearch gave
//! up) the fix, `POST _cluster/reroute?retry_failed=true`.

use super::checks::not_checked;
use super::evidence::Evidence;
use super::{CheckId, Finding, Fix, Subject, Verdict};
use crate::es::AllocationExplanation;

/// Followers explained at most per run, and shards asked per follower.
pub const MAX_EXPLAINED: usize = 20;
pub const MAX_SHARDS_ASKED: u32 = 5;

/// The deciders that said no, as `decider: explanation` (each once, across nodes).
pub fn refusals(explanation: &AllocationExplanation) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for node in &explanation.node_allocation_decisions {
        for decider in node.deciders.iter().filter(|d| d.decision.eq_ignore_ascii_case("no")) {
            let line = format!("{}: {}", decider.decider, decider.explanation);
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

/// The catalog key that says in plain words why the shard is unassigned.
pub fn reason_key(explanation: &AllocationExplanation) -> &'static str {
    let deciders: Vec<&str> = explanation
        .node_allocation_decisions
        .iter()
        .flat_map(|n| n.deciders.iter().filter(|d| d.decision.eq_ignore_ascii_case("no")).map(|d| d.decider.as_str()))
        .collect();
    if deciders.contains(&"max_retry") {
        "doctor-d14-retries-exhausted"
    } else if deciders.contains(&"disk_threshold") {
        "doctor-d14-disk"
    } else if deciders.iter().any(|d| *d == "filter" || *d == "awareness") {
        "doctor-d14-filter"
    } else if explanation.can_allocate.as_deref() == Some("no_valid_shard_copy") {
        "doctor-d14-no-copy"
    } else {
        "doctor-d14-unassigned"
    }
}

/// D14 for every follower index.
pub fn check(evidence: &Evidence, out: &mut Vec<Finding>) {
    let check = CheckId::D14ShardAllocation;
    let Ok(followers) = &evidence.followers else { return };
    let health = match &evidence.index_health {
        Ok(health) => health,
        Err(missing) => {
            out.push(not_checked(check, Subject::Cluster, missing));
            return;
        }
    };
    for follower in followers {
        let name = &follower.follower_index;
        let subject = Subject::Follower(name.clone());
        let Some(index) = health.get(name) else { continue };
        if index.active_primary_shards >= index.number_of_shards {
            out.push(Finding::new(check, subject, Verdict::Pass, "doctor-d14-pass"));
            continue;
        }
        let inactive = (index.number_of_shards - index.active_primary_shards).to_string();
        let finding = match evidence.allocations.get(name) {
            Some(Ok(explanation)) if explanation.current_state == "initializing" => {
                Finding::new(check, subject, Verdict::Warn, "doctor-d14-recovering")
                    .arg("shard", explanation.shard.to_string())
            }
            Some(Ok(explanation)) => {
                let key = reason_key(explanation);
                let finding = Finding::new(check, subject, Verdict::Fail, key)
                    .arg("shard", explanation.shard.to_string())
                    .arg("count", inactive)
                    .arg("reason", explanation.unassigned_info.as_ref().map(|u| u.reason.clone()).unwrap_or_default())
                    .arg("deciders", refusals(explanation).join("\n"));
                if key == "doctor-d14-retries-exhausted" {
                    finding.fix(Fix::Request {
                        method: "POST",
                        path: "/_cluster/reroute?retry_failed=true".into(),
                        body: None,
                    })
                } else {
                    finding
                }
            }
            // Not explained (too many at once, or the call failed): still a failure, named.
            Some(Err(missing)) => not_checked(check, subject.clone(), missing),
            None if index.initializing_shards > 0 => {
                Finding::new(check, subject, Verdict::Warn, "doctor-d14-recovering").arg("shard", String::new())
            }
            None => Finding::new(check, subject, Verdict::Fail, "doctor-d14-unassigned")
                .arg("count", inactive)
                .arg("deciders", String::new()),
        };
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::{Decider, NodeDecision};

    #[test]
    fn the_deciders_that_said_no_name_the_reason() {
        let explanation = AllocationExplanation {
            index: "copy".into(),
            shard: 0,
            primary: true,
            current_state: "unassigned".into(),
            unassigned_info: None,
            can_allocate: Some("no".into()),
            allocate_explanation: None,
            node_allocation_decisions: vec![
                NodeDecision {
                    node_name: "a".into(),
                    node_decision: "no".into(),
                    deciders: vec![
                        Decider { decider: "max_retry".into(), decision: "NO".into(), explanation: "too many".into() },
                        Decider { decider: "same_shard".into(), decision: "YES".into(), explanation: "fine".into() },
                    ],
                },
                NodeDecision {
                    node_name: "b".into(),
                    node_decision: "no".into(),
                    deciders: vec![Decider {
                        decider: "max_retry".into(),
                        decision: "NO".into(),
                        explanation: "too many".into(),
                    }],
                },
            ],
        };
        assert_eq!(refusals(&explanation), ["max_retry: too many"]);
        assert_eq!(reason_key(&explanation), "doctor-d14-retries-exhausted");
    }
}
