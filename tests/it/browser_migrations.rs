//! The guided migration in a real headless Chromium, against two simulated 7.10 clusters, the
//! leader like one vendor's managed clusters: plan, prepare (re-index `legacy`, clear the
//! physical-replication setting), connect, follow while documents arrive, verify, cut over;
//! then the overview in both languages.

use std::net::SocketAddr;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use super::{browser, click, fill, shows, text};
use crate::helpers::{client, eventually};
use crate::migrations::{TwoClusters, documents};

async fn outcome(client: &Client, step: &str, index: &str) -> String {
    let css = format!("#step-{step} tr[data-index='{index}'] [data-key]");
    match client.find(Locator::Css(&css)).await {
        Ok(element) => element.attr("data-key").await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Whether the step's row for `index` comes to show `key` within 15 s: after a submit the next
/// page may still be loading, and a step's outcome may take a few refreshes (seen in CI).
async fn comes_to(client: &Client, step: &str, index: &str, key: &str) -> bool {
    eventually(Duration::from_secs(15), || async { outcome(client, step, index).await == key }).await
}

#[tokio::test]
async fn a_whole_migration_through_the_pages_in_chromium() {
    let clusters = TwoClusters::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    let panel = clusters.panel();
    tokio::spawn(async move { axum::serve(listener, panel).await });
    let base = format!("http://{address}");
    let (old, new) = (client(&clusters.leader), client(&clusters.local));
    let (_driver, browser) = browser().await;

    browser.goto(&format!("{base}/migrations")).await.unwrap();
    assert_eq!(text(&browser, ".empty h2").await, "No migration yet");
    click(&browser, "#new-migration").await;
    click(&browser, "#leader_cluster option[value=old]").await;
    fill(&browser, "#leader_indices", "legacy\norders").await;
    click(&browser, "#create-migration").await;
    assert!(shows(&browser, "#next-action", "Prepare the leader indices").await);

    // Prepare: a confirmation first, then again until the re-indexed copy is adopted.
    let mut ready = false;
    for _ in 0..30 {
        click(&browser, "#run-next button").await;
        assert!(shows(&browser, "#what-will-happen", "closed briefly").await);
        click(&browser, "#confirm-step").await;
        assert!(shows(&browser, "#flash", "Prepare the leader indices").await);
        if outcome(&browser, "prepare", "legacy").await == "migration-ready" {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(ready, "legacy is re-indexed with soft deletes");
    assert_eq!(outcome(&browser, "prepare", "orders").await, "migration-ready");

    for (step, heading) in [("connect", "Connect the clusters"), ("follow", "Follow")] {
        assert!(shows(&browser, "#next-action", heading).await, "{step} is next");
        click(&browser, "#run-next button").await;
        let done = format!("{heading}: every index came through");
        assert!(shows(&browser, "#flash", &done).await, "{step} went through");
    }
    // The progress table refreshes itself while documents arrive on the leader.
    documents(&old, "orders", 20, 5).await;
    assert!(
        shows(&browser, "tr[data-follower=orders] [data-col=follower-count]", "25").await,
        "the follower caught up"
    );
    assert!(shows(&browser, "#read-only-note", "read-only").await);

    assert!(shows(&browser, "#next-action", "Verify").await);
    click(&browser, "#run-next button").await;
    assert!(shows(&browser, "#flash", "Verify: every index came through").await, "verified");

    assert!(shows(&browser, "#next-action", "Stopping writes to the old cluster is your part").await);
    click(&browser, "#writes_stopped").await;
    click(&browser, "#run-next button").await;
    assert!(shows(&browser, "#next-action", "Finished").await, "cut over");
    for (index, count) in [("legacy", 30), ("orders", 25)] {
        assert!(new.follow_info(index).await.unwrap().is_empty(), "{index} is a regular index");
        assert_eq!(new.count(index).await.unwrap(), count, "{index}: every document");
        new.index_doc(index, Some("after"), &json!({"n": 0})).await.expect("writable");
    }

    // The overview, in both languages.
    browser.goto(&format!("{base}/")).await.unwrap();
    assert!(shows(&browser, "#health-remotes .figure", "1 / 1").await);
    assert_eq!(text(&browser, "#health-migrations .figure").await, "0");
    browser.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    click(&browser, "form[action='/preferences/language'] button").await;
    assert!(shows(&browser, "#health-migrations h2", "进行中的迁移").await);
    assert!(shows(&browser, "#health-followers", "活动").await);
    browser.close().await.unwrap();
}

/// A leader known only by the endpoint entered for this session, and aliases at the cut-over,
/// in Chromium; then the endpoint fields in Chinese.
#[tokio::test]
async fn a_session_endpoint_and_aliases_at_the_cut_over_in_chromium() {
    let clusters = TwoClusters::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    let panel = crate::helpers::panel_for(&clusters.local);
    tokio::spawn(async move { axum::serve(listener, panel).await });
    let base = format!("http://{address}");
    let new = client(&clusters.local);
    let (_driver, browser) = browser().await;

    browser.goto(&format!("{base}/migrations/new")).await.unwrap();
    fill(&browser, "#leader_url", &clusters.leader.url()).await;
    fill(&browser, "#leader_indices", "orders").await;
    fill(&browser, "#follower_index_prefix", "new-").await;
    click(&browser, "#create-migration").await;
    assert!(shows(&browser, "#leader", "entered for a session only").await);
    click(&browser, "#run-next button").await;
    assert!(shows(&browser, "#confirm-requests summary", "The request").await, "prepare shows its requests");
    click(&browser, "#confirm-step").await;
    assert!(comes_to(&browser, "prepare", "orders", "migration-setting-cleared").await);
    for (step, heading) in [("connect", "Connect the clusters"), ("follow", "Follow")] {
        assert!(shows(&browser, "#next-action", heading).await, "{step} is next");
        click(&browser, "#run-next button").await;
        let done = format!("{heading}: every index came through");
        assert!(shows(&browser, "#flash", &done).await, "{step}");
    }
    assert!(shows(&browser, "tr[data-follower=new-orders] [data-col=follower-count]", "20").await);

    // The cut-over with aliases: the leader index's name, and another.
    assert!(shows(&browser, "#next-action", "Verify").await);
    click(&browser, "#run-next button").await;
    assert!(shows(&browser, "#flash", "Verify: every index came through").await, "verified");
    click(&browser, "#choose-aliases").await;
    click(&browser, "#leader_alias_0").await;
    fill(&browser, "#alias_0", "shop-orders").await;
    click(&browser, "#writes_stopped").await;
    click(&browser, "#confirm-step").await;
    assert!(comes_to(&browser, "cutover", "orders", "migration-converted-alias").await);
    assert_eq!(new.count("orders").await.unwrap(), 20, "the alias reads the converted index");
    new.index_doc("shop-orders", Some("after"), &json!({"n": 0})).await.expect("and writes to it");

    browser.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    click(&browser, "form[action='/preferences/language'] button").await;
    browser.goto(&format!("{base}/migrations/new")).await.unwrap();
    assert!(shows(&browser, "#leader-endpoint legend", "仅用于本次会话").await);
    browser.close().await.unwrap();
}
