//! The auto-follow pattern screens in a real headless Chromium against two simulators: a
//! pattern with an exclusion and a suffix follows only new matching indices, the preview said
//! the existing one would not be followed, pause and resume work, and deleting leaves the
//! followers it made; in both languages.

use std::time::Duration;

use ccr_panel::demo;
use serde_json::json;

use super::{browser, click, demo_panel, fill, shows, text};
use crate::helpers::eventually;

#[tokio::test]
async fn a_pattern_follows_only_new_matches_pauses_resumes_and_deletes_in_chromium() {
    let (clusters, base) = demo_panel().await;
    let local = super::connect_leader(&clusters).await;
    let leader = demo::client_for(&clusters.leader);
    leader.create_index("logs-old", &json!({})).await.unwrap();

    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/auto-follow-patterns")).await.unwrap();
    assert_eq!(text(&client, "#patterns-empty h2").await, "No auto-follow patterns yet");
    click(&client, "#add-pattern").await;
    assert!(shows(&client, "h1", "Add an auto-follow pattern").await);
    fill(&client, "#name", "logs").await;
    click(&client, "#remote_cluster option[value=leader]").await;
    fill(&client, "#leader_index_patterns", "logs-*").await;
    fill(&client, "#leader_index_exclusion_patterns", "logs-debug-*").await;
    fill(&client, "#follow_index_suffix", "-copy").await;
    // The live preview: the existing index is listed as one that will not be followed.
    assert!(shows(&client, "#preview-existing", "logs-old").await, "the preview lists logs-old");
    assert!(shows(&client, "#existing-not-followed-note", "will NOT be followed").await);
    assert!(shows(&client, "#preview-console", "\"logs-debug-*\"").await);
    click(&client, "#save").await;
    assert!(shows(&client, "#flash", "Auto-follow pattern logs created").await);
    assert!(shows(&client, "#existing-matches", "logs-old-copy").await, "offered to follow logs-old now");

    leader.create_index("logs-a", &json!({})).await.unwrap();
    for i in 1..=3 {
        leader.index_doc("logs-a", Some(&i.to_string()), &json!({"n": i})).await.unwrap();
    }
    leader.create_index("logs-debug-a", &json!({})).await.unwrap();
    let copied =
        eventually(Duration::from_secs(10), || async { local.count("logs-a-copy").await.unwrap_or(0) == 3 }).await;
    assert!(copied, "logs-a-copy appears with its documents");
    client.goto(&format!("{base}/auto-follow-patterns")).await.unwrap();
    assert!(shows(&client, "tr[data-pattern=logs] [data-col=followers]", "logs-a-copy").await);
    assert!(!local.index_exists("logs-debug-a-copy").await.unwrap(), "excluded");
    assert!(!local.index_exists("logs-old-copy").await.unwrap(), "existed before the pattern");

    // Pause: the next new index is not followed. Resume.
    client.goto(&format!("{base}/auto-follow-patterns/logs")).await.unwrap();
    click(&client, "#pause-pattern").await;
    assert!(shows(&client, "#pattern-status", "Paused").await);
    leader.create_index("logs-b", &json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!local.index_exists("logs-b-copy").await.unwrap(), "not followed while paused");
    click(&client, "#resume-pattern").await;
    assert!(shows(&client, "#pattern-status", "Active").await);

    // Delete: the confirmation says the followers stay; they do.
    click(&client, "#delete-pattern").await;
    assert!(shows(&client, "#followers-stay", "keep replicating").await);
    click(&client, "#confirm-delete").await;
    assert!(shows(&client, "#flash", "Deleted: logs").await);
    assert!(shows(&client, "#patterns-empty", "No auto-follow patterns yet").await);
    assert!(local.index_exists("logs-a-copy").await.unwrap(), "the followers it made stay");
    leader.index_doc("logs-a", Some("4"), &json!({"n": 4})).await.unwrap();
    let still =
        eventually(Duration::from_secs(10), || async { local.count("logs-a-copy").await.unwrap_or(0) == 4 }).await;
    assert!(still, "and keep replicating");

    // Several at once from the list (htmx-boosted form, the button's own address).
    for name in ["one", "two"] {
        let body = json!({"remote_cluster": "leader", "leader_index_patterns": [format!("{name}-*")]});
        local.put_auto_follow_pattern_raw(name, &body).await.unwrap();
    }
    client.goto(&format!("{base}/auto-follow-patterns")).await.unwrap();
    click(&client, "tr[data-pattern=one] input[type=checkbox]").await;
    click(&client, "tr[data-pattern=two] input[type=checkbox]").await;
    click(&client, "#pause-selected").await;
    assert!(shows(&client, "#flash", "Paused: one, two").await);
    assert!(shows(&client, "tr[data-pattern=one] [data-col=status]", "Paused").await);
    assert!(shows(&client, "tr[data-pattern=two] [data-col=status]", "Paused").await);

    // In Chinese.
    client.find(fantoccini::Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    click(&client, "form[action='/preferences/language'] button").await;
    assert!(shows(&client, "h1", "自动跟随模式").await);
    client.goto(&format!("{base}/auto-follow-patterns/new")).await.unwrap();
    assert!(shows(&client, "h1", "添加自动跟随模式").await);
    fill(&client, "#name", "日志").await;
    click(&client, "#remote_cluster option[value=leader]").await;
    fill(&client, "#leader_index_patterns", "logs-*").await;
    assert!(shows(&client, "#existing-not-followed-note", "不会被跟随").await);
    assert!(shows(&client, "#preview-existing", "logs-old").await);
    client.close().await.unwrap();
}
