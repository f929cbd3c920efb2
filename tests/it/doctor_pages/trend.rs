//! D10 on the doctor's screens: the HTML never waits for a second lag reading. With no usable
//! earlier reading it says "one reading so far" and asks for the trend again after the pause
//! (htmx; a link without JavaScript), which reads `_ccr/info` and `_ccr/stats` only; a visit a
//! second later has its trend at once. `/doctor.json` waits, for a complete answer.

use std::time::Duration;

use ccr_panel::ccr::followers;
use ccr_panel::es::{EsClient, FollowParameters};
use ccr_panel::sim::SimServer;
use reqwest::Method;
use serde_json::json;

use super::findings;
use crate::helpers::*;
use crate::replication::connected_pair;

const BUSY: &str = "li.finding[data-check=D10][data-subject='follower:busy-copy']";

/// A follower far behind its leader, catching up one operation a read (minutes of lag).
pub(crate) async fn a_lagging_follower() -> (SimServer, SimServer, EsClient) {
    let (leader_sim, local_sim, leader, local) = connected_pair().await;
    leader.create_index("busy", &json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    let slow = FollowParameters {
        max_read_request_operation_count: Some(1),
        max_outstanding_read_requests: Some(1),
        ..Default::default()
    };
    followers::follow(&local, "busy-copy", "leader", "busy", slow).await.unwrap();
    let lines: String = (0..500).map(|i| format!("{{\"index\":{{\"_id\":\"{i}\"}}}}\n{{\"n\":{i}}}\n")).collect();
    let (status, _) = crate::sim_docs::raw(&leader_sim.url(), Method::POST, "/busy/_bulk", Some(&lines)).await;
    assert_eq!(status, 200);
    let behind = eventually(Duration::from_secs(5), || async {
        let stats = local.follow_stats("busy-copy").await.unwrap();
        followers::list::lag_of_stats(&stats.indices[0]) > 400
    })
    .await;
    assert!(behind, "the follower sees the leader ahead");
    (leader_sim, local_sim, local)
}

/// The paths of the requests `sim` received since it last forgot them.
fn paths(sim: &SimServer) -> Vec<String> {
    sim.sim.requests().into_iter().map(|r| r.path).collect()
}

fn stats_reads(sim: &SimServer) -> usize {
    paths(sim).iter().filter(|p| p.as_str() == "/_ccr/stats").count()
}

#[tokio::test]
async fn the_page_does_not_wait_for_a_second_lag_reading_and_asks_for_the_trend_after_the_pause() {
    let (_leader_sim, local_sim, _local) = a_lagging_follower().await;
    let panel = panel_for(&local_sim);
    local_sim.sim.clear_requests();
    let page = Visitor::new(&panel).get("/doctor?verdict=not_checked").await;
    assert_eq!(page.status, 200);
    assert_eq!(stats_reads(&local_sim), 1, "one lag reading, no pause for a second: {:?}", paths(&local_sim));
    // Honest: not a pass, and it says why and what happens next.
    assert_eq!(page.attr(BUSY, "data-verdict").as_deref(), Some("not_checked"), "{:?}", findings(&page));
    let explanation = page.text(&format!("{BUSY} .explanation"));
    assert!(explanation.starts_with("One lag reading so far:"), "{explanation}");
    assert!(explanation.contains("operations behind"), "{explanation}");
    // With htmx the results ask again after the pause; without, a link measures the trend.
    assert_eq!(
        page.attr("#doctor-results", "hx-get").as_deref(),
        Some("/doctor/results?trend=true&verdict=not_checked")
    );
    assert_eq!(page.attr("#doctor-results", "hx-trigger").as_deref(), Some("load delay:1000ms"));
    assert!(page.text("#doctor-trend-pending").contains("one lag reading so far"));
    assert_eq!(page.attr("#doctor-measure-trend", "href").as_deref(), Some("/doctor?trend=true&verdict=not_checked"));

    // After the pause, the trend: D10 alone is read again (_ccr/info and _ccr/stats), no pause.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    local_sim.sim.clear_requests();
    let started = std::time::Instant::now();
    let fragment = get_with(&panel, "/doctor/results?trend=true", &[("hx-request", "true")]).await;
    assert!(started.elapsed() < Duration::from_millis(900), "no pause: {:?}", started.elapsed());
    assert_eq!(fragment.status, 200);
    let mut asked = paths(&local_sim);
    asked.sort();
    assert_eq!(asked, ["/_all/_ccr/info", "/_ccr/stats"]);
    let verdict = fragment.attr(BUSY, "data-verdict").unwrap_or_default();
    assert!(verdict == "warn" || verdict == "pass", "a trend: {verdict} {:?}", findings(&fragment));
    assert!(fragment.text(&format!("{BUSY} .explanation")).contains(" s ago"), "{}", fragment.text(BUSY));
    // Measured: nothing asks again.
    assert_eq!(fragment.attr("#doctor-results", "hx-trigger"), None);
    assert!(fragment.html().select(&scraper::Selector::parse("#doctor-trend-pending").unwrap()).next().is_none());
}

#[tokio::test]
async fn a_second_visit_a_second_later_has_its_trend_without_a_pause() {
    let (_leader_sim, local_sim, _local) = a_lagging_follower().await;
    let panel = panel_for(&local_sim);
    let first = Visitor::new(&panel).get("/doctor").await;
    assert_eq!(first.attr(BUSY, "data-verdict").as_deref(), Some("not_checked"));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    local_sim.sim.clear_requests();
    // "Run again" without JavaScript: the page itself, a new run.
    let again = Visitor::new(&panel).get("/doctor").await;
    assert_eq!(stats_reads(&local_sim), 1, "the history's reading serves: {:?}", paths(&local_sim));
    assert_ne!(again.attr(BUSY, "data-verdict").as_deref(), Some("not_checked"), "{:?}", findings(&again));
    assert!(again.text(&format!("{BUSY} .explanation")).contains("1 s ago"), "{}", again.text(BUSY));

    // "Measure the trend" without JavaScript; "Run again" from there is a new run, not that.
    let measured = Visitor::new(&panel).get("/doctor?trend=true&verdict=pass").await;
    assert_eq!(measured.status, 200);
    assert_eq!(measured.attr("#run-again", "href").as_deref(), Some("/doctor?verdict=pass"));
}

#[tokio::test]
async fn the_panel_and_the_count_ask_for_the_trend_again_too() {
    let (leader_sim, local_sim, _local) = a_lagging_follower().await;
    let panel = super::pair_panel(&local_sim, &leader_sim);
    let fragment = get_with(&panel, "/doctor/panel?subject=follower:busy-copy", &[("hx-request", "true")]).await;
    assert_eq!(fragment.attr(BUSY, "data-verdict").as_deref(), Some("not_checked"));
    assert_eq!(
        fragment.attr("#doctor-panel", "hx-get").as_deref(),
        Some("/doctor/panel?subject=follower:busy-copy&trend=true")
    );
    assert_eq!(fragment.attr("#doctor-panel", "hx-trigger").as_deref(), Some("load delay:1000ms"));
    let card = get_with(&panel, "/doctor/count", &[("hx-request", "true")]).await;
    assert_eq!(card.attr("#health-doctor", "hx-get").as_deref(), Some("/doctor/count?trend=true"));
    // A healthy follower's panel does not ask again.
    let other = get_with(&panel, "/doctor/panel?subject=remote:leader", &[("hx-request", "true")]).await;
    assert_eq!(other.attr("#doctor-panel", "hx-trigger"), None);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    local_sim.sim.clear_requests();
    let (measured, card) = tokio::join!(
        get_with(&panel, "/doctor/panel?subject=follower:busy-copy&trend=true", &[("hx-request", "true")]),
        get_with(&panel, "/doctor/count?trend=true", &[("hx-request", "true")]),
    );
    assert_ne!(measured.attr(BUSY, "data-verdict").as_deref(), Some("not_checked"), "{:?}", findings(&measured));
    assert_eq!(measured.attr("#doctor-panel", "hx-trigger"), None);
    assert_eq!(card.attr("#health-doctor", "hx-trigger"), None);
    assert_eq!(stats_reads(&local_sim), 1, "one measurement shared: {:?}", paths(&local_sim));
}

#[tokio::test]
async fn the_json_waits_for_the_second_reading_and_gives_the_trend() {
    let (_leader_sim, local_sim, _local) = a_lagging_follower().await;
    let panel = panel_for(&local_sim);
    local_sim.sim.clear_requests();
    let page = get(&panel, "/doctor.json").await;
    assert_eq!(page.status, 200);
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let d10 = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "D10" && c["subject"] == "follower:busy-copy")
        .cloned()
        .unwrap();
    assert_ne!(d10["verdict"], "not_checked", "{d10}");
    assert!(d10["explanation"].as_str().unwrap().contains(" s ago"), "{d10}");
    assert_eq!(stats_reads(&local_sim), 2, "two readings, a pause apart: {:?}", paths(&local_sim));
}

#[tokio::test]
async fn one_reading_so_far_in_chinese() {
    let (_leader_sim, local_sim, _local) = a_lagging_follower().await;
    let page = get_with(&panel_for(&local_sim), "/doctor", &[("accept-language", "zh-CN")]).await;
    assert!(page.text(&format!("{BUSY} .explanation")).starts_with("目前只有一次延迟读数："));
    assert_eq!(page.text("#doctor-measure-trend"), "测量趋势");
    let english = crate::i18n::english_sentences();
    let text = page.texts("body").join(" ");
    for sentence in &english {
        assert!(!text.contains(sentence.as_str()), "zh-CN shows English: {sentence}");
    }
}
