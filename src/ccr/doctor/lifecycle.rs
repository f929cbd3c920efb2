//! D15: index lifecycle management and replication in each other's way.
//!
//! - A managed follower waits in the `unfollow` action: `wait-for-indexing-complete` until the
//!   leader index is marked `index.lifecycle.indexing_complete: true` (its rollover does that;
//!   a leader that is never rolled over leaves the follower waiting for ever), then
//!   `wait-for-follow-shard-tasks` until it has read everything (`UnfollowAction`).
//! - A managed leader waits in `wait-for-shard-history-leases` (`WaitForNoFollowersStep`,
//!   before delete, shrink and searchable snapshots) while any follower holds a retention
//!   lease on it, including followers deleted without unfollowing (D11's orphan leases).
//! - A follower names a lifecycle policy (`index.lifecycle.name` comes with the leader's
//!   settings) that exists on the leader but not here, or the leader has an index template for
//!   the indices followed here that the local cluster lacks (needed once a follower is
//!   converted and rolls over locally, or for following data streams).

use std::collections::{BTreeSet, HashSet};

use serde_json::{Value, json};

use super::checks::not_checked;
use super::evidence::Evidence;
use super::leases::leases;
use super::{CheckId, Finding, Fix, Subject, Verdict};

pub const UNFOLLOW_WAITS: &[&str] = &["wait-for-indexing-complete", "wait-for-follow-shard-tasks"];
pub const LEADER_WAIT: &str = "wait-for-shard-history-leases";

fn minutes_since(millis: Option<i64>, now_millis: i64) -> String {
    millis.map(|m| ((now_millis - m).max(0) / 60_000).to_string()).unwrap_or_default()
}

fn pretty(value: &Value) -> Option<String> {
    Some(serde_json::to_string_pretty(value).unwrap_or_default())
}

/// D15 over the evidence.
pub fn check(evidence: &Evidence, now_millis: i64, out: &mut Vec<Finding>) {
    let check = CheckId::D15Lifecycle;
    let Ok(followers) = &evidence.followers else { return };
    let ilm = match &evidence.ilm {
        Ok(ilm) => ilm,
        Err(missing) => {
            if !followers.is_empty() {
                out.push(not_checked(check, Subject::Cluster, missing));
            }
            return;
        }
    };
    for follower in followers {
        let subject = Subject::Follower(follower.follower_index.clone());
        let Some(state) = ilm.get(&follower.follower_index).filter(|s| s.managed) else {
            out.push(Finding::new(check, subject, Verdict::Pass, "doctor-d15-pass"));
            continue;
        };
        let policy = state.policy.clone().unwrap_or_default();
        // A policy that is not here: ILM cannot run it at all.
        if let Ok(local) = &evidence.policies
            && !local.contains_key(&policy)
        {
            let on_leader = evidence
                .leaders
                .get(&follower.remote_cluster)
                .and_then(|l| l.policies.as_ref().ok())
                .and_then(|p| p.get(&policy));
            let finding = match on_leader {
                Some(stored) => {
                    Finding::new(check, subject, Verdict::Fail, "doctor-d15-policy-missing").fix(Fix::Request {
                        method: "PUT",
                        path: format!("/_ilm/policy/{policy}"),
                        body: pretty(&json!({"policy": stored["policy"]})),
                    })
                }
                None => Finding::new(check, subject, Verdict::Fail, "doctor-d15-policy-nowhere"),
            };
            out.push(finding.arg("policy", policy));
            continue;
        }
        let step = state.step.clone().unwrap_or_default();
        if state.action.as_deref() == Some("unfollow") && UNFOLLOW_WAITS.contains(&step.as_str()) {
            let finding = Finding::new(check, subject, Verdict::Warn, "doctor-d15-follower-waiting")
                .arg("step", step.clone())
                .arg("policy", policy)
                .arg("minutes", minutes_since(state.step_time_millis, now_millis))
                .arg("leader_index", follower.leader_index.clone());
            out.push(if step == "wait-for-indexing-complete" {
                finding.fix(Fix::Request {
                    method: "PUT",
                    path: format!("/{}/_settings", follower.leader_index),
                    body: pretty(&json!({"index.lifecycle.indexing_complete": true})),
                })
            } else {
                finding
            });
            continue;
        }
        out.push(Finding::new(check, subject, Verdict::Pass, "doctor-d15-pass"));
    }
    leaders_waiting(evidence, out);
    templates(evidence, out);
}

/// Leader indices whose lifecycle waits for followers to stop, and which of this cluster's
/// followers hold it (deleted ones: forget them).
fn leaders_waiting(evidence: &Evidence, out: &mut Vec<Finding>) {
    let check = CheckId::D15Lifecycle;
    let local_followers: HashSet<&str> =
        evidence.followers.iter().flatten().map(|f| f.follower_index.as_str()).collect();
    for (remote, leader) in &evidence.leaders {
        let Ok(ilm) = &leader.ilm else { continue };
        for (index, state) in ilm.iter().filter(|(_, s)| s.step.as_deref() == Some(LEADER_WAIT)) {
            let subject = Subject::Remote(remote.clone());
            let held = leader.shard_stats.as_ref().map(|s| leases(s, index)).unwrap_or_default();
            let mine: Vec<_> =
                held.iter().filter(|l| evidence.cluster_name.as_deref() == Some(l.follower_cluster.as_str())).collect();
            let orphan = mine.iter().find(|l| !local_followers.contains(l.follower_index.as_str()));
            let base = |verdict, key| {
                Finding::new(check, subject.clone(), verdict, key)
                    .arg("leader_index", index.clone())
                    .arg("phase", state.phase.clone().unwrap_or_default())
            };
            let finding = if let Some(orphan) = orphan {
                let body = json!({
                    "follower_cluster": orphan.follower_cluster,
                    "follower_index": orphan.follower_index,
                    "follower_index_uuid": orphan.follower_index_uuid,
                    "leader_remote_cluster": orphan.remote,
                });
                base(Verdict::Fail, "doctor-d15-leader-waits-deleted")
                    .arg("follower", orphan.follower_index.clone())
                    .fix(Fix::Request {
                        method: "POST",
                        path: format!("/{index}/_ccr/forget_follower"),
                        body: pretty(&body),
                    })
            } else {
                let names: BTreeSet<String> =
                    held.iter().map(|l| format!("{}/{}", l.follower_cluster, l.follower_index)).collect();
                base(Verdict::Warn, "doctor-d15-leader-waits")
                    .arg("followers", names.into_iter().collect::<Vec<_>>().join(", "))
            };
            out.push(finding);
        }
    }
}

/// Leader index templates that cover the indices followed here and are missing locally.
fn templates(evidence: &Evidence, out: &mut Vec<Finding>) {
    let check = CheckId::D15Lifecycle;
    let Ok(followers) = &evidence.followers else { return };
    let local: BTreeSet<&str> = match &evidence.templates {
        Ok(local) => local.iter().map(|(name, _)| name.as_str()).collect(),
        Err(_) => return,
    };
    for (remote, leader) in &evidence.leaders {
        let Ok(theirs) = &leader.templates else { continue };
        let followed: Vec<&str> =
            followers.iter().filter(|f| &f.remote_cluster == remote).map(|f| f.leader_index.as_str()).collect();
        for (name, template) in theirs.iter().filter(|(name, _)| !local.contains(name.as_str())) {
            let patterns: Vec<String> = match &template["index_patterns"] {
                Value::String(one) => vec![one.clone()],
                other => other.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            };
            let covered: Vec<&str> = followed
                .iter()
                .copied()
                .filter(|index| crate::ccr::auto_follow::preview::matches(index, &patterns, &[]))
                .collect();
            if covered.is_empty() {
                continue;
            }
            out.push(
                Finding::new(check, Subject::Remote(remote.clone()), Verdict::Warn, "doctor-d15-template-missing")
                    .arg("template", name.clone())
                    .arg("indices", covered.join(", "))
                    .fix(Fix::Request {
                        method: "PUT",
                        path: format!("/_index_template/{name}"),
                        body: pretty(template),
                    }),
            );
        }
    }
}
