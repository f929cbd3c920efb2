//! D8: what a leader index must be for following to work: there, open, with soft deletes
//! (the history a follower reads; on by default from 7.0, cannot be turned on later), and
//! without a block. A read block fails every read of the followers; a write block (or
//! `read_only`, or `read_only_allow_delete`, which Elasticsearch sets itself past the disk
//! flood stage) stops new writes, so there is nothing new to replicate.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::checks::not_checked;
use super::evidence::{Evidence, LeaderEvidence, Missing};
use crate::es::CatIndex;

/// A leader's indices by name, built once per run: 10,000 followers look theirs up in one pass.
type ByName<'a> = HashMap<&'a str, &'a CatIndex>;
use super::{CheckId, Finding, Fix, Subject, Verdict};

/// The blocks that matter to a leader, the first one found wins (read blocks stop following).
pub const BLOCKS: &[&str] =
    &["index.blocks.read", "index.blocks.write", "index.blocks.read_only", "index.blocks.read_only_allow_delete"];

fn setting<'a>(settings: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a str> {
    settings.get(key).and_then(Value::as_str)
}

/// The finding about one leader index, for the follower or pattern that uses it.
fn judge(
    leader: &LeaderEvidence,
    by_name: &ByName,
    index: &str,
    subject: Subject,
    leader_major: Option<u32>,
) -> Option<Finding> {
    let check = CheckId::D8LeaderPrerequisites;
    let (Ok(_), Ok(settings)) = (&leader.indices, &leader.settings) else {
        let missing = leader.indices.as_ref().err().or(leader.settings.as_ref().err())?;
        return Some(not_checked(check, subject, missing));
    };
    let Some(cat) = by_name.get(index).copied() else {
        return Some(Finding::new(check, subject, Verdict::Fail, "doctor-d8-missing").arg("leader_index", index));
    };
    let base = |verdict, key| {
        Finding::new(check, subject.clone(), verdict, key)
            .arg("leader_index", index)
            .arg("cluster", leader.cluster.clone())
    };
    if cat.status == "close" {
        return Some(base(Verdict::Fail, "doctor-d8-closed").fix(Fix::Request {
            method: "POST",
            path: format!("/{index}/_open"),
            body: None,
        }));
    }
    let flat: serde_json::Map<String, Value> =
        settings.get(index).map(|s| s.settings.clone().into_iter().collect()).unwrap_or_default();
    let soft_deletes = setting(&flat, "index.soft_deletes.enabled");
    // Before 7.0 soft deletes were off unless asked for.
    let soft_deletes_off =
        soft_deletes == Some("false") || (soft_deletes.is_none() && leader_major.is_some_and(|m| m < 7));
    if soft_deletes_off {
        return Some(base(Verdict::Fail, "doctor-d8-soft-deletes").fix(Fix::Page("/migrations/new".into())));
    }
    if let Some(block) = BLOCKS.iter().find(|b| setting(&flat, b) == Some("true")) {
        let (verdict, key) = if *block == "index.blocks.read" {
            (Verdict::Fail, "doctor-d8-read-block")
        } else {
            (Verdict::Warn, "doctor-d8-write-block")
        };
        let body = json!({ *block: null });
        return Some(base(verdict, key).arg("block", *block).fix(Fix::Request {
            method: "PUT",
            path: format!("/{index}/_settings"),
            body: Some(serde_json::to_string_pretty(&body).unwrap_or_default()),
        }));
    }
    None
}

/// D8 for each follower's leader index and each index a pattern matches, on the leaders the
/// panel can call.
pub fn check(evidence: &Evidence, out: &mut Vec<Finding>) {
    let check = CheckId::D8LeaderPrerequisites;
    let indices: HashMap<&str, ByName> = evidence
        .leaders
        .iter()
        .map(|(remote, l)| {
            let by_name = l.indices.as_ref().map(|v| v.iter().map(|i| (i.index.as_str(), i)).collect());
            (remote.as_str(), by_name.unwrap_or_default())
        })
        .collect();
    let no_indices = ByName::new();
    if let Ok(followers) = &evidence.followers {
        for follower in followers {
            let subject = Subject::Follower(follower.follower_index.clone());
            let Some(leader) = evidence.leaders.get(&follower.remote_cluster) else {
                out.push(not_checked(check, subject, &Missing::NoLeaderEndpoint));
                continue;
            };
            let major = leader.version.as_ref().ok().map(|v| v.major);
            let by_name = indices.get(follower.remote_cluster.as_str()).unwrap_or(&no_indices);
            out.push(judge(leader, by_name, &follower.leader_index, subject.clone(), major).unwrap_or_else(|| {
                Finding::new(check, subject, Verdict::Pass, "doctor-d8-pass")
                    .arg("leader_index", follower.leader_index.clone())
            }));
        }
    }
    if let Ok(patterns) = &evidence.patterns {
        for (name, pattern) in patterns {
            let subject = Subject::Pattern(name.clone());
            let remote = pattern["remote_cluster"].as_str().unwrap_or_default();
            let Some(leader) = evidence.leaders.get(remote) else {
                out.push(not_checked(check, subject, &Missing::NoLeaderEndpoint));
                continue;
            };
            let list = |key: &str| -> Vec<String> {
                pattern[key]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default()
            };
            let (includes, excludes) = (list("leader_index_patterns"), list("leader_index_exclusion_patterns"));
            let matched: Vec<String> = match &leader.indices {
                Ok(indices) => indices
                    .iter()
                    .map(|i| i.index.clone())
                    .filter(|i| {
                        !i.starts_with('.') && crate::ccr::auto_follow::preview::matches(i, &includes, &excludes)
                    })
                    .collect(),
                Err(missing) => {
                    out.push(not_checked(check, subject, missing));
                    continue;
                }
            };
            let major = leader.version.as_ref().ok().map(|v| v.major);
            // One finding per pattern: the first matching index with a problem. A closed one
            // is only skipped by auto-follow until it opens (D13 names it): a warning here.
            let problem = matched
                .iter()
                .find_map(|index| {
                    judge(leader, indices.get(remote).unwrap_or(&no_indices), index, subject.clone(), major)
                })
                .map(|f| if f.key == "doctor-d8-closed" { Finding { verdict: Verdict::Warn, ..f } } else { f });
            out.push(problem.unwrap_or_else(|| {
                Finding::new(check, subject, Verdict::Pass, "doctor-d8-pass").arg("leader_index", matched.join(", "))
            }));
        }
    }
}
