//! `/doctor`: a healthy pair is all clear; a fault comes first with its explanation and fix;
//! the summary filters; a slow cluster gives a page within the bounded wait.

use std::time::{Duration, Instant};

use ccr_panel::ccr::followers;
use ccr_panel::es::{ClusterSettingsUpdate, FollowParameters};
use ccr_panel::sim::{Fault, FaultKind};

use super::{findings, pair_panel};
use crate::helpers::*;
use crate::replication::connected_pair;

#[tokio::test]
async fn a_healthy_pair_is_all_clear_and_the_leader_side_is_checked() {
    let (leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let panel = pair_panel(&local_sim, &leader_sim);
    let page = Visitor::new(&panel).get("/doctor").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.text("h1"), "Replication doctor");
    assert_eq!(page.text(".sidenav a[aria-current=page]"), "Doctor");
    assert!(page.text("#doctor-all-clear").contains("All clear"), "{}", page.text("#doctor-results"));
    assert_eq!(page.text("#doctor-summary a[data-verdict=fail]"), "0 Failing");
    let found = findings(&page);
    assert!(found.iter().all(|(_, _, verdict)| verdict == "pass"), "{found:?}");
    for (check, subject) in
        [("D1", "remote:leader"), ("D5", "remote:leader"), ("D6", "remote:leader"), ("D11", "follower:copy")]
    {
        assert!(found.contains(&(check.into(), subject.into(), "pass".into())), "{check} {subject}: {found:?}");
    }
    // A passed check says so in words, with its title and a link to its subject.
    let d9 = "li.finding[data-check=D9][data-subject='follower:copy']";
    assert_eq!(page.text(&format!("{d9} .check-title")), "Follower state");
    assert_eq!(page.text(&format!("{d9} .badge")), "Passed");
    assert_eq!(page.attr(&format!("{d9} .subject a"), "href").as_deref(), Some("/follower-indices/copy"));
}

#[tokio::test]
async fn a_removed_remote_comes_first_with_its_explanation_and_fix() {
    let (_leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), serde_json::Value::Null);
    local.put_cluster_settings(&update).await.unwrap();

    let panel = panel_for(&local_sim);
    let page = Visitor::new(&panel).get("/doctor").await;
    assert_eq!(page.status, 200);
    let found = findings(&page);
    assert_eq!(found[0], ("D3".into(), "follower:copy".into(), "fail".into()), "failures first: {found:?}");
    let first = "li.finding:first-child";
    assert!(page.text(&format!("{first} .explanation")).contains("the remote leader, which no longer exists"));
    assert_eq!(page.attr(&format!("{first} a.fix-page"), "href").as_deref(), Some("/remote-clusters/new"));
    assert!(page.html().select(&scraper::Selector::parse("#doctor-all-clear").unwrap()).next().is_none());
    let failing = found.iter().filter(|(_, _, v)| v == "fail").count();
    assert_eq!(page.text("#doctor-summary a[data-verdict=fail]"), format!("{failing} Failing"));

    // The summary filters, in the query string; without the leader's endpoint its side is
    // "not checked", and why.
    let only = Visitor::new(&panel).get("/doctor?verdict=fail").await;
    assert!(findings(&only).iter().all(|(_, _, v)| v == "fail"));
    assert_eq!(findings(&only).len(), failing);
    let not_checked = Visitor::new(&panel).get("/doctor?verdict=not_checked").await;
    assert!(not_checked.text("li.finding .explanation").contains("not one of the clusters this panel manages"));
}

#[tokio::test]
async fn a_fix_request_is_shown_as_console_and_curl() {
    let local_sim = start_sim_with({
        let mut config = ccr_panel::sim::SimConfig::new("local");
        config.license = ccr_panel::sim::LicenseKind::Basic;
        config
    })
    .await;
    let panel = panel_for(&local_sim);
    let page = Visitor::new(&panel).get("/doctor").await;
    let d5 = "li.finding[data-check=D5][data-subject=cluster]";
    assert_eq!(page.attr(d5, "data-verdict").as_deref(), Some("fail"));
    assert!(page.text(&format!("{d5} .explanation")).starts_with("Licence of this cluster: basic (active)."));
    assert_eq!(page.text(&format!("{d5} .fix-request summary")), "Show request");
    assert_eq!(
        page.text(&format!("{d5} .fix-request code[id$=-console]")),
        "POST /_license/start_trial?acknowledge=true"
    );
    let curl = page.text(&format!("{d5} .fix-request code[id$=-curl]"));
    assert!(
        curl.starts_with("curl -X POST \"http://")
            && curl.ends_with("/_license/start_trial?acknowledge=true\" -u \"$ES_USER\""),
        "{curl}"
    );
}

#[tokio::test]
async fn a_slow_cluster_gives_a_page_within_the_bounded_wait() {
    let local_sim = start_sim("local").await;
    local_sim.sim.inject_fault(Fault::new("/_nodes", FaultKind::Hang { millis: 10_000 }));
    let panel = panel_for(&local_sim);
    let started = Instant::now();
    let page = Visitor::new(&panel).get("/doctor").await;
    assert!(started.elapsed() < Duration::from_secs(7), "bounded: {:?}", started.elapsed());
    assert_eq!(page.status, 200);
    let d4 = "li.finding[data-check=D4]";
    assert_eq!(page.attr(d4, "data-verdict").as_deref(), Some("not_checked"));
    assert!(page.text(&format!("{d4} .explanation")).contains("timed out"), "{}", page.text(d4));
}

#[tokio::test]
async fn run_again_works_with_and_without_javascript() {
    let local_sim = start_sim("local").await;
    let panel = panel_for(&local_sim);
    let page = Visitor::new(&panel).get("/doctor?verdict=pass").await;
    // Without JavaScript the link reloads the page; htmx swaps in the results alone.
    assert_eq!(page.attr("#run-again", "href").as_deref(), Some("/doctor?verdict=pass"));
    assert_eq!(page.attr("#run-again", "hx-get").as_deref(), Some("/doctor/results?verdict=pass"));
    let fragment = get_with(&panel, "/doctor/results?verdict=pass", &[("hx-request", "true")]).await;
    assert_eq!(fragment.status, 200);
    assert!(!fragment.body.contains("<html"), "a fragment, not a page");
    assert!(fragment.text("#doctor-summary").contains("Passed"));
}

#[tokio::test]
async fn the_doctor_in_chinese_carries_no_english_sentence() {
    let (leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    local.pause_follow("copy").await.unwrap();
    let english = crate::i18n::english_sentences();
    for panel in [super::pair_panel(&local_sim, &leader_sim), panel_for(&local_sim)] {
        for path in ["/doctor", "/doctor/panel?subject=follower:copy", "/doctor/count"] {
            let page = get_with(&panel, path, &[("accept-language", "zh-CN")]).await;
            assert_eq!(page.status, 200, "{path}");
            let text = page.texts("body").join(" ");
            for sentence in &english {
                assert!(!text.contains(sentence.as_str()), "{path} in zh-CN shows English: {sentence}");
            }
        }
    }
    let page = get_with(&panel_for(&local_sim), "/doctor", &[("accept-language", "zh-CN")]).await;
    assert_eq!(page.text("h1"), "复制诊断");
    assert!(page.text("li.finding[data-check=D9] .explanation").contains("此 Follower 索引已暂停"));
    assert!(
        page.text("li.finding[data-check=D5][data-subject=cluster] .explanation").starts_with("本集群的许可证：试用。")
    );
}

#[tokio::test]
async fn a_managed_leader_that_does_not_answer_is_named_not_called_unmanaged() {
    let (leader_sim, local_sim, _leader, local) = connected_pair().await;
    followers::follow(&local, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    leader_sim.sim.inject_fault(Fault::new("/_nodes", FaultKind::Hang { millis: 10_000 }));
    let panel = pair_panel(&local_sim, &leader_sim);
    let started = Instant::now();
    let page = Visitor::new(&panel).get("/doctor").await;
    assert!(started.elapsed() < Duration::from_secs(10), "bounded: {:?}", started.elapsed());
    let leader_side = "li.finding[data-subject='remote:leader'][data-verdict=not_checked] .explanation";
    let texts = page.texts(leader_side);
    assert!(!texts.is_empty(), "{:?}", findings(&page));
    for text in texts {
        assert!(!text.contains("not one of the clusters this panel manages"), "{text}");
        assert!(text.contains("the panel manages leader, which did not answer in time"), "{text}");
    }
}

/// Findings a page at a time: 120 followers give hundreds of findings; each verdict shows 50,
/// counts them all, and its own pages go through every one exactly once.
#[tokio::test]
async fn many_findings_come_a_page_at_a_time_and_every_one_is_reachable() {
    use ccr_panel::sim::follower::FollowerState;
    use ccr_panel::sim::state::Index;
    let local = start_sim("local").await;
    {
        let mut state = local.sim.state();
        for i in 0..120 {
            let mut index = Index::new(format!("uuid-{i}"), Default::default());
            let follower =
                FollowerState::new("leader", &format!("logs-{i:03}"), "leader-uuid", serde_json::Value::Null, 1);
            index.follower = Some(follower);
            state.indices.insert(format!("copy-{i:03}"), index);
        }
    }
    let panel = panel_for(&local);
    let json = Visitor::new(&panel).get("/doctor.json").await;
    let report: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let count_of =
        |verdict: &str| report["checks"].as_array().unwrap().iter().filter(|f| f["verdict"] == verdict).count();

    let page = Visitor::new(&panel).get("/doctor").await;
    assert_eq!(page.status, 200);
    let mut paged = Vec::new();
    for verdict in ["fail", "warn", "not_checked", "pass"] {
        let total = count_of(verdict);
        let shown = findings(&page).into_iter().filter(|f| f.2 == verdict).count();
        assert_eq!(shown, total.min(50), "{verdict}");
        if total > 50 {
            paged.push((verdict, total));
            let group = format!("section[data-verdict={verdict}]");
            assert_eq!(page.text(&format!("{group} h2")).rsplit(' ').next().unwrap(), total.to_string());
            assert_eq!(page.text(&format!("#doctor-pages-{verdict} .doctor-range")), format!("1–50 of {total}"));
            let nav = page
                .html()
                .select(&scraper::Selector::parse(&format!("#doctor-pages-{verdict}")).unwrap())
                .next()
                .unwrap()
                .html();
            let see_all = page.attr(&format!("#doctor-pages-{verdict} a.doctor-see-all"), "href").expect(&nav);
            assert_eq!(see_all, format!("/doctor?verdict={verdict}"));
        }
    }
    assert!(!paged.is_empty(), "120 followers give more than 50 findings of some verdict");

    for (verdict, total) in paged {
        let mut seen = std::collections::BTreeSet::new();
        let mut next = Some(format!("/doctor?verdict={verdict}"));
        let mut pages = 0;
        while let Some(url) = next {
            local.sim.clear_requests();
            let page = Visitor::new(&panel).get(&url).await;
            if url.contains("page=") {
                // Turning a page shows the report just made, not a new run.
                let asked: Vec<String> = local.sim.requests().into_iter().map(|r| r.path).collect();
                assert!(!asked.iter().any(|p| p.contains("_ccr")), "{url}: {asked:?}");
            }
            assert_eq!(page.status, 200, "{url}");
            let on_page = findings(&page);
            assert!(on_page.len() <= 50 && !on_page.is_empty(), "{url}");
            assert!(on_page.iter().all(|f| f.2 == verdict), "{url}: only the chosen verdict");
            for f in on_page {
                assert!(seen.insert((f.0, f.1)), "{url}: a finding shown twice");
            }
            next = page.attr(&format!("#doctor-pages-{verdict} a[rel=next]"), "href");
            pages += 1;
        }
        assert_eq!(seen.len(), total, "{verdict}: every finding on exactly one page");
        assert_eq!(pages, total.div_ceil(50));
        // Past the end: the last page, with a way back.
        let last = Visitor::new(&panel).get(&format!("/doctor?verdict={verdict}&page=999")).await;
        assert_eq!(findings(&last).len(), total - (pages - 1) * 50);
        assert!(last.attr(&format!("#doctor-pages-{verdict} a[rel=prev]"), "href").is_some());
    }
}
