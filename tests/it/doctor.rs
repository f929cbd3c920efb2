//! The doctor's checks against simulators that fail the way real clusters do: each scenario
//! names its check, the verdict, and the explanation the person reads.

use std::time::Duration;

use ccr_panel::ccr::doctor::evidence::{self, Evidence};
use ccr_panel::ccr::doctor::{self, CheckId, Finding, Subject, Verdict};
use ccr_panel::ccr::followers;
use ccr_panel::ccr::leaders::KnownLeader;
use ccr_panel::es::{ClusterSettingsUpdate, EsClient, FollowParameters, Version};
use ccr_panel::sim::{LicenseKind, SimConfig};
use serde_json::json;

use crate::helpers::*;
use crate::replication::connected_pair;

const WAIT: Duration = Duration::from_secs(5);

async fn diagnose(local: &EsClient, leader: Option<&EsClient>) -> Vec<Finding> {
    let known: Vec<KnownLeader> = leader
        .map(|l| KnownLeader { remote: "leader".into(), cluster: "leader".into(), client: l.clone() })
        .into_iter()
        .collect();
    let evidence: Evidence = evidence::gather(local, &known, WAIT).await;
    doctor::diagnose(&evidence, now_millis())
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn find<'a>(findings: &'a [Finding], check: CheckId, subject: &Subject) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.check == check && &f.subject == subject)
        .unwrap_or_else(|| panic!("no {check:?} about {subject:?} in {findings:#?}"))
}

#[tokio::test]
async fn a_healthy_pair_passes_and_failures_come_first() {
    let (_leader, _local, leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    let remote = Subject::Remote("leader".into());
    assert_eq!(find(&findings, CheckId::D1RemoteReachable, &remote).verdict, Verdict::Pass);
    assert_eq!(find(&findings, CheckId::D2PortAndSecurity, &remote).verdict, Verdict::Pass);
    assert_eq!(find(&findings, CheckId::D5Licences, &remote).verdict, Verdict::Pass);
    assert_eq!(find(&findings, CheckId::D6Versions, &remote).verdict, Verdict::Pass);
    assert_eq!(find(&findings, CheckId::D9FollowerState, &Subject::Follower("copy".into())).verdict, Verdict::Pass);
    assert!(findings.iter().all(|f| f.verdict == Verdict::Pass), "{findings:#?}");

    // Without the leader's endpoint, its side is "not checked", and why.
    let findings = diagnose(&local, None).await;
    let licence = find(&findings, CheckId::D5Licences, &remote);
    assert_eq!((licence.verdict, licence.key), (Verdict::NotChecked, "doctor-not-checked-no-leader"));
    assert_eq!(findings.last().unwrap().verdict, Verdict::Pass, "sorted: passes last");
}

#[tokio::test]
async fn a_remote_at_an_http_port_or_gone_is_named_with_its_users() {
    let (_leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    add_remote(&local_sim, "web", &["127.0.0.1:9200"]).await;
    let findings = diagnose(&local, None).await;
    let web = find(&findings, CheckId::D2PortAndSecurity, &Subject::Remote("web".into()));
    assert_eq!((web.verdict, web.key), (Verdict::Fail, "doctor-d2-http-port"));
    assert_eq!(
        find(&findings, CheckId::D1RemoteReachable, &Subject::Remote("web".into())).verdict,
        Verdict::Warn,
        "not used"
    );

    // The remote the follower uses is deleted: D3 names the follower.
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), serde_json::Value::Null);
    local.put_cluster_settings(&update).await.unwrap();
    let findings = diagnose(&local, None).await;
    let gone = find(&findings, CheckId::D3RemotesExist, &Subject::Follower("copy".into()));
    assert_eq!((gone.verdict, gone.args[0].1.as_str()), (Verdict::Fail, "leader"));
    assert_eq!(findings[0].verdict, Verdict::Fail, "failures first");
}

#[tokio::test]
async fn licences_roles_and_versions() {
    let (leader_sim, _local_sim, leader, local) = connected_pair().await;
    leader_sim.sim.set_license(LicenseKind::Basic);
    let findings = diagnose(&local, Some(&leader)).await;
    let licence = find(&findings, CheckId::D5Licences, &Subject::Remote("leader".into()));
    assert_eq!((licence.verdict, licence.key), (Verdict::Fail, "doctor-d5-no-ccr"));

    // A trial that ends in three days.
    leader_sim.sim.set_license(LicenseKind::Trial);
    leader_sim.sim.set_license_expiry_in_hours(72.0);
    let findings = diagnose(&local, Some(&leader)).await;
    let licence = find(&findings, CheckId::D5Licences, &Subject::Remote("leader".into()));
    assert_eq!((licence.verdict, licence.key), (Verdict::Warn, "doctor-d5-trial-ending"));

    // A local cluster whose only node lacks remote_cluster_client, and is older than the leader.
    let mut config = SimConfig::new("local-old");
    config.version = Version::new(8, 14, 0);
    config.roles = vec!["data".into(), "master".into()];
    let old = start_sim_with(config).await;
    let findings = diagnose(&client(&old), Some(&leader)).await;
    assert_eq!(find(&findings, CheckId::D4NodeRoles, &Subject::Cluster).verdict, Verdict::Fail);
    let versions = find(&findings, CheckId::D6Versions, &Subject::Remote("leader".into()));
    assert_eq!((versions.verdict, versions.key), (Verdict::Fail, "doctor-d6-follower-older"));
}

#[tokio::test]
async fn an_expired_retention_lease_means_re_create_and_a_pause_is_noticed() {
    let leader_sim = start_sim("leader").await;
    let local_sim = start_sim("local").await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    leader
        .create_index(
            "orders",
            &json!({"settings": {"index.number_of_replicas": 0, "index.soft_deletes.retention_lease.period": "1s"}}),
        )
        .await
        .unwrap();
    add_remote(&local_sim, "leader", &[&leader_sim.transport_address.to_string()]).await;
    assert!(
        eventually(WAIT, || async { local.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected) })
            .await
    );
    followers::follow(&local, "copy", "leader", "orders", FollowParameters::default()).await.unwrap();
    local.pause_follow("copy").await.unwrap();
    let findings = diagnose(&local, None).await;
    assert_eq!(find(&findings, CheckId::D9FollowerState, &Subject::Follower("copy".into())).key, "doctor-d9-paused");

    leader.index_doc("orders", Some("late"), &json!({"n": 1})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    local.resume_follow("copy", &FollowParameters::default()).await.unwrap();
    let failed = eventually(WAIT, || async {
        let findings = diagnose(&local, None).await;
        find(&findings, CheckId::D9FollowerState, &Subject::Follower("copy".into())).verdict == Verdict::Fail
    })
    .await;
    assert!(failed);
    let findings = diagnose(&local, None).await;
    let state = find(&findings, CheckId::D9FollowerState, &Subject::Follower("copy".into()));
    assert_eq!(state.key, "diagnosis-history-gone", "the follower must be re-created");
}

#[tokio::test]
async fn a_slow_cluster_makes_checks_not_checked_not_a_hung_page() {
    use ccr_panel::sim::{Fault, FaultKind};
    let (_leader, local_sim, _leader_client, local) = connected_pair().await;
    local_sim.sim.inject_fault(Fault::new("/_ccr/stats", FaultKind::Hang { millis: 3_000 }));
    let started = std::time::Instant::now();
    let evidence = evidence::gather(&local, &[], Duration::from_millis(300)).await;
    assert!(started.elapsed() < Duration::from_secs(2), "bounded: {:?}", started.elapsed());
    assert_eq!(evidence.stats.unwrap_err(), evidence::Missing::TimedOut);
}

#[tokio::test]
async fn what_needs_the_followers_is_asked_while_the_stats_are_on_their_way() {
    use ccr_panel::sim::{Fault, FaultKind};
    let (_leader, local_sim, _leader_client, local) = connected_pair().await;
    local_sim.sim.inject_fault(Fault::new("/_ccr/stats", FaultKind::Hang { millis: 500 }).once());
    local_sim.sim.clear_requests();
    let evidence = evidence::gather(&local, &[], WAIT).await;
    assert!(evidence.stats.is_ok() && evidence.privileges.is_ok() && evidence.index_health.is_ok());
    // The simulator records a request as it takes it up: the held one once its wait is over.
    let paths: Vec<String> = local_sim.sim.requests().into_iter().map(|r| r.path).collect();
    let at = |path: &str| paths.iter().position(|p| p.ends_with(path)).unwrap_or_else(|| panic!("{path}: {paths:?}"));
    assert!(at("/_has_privileges") < at("/_ccr/stats"), "the privileges wait only for the followers: {paths:?}");
    assert!(at("/_ilm/explain") < at("/_ccr/stats"), "{paths:?}");
    assert!(at("/_cluster/health") < at("/_ccr/stats"), "{paths:?}");
}

async fn lease_findings(local: &EsClient, leader: &EsClient) -> Vec<Finding> {
    let followers = local.follow_info("_all").await.unwrap();
    let cluster = local.fetch_root().await.unwrap().cluster_name;
    ccr_panel::ccr::doctor::leases::check(leader, "leader", &cluster, &followers, now_millis()).await
}

#[tokio::test]
async fn retention_leases_count_down_while_paused_and_orphans_are_forgotten() {
    let leader_sim = start_sim("leader").await;
    let local_sim = start_sim("local").await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    let settings =
        json!({"settings": {"index.number_of_replicas": 0, "index.soft_deletes.retention_lease.period": "2s"}});
    leader.create_index("orders", &settings).await.unwrap();
    leader.create_index("gone", &settings).await.unwrap();
    add_remote(&local_sim, "leader", &[&leader_sim.transport_address.to_string()]).await;
    assert!(
        eventually(WAIT, || async { local.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected) })
            .await
    );
    followers::follow(&local, "orders-copy", "leader", "orders", FollowParameters::default()).await.unwrap();
    followers::follow(&local, "gone-copy", "leader", "gone", FollowParameters::default()).await.unwrap();

    let findings = lease_findings(&local, &leader).await;
    assert_eq!(
        find(&findings, CheckId::D11RetentionLeases, &Subject::Follower("orders-copy".into())).verdict,
        Verdict::Pass
    );

    // Paused: the lease is no longer renewed and counts down; past the period it has expired.
    local.pause_follow("orders-copy").await.unwrap();
    let paused = lease_findings(&local, &leader).await;
    let countdown = find(&paused, CheckId::D11RetentionLeases, &Subject::Follower("orders-copy".into()));
    assert_eq!((countdown.verdict, countdown.key), (Verdict::Warn, "doctor-d11-expiring"));
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let expired = lease_findings(&local, &leader).await;
    let lease = expired.iter().find(|f| f.subject == Subject::Follower("orders-copy".into()));
    assert!(lease.is_some_and(|f| f.verdict == Verdict::Fail), "an expired or dropped lease fails: {expired:#?}");

    // A follower deleted without unfollowing leaves its leases behind: the fix forgets them.
    local.delete_index("gone-copy").await.unwrap();
    let findings = lease_findings(&local, &leader).await;
    let orphan = find(&findings, CheckId::D11RetentionLeases, &Subject::Follower("gone-copy".into()));
    assert_eq!((orphan.verdict, orphan.key), (Verdict::Warn, "doctor-d11-orphan"));
    let Some(doctor::Fix::Request { path, body: Some(body), .. }) = &orphan.fix else { panic!("{orphan:?}") };
    assert_eq!(path, "/gone/_ccr/forget_follower");
    let request: ccr_panel::es::ForgetFollower = {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        ccr_panel::es::ForgetFollower {
            follower_cluster: v["follower_cluster"].as_str().unwrap().into(),
            follower_index: v["follower_index"].as_str().unwrap().into(),
            follower_index_uuid: v["follower_index_uuid"].as_str().unwrap().into(),
            leader_remote_cluster: v["leader_remote_cluster"].as_str().unwrap().into(),
        }
    };
    leader.forget_follower("gone", &request).await.unwrap();
    let findings = lease_findings(&local, &leader).await;
    assert!(!findings.iter().any(|f| f.subject == Subject::Follower("gone-copy".into())), "forgotten: {findings:#?}");
}

#[tokio::test]
async fn existing_matches_of_a_pattern_are_named_until_followed() {
    use ccr_panel::ccr::auto_follow;
    let (_leader_sim, _local_sim, leader, local) = connected_pair().await;
    leader.create_index("logs-old", &json!({})).await.unwrap();
    local
        .put_auto_follow_pattern_raw("logs", &json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"], "follow_index_pattern": "{{leader_index}}-copy"}))
        .await
        .unwrap();
    let findings = diagnose(&local, None).await;
    let coverage = find(&findings, CheckId::D13AutoFollowCoverage, &Subject::Pattern("logs".into()));
    assert_eq!((coverage.verdict, coverage.key), (Verdict::Warn, "doctor-d13-not-followed"));
    assert_eq!(coverage.args[1].1, "logs-old");

    // The fix: follow it through the pattern's page (the same domain call).
    let (patterns, _) = auto_follow::list(&local).await.unwrap();
    let report = auto_follow::follow_existing(&local, &patterns[0], &["logs-old".into()]).await;
    assert!(report[0].outcome.is_ok());
    let findings = diagnose(&local, None).await;
    assert_eq!(
        find(&findings, CheckId::D13AutoFollowCoverage, &Subject::Pattern("logs".into())).verdict,
        Verdict::Pass
    );
}

#[tokio::test]
async fn a_match_its_pattern_failed_to_follow_is_named_with_the_error() {
    let (leader_sim, local_sim) = legacy_leader_pair().await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    let pattern = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"], "follow_index_pattern": "{{leader_index}}-copy"});
    local.put_auto_follow_pattern_raw("logs", &pattern).await.unwrap();
    // A new leader index without soft deletes: the pattern tries it and records the error.
    let settings = json!({"settings": {"index.soft_deletes.enabled": false}});
    leader.create_index("logs-legacy", &settings).await.unwrap();
    let failed = eventually(WAIT, || async {
        local.checked_ccr_stats().await.is_ok_and(|s| {
            s.auto_follow_stats.recent_auto_follow_errors.iter().any(|e| e.leader_index == "logs:logs-legacy")
        })
    })
    .await;
    assert!(failed, "the pattern records its error");
    let findings = diagnose(&local, None).await;
    let coverage = find(&findings, CheckId::D13AutoFollowCoverage, &Subject::Pattern("logs".into()));
    assert_eq!((coverage.verdict, coverage.key), (Verdict::Warn, "doctor-d13-errors"));
    assert_eq!(coverage.args[1].1, "logs-legacy");
}

#[tokio::test]
async fn the_leader_behind_a_remote_is_found_among_the_configured_clusters() {
    use ccr_panel::ccr::leaders::{Candidate, match_remotes};
    let (_leader_sim, local_sim, leader, local) = connected_pair().await;
    add_remote(&local_sim, "elsewhere", &["127.0.0.1:1"]).await;
    let remotes = local.remote_info().await.unwrap();
    let candidates = [Candidate { name: "old".into(), client: leader.clone() }];
    let known = match_remotes(&remotes, &candidates, WAIT).await;
    let pairs: Vec<(&str, &str)> = known.iter().map(|k| (k.remote.as_str(), k.cluster.as_str())).collect();
    assert_eq!(pairs, [("leader", "old")], "only the remote whose seeds are the leader's transport address");
}
