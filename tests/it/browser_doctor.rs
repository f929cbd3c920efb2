//! The doctor in a real headless Chromium against the demo's two clusters: the page, "Run
//! again" through htmx, the panel a follower's page loads, the overview's count, the same
//! page in Chinese without an English sentence, and a lag trend that fills in by itself after
//! "one reading so far".

use fantoccini::Locator;

use super::{browser, click, connect_leader, demo_panel, shows, text};

#[tokio::test]
async fn the_doctor_in_both_languages_in_chromium() {
    let (clusters, base) = demo_panel().await;
    let local = connect_leader(&clusters).await;
    ccr_panel::ccr::followers::follow(&local, "myindex-copy", "leader", "myindex", Default::default()).await.unwrap();
    local.pause_follow("myindex-copy").await.unwrap();
    let (_driver, client) = browser().await;

    client.goto(&format!("{base}/doctor")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "Replication doctor");
    let paused = "li.finding[data-check=D9][data-subject='follower:myindex-copy']";
    assert!(shows(&client, &format!("{paused} .explanation"), "The follower is paused").await);
    assert_eq!(text(&client, &format!("{paused} .badge")).await, "Warning");
    // The leader is one of the configured clusters: its side is checked.
    assert_eq!(text(&client, "li.finding[data-check=D6][data-subject='remote:leader'] .badge").await, "Passed");

    // "Run again" swaps the results in place (htmx), and they still hold the finding.
    click(&client, "#run-again").await;
    assert!(shows(&client, &format!("{paused} .explanation"), "The follower is paused").await);
    assert!(shows(&client, "#doctor-summary", "1 Warning").await);

    // The follower's page loads the findings about it after it shows.
    client.goto(&format!("{base}/follower-indices/myindex-copy")).await.unwrap();
    assert!(shows(&client, &format!("#doctor-panel {paused} .explanation"), "The follower is paused").await);
    // The overview's card fills in with the failing count.
    client.goto(&format!("{base}/")).await.unwrap();
    assert!(shows(&client, "#doctor-failing", "0").await);

    // In Chinese: the same page, no English sentence of the catalog.
    client.goto(&format!("{base}/doctor")).await.unwrap();
    client.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    click(&client, "form[action='/preferences/language'] button").await;
    assert!(shows(&client, "h1", "复制诊断").await, "the doctor switched to Chinese");
    assert!(shows(&client, &format!("{paused} .explanation"), "此 Follower 索引已暂停").await);
    assert_eq!(text(&client, &format!("{paused} .badge")).await, "警告");
    let body = text(&client, "body").await;
    for sentence in crate::i18n::english_sentences() {
        assert!(!body.contains(sentence.as_str()), "the Chinese doctor shows English: {sentence}");
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_lag_trend_fills_in_by_itself_after_one_reading_in_chromium() {
    let (clusters, base) = demo_panel().await;
    let local = connect_leader(&clusters).await;
    let leader = ccr_panel::demo::client_for(&clusters.leader);
    leader.create_index("busy", &serde_json::json!({"settings": {"index.number_of_replicas": 0}})).await.unwrap();
    let slow = ccr_panel::es::FollowParameters {
        max_read_request_operation_count: Some(1),
        max_outstanding_read_requests: Some(1),
        ..Default::default()
    };
    ccr_panel::ccr::followers::follow(&local, "busy-copy", "leader", "busy", slow).await.unwrap();
    let lines: String = (0..500).map(|i| format!("{{\"index\":{{\"_id\":\"{i}\"}}}}\n{{\"n\":{i}}}\n")).collect();
    let (status, _) =
        crate::sim_docs::raw(&clusters.leader.url(), reqwest::Method::POST, "/busy/_bulk", Some(&lines)).await;
    assert_eq!(status, 200);
    let behind = crate::helpers::eventually(std::time::Duration::from_secs(5), || async {
        let stats = local.follow_stats("busy-copy").await.unwrap();
        ccr_panel::ccr::followers::list::lag_of_stats(&stats.indices[0]) > 400
    })
    .await;
    assert!(behind);
    let (_driver, client) = browser().await;

    client.goto(&format!("{base}/doctor")).await.unwrap();
    let busy = "li.finding[data-check=D10][data-subject='follower:busy-copy']";
    // The page came back at once with one reading, then measures the trend by itself.
    let first = text(&client, &format!("{busy} .explanation")).await;
    assert!(first.starts_with("One lag reading so far"), "{first}");
    assert!(shows(&client, &format!("{busy} .explanation"), " s ago").await, "the trend filled in");
    assert!(client.find(Locator::Css("#doctor-trend-pending")).await.is_err(), "nothing left to measure");
    client.close().await.unwrap();
}
