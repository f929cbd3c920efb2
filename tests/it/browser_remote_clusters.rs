//! The remote cluster screens in a real headless Chromium: adding, editing and deleting, and
//! what the pages say to a new user, in both languages.

use std::time::Duration;

use ccr_panel::demo;
use fantoccini::{Client, Locator};
use serde_json::json;

use super::{browser, click, demo_panel, fill, shows, text};
use crate::helpers::{eventually, put_patterns_using};

#[tokio::test]
async fn remote_clusters_add_edit_delete_in_chromium() {
    let (clusters, base) = demo_panel().await;
    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/remote-clusters")).await.unwrap();
    assert_eq!(text(&client, ".empty h2").await, "No remote clusters yet");
    click(&client, "#add-remote").await;
    assert!(shows(&client, "h1", "Add a remote cluster").await);

    // The request preview follows the typing (htmx), before anything is saved.
    fill(&client, "#name", "leader").await;
    fill(&client, "#seeds", &clusters.leader.transport_address.to_string()).await;
    assert!(shows(&client, "#preview-console", "cluster.remote.leader.seeds").await, "the preview updated");
    click(&client, "#save").await;
    assert!(shows(&client, "#flash", "Remote cluster leader was added.").await);
    assert!(shows(&client, "tr[data-remote=leader] .status", "Connected").await, "the leader connects");

    // Seeds at the leader's HTTP port: saved, and shown Not connected with the hint.
    click(&client, "#add-remote").await;
    fill(&client, "#name", "wrongport").await;
    fill(&client, "#seeds", &clusters.leader.http_address.to_string()).await;
    // The leader is a configured cluster: its HTTP address is known, and warned about.
    assert!(shows(&client, "#seeds-messages .field-warning", "looks like an HTTP port").await, "warned while typing");
    click(&client, "#save").await;
    assert!(shows(&client, ".field-warning", "looks like an HTTP port").await);
    click(&client, "#save-anyway").await;
    assert!(shows(&client, "#flash", "Remote cluster wrongport was added.").await);
    assert!(shows(&client, "tr[data-remote=wrongport] .status", "Not connected").await);
    assert!(
        shows(&client, "tr[data-remote=wrongport] .status", "transport port (9300 by default), not its HTTP port")
            .await
    );

    // Port 9200 is recognised as an HTTP port before saving: a warning, then "Save anyway".
    click(&client, "#add-remote").await;
    fill(&client, "#name", "typo").await;
    fill(&client, "#seeds", "127.0.0.1:9200").await;
    click(&client, "#save").await;
    assert!(shows(&client, ".field-warning", "looks like an HTTP port").await);
    click(&client, "#save-anyway").await;
    assert!(shows(&client, "#flash", "Remote cluster typo was added.").await);

    // Edit: the name is locked, the change is saved.
    client.goto(&format!("{base}/remote-clusters/leader/edit")).await.unwrap();
    fill(&client, "#node_connections", "2").await;
    click(&client, "#save").await;
    assert!(shows(&client, "#flash", "Remote cluster leader was updated.").await);
    client.goto(&format!("{base}/remote-clusters/leader")).await.unwrap();
    assert!(shows(&client, "#remote-info", "max_connections_per_cluster 2").await);

    // Delete, with a confirmation page first.
    client.goto(&format!("{base}/remote-clusters")).await.unwrap();
    click(&client, "tr[data-remote=wrongport] .danger-link").await;
    assert!(shows(&client, "h1", "Delete remote cluster").await);
    click(&client, "#confirm-delete").await;
    assert!(shows(&client, "#flash", "Remote cluster wrongport was deleted.").await);
    assert!(client.find(Locator::Css("tr[data-remote=wrongport]")).await.is_err());

    // Several at once: tick, delete selected, confirm.
    click(&client, "tr[data-remote=typo] input[type=checkbox]").await;
    click(&client, "#delete-selected").await;
    assert!(shows(&client, ".delete-list", "typo").await);
    click(&client, "#confirm-delete").await;
    assert!(shows(&client, "#flash", "Remote cluster typo was deleted.").await);

    // A remote in use names its users and needs the explicit confirmation.
    let local = demo::client_for(&clusters.local);
    let pattern = ccr_panel::es::AutoFollowPattern {
        active: true,
        remote_cluster: "leader".into(),
        leader_index_patterns: vec!["logs-*".into()],
        leader_index_exclusion_patterns: vec![],
        follow_index_pattern: Some("{{leader_index}}-copy".into()),
        parameters: Default::default(),
    };
    local.put_auto_follow_pattern("daily-logs", &pattern).await.unwrap();
    client.goto(&format!("{base}/remote-clusters/leader/delete")).await.unwrap();
    assert!(shows(&client, "li[data-remote=leader] .users", "Auto-follow patterns: daily-logs").await);
    click(&client, "#confirm-delete").await;
    assert!(shows(&client, "#confirm-in-use-error", "Tick the confirmation").await);
    click(&client, "#confirm_in_use").await;
    click(&client, "#confirm-delete").await;
    assert!(shows(&client, "#flash", "Remote cluster leader was deleted.").await);
    assert!(local.remote_info().await.unwrap().is_empty());
    client.close().await.unwrap();
}

async fn switch_language(client: &Client, tag: &str) {
    client.find(Locator::Css(&format!("#lang-switch option[value='{tag}']"))).await.unwrap().click().await.unwrap();
    click(client, "form[action='/preferences/language'] button").await;
}

/// What tripped a new user (issue 8), in both languages.
#[tokio::test]
async fn remote_cluster_screens_explain_themselves_in_both_languages() {
    let (clusters, base) = demo_panel().await;
    let local = demo::client_for(&clusters.local);
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    // A remote on the transport port whose host is simply down, and one with a long name.
    update.persistent.insert("cluster.remote.down.seeds".into(), json!(["127.0.0.1:9300"]));
    for name in ["one-en", "two-en", "one-zh-CN", "two-zh-CN"] {
        update.persistent.insert(format!("cluster.remote.{name}.seeds"), json!(["127.0.0.1:9302"]));
    }
    let long = "x".repeat(250);
    update.persistent.insert(format!("cluster.remote.{long}.seeds"), json!(["127.0.0.1:9301"]));
    local.put_cluster_settings(&update).await.unwrap();
    put_patterns_using(&clusters.local, "down", &["p1", "p2"]).await;
    let (_driver, client) = browser().await;

    for (tag, both_problems, colon, licence, reason_label, title_one, patterns, separator_example) in [
        (
            "en",
            ["Spaces are not allowed", "!"],
            ": ",
            "license: trial",
            "Elasticsearch does not say why",
            "Delete remote cluster",
            "Auto-follow patterns: p1, p2",
            "one-en, two-en",
        ),
        (
            "zh-CN",
            ["空格", "!"],
            "：",
            "许可证：试用",
            "Elasticsearch 不会说明",
            "删除远程集群",
            "：p1、p2",
            "：one-zh-CN、two-zh-CN",
        ),
    ] {
        client.goto(&format!("{base}/remote-clusters")).await.unwrap();
        switch_language(&client, tag).await;
        assert!(
            eventually(Duration::from_secs(5), || async {
                // The page is being replaced: an element found a moment ago may be gone.
                match client.find(Locator::Css("html")).await {
                    Ok(html) => html.attr("lang").await.ok().flatten().as_deref() == Some(tag),
                    Err(_) => false,
                }
            })
            .await
        );
        // The licence badge, whole in the page's language.
        assert_eq!(text(&client, "[data-testid=license]").await, licence);
        // A remote that is down on 9300: the probe's reason, not the HTTP-port hint.
        // The simulator, like Elasticsearch for a refused connection, may give no reason: the
        // cell then says so and what to check, in the page's language.
        assert!(shows(&client, "#status-down .reason", reason_label).await, "{tag}: the reason is shown");
        let hints = client.find_all(Locator::Css("#status-down .port-hint")).await.unwrap();
        assert!(hints.is_empty(), "{tag}: no port hint without evidence");
        // The long name does not push the status and actions off the window.
        let outside = client
            .execute(
                "const row = document.querySelector('tr[data-remote=\"' + arguments[0] + '\"]');\
                 const w = document.documentElement.clientWidth;\
                 return ['td.status', 'td.actions'].some(c => row.querySelector(c).getBoundingClientRect().right > w)",
                vec![json!(long)],
            )
            .await
            .unwrap();
        assert_eq!(outside.as_bool(), Some(false), "{tag}: a long name keeps the status and actions inside the window");
        let title = client.find(Locator::Css(&format!("tr[data-remote='{long}'] th a"))).await.unwrap();
        assert_eq!(title.attr("title").await.unwrap().as_deref(), Some(long.as_str()), "the full name on hover");

        // "Test connection" says why.
        client.goto(&format!("{base}/remote-clusters/down")).await.unwrap();
        click(&client, "#test-connection").await;
        assert!(shows(&client, "#test-result .reason", reason_label).await, "{tag}: the test says why");
        assert!(shows(&client, "#used-by", patterns).await, "{tag}: one label for the patterns");
        assert_eq!(client.find_all(Locator::Css("#used-by li")).await.unwrap().len(), 1);

        // Every problem of the name, beside the field, while typing.
        client.goto(&format!("{base}/remote-clusters/new")).await.unwrap();
        fill(&client, "#name", "my leader!").await;
        for problem in both_problems {
            assert!(shows(&client, "#name-messages", problem).await, "{tag}: {problem} shown while typing");
        }
        assert_eq!(client.find_all(Locator::Css("#name-messages .field-error")).await.unwrap().len(), 2);
        // The leader's HTTP address (a configured cluster) is warned about, on any port.
        fill(&client, "#seeds", &clusters.leader.http_address.to_string()).await;
        assert!(shows(&client, "#seeds-messages .field-warning", "HTTP").await, "{tag}: the leader's HTTP address");

        // Several deleted at once: one message, the names separated as the language does.
        client.goto(&format!("{base}/remote-clusters")).await.unwrap();
        for name in ["one", "two"] {
            click(&client, &format!("tr[data-remote={name}-{tag}] input[type=checkbox]")).await;
        }
        click(&client, "#delete-selected").await;
        assert!(shows(&client, ".delete-list", &format!("two-{tag}")).await);
        click(&client, "#confirm-delete").await;
        assert!(shows(&client, "#flash", separator_example).await, "{tag}: {separator_example}");

        // The locked name on the edit page is not a text field.
        client.goto(&format!("{base}/remote-clusters/down/edit")).await.unwrap();
        assert_eq!(text(&client, "#name-locked").await, "down");
        assert!(client.find(Locator::Css("input#name")).await.is_err());

        // A single delete speaks in the singular, with full-width colons in Chinese.
        client.goto(&format!("{base}/remote-clusters/down/delete")).await.unwrap();
        assert_eq!(text(&client, "h1").await, title_one);
        assert!(text(&client, "li[data-remote=down] .users").await.contains(colon));
    }
    // The delete page and the banner hold the long name without spilling out of the window.
    client.goto(&format!("{base}/remote-clusters/{long}/delete")).await.unwrap();
    assert!(inside_window(&client, ".delete-list strong").await, "the long name wraps on the delete page");
    assert!(inside_window(&client, "#confirm-delete").await, "the button stays reachable");
    click(&client, "#confirm-delete").await;
    assert!(shows(&client, "#flash", "已删除").await, "the page is still in Chinese");
    assert!(inside_window(&client, "#flash").await, "the banner wraps the long name");

    // The icon is served, so no 404 on each page load.
    client.goto(&format!("{base}/favicon.ico")).await.unwrap();
    let status = reqwest::get(format!("{base}/favicon.ico")).await.unwrap().status();
    assert_eq!(status, 200);
    client.close().await.unwrap();
}

/// Whether the element matching `css` ends inside the window.
async fn inside_window(client: &Client, css: &str) -> bool {
    client
        .execute(
            "return document.querySelector(arguments[0]).getBoundingClientRect().right \
             <= document.documentElement.clientWidth",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}
