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

/// The remote cluster screens in Chromium.
#[path = "browser_remote_clusters.rs"]
mod remote_clusters;

/// The auto-follow pattern screens in Chromium.
#[path = "browser_auto_follow.rs"]
mod auto_follow;

/// The follower index screens in Chromium.
#[path = "browser_followers.rs"]
mod followers;

/// The guided migration in Chromium.
#[path = "browser_migrations.rs"]
mod migrations;

/// The doctor in Chromium.
#[path = "browser_doctor.rs"]
mod doctor;

/// Adds the demo's leader as the remote `leader` of the local cluster and waits until it is
/// connected; the local cluster's client.
pub async fn connect_leader(clusters: &demo::DemoClusters) -> ccr_panel::es::EsClient {
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
    local
}

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
    let local = connect_leader(&clusters).await;
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
    let headers = client.find_all(Locator::Css("#follower-indices thead th a")).await.unwrap();
    let mut names = Vec::new();
    for header in headers {
        // The DOM text, not the rendered one (the stylesheet upper-cases column heads).
        names.push(header.prop("textContent").await.unwrap().unwrap_or_default());
    }
    assert_eq!(names, ["Follower 索引", "状态", "远程集群", "Leader 索引", "延迟（操作数）", "上次读取"]);
    assert_eq!(text(&client, "tr[data-follower=myindex-copy] td.status").await, "已暂停");
    assert_eq!(text(&client, "tr[data-follower=myindex-live] td.status").await, "活动中");
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

/// Clicks `css` once it is on the page: after a click that submits a form, the next page may
/// still be on its way (seen in CI: a button of the next page not found yet).
async fn click(client: &Client, css: &str) {
    eventually(Duration::from_secs(15), || async { client.find(Locator::Css(css)).await.is_ok() }).await;
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
