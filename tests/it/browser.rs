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

/// The demo's two clusters and the panel on a free loopback port.
async fn demo_panel() -> (demo::DemoClusters, String) {
    let clusters = demo::start_clusters().await.unwrap();
    let state = AppState::new(
        vec![ManagedCluster { name: "local".into(), client: demo::client_for(&clusters.local) }],
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
        let arrived = eventually(Duration::from_secs(5), || async { text(&client, "h1").await == heading }).await;
        assert!(arrived, "clicking {link} shows {heading}");
        assert_eq!(text(&client, "[data-testid=cluster-name]").await, "local", "the header stays on {link}");
    }

    // The language switcher submits on change (app.js) and the page comes back in Chinese.
    client.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    let chinese = eventually(Duration::from_secs(5), || async { text(&client, "h1").await == "集群概览" }).await;
    assert!(chinese, "the page switched to Chinese");
    let lang = client.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("zh-CN"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn follower_list_renders_in_chinese() {
    let (_clusters, base) = demo_panel().await;
    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/follower-indices")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "Follower indices");
    client.find(Locator::Css("#lang-switch option[value='zh-CN']")).await.unwrap().click().await.unwrap();
    let chinese = eventually(Duration::from_secs(5), || async { text(&client, "h1").await == "Follower 索引" }).await;
    assert!(chinese, "the follower list switched to Chinese");
    assert_eq!(text(&client, ".empty h2").await, "还没有 Follower 索引");
    assert_eq!(text(&client, ".sidenav a[aria-current=page]").await, "Follower 索引");
    // The choice is kept in a cookie: another page comes in Chinese too.
    client.goto(&format!("{base}/remote-clusters")).await.unwrap();
    assert_eq!(text(&client, "h1").await, "远程集群");
    client.close().await.unwrap();
}
