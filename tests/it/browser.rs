//! End-to-end tests in a real headless Chromium, driven through chromedriver.
//!
//! They never skip: without Chromium and chromedriver they fail, saying how to install them
//! (the README's test command does it).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ccr_panel::{AppState, ManagedCluster, app, demo};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::eventually;

/// A chromedriver process, killed when the test ends so it never outlives the run.
struct Driver {
    child: Child,
    port: u16,
    _profile: TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop (the browser profile).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tool(env: &str, default: &str) -> String {
    let path = std::env::var(env).unwrap_or_else(|_| default.to_owned());
    assert!(
        std::path::Path::new(&path).exists(),
        "{path} is missing: browser tests need Debian's chromium and chromium-driver \
         (run scripts/test, which installs them, or set {env})"
    );
    path
}

/// Starts chromedriver on a free port and opens a headless Chromium session.
async fn browser() -> (Driver, Client) {
    let chromedriver = tool("CHROMEDRIVER", "/usr/bin/chromedriver");
    let chromium = tool("CHROMIUM", "/usr/bin/chromium");
    let port = crate::helpers::closed_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = std::env::temp_dir().join(format!("ccr-panel-chromium-{}", uuid::Uuid::new_v4()));
    let driver = Driver { child, port, _profile: TempDir(profile.clone()) };
    let up = eventually(Duration::from_secs(10), || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
    })
    .await;
    assert!(up, "chromedriver did not start listening");

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            // Flags that work on a closed network: without the networking ones Chromium stalls.
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session opens");
    (driver, client)
}

/// The demo's two clusters and the panel on a free loopback port, configured with both (as a
/// `--config` naming them would).
async fn demo_panel() -> (demo::DemoClusters, String) {
    let clusters = demo::start_clusters().await.unwrap();
    let state = AppState::new(
        vec![
            ManagedCluster { name: "local".into(), client: demo::client_for(&clusters.local) },
            ManagedCluster { name: "leader".into(), client: demo::client_for(&clusters.leader) },
        ],
        ccr_panel::web::auth::AuthSettings::anonymous(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    (clusters, format!("http://{address}"))
}

async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

#[tokio::test]
async fn demo_panel_navigation_in_chromium() {
    let (_clusters, base) = demo_panel().await;
    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text(&client, "[data-testid=cluster-name]").await, "local");
    assert_eq!(text(&client, "h1").await, "Cluster overview");

    for (link, heading) in [
        ("Remote clusters", "Remote clusters"),
        ("Follower indices", "Follower indices"),
        ("Auto-follow patterns", "Auto-follow patterns"),
        ("Overview", "Cluster overview"),
    ] {
        client.find(Locator::LinkText(link)).await.unwrap().click().await.unwrap();
        let arrived = shows(&client, "h1", heading).await;
        assert!(arrived, "clicking {link} shows {heading}");
        assert_eq!(text(&client, "[data-testid=cluster-name]").await, "local", "the header stays on {link}");
    }

    // A page that does not exist gets the panel's own error page, with the navigation.
    client.goto(&format!("{base}/no/such/page")).await.unwrap();
    assert!(shows(&client, "h1", "Page not found").await);
    assert!(shows(&client, ".sidenav", "Remote clusters").await);
    client.goto(&format!("{base}/")).await.unwrap();

    // The language switcher: choose, then "Switch"; the page comes back in Chinese.
    client.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    click(&client, "form[action='/preferences/language'] button").await;
    let chinese = shows(&client, "h1", "集群概览").await;
    assert!(chinese, "the page switched to Chinese");
    let lang = client.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("zh-CN"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn follower_list_renders_in_chinese() {
    let (clusters, base) = demo_panel().await;
    let local = demo::client_for(&clusters.local);
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update
        .persistent
        .insert("cluster.remote.leader.seeds".into(), json!([clusters.leader.transport_address.to_string()]));
    local.put_cluster_settings(&update).await.unwrap();
    let connected = eventually(Duration::from_secs(5), || async {
        local.remote_info().await.unwrap().get("leader").is_some_and(|r| r.connected)
    })
    .await;
    assert!(connected);
    ccr_panel::ccr::followers::follow(&local, "myindex-copy", "leader", "myindex", Default::default()).await.unwrap();
    local.pause_follow("myindex-copy").await.unwrap();
    ccr_panel::ccr::followers::follow(&local, "myindex-live", "leader", "myindex", Default::default()).await.unwrap();

    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/follower-indices")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "Follower indices");
    client.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    click(&client, "form[action='/preferences/language'] button").await;
    let chinese = shows(&client, "h1", "Follower 索引").await;
    assert!(chinese, "the follower list switched to Chinese");
    assert_eq!(text(&client, ".sidenav a[aria-current=page]").await, "Follower 索引");
    let headers = client.find_all(Locator::Css("#follower-indices thead th")).await.unwrap();
    let mut names = Vec::new();
    for header in headers {
        // The DOM text, not the rendered one (the stylesheet upper-cases column heads).
        names.push(header.prop("textContent").await.unwrap().unwrap_or_default());
    }
    assert_eq!(names, ["Follower 索引", "状态", "远程集群", "Leader 索引", "延迟（操作数）"]);
    assert_eq!(text(&client, "tr[data-follower=myindex-copy] td").await, "已暂停");
    assert_eq!(text(&client, "tr[data-follower=myindex-live] td").await, "活动中");
    // The choice is kept in a cookie: another page comes in Chinese too.
    client.goto(&format!("{base}/remote-clusters")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "远程集群");
    client.close().await.unwrap();
}

async fn fill(client: &Client, css: &str, value: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

async fn shows(client: &Client, css: &str, wanted: &str) -> bool {
    eventually(Duration::from_secs(15), || async {
        match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.map(|t| t.contains(wanted)).unwrap_or(false),
            Err(_) => false,
        }
    })
    .await
}

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

#[tokio::test]
async fn sign_in_and_out_in_chromium() {
    let sim = crate::helpers::start_secured_sim("secured").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = crate::helpers::panel_signing_in(&sim).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (_driver, client) = browser().await;

    client.goto(&format!("{base}/remote-clusters")).await.unwrap();
    assert!(shows(&client, "h1", "Sign in").await, "an unsigned visitor is sent to sign in");
    fill(&client, "#username", "admin").await;
    fill(&client, "#password", "wrong").await;
    click(&client, "form[action='/login'] button[type=submit]").await;
    assert!(shows(&client, "#login-error", "did not accept these credentials").await);
    assert_eq!(
        client.find(Locator::Css("#username")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("admin")
    );
    fill(&client, "#password", "admin-pw").await;
    click(&client, "form[action='/login'] button[type=submit]").await;
    assert!(shows(&client, "h1", "Remote clusters").await, "back where the visitor wanted to go");
    assert_eq!(text(&client, "[data-testid=user-name]").await, "admin");
    click(&client, "form[action='/logout'] button").await;
    assert!(shows(&client, "h1", "Sign in").await);
    client.goto(&format!("{base}/")).await.unwrap();
    assert!(shows(&client, "h1", "Sign in").await, "signed out for real");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_status_cell_refreshes_itself_until_connected() {
    let (clusters, base) = demo_panel().await;
    // A remote whose seed has nothing listening yet.
    let port = crate::helpers::closed_port();
    let local = demo::client_for(&clusters.local);
    let mut update = ccr_panel::es::ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.late.seeds".into(), json!([format!("127.0.0.1:{port}")]));
    local.put_cluster_settings(&update).await.unwrap();

    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/remote-clusters")).await.unwrap();
    assert!(shows(&client, "#status-late", "Not connected").await);
    // The remote comes up on that port; the page, left alone, notices (htmx polling).
    let transport: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let late = ccr_panel::sim::SimServer::start(
        ccr_panel::sim::SimConfig::new("late"),
        "127.0.0.1:0".parse().unwrap(),
        transport,
    )
    .await
    .unwrap();
    assert!(shows(&client, "#status-late", "Connected").await, "the cell refreshed by itself");
    let cell = client.find(Locator::Css("#status-late")).await.unwrap();
    assert_eq!(cell.attr("hx-get").await.unwrap(), None, "and stopped polling once connected");
    drop(late);
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
    let pattern = ccr_panel::es::AutoFollowPattern {
        active: true,
        remote_cluster: "down".into(),
        leader_index_patterns: vec!["logs-*".into()],
        leader_index_exclusion_patterns: vec![],
        follow_index_pattern: None,
        parameters: Default::default(),
    };
    local.put_auto_follow_pattern("p1", &pattern).await.unwrap();
    local.put_auto_follow_pattern("p2", &pattern).await.unwrap();
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
                client.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap().as_deref() == Some(tag)
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
    // The icon is served, so no 404 on each page load.
    client.goto(&format!("{base}/favicon.ico")).await.unwrap();
    let status = reqwest::get(format!("{base}/favicon.ico")).await.unwrap().status();
    assert_eq!(status, 200);
    client.close().await.unwrap();
}
