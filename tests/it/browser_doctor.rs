//! The doctor in a real headless Chromium against the demo's two clusters: the page, "Run
//! again" through htmx, the panel a follower's page loads, the overview's count, and the same
//! page in Chinese without an English sentence.

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
