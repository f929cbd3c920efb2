//! The follower index screens in a real headless Chromium against two simulators: create a
//! follower through the form, watch it catch up, pause, resume, edit a setting, convert it to
//! a regular index, and the same pages in Chinese.

use std::time::Duration;

use ccr_panel::demo;
use fantoccini::{Client, Locator};
use serde_json::json;

use super::{browser, click, connect_leader, demo_panel, fill, shows, text};
use crate::helpers::eventually;

async fn create_through_the_form(client: &Client, base: &str, follower: &str) {
    client.goto(&format!("{base}/follower-indices/new")).await.unwrap();
    click(client, "#remote_cluster option[value=leader]").await;
    fill(client, "#leader_index", "myindex").await;
    fill(client, "#follower_index", follower).await;
    assert!(shows(client, "#preview-console", &format!("PUT /{follower}/_ccr/follow")).await, "the live preview");
    click(client, "#save").await;
}

#[tokio::test]
async fn a_follower_from_creation_to_a_regular_index_in_chromium() {
    let (clusters, base) = demo_panel().await;
    let local = connect_leader(&clusters).await;
    let leader = demo::client_for(&clusters.leader);
    let (_driver, client) = browser().await;

    create_through_the_form(&client, &base, "myindex-copy").await;
    assert!(shows(&client, "#follower-status", "Active").await, "the detail page shows it Active");
    for i in 6..=10 {
        leader.index_doc("myindex", Some(&i.to_string()), &json!({"n": i})).await.unwrap();
    }
    let counted =
        eventually(Duration::from_secs(15), || async { local.count("myindex-copy").await.unwrap_or(0) == 10 }).await;
    assert!(counted, "every document reached the follower");
    let caught_up = eventually(Duration::from_secs(15), || async {
        let lag = client.find(Locator::Css("#follower-lag")).await;
        match lag {
            Ok(element) => element.text().await.is_ok_and(|t| t == "0"),
            Err(_) => false,
        }
    })
    .await;
    assert!(caught_up, "the lag reaches zero on the page (it refreshes itself)");
    assert!(shows(&client, "#follower-shards tbody td", "9 / 9").await, "checkpoints per shard");

    // Pause from the list: Paused at once, without reloading the page.
    client.goto(&format!("{base}/follower-indices")).await.unwrap();
    click(&client, "tr[data-follower=myindex-copy] .actions button").await;
    assert!(shows(&client, "tr[data-follower=myindex-copy] td.status", "Paused").await);
    click(&client, "tr[data-follower=myindex-copy] .actions button").await;
    assert!(shows(&client, "tr[data-follower=myindex-copy] td.status", "Active").await);

    // Edit a setting; it is kept through a pause and a resume.
    client.goto(&format!("{base}/follower-indices/myindex-copy/edit")).await.unwrap();
    fill(&client, "#max_read_request_operation_count", "777").await;
    click(&client, "#save").await;
    assert!(shows(&client, "h1", "Follower settings changed").await);
    client.goto(&format!("{base}/follower-indices/myindex-copy")).await.unwrap();
    click(&client, "#pause").await;
    assert!(shows(&client, "#follower-status", "Paused").await);
    click(&client, "#resume").await;
    assert!(shows(&client, "#follower-status", "Active").await);
    assert!(shows(&client, "tr[data-setting=max_read_request_operation_count]", "777").await, "kept after resume");

    // Convert: asks first, then a regular, open, writable index with every document.
    click(&client, "#unfollow").await;
    click(&client, "#confirm").await;
    click(&client, "#convert").await;
    assert!(shows(&client, ".index-state", "The index is open and a regular index.").await);
    local.index_doc("myindex-copy", Some("local"), &json!({"n": 11})).await.expect("writable");
    assert_eq!(local.count("myindex-copy").await.unwrap(), 11);
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_follower_pages_in_chinese() {
    let (clusters, base) = demo_panel().await;
    connect_leader(&clusters).await;
    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/follower-indices")).await.unwrap();
    client.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    click(&client, "form[action='/preferences/language'] button").await;
    assert!(shows(&client, "h1", "Follower 索引").await);
    assert_eq!(text(&client, ".empty h2").await, "还没有 Follower 索引");
    create_through_the_form(&client, &base, "zh-copy").await;
    assert!(shows(&client, "#follower-status", "活动中").await);
    client.goto(&format!("{base}/follower-indices")).await.unwrap();
    assert_eq!(text(&client, "tr[data-follower=zh-copy] td.status").await, "活动中");
    assert_eq!(text(&client, "#pause-selected").await, "暂停所选");
    client.goto(&format!("{base}/follower-indices/zh-copy/unfollow")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "转换为普通索引");
    client.close().await.unwrap();
}
