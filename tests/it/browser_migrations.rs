//! The guided migration in a real headless Chromium, against two simulated 7.10 clusters, the
//! leader like one vendor's managed clusters: plan, prepare (re-index `legacy`, clear the
//! physical-replication setting), connect, follow while documents arrive, verify, cut over;
//! then the overview in both languages.

use std::net::SocketAddr;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use super::{browser, click, fill, shows, text};
use crate::helpers::client;
use crate::migrations::{TwoClusters, documents};

async fn outcome(client: &Client, step: &str, index: &str) -> String {
    let css = format!("#step-{step} tr[data-index='{index}'] [data-key]");
    match client.find(Locator::Css(&css)).await {
        Ok(element) => element.attr("data-key").await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
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
        assert!(shows(&browser, "#flash", "every index came through").await, "{step} went through");
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
    assert!(shows(&browser, "#flash", "every index came through").await, "verified");

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
