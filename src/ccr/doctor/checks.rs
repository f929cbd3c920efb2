//! The checks, each a plain function over the [`Evidence`], in the order an expert runs them.
//! A check whose evidence is missing says "not checked" and why, instead of guessing.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::evidence::{Evidence, Missing, Piece};
use super::{CheckId, Finding, Fix, Subject, Verdict};
use crate::ccr::followers::detail::Diagnosis;
use crate::ccr::migrations::recipe::{VersionCheck, check_versions};
use crate::es::License;

/// A trial licence ending within this many days is worth a warning.
pub const TRIAL_WARNING_DAYS: i64 = 14;

pub(super) fn not_checked(check: CheckId, subject: Subject, missing: &Missing) -> Finding {
    let (key, detail) = match missing {
        Missing::TimedOut => ("doctor-not-checked-timeout", String::new()),
        Missing::Failed(reason) => ("doctor-not-checked-error", reason.clone()),
        Missing::NoLeaderEndpoint => ("doctor-not-checked-no-leader", String::new()),
    };
    Finding::new(check, subject, Verdict::NotChecked, key).arg("detail", detail)
}

fn need<'a, T>(piece: &'a Piece<T>, check: CheckId, out: &mut Vec<Finding>) -> Option<&'a T> {
    match piece {
        Ok(value) => Some(value),
        Err(missing) => {
            out.push(not_checked(check, Subject::Cluster, missing));
            None
        }
    }
}

/// Every remote named by a follower or a pattern, with who names it.
fn remotes_in_use(evidence: &Evidence) -> BTreeSet<String> {
    let followers = evidence.followers.as_ref().map(|f| f.iter().map(|f| f.remote_cluster.clone()).collect::<Vec<_>>());
    let patterns = evidence
        .patterns
        .as_ref()
        .map(|p| p.iter().filter_map(|(_, p)| p["remote_cluster"].as_str().map(str::to_owned)).collect::<Vec<_>>());
    followers.unwrap_or_default().into_iter().chain(patterns.unwrap_or_default()).collect()
}

/// D1: each remote answers. One in use that does not is a failure; an unused one a warning.
pub fn remote_reachable(evidence: &Evidence, out: &mut Vec<Finding>) {
    let Some(remotes) = need(&evidence.remotes, CheckId::D1RemoteReachable, out) else { return };
    let in_use = remotes_in_use(evidence);
    for (name, info) in remotes {
        let subject = Subject::Remote(name.clone());
        out.push(if info.connected {
            Finding::new(CheckId::D1RemoteReachable, subject, Verdict::Pass, "doctor-d1-pass")
        } else {
            let verdict = if in_use.contains(name) { Verdict::Fail } else { Verdict::Warn };
            Finding::new(CheckId::D1RemoteReachable, subject, verdict, "doctor-d1-fail")
                .fix(Fix::Page(format!("/remote-clusters/{name}")))
        });
    }
}

/// Ports that answer HTTP, not the transport protocol.
fn http_port(address: &str) -> bool {
    let port = address.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok());
    matches!(port, Some(80 | 443 | 9200..=9299))
}

/// D2: seeds or proxy at an HTTP port; the API-key model with a port other than the remote
/// cluster port (9443), or that port without credentials.
pub fn port_and_security(evidence: &Evidence, out: &mut Vec<Finding>) {
    let Some(remotes) = need(&evidence.remotes, CheckId::D2PortAndSecurity, out) else { return };
    for (name, info) in remotes {
        let addresses: Vec<&String> = info.seeds.iter().chain(info.proxy_address.as_ref()).collect();
        let subject = Subject::Remote(name.clone());
        let on_http: Vec<&str> = addresses.iter().filter(|a| http_port(a)).map(|a| a.as_str()).collect();
        let api_key = info.cluster_credentials.is_some();
        let on_9443 = addresses.iter().any(|a| a.ends_with(":9443"));
        let finding = if !on_http.is_empty() {
            Finding::new(CheckId::D2PortAndSecurity, subject, Verdict::Fail, "doctor-d2-http-port")
                .arg("addresses", on_http.join(", "))
                .fix(Fix::Page(format!("/remote-clusters/{name}/edit")))
        } else if api_key && !on_9443 {
            Finding::new(CheckId::D2PortAndSecurity, subject, Verdict::Warn, "doctor-d2-api-key-port")
        } else if !api_key && on_9443 {
            Finding::new(CheckId::D2PortAndSecurity, subject, Verdict::Fail, "doctor-d2-9443-without-key")
        } else {
            Finding::new(CheckId::D2PortAndSecurity, subject, Verdict::Pass, "doctor-d2-pass")
        };
        out.push(finding);
    }
}

/// D3: every remote named by a follower or a pattern exists.
pub fn remotes_exist(evidence: &Evidence, out: &mut Vec<Finding>) {
    let Some(remotes) = need(&evidence.remotes, CheckId::D3RemotesExist, out) else { return };
    if let Ok(followers) = &evidence.followers {
        for follower in followers.iter().filter(|f| !remotes.contains_key(&f.remote_cluster)) {
            out.push(
                Finding::new(
                    CheckId::D3RemotesExist,
                    Subject::Follower(follower.follower_index.clone()),
                    Verdict::Fail,
                    "doctor-d3-follower",
                )
                .arg("remote", follower.remote_cluster.clone())
                .fix(Fix::Page("/remote-clusters/new".into())),
            );
        }
    }
    if let Ok(patterns) = &evidence.patterns {
        for (name, pattern) in patterns {
            let remote = pattern["remote_cluster"].as_str().unwrap_or_default();
            if !remotes.contains_key(remote) {
                out.push(
                    Finding::new(
                        CheckId::D3RemotesExist,
                        Subject::Pattern(name.clone()),
                        Verdict::Fail,
                        "doctor-d3-pattern",
                    )
                    .arg("remote", remote)
                    .fix(Fix::Page("/remote-clusters/new".into())),
                );
            }
        }
    }
}

/// D4: the nodes that connect to remotes need `remote_cluster_client` (7.8+, where roles
/// are listed); none with it means no CCR at all.
pub fn node_roles(evidence: &Evidence, out: &mut Vec<Finding>) {
    let Some(nodes) = need(&evidence.nodes, CheckId::D4NodeRoles, out) else { return };
    if evidence.version.as_ref().is_ok_and(|v| v.major < 7 || (v.major == 7 && v.minor < 8)) {
        return;
    }
    let without: Vec<&str> = nodes
        .nodes
        .values()
        .filter(|n| !n.roles.iter().any(|r| r == "remote_cluster_client"))
        .map(|n| n.name.as_str())
        .collect();
    let verdict = if without.is_empty() {
        Verdict::Pass
    } else if without.len() == nodes.nodes.len() {
        Verdict::Fail
    } else {
        Verdict::Warn
    };
    let key = match verdict {
        Verdict::Pass => "doctor-d4-pass",
        Verdict::Fail => "doctor-d4-none",
        _ => "doctor-d4-some",
    };
    out.push(Finding::new(CheckId::D4NodeRoles, Subject::Cluster, verdict, key).arg("nodes", without.join(", ")));
}

fn licence_finding(licence: &License, subject: Subject, side: &'static str, now_millis: i64) -> Finding {
    let check = CheckId::D5Licences;
    if !licence.allows_ccr() {
        let finding = Finding::new(check, subject, Verdict::Fail, "doctor-d5-no-ccr")
            .arg("side", side)
            .arg("licence", licence.license_type.clone())
            .arg("status", licence.status.clone());
        return if side == "local" && licence.license_type == "basic" {
            finding.fix(Fix::Request {
                method: "POST",
                path: "/_license/start_trial?acknowledge=true".into(),
                body: None,
            })
        } else {
            finding
        };
    }
    let days_left = licence.expiry_date_in_millis.map(|expiry| (expiry - now_millis) / 86_400_000);
    match days_left {
        Some(days) if licence.license_type == "trial" && days < TRIAL_WARNING_DAYS => {
            Finding::new(check, subject, Verdict::Warn, "doctor-d5-trial-ending")
                .arg("side", side)
                .arg("days", days.max(0).to_string())
        }
        _ => Finding::new(check, subject, Verdict::Pass, "doctor-d5-pass")
            .arg("side", side)
            .arg("licence", licence.license_type.clone()),
    }
}

/// Every remote the leader-side checks are about: those in use and those whose leader is known.
pub(super) fn leader_side_remotes(evidence: &Evidence) -> BTreeSet<String> {
    let mut remotes = remotes_in_use(evidence);
    remotes.extend(evidence.leaders.keys().cloned());
    remotes
}

/// D5: licences on both sides allow CCR and are active; a trial ending soon is a warning.
pub fn licences(evidence: &Evidence, now_millis: i64, out: &mut Vec<Finding>) {
    if let Some(licence) = need(&evidence.licence, CheckId::D5Licences, out) {
        out.push(licence_finding(licence, Subject::Cluster, "local", now_millis));
    }
    for remote in leader_side_remotes(evidence) {
        let subject = Subject::Remote(remote.clone());
        out.push(match evidence.leaders.get(&remote).map(|l| &l.licence) {
            Some(Ok(licence)) => licence_finding(licence, subject, "leader", now_millis),
            Some(Err(missing)) => not_checked(CheckId::D5Licences, subject, missing),
            None => not_checked(CheckId::D5Licences, subject, &Missing::NoLeaderEndpoint),
        });
    }
}

/// D6: the follower cluster at the leader's version or newer, within one major version.
pub fn versions(evidence: &Evidence, out: &mut Vec<Finding>) {
    for remote in leader_side_remotes(evidence) {
        let subject = Subject::Remote(remote.clone());
        let Some(leader) = evidence.leaders.get(&remote) else {
            out.push(not_checked(CheckId::D6Versions, subject, &Missing::NoLeaderEndpoint));
            continue;
        };
        let (local, theirs) = match (&evidence.version, &leader.version) {
            (Ok(local), Ok(theirs)) => (*local, *theirs),
            (Err(missing), _) | (_, Err(missing)) => {
                out.push(not_checked(CheckId::D6Versions, subject, missing));
                continue;
            }
        };
        let (verdict, key) = match check_versions(theirs, local) {
            VersionCheck::Compatible => (Verdict::Pass, "doctor-d6-pass"),
            VersionCheck::FollowerOlder => (Verdict::Fail, "doctor-d6-follower-older"),
            VersionCheck::TooFarApart => (Verdict::Fail, "doctor-d6-too-far"),
        };
        out.push(
            Finding::new(CheckId::D6Versions, subject, verdict, key)
                .arg("local", local.to_string())
                .arg("leader", theirs.to_string()),
        );
    }
}

/// D9: a follower whose shard stopped (fatal exception), reads being retried, or a pause.
pub fn follower_state(evidence: &Evidence, out: &mut Vec<Finding>) {
    let Some(followers) = need(&evidence.followers, CheckId::D9FollowerState, out) else { return };
    // By name, so 10,000 followers cost one pass, not one search each.
    let stats: Option<std::collections::HashMap<&str, _>> =
        evidence.stats.as_ref().ok().map(|s| s.follow_stats.indices.iter().map(|i| (i.index.as_str(), i)).collect());
    for follower in followers {
        let subject = Subject::Follower(follower.follower_index.clone());
        if follower.status == "paused" {
            out.push(
                Finding::new(CheckId::D9FollowerState, subject, Verdict::Warn, "doctor-d9-paused")
                    .fix(Fix::Page(format!("/follower-indices/{}", follower.follower_index))),
            );
            continue;
        }
        let Some(index_stats) = stats.as_ref().and_then(|s| s.get(follower.follower_index.as_str()).copied()) else {
            out.push(not_checked(CheckId::D9FollowerState, subject, &Missing::Failed(String::new())));
            continue;
        };
        let fatal = index_stats.shards.iter().find_map(|s| s.fatal_exception.as_ref().map(|e| (s.shard_id, e)));
        let retried = index_stats.shards.iter().find_map(|s| s.read_exceptions.first().map(|e| (s.shard_id, e)));
        let finding = if let Some((shard, exception)) = fatal {
            let diagnosis = Diagnosis::of(exception);
            Finding::new(CheckId::D9FollowerState, subject, Verdict::Fail, diagnosis.message_key())
                .arg("shard", shard.to_string())
                .arg("reason", exception.reason.clone().unwrap_or_default())
                .fix(Fix::Page(format!("/follower-indices/{}", follower.follower_index)))
        } else if let Some((shard, read)) = retried {
            Finding::new(CheckId::D9FollowerState, subject, Verdict::Warn, Diagnosis::of(&read.exception).message_key())
                .arg("shard", shard.to_string())
                .arg("reason", read.exception.reason.clone().unwrap_or_default())
        } else {
            Finding::new(CheckId::D9FollowerState, subject, Verdict::Pass, "doctor-d9-pass")
        };
        out.push(finding);
    }
}

/// D12: recent auto-follow errors of each pattern.
pub fn auto_follow_health(evidence: &Evidence, out: &mut Vec<Finding>) {
    let Some(patterns) = need(&evidence.patterns, CheckId::D12AutoFollowHealth, out) else { return };
    let errors =
        evidence.stats.as_ref().map(|s| s.auto_follow_stats.recent_auto_follow_errors.clone()).unwrap_or_default();
    for (name, _) in patterns {
        let mine: Vec<_> = errors
            .iter()
            .filter(|e| {
                e.leader_index == *name
                    || e.leader_index.strip_prefix(name.as_str()).is_some_and(|r| r.starts_with(':'))
            })
            .collect();
        let subject = Subject::Pattern(name.clone());
        out.push(match mine.first() {
            None => Finding::new(CheckId::D12AutoFollowHealth, subject, Verdict::Pass, "doctor-d12-pass"),
            Some(error) => Finding::new(CheckId::D12AutoFollowHealth, subject, Verdict::Fail, "doctor-d12-errors")
                .arg("count", mine.len().to_string())
                .arg("leader_index", error.leader_index.clone())
                .arg("reason", error.auto_follow_exception.reason.clone().unwrap_or_default())
                .fix(Fix::Page(format!("/auto-follow-patterns/{name}"))),
        });
    }
}

/// D13: leader indices a pattern matches that have no follower, and why: an auto-follow error
/// names them, or (most often) they existed before the pattern, which Elasticsearch never
/// follows, or the coordinator missed them (a drift Elasticsearch can leave after a master
/// failover). Either way the fix is the pattern's page, which follows them on request.
pub fn auto_follow_coverage(evidence: &Evidence, out: &mut Vec<Finding>) {
    let (Ok(patterns), Ok(followers)) = (&evidence.patterns, &evidence.followers) else {
        if let Err(missing) = evidence.patterns.as_ref().and(evidence.followers.as_ref()) {
            out.push(not_checked(CheckId::D13AutoFollowCoverage, Subject::Cluster, missing));
        }
        return;
    };
    let errors =
        evidence.stats.as_ref().map(|s| s.auto_follow_stats.recent_auto_follow_errors.clone()).unwrap_or_default();
    // The leader indices each remote's followers follow, gathered once for every pattern (200
    // patterns over 10,000 followers: one pass, not one per pattern).
    let mut followed_by_remote: HashMap<&str, HashSet<&str>> = HashMap::new();
    for follower in followers {
        followed_by_remote.entry(follower.remote_cluster.as_str()).or_default().insert(follower.leader_index.as_str());
    }
    for (name, pattern) in patterns {
        let subject = Subject::Pattern(name.clone());
        let remote = pattern["remote_cluster"].as_str().unwrap_or_default();
        let list = |key: &str| -> Vec<String> {
            pattern[key]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let (leaders, exclusions) = (list("leader_index_patterns"), list("leader_index_exclusion_patterns"));
        let indices = match evidence.remote_indices.get(remote) {
            Some(Ok(indices)) => indices,
            Some(Err(missing)) => {
                out.push(not_checked(CheckId::D13AutoFollowCoverage, subject, missing));
                continue;
            }
            None => continue,
        };
        let followed = followed_by_remote.get(remote);
        let missed: Vec<&String> = indices
            .iter()
            .filter(|i| {
                crate::ccr::auto_follow::preview::matches(i, &leaders, &exclusions)
                    && !followed.is_some_and(|followed| followed.contains(i.as_str()))
            })
            .collect();
        if missed.is_empty() {
            out.push(Finding::new(CheckId::D13AutoFollowCoverage, subject, Verdict::Pass, "doctor-d13-pass"));
            continue;
        }
        // An error's key is `<pattern>:<leader index>`.
        let of_this_pattern = |key: &String, index: &str| {
            key.strip_prefix(name.as_str()).and_then(|rest| rest.strip_prefix(':')) == Some(index)
        };
        let with_error =
            missed.iter().filter(|i| errors.iter().any(|e| of_this_pattern(&e.leader_index, i.as_str()))).count();
        let key = if with_error > 0 { "doctor-d13-errors" } else { "doctor-d13-not-followed" };
        let shown: Vec<&str> = missed.iter().take(5).map(|s| s.as_str()).collect();
        out.push(
            Finding::new(CheckId::D13AutoFollowCoverage, subject, Verdict::Warn, key)
                .arg("count", missed.len().to_string())
                .arg("indices", shown.join(", "))
                .fix(Fix::Page(format!("/auto-follow-patterns/{name}"))),
        );
    }
}

/// Every check that runs on the evidence alone.
pub fn all(evidence: &Evidence, now_millis: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    remote_reachable(evidence, &mut out);
    port_and_security(evidence, &mut out);
    remotes_exist(evidence, &mut out);
    node_roles(evidence, &mut out);
    licences(evidence, now_millis, &mut out);
    versions(evidence, &mut out);
    super::privileges::check(evidence, &mut out);
    super::leader_prereqs::check(evidence, &mut out);
    follower_state(evidence, &mut out);
    super::lag_trend::check(evidence, &mut out);
    auto_follow_health(evidence, &mut out);
    auto_follow_coverage(evidence, &mut out);
    super::allocation::check(evidence, &mut out);
    super::lifecycle::check(evidence, now_millis, &mut out);
    out
}
