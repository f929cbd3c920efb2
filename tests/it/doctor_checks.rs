//! The doctor's checks D7, D8, D10, D14 and D15 against simulators that fail the way real
//! clusters do: each test breaks one thing, asserts the verdict and the explanation, and
//! where the finding offers a fix, applies it through the client as the panel would and sees
//! the check pass.

use std::time::{Duration, Instant};

use ccr_panel::ccr::doctor::evidence::{self, GatherOptions, SecondReading};
use ccr_panel::ccr::doctor::{self, CheckId, Finding, Fix, Subject, Verdict};
use ccr_panel::ccr::followers;
use ccr_panel::ccr::followers::lag_history::LagHistory;
use ccr_panel::ccr::leaders::KnownLeader;
use ccr_panel::es::{Auth, EsClient, FollowParameters, Version};
use ccr_panel::sim::SimConfig;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::replication::connected_pair;
use crate::sim_migration::call;

const WAIT: Duration = Duration::from_secs(5);

fn options() -> GatherOptions<'static> {
    GatherOptions {
        wait: WAIT,
        resample_after: Duration::from_millis(600),
        history: None,
        second_reading: SecondReading::Wait,
    }
}

fn known(leader: Option<&EsClient>) -> Vec<KnownLeader> {
    leader
        .map(|l| KnownLeader { remote: "leader".into(), cluster: "leader".into(), client: l.clone() })
        .into_iter()
        .collect()
}

async fn diagnose(local: &EsClient, leader: Option<&EsClient>) -> Vec<Finding> {
    let evidence = evidence::gather_with(local, &known(leader), options()).await;
    doctor::diagnose(&evidence, now_millis())
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Every key these checks name is in both catalogs, so the page can say it (the keys of the
/// other checks and the shared "not checked" ones come with the doctor's screens).
fn assert_in_catalogs(key: &str) {
    let mine = ["doctor-d7-", "doctor-d8-", "doctor-d10-", "doctor-d14-", "doctor-d15-"];
    if !mine.iter().any(|prefix| key.starts_with(prefix)) {
        return;
    }
    for lang in ["en-US", "zh-CN"] {
        let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
        let catalog = std::fs::read_to_string(&path).unwrap();
        assert!(catalog.lines().any(|l| l.starts_with(&format!("{key} = "))), "{key} missing from {lang}");
    }
}

fn find<'a>(findings: &'a [Finding], check: CheckId, subject: &Subject) -> &'a Finding {
    let found = findings
        .iter()
        .find(|f| f.check == check && &f.subject == subject)
        .unwrap_or_else(|| panic!("no {check:?} about {subject:?} in {findings:#?}"));
    assert_in_catalogs(found.key);
    found
}

fn arg<'a>(finding: &'a Finding, name: &str) -> &'a str {
    finding.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

fn request_fix(finding: &Finding) -> (&'static str, String, Option<Value>) {
    match &finding.fix {
        Some(Fix::Request { method, path, body }) => {
            (*method, path.clone(), body.as_ref().map(|b| serde_json::from_str(b).unwrap()))
        }
        other => panic!("expected a request fix, got {other:?}"),
    }
}

async fn follower_of_myindex() -> (ccr_panel::sim::SimServer, ccr_panel::sim::SimServer, EsClient, EsClient) {
    let (leader_sim, local_sim, leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    (leader_sim, local_sim, leader, local)
}

#[tokio::test]
async fn d7_missing_privileges_are_named_and_security_off_is_nothing_to_check() {
    let secured = start_secured_sim("local").await;
    let as_user = |name: &str| {
        client(&secured).with_auth(Some(Auth::Basic {
            username: name.into(),
            password: secrecy::SecretString::from(format!("{name}-pw")),
        }))
    };
    let findings = diagnose(&as_user("viewer"), None).await;
    let d7 = find(&findings, CheckId::D7Privileges, &Subject::Cluster);
    assert_eq!((d7.verdict, d7.key), (Verdict::Fail, "doctor-d7-missing"));
    assert_eq!((arg(d7, "user"), arg(d7, "cluster")), ("viewer", "manage_ccr"));
    let (method, path, body) = request_fix(d7);
    assert_eq!((method, path.as_str()), ("POST", "/_security/role/ccr-follower"));
    assert_eq!(body.unwrap()["cluster"], json!(["manage_ccr"]));

    // The fix: a user holding such a role.
    let findings = diagnose(&as_user("admin"), None).await;
    let d7 = find(&findings, CheckId::D7Privileges, &Subject::Cluster);
    assert_eq!((d7.verdict, d7.key), (Verdict::Pass, "doctor-d7-pass"));

    // Without security, in both dialects (8.0+: no handler; 7.x: "must be explicitly enabled").
    for version in [Version::new(9, 1, 0), Version::new(7, 17, 0)] {
        let mut config = SimConfig::new("open");
        config.version = version;
        let open = start_sim_with(config).await;
        let findings = diagnose(&client(&open), None).await;
        let d7 = find(&findings, CheckId::D7Privileges, &Subject::Cluster);
        assert_eq!((d7.verdict, d7.key), (Verdict::Pass, "doctor-d7-security-off"), "{version}");
    }
    // The leader side is asked on the leader, and only with its endpoint.
    let (_l, _s, leader, local) = follower_of_myindex().await;
    let findings = diagnose(&local, Some(&leader)).await;
    let remote = find(&findings, CheckId::D7Privileges, &Subject::Remote("leader".into()));
    assert_eq!((remote.verdict, remote.key), (Verdict::Pass, "doctor-d7-leader-security-off"));
    let findings = diagnose(&local, None).await;
    let remote = find(&findings, CheckId::D7Privileges, &Subject::Remote("leader".into()));
    assert_eq!((remote.verdict, remote.key), (Verdict::NotChecked, "doctor-not-checked-no-leader"));
}

#[tokio::test]
async fn d8_a_closed_blocked_or_deleted_leader_index_is_named_with_its_fix() {
    let (_l, _s, leader, local) = follower_of_myindex().await;
    let copy = Subject::Follower("copy".into());
    let d8 = |findings: &[Finding]| find(findings, CheckId::D8LeaderPrerequisites, &copy).clone();
    assert_eq!(d8(&diagnose(&local, Some(&leader)).await).key, "doctor-d8-pass");

    leader.close_index("myindex").await.unwrap();
    let closed = d8(&diagnose(&local, Some(&leader)).await);
    assert_eq!((closed.verdict, closed.key), (Verdict::Fail, "doctor-d8-closed"));
    assert_eq!(request_fix(&closed), ("POST", "/myindex/_open".into(), None));
    leader.open_index("myindex").await.unwrap();
    assert_eq!(d8(&diagnose(&local, Some(&leader)).await).verdict, Verdict::Pass);

    for (block, verdict, key) in [
        ("index.blocks.read", Verdict::Fail, "doctor-d8-read-block"),
        ("index.blocks.write", Verdict::Warn, "doctor-d8-write-block"),
        ("index.blocks.read_only_allow_delete", Verdict::Warn, "doctor-d8-write-block"),
    ] {
        leader.put_index_settings("myindex", &json!({ block: true })).await.unwrap();
        let blocked = d8(&diagnose(&local, Some(&leader)).await);
        assert_eq!((blocked.verdict, blocked.key, arg(&blocked, "block")), (verdict, key, block));
        let (method, path, body) = request_fix(&blocked);
        assert_eq!((method, path.as_str()), ("PUT", "/myindex/_settings"));
        leader.put_index_settings("myindex", &body.unwrap()).await.unwrap();
        assert_eq!(d8(&diagnose(&local, Some(&leader)).await).verdict, Verdict::Pass, "{block} removed");
    }

    leader.delete_index("myindex").await.unwrap();
    let gone = d8(&diagnose(&local, Some(&leader)).await);
    assert_eq!((gone.verdict, gone.key), (Verdict::Fail, "doctor-d8-missing"));
    assert_eq!(arg(&gone, "leader_index"), "myindex");
}

#[tokio::test]
async fn d8_a_pattern_matching_a_leader_index_without_soft_deletes_is_sent_to_re_index() {
    let leader_sim = start_sim_with(crate::sim_migration::config("leader", Version::new(7, 17, 0))).await;
    let local_sim = start_sim_with(crate::sim_migration::config("local", Version::new(7, 17, 0))).await;
    let (leader, local) = (client(&leader_sim), client(&local_sim));
    leader.create_index("logs-old", &json!({"settings": {"index.soft_deletes.enabled": false}})).await.unwrap();
    crate::sim_migration::connect(&local_sim, &leader_sim).await;
    let pattern = json!({"remote_cluster": "leader", "leader_index_patterns": ["logs-*"], "follow_index_pattern": "{{leader_index}}-copy"});
    local.put_auto_follow_pattern_raw("logs", &pattern).await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    let d8 = find(&findings, CheckId::D8LeaderPrerequisites, &Subject::Pattern("logs".into()));
    assert_eq!((d8.verdict, d8.key), (Verdict::Fail, "doctor-d8-soft-deletes"));
    assert_eq!(d8.fix, Some(Fix::Page("/migrations/new".into())));

    // A closed match is skipped by auto-follow until it opens: a warning, with the fix.
    leader.delete_index("logs-old").await.unwrap();
    leader.create_index("logs-new", &json!({})).await.unwrap();
    leader.close_index("logs-new").await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    let d8 = find(&findings, CheckId::D8LeaderPrerequisites, &Subject::Pattern("logs".into()));
    assert_eq!((d8.verdict, d8.key), (Verdict::Warn, "doctor-d8-closed"));
    leader.open_index("logs-new").await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    let d8 = find(&findings, CheckId::D8LeaderPrerequisites, &Subject::Pattern("logs".into()));
    assert_eq!((d8.verdict, d8.key), (Verdict::Pass, "doctor-d8-pass"));
}

#[tokio::test]
async fn d10_a_lag_growing_against_the_read_limit_is_named_and_raising_the_limit_catches_up() {
    // 500 writes at once; the follower copies one operation per read.
    let (_leader_sim, _local_sim, local) = crate::doctor_pages::trend::a_lagging_follower().await;
    let subject = Subject::Follower("busy-copy".into());
    // The panel's history saw it caught up a minute ago.
    let history = LagHistory::new();
    history.record("local", Instant::now().checked_sub(Duration::from_secs(60)).unwrap(), [("busy-copy", 0)]);
    let options = GatherOptions {
        wait: WAIT,
        resample_after: Duration::from_millis(600),
        history: Some((&history, "local")),
        second_reading: SecondReading::Wait,
    };
    let evidence = evidence::gather_with(&local, &[], options).await;
    let findings = doctor::diagnose(&evidence, now_millis());
    let d10 = find(&findings, CheckId::D10LagTrend, &subject);
    assert_eq!((d10.verdict, d10.key), (Verdict::Warn, "doctor-d10-growing-read"), "{d10:#?}");
    assert_eq!((arg(d10, "earlier"), arg(d10, "seconds")), ("0", "60"));
    assert_eq!(d10.fix, Some(Fix::Page("/follower-indices/busy-copy/edit".into())));

    // The fix: the follower's read limits raised (pause, resume with Elasticsearch's defaults).
    local.pause_follow("busy-copy").await.unwrap();
    local.resume_follow("busy-copy", &FollowParameters::default()).await.unwrap();
    let recovered = eventually(Duration::from_secs(10), || async {
        let evidence = evidence::gather_with(&local, &[], options).await;
        let findings = doctor::diagnose(&evidence, now_millis());
        find(&findings, CheckId::D10LagTrend, &subject).verdict == Verdict::Pass
    })
    .await;
    assert!(recovered, "{:#?}", diagnose(&local, None).await);
}

#[tokio::test]
async fn d10_the_pause_before_a_second_reading_counts_from_the_first() {
    use ccr_panel::sim::{Fault, FaultKind};
    let (_leader_sim, local_sim, local) = crate::doctor_pages::trend::a_lagging_follower().await;
    // The privileges, asked once the followers are read, answer only after the 600 ms pause.
    let held = Fault::new("/_security/user/_has_privileges", FaultKind::Hang { millis: 1_000 }).once();
    local_sim.sim.inject_fault(held);
    let started = Instant::now();
    let evidence = evidence::gather_with(&local, &[], options()).await;
    let took = started.elapsed();
    assert!(evidence.trend.second.as_ref().is_some_and(Result::is_ok), "a second reading: {:?}", evidence.trend);
    // The second `_ccr/stats` goes as soon as the privileges are in: 1 s, not 1 s + 600 ms.
    assert!(took < Duration::from_millis(1_500), "{took:?}");
    let (_, apart) = evidence.trend.earlier["busy-copy"];
    assert!(apart >= Duration::from_millis(600), "the readings were {apart:?} apart");
}

#[tokio::test]
async fn a_run_that_waits_for_a_second_reading_still_ends_within_two_waits() {
    use ccr_panel::sim::{Fault, FaultKind};
    let (_leader_sim, local_sim, local) = crate::doctor_pages::trend::a_lagging_follower().await;
    // Every `_ccr/stats` takes 1.5 s; the followers 1.8 s; the privileges, asked after them,
    // more than the 2 s wait: the other reads end at 3.8 s, when the second reading is due.
    local_sim.sim.inject_fault(Fault::new("/_ccr/stats", FaultKind::Hang { millis: 1_500 }));
    local_sim.sim.inject_fault(Fault::new("/_all/_ccr/info", FaultKind::Hang { millis: 1_800 }).once());
    let held = Fault::new("/_security/user/_has_privileges", FaultKind::Hang { millis: 4_000 }).once();
    local_sim.sim.inject_fault(held);
    let options =
        GatherOptions { wait: Duration::from_secs(2), resample_after: Duration::from_millis(500), ..options() };
    let started = Instant::now();
    let evidence = evidence::gather_with(&local, &[], options).await;
    let took = started.elapsed();
    assert_eq!(evidence.privileges.unwrap_err(), evidence::Missing::TimedOut);
    // What is left of the two waits for the second reading (0.2 s), not a wait of its own.
    let second = evidence.trend.second.as_ref().map(|s| s.as_ref().err());
    assert_eq!(second, Some(Some(&evidence::Missing::TimedOut)), "{:?}", evidence.trend);
    assert!(took < Duration::from_millis(4_600), "{took:?}");
}

#[tokio::test]
async fn d10_the_panels_lag_history_saves_the_second_reading() {
    let (_leader_sim, _local_sim, leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    assert!(eventually(WAIT, || async { local.count("copy").await.unwrap_or(0) == 3 }).await);
    let history = LagHistory::new();
    let earlier = Instant::now().checked_sub(Duration::from_secs(30)).unwrap();
    history.record("local", earlier, [("copy", 5_000)]);
    let options = GatherOptions {
        wait: WAIT,
        resample_after: Duration::from_secs(60),
        history: Some((&history, "local")),
        second_reading: SecondReading::Wait,
    };
    let started = Instant::now();
    let evidence = evidence::gather_with(&local, &known(Some(&leader)), options).await;
    assert!(started.elapsed() < Duration::from_secs(2), "no second read: {:?}", started.elapsed());
    assert!(evidence.trend.second.is_none());
    let findings = doctor::diagnose(&evidence, now_millis());
    let d10 = find(&findings, CheckId::D10LagTrend, &Subject::Follower("copy".into()));
    assert_eq!((d10.verdict, d10.key, arg(d10, "earlier")), (Verdict::Pass, "doctor-d10-caught-up", "5000"));
    assert_eq!(arg(d10, "seconds"), "30");
}

#[tokio::test]
async fn d10_a_run_told_not_to_wait_says_one_reading_so_far_and_the_next_has_the_trend() {
    let (_leader_sim, _local_sim, local) = crate::doctor_pages::trend::a_lagging_follower().await;
    let history = LagHistory::new();
    let options =
        GatherOptions { history: Some((&history, "local")), second_reading: SecondReading::Defer, ..options() };
    let subject = Subject::Follower("busy-copy".into());
    let started = Instant::now();
    let evidence = evidence::gather_with(&local, &[], options).await;
    assert!(started.elapsed() < Duration::from_millis(600), "no pause: {:?}", started.elapsed());
    assert!(evidence.trend.second.is_none() && evidence.trend.deferred);
    let findings = doctor::diagnose(&evidence, now_millis());
    let d10 = find(&findings, CheckId::D10LagTrend, &subject);
    assert_eq!((d10.verdict, d10.key), (Verdict::NotChecked, doctor::lag_trend::ONE_READING));
    assert_in_catalogs(d10.key);
    assert_eq!(history.samples("local", "busy-copy").len(), 1, "this reading is the next run's earlier one");

    // A reading as old as the pause serves (younger than MIN_TREND_SPAN): no pause, a trend.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let evidence = evidence::gather_with(&local, &[], options).await;
    assert!(evidence.trend.second.is_none() && !evidence.trend.deferred);
    let findings = doctor::diagnose(&evidence, now_millis());
    let d10 = find(&findings, CheckId::D10LagTrend, &subject);
    assert_ne!(d10.verdict, Verdict::NotChecked, "{d10:#?}");
    assert_eq!(arg(d10, "seconds"), "1");
}

#[tokio::test]
async fn d14_an_unassigned_follower_primary_is_explained_and_a_retry_allocates_it() {
    let (_l, local_sim, leader, local) = follower_of_myindex().await;
    let (status, _) =
        call(&local_sim, Method::POST, "/_sim/allocation_failure", Some(json!({"index": "copy", "shard": 0}))).await;
    assert_eq!(status, 200);
    // As Elasticsearch shows it: red, and the max_retry decider says why.
    let (_, health) = call(&local_sim, Method::GET, "/_cluster/health?level=indices", None).await;
    assert_eq!(health["indices"]["copy"]["status"], "red");
    assert_eq!(health["indices"]["copy"]["active_primary_shards"], 0);
    let (_, explained) = call(
        &local_sim,
        Method::POST,
        "/_cluster/allocation/explain",
        Some(json!({"index": "copy", "shard": 0, "primary": true})),
    )
    .await;
    assert_eq!(explained["unassigned_info"]["reason"], "ALLOCATION_FAILED");
    assert_eq!(explained["node_allocation_decisions"][0]["deciders"][0]["decider"], "max_retry");

    let copy = Subject::Follower("copy".into());
    let findings = diagnose(&local, Some(&leader)).await;
    let d14 = find(&findings, CheckId::D14ShardAllocation, &copy);
    assert_eq!((d14.verdict, d14.key), (Verdict::Fail, "doctor-d14-retries-exhausted"));
    assert_eq!((arg(d14, "shard"), arg(d14, "reason")), ("0", "ALLOCATION_FAILED"));
    assert!(arg(d14, "deciders").starts_with("max_retry: shard has exceeded the maximum number of retries [5]"));
    assert_eq!(request_fix(d14), ("POST", "/_cluster/reroute?retry_failed=true".into(), None));
    local.reroute_retry_failed().await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    let d14 = find(&findings, CheckId::D14ShardAllocation, &copy);
    assert_eq!((d14.verdict, d14.key), (Verdict::Pass, "doctor-d14-pass"));
}

#[tokio::test]
async fn d15_a_policy_only_on_the_leader_is_copied_and_the_follower_then_waits_in_unfollow() {
    let (_l, _s, leader, local) = follower_of_myindex().await;
    let policy = json!({"policy": {"phases": {"hot": {"actions": {"rollover": {"max_age": "1d"}}}}}});
    leader.put_ilm_policy("logs-policy", &policy).await.unwrap();
    local.put_index_settings("copy", &json!({"index.lifecycle.name": "logs-policy"})).await.unwrap();
    let copy = Subject::Follower("copy".into());
    let findings = diagnose(&local, Some(&leader)).await;
    let d15 = find(&findings, CheckId::D15Lifecycle, &copy);
    assert_eq!((d15.verdict, d15.key, arg(d15, "policy")), (Verdict::Fail, "doctor-d15-policy-missing", "logs-policy"));
    let (method, path, body) = request_fix(d15);
    assert_eq!((method, path.as_str()), ("PUT", "/_ilm/policy/logs-policy"));
    local.put_ilm_policy("logs-policy", &body.unwrap()).await.unwrap();

    // Now the lifecycle runs, and waits in the unfollow action for the leader to be done.
    let findings = diagnose(&local, Some(&leader)).await;
    let d15 = find(&findings, CheckId::D15Lifecycle, &copy);
    assert_eq!((d15.verdict, d15.key), (Verdict::Warn, "doctor-d15-follower-waiting"));
    assert_eq!(arg(d15, "step"), "wait-for-indexing-complete");
    let (method, path, body) = request_fix(d15);
    assert_eq!((method, path.as_str()), ("PUT", "/myindex/_settings"));
    assert_eq!(body.as_ref().unwrap(), &json!({"index.lifecycle.indexing_complete": true}));

    // The fix, on the leader: the setting reaches the follower with its next read, and its
    // lifecycle moves on once it has read everything.
    leader.put_index_settings("myindex", &body.unwrap()).await.unwrap();
    let moved_on = eventually(WAIT, || async {
        let findings = diagnose(&local, Some(&leader)).await;
        find(&findings, CheckId::D15Lifecycle, &copy).verdict == Verdict::Pass
    })
    .await;
    assert!(moved_on, "{:#?}", local.ilm_explain("copy").await);
    assert_eq!(local.ilm_explain("copy").await.unwrap()["copy"].step.as_deref(), Some("pause-follower-index"));
}

#[tokio::test]
async fn d15_a_leader_lifecycle_held_by_a_deleted_follower_is_released_by_forgetting_it() {
    let (_l, _s, leader, local) = connected_pair().await;
    let policy = json!({"policy": {"phases": {"delete": {"min_age": "0ms", "actions": {"delete": {}}}}}});
    leader.put_ilm_policy("short", &policy).await.unwrap();
    leader
        .create_index("orders", &json!({"settings": {"index.number_of_replicas": 0, "index.lifecycle.name": "short"}}))
        .await
        .unwrap();
    followers::follow(&local, "orders-copy", "leader", "orders", FollowParameters::default()).await.unwrap();
    let remote = Subject::Remote("leader".into());
    let waits = |findings: &[Finding]| {
        findings.iter().find(|f| f.check == CheckId::D15Lifecycle && f.subject == remote).cloned()
    };
    let findings = diagnose(&local, Some(&leader)).await;
    let waiting = waits(&findings).expect("the leader waits for its follower");
    assert_eq!((waiting.verdict, waiting.key), (Verdict::Warn, "doctor-d15-leader-waits"));
    assert!(arg(&waiting, "followers").ends_with("/orders-copy"), "{waiting:?}");

    // Deleted without unfollowing: its lease holds the leader's lifecycle for nothing.
    local.delete_index("orders-copy").await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    let held = waits(&findings).unwrap();
    assert_eq!(
        (held.verdict, held.key, arg(&held, "follower")),
        (Verdict::Fail, "doctor-d15-leader-waits-deleted", "orders-copy")
    );
    let (method, path, body) = request_fix(&held);
    assert_eq!((method, path.as_str()), ("POST", "/orders/_ccr/forget_follower"));
    let body = body.unwrap();
    let request = ccr_panel::es::ForgetFollower {
        follower_cluster: body["follower_cluster"].as_str().unwrap().into(),
        follower_index: body["follower_index"].as_str().unwrap().into(),
        follower_index_uuid: body["follower_index_uuid"].as_str().unwrap().into(),
        leader_remote_cluster: body["leader_remote_cluster"].as_str().unwrap().into(),
    };
    leader.forget_follower("orders", &request).await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    assert!(waits(&findings).is_none(), "released: {findings:#?}");
}

#[tokio::test]
async fn d15_an_index_template_only_on_the_leader_is_copied_here() {
    let (_l, _s, leader, local) = follower_of_myindex().await;
    let template =
        json!({"index_patterns": ["my*"], "template": {"settings": {"number_of_shards": 1}}, "priority": 10});
    leader.put_index_template("my-template", &template).await.unwrap();
    let remote = Subject::Remote("leader".into());
    let findings = diagnose(&local, Some(&leader)).await;
    let d15 = find(&findings, CheckId::D15Lifecycle, &remote);
    assert_eq!((d15.verdict, d15.key), (Verdict::Warn, "doctor-d15-template-missing"));
    assert_eq!((arg(d15, "template"), arg(d15, "indices")), ("my-template", "myindex"));
    let (method, path, body) = request_fix(d15);
    assert_eq!((method, path.as_str()), ("PUT", "/_index_template/my-template"));
    local.put_index_template("my-template", &body.unwrap()).await.unwrap();
    let findings = diagnose(&local, Some(&leader)).await;
    assert!(!findings.iter().any(|f| f.check == CheckId::D15Lifecycle && f.subject == remote), "{findings:#?}");
}

#[tokio::test]
async fn the_simulator_answers_the_lifecycle_and_template_apis_like_elasticsearch() {
    let sim = start_sim("local").await;
    let (status, body) = call(&sim, Method::GET, "/_ilm/policy/nope", None).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (404, json!("resource_not_found_exception")));
    assert_eq!(body["error"]["reason"], "Lifecycle policy not found: [nope]");
    let (status, _) =
        call(&sim, Method::PUT, "/_ilm/policy/p", Some(json!({"policy": {"phases": {"hot": {"actions": {}}}}}))).await;
    assert_eq!(status, 200);
    let (_, all) = call(&sim, Method::GET, "/_ilm/policy", None).await;
    assert_eq!(all["p"]["version"], 1);
    assert!(all["p"]["policy"]["phases"]["hot"].is_object());
    let (status, body) = call(&sim, Method::GET, "/_index_template/nope", None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["reason"], "index template matching [nope] not found");
    let (status, body) = call(&sim, Method::PUT, "/_index_template/t", Some(json!({"template": {}}))).await;
    assert_eq!((status.as_u16(), body["error"]["type"].clone()), (400, json!("action_request_validation_exception")));
    call(&sim, Method::PUT, "/_index_template/t", Some(json!({"index_patterns": ["t-*"]}))).await;
    let (_, body) = call(&sim, Method::GET, "/_index_template", None).await;
    assert_eq!(body["index_templates"][0]["name"], "t");
    assert_eq!(body["index_templates"][0]["index_template"]["index_patterns"], json!(["t-*"]));
    // Security APIs on a cluster without security.
    let (status, body) =
        call(&sim, Method::POST, "/_security/user/_has_privileges", Some(json!({"cluster": ["monitor"]}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "no handler found for uri [/_security/user/_has_privileges] and method [POST]");
}

#[tokio::test]
async fn d11_runs_on_each_known_leader_and_says_not_checked_for_the_others() {
    let (_l, local_sim, leader, local) = follower_of_myindex().await;
    let other = start_sim("other").await;
    client(&other).create_index("elsewhere", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    add_remote(&local_sim, "other", &[&other.transport_address.to_string()]).await;
    assert!(
        eventually(WAIT, || async { local.remote_info().await.unwrap().get("other").is_some_and(|r| r.connected) })
            .await
    );
    followers::follow(&local, "elsewhere-copy", "other", "elsewhere", FollowParameters::default()).await.unwrap();
    let followers = local.follow_info("_all").await.unwrap();
    let findings = doctor::leases::check_all(&known(Some(&leader)), "local", &followers, now_millis(), WAIT).await;
    let lease = find(&findings, CheckId::D11RetentionLeases, &Subject::Follower("copy".into()));
    assert_eq!(lease.verdict, Verdict::Pass);
    let other = find(&findings, CheckId::D11RetentionLeases, &Subject::Remote("other".into()));
    assert_eq!((other.verdict, other.key), (Verdict::NotChecked, "doctor-not-checked-no-leader"));
}

#[tokio::test]
async fn the_new_calls_are_bounded_too_and_a_timeout_says_not_checked() {
    use ccr_panel::sim::{Fault, FaultKind};
    let (_l, local_sim, leader, local) = follower_of_myindex().await;
    local_sim.sim.fail_allocation("copy", 0).unwrap();
    for path in ["/_cluster/allocation/explain", "/_ilm/policy", "/_security/user/_has_privileges"] {
        local_sim.sim.inject_fault(Fault::new(path, FaultKind::Hang { millis: 3_000 }));
    }
    let started = Instant::now();
    let options = GatherOptions { wait: Duration::from_millis(400), ..options() };
    let evidence = evidence::gather_with(&local, &known(Some(&leader)), options).await;
    assert!(started.elapsed() < Duration::from_millis(1_500), "bounded: {:?}", started.elapsed());
    let findings = doctor::diagnose(&evidence, now_millis());
    let d14 = find(&findings, CheckId::D14ShardAllocation, &Subject::Follower("copy".into()));
    assert_eq!((d14.verdict, d14.key), (Verdict::NotChecked, "doctor-not-checked-timeout"));
    let d7 = find(&findings, CheckId::D7Privileges, &Subject::Cluster);
    assert_eq!((d7.verdict, d7.key), (Verdict::NotChecked, "doctor-not-checked-timeout"));
}
