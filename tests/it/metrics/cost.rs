//! What a scrape costs Elasticsearch: the same few calls for 10 followers as for 1,000; ten
//! scrapers at once cost one reading; a cluster that does not answer gives a fast scrape.

use std::time::Instant;

use ccr_panel::sim::{Fault, FaultKind};

use super::*;

/// The requests one scrape sent, and its body.
async fn requests_of_one_scrape(local: &SimServer) -> (Vec<String>, String) {
    local.sim.clear_requests();
    let panel = panel(local, None, uncached(), TOKEN);
    let body = scrape(&panel).await;
    let sent = local.sim.requests().into_iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    (sent, body)
}

#[tokio::test]
async fn a_scrape_costs_the_same_calls_for_ten_followers_as_for_a_thousand() {
    let (few, many) = tokio::join!(cluster_with_followers(10), cluster_with_followers(1000));
    let (few_sent, few_body) = requests_of_one_scrape(&few).await;
    let (many_sent, many_body) = requests_of_one_scrape(&many).await;
    let status = "elasticsearch_ccr_follower_index_status";
    assert_eq!(samples(&few_body, status).len(), 10 * 3);
    assert_eq!(samples(&many_body, status).len(), 1000 * 3, "every follower is there");
    let (mut few_sorted, mut many_sorted) = (few_sent.clone(), many_sent.clone());
    few_sorted.sort();
    many_sorted.sort();
    assert_eq!(few_sorted, many_sorted, "the same calls whatever the number of followers");
    // Four reads for the series, twelve for the doctor (which runs at most once a minute).
    assert!(many_sent.len() <= 16, "a handful (the doctor's reads included): {many_sent:?}");
    let reported = value(&many_body, "ccr_panel_es_requests_total", &[("cluster", "local")]).unwrap();
    assert_eq!(reported as usize, many_sent.len(), "the panel counts what it sent");
}

#[tokio::test]
async fn ten_scrapers_at_once_cost_one_reading() {
    let local = start_sim("local").await;
    // Every read takes a moment, so that the ten scrapes overlap.
    local.sim.inject_fault(Fault::new("/_ccr/stats", FaultKind::Hang { millis: 300 }));
    let cached = Settings { cache: Duration::from_secs(30), ..uncached() };
    let (_, single) = {
        let lone = start_sim("lone").await;
        lone.sim.inject_fault(Fault::new("/_ccr/stats", FaultKind::Hang { millis: 300 }));
        let panel = panel(&lone, None, cached, TOKEN);
        scrape(&panel).await;
        (lone.sim.clear_faults(), lone.sim.requests().len())
    };
    let panel = panel(&local, None, cached, TOKEN);
    let scrapes = (0..10).map(|_| scrape(&panel));
    let bodies = futures_util::future::join_all(scrapes).await;
    assert!(bodies.iter().all(|b| value(b, "ccr_panel_scrape_success", &[("cluster", "local")]) == Some(1.0)));
    assert_eq!(local.sim.requests().len(), single, "ten scrapers, one set of calls");
    scrape(&panel).await;
    assert_eq!(local.sim.requests().len(), single, "within --metrics-cache, none at all");
}

#[tokio::test]
async fn a_cluster_that_does_not_answer_gives_a_fast_scrape_that_says_so() {
    let (fast, slow) = tokio::join!(start_sim("fast"), start_sim("slow"));
    slow.sim.inject_fault(Fault::new("/", FaultKind::Hang { millis: 20_000 }));
    let settings = Settings { timeout: Duration::from_millis(500), ..uncached() };
    let clusters = [("fast", client(&fast)), ("slow", client(&slow))];
    let managed = clusters.iter().map(|(n, c)| ManagedCluster { name: (*n).into(), client: c.clone() }).collect();
    let panel =
        app(AppState::new(managed, AuthSettings::anonymous()).with_metrics(endpoint(&clusters, settings, Some(TOKEN))));
    let started = Instant::now();
    let body = scrape(&panel).await;
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert_eq!(value(&body, "ccr_panel_scrape_success", &[("cluster", "slow")]), Some(0.0));
    assert_eq!(value(&body, "ccr_panel_scrape_error", &[("cluster", "slow"), ("error", "timed_out")]), Some(1.0));
    assert_eq!(value(&body, "ccr_panel_scrape_success", &[("cluster", "fast")]), Some(1.0));
}

#[tokio::test]
async fn the_reads_ask_only_for_what_they_use() {
    let local = cluster_with_followers(3).await;
    let (sent, _) = requests_of_one_scrape(&local).await;
    let requests = local.sim.requests();
    for path in ["/_all/_ccr/info", "/_ccr/stats", "/ccr-panel-follow-settings/_search"] {
        let filtered = requests.iter().filter(|r| r.path == path).any(|r| r.query.contains("filter_path="));
        assert!(filtered, "{path} is trimmed with filter_path: {sent:?}");
    }
    // The simulator trims as Elasticsearch does (error bodies never).
    let http = reqwest::Client::new();
    let trimmed: serde_json::Value = http
        .get(format!("{}/_ccr/stats?filter_path=follow_stats.indices.index", local.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> =
        trimmed["follow_stats"]["indices"].as_array().unwrap().iter().map(|i| i["index"].as_str().unwrap()).collect();
    assert_eq!(names, ["follower-0000", "follower-0001", "follower-0002"]);
    assert_eq!(trimmed["follow_stats"]["indices"][0].as_object().unwrap().len(), 1, "{trimmed}");
    assert!(trimmed.get("auto_follow_stats").is_none());
    let missing = http.get(format!("{}/nope/_stats?filter_path=indices", local.url())).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let error: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(error["error"]["type"], "index_not_found_exception");
}
