//! Who may read `/metrics`: nobody unless `--metrics`; then whoever brings the token, or
//! whoever reaches the separate listener; with `--auth es`, only with a metrics API key.

use std::net::SocketAddr;

use ccr_panel::config::MetricsArgs;
use ccr_panel::startup;
use ccr_panel::web::auth::AuthMode;
use secrecy::SecretString;

use super::*;

fn args() -> MetricsArgs {
    MetricsArgs {
        metrics: true,
        metrics_listen: None,
        metrics_token: Some(SecretString::from(TOKEN)),
        metrics_cache: Duration::from_secs(5),
        metrics_timeout: Duration::from_secs(5),
        metrics_detailed: false,
        metrics_es_api_key: None,
    }
}

#[tokio::test]
async fn without_metrics_there_is_no_endpoint() {
    let local = start_sim("local").await;
    let page = get_with(&panel_for(&local), "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 404);
    assert!(local.sim.requests().is_empty(), "nothing was read");
    let off = MetricsArgs { metrics: false, ..args() };
    let managed = [ManagedCluster { name: "local".into(), client: client(&local) }];
    let refused = startup::metrics_endpoint(&off, &managed, &[None], &AuthMode::None).unwrap_err();
    assert!(refused.contains("need --metrics"), "{refused}");
    let open = MetricsArgs { metrics_token: None, ..args() };
    let refused = startup::metrics_endpoint(&open, &managed, &[None], &AuthMode::None).unwrap_err();
    assert!(refused.contains("--metrics-listen") && refused.contains("--metrics-token"), "{refused}");
    let short = MetricsArgs { metrics_token: Some(SecretString::from("hunter2")), ..args() };
    let refused = startup::metrics_endpoint(&short, &managed, &[None], &AuthMode::None).unwrap_err();
    assert!(refused.contains("at least 16") && !refused.contains("hunter2"), "{refused}");
}

#[tokio::test]
async fn the_token_is_required_and_compared_whole() {
    let local = start_sim("local").await;
    let panel = panel(&local, None, uncached(), TOKEN);
    for authorization in
        [None, Some("Bearer wrong"), Some(&format!("Bearer {TOKEN}x")[..]), Some(&format!("Basic {TOKEN}")[..])]
    {
        let headers: Vec<(&str, &str)> = authorization.iter().map(|a| ("authorization", *a)).collect();
        let page = get_with(&panel, "/metrics", &headers).await;
        assert_eq!(page.status, 401, "{authorization:?}");
        assert_eq!(page.header("www-authenticate"), Some("Bearer realm=\"ccr-panel metrics\""));
        assert!(!page.body.contains("ccr_panel_"));
    }
    assert!(local.sim.requests().is_empty(), "a refused scrape reads nothing");
    let page = get_with(&panel, "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    assert!(!page.body.contains(TOKEN));
}

/// `--auth es` with a fixed session key.
fn signing_in() -> ccr_panel::web::auth::AuthSettings {
    use ccr_panel::web::auth::{AuthSettings, LoginLimiter};
    use ccr_panel::web::session::SessionConfig;
    let key = SecretString::from("a-session-key-of-at-least-32-bytes!!".to_owned());
    let sessions =
        SessionConfig::new(Some(&key), Duration::from_secs(1800), Duration::from_secs(43_200), false).unwrap();
    AuthSettings { mode: AuthMode::Es, sessions, limiter: LoginLimiter::new(5, Duration::from_secs(300)) }
}

#[tokio::test]
async fn with_sign_in_the_token_still_works_and_no_session_is_needed() {
    let secured = start_secured_sim("local").await;
    let managed = [ManagedCluster { name: "local".into(), client: client(&secured) }];
    // `--auth es`: people's own credentials; the cluster entry has a metrics key.
    let key = Some(ccr_panel::es::Auth::ApiKey(SecretString::from("YWRtaW4ta2V5")));
    let endpoint = startup::metrics_endpoint(&args(), &managed, &[key], &AuthMode::Es).unwrap().unwrap();
    let state = AppState::new(managed.to_vec(), signing_in()).with_metrics(endpoint);
    let panel = app(state);
    assert_eq!(get(&panel, "/").await.status, 303, "the panel itself asks people to sign in");
    let page = get_with(&panel, "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(value(&page.body, "ccr_panel_scrape_success", &[("cluster", "local")]), Some(1.0), "{}", page.body);
}

#[tokio::test]
async fn with_people_signing_in_a_cluster_without_a_metrics_key_is_said_plainly() {
    let local = start_sim("local").await;
    let managed = [ManagedCluster { name: "local".into(), client: client(&local) }];
    let endpoint = startup::metrics_endpoint(&args(), &managed, &[None], &AuthMode::Es).unwrap().unwrap();
    let state = AppState::new(managed.to_vec(), signing_in()).with_metrics(endpoint);
    let page = get_with(&app(state), "/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(page.status, 503);
    assert!(page.body.contains("--auth es") && page.body.contains("metrics_api_key_env"), "{}", page.body);
    assert!(local.sim.requests().is_empty(), "nobody's credentials were borrowed");
}

#[tokio::test]
async fn a_separate_listener_serves_metrics_and_the_panel_does_not() {
    let local = start_sim("local").await;
    let managed = [ManagedCluster { name: "local".into(), client: client(&local) }];
    let separate = MetricsArgs { metrics_token: None, metrics_listen: Some(loopback()), ..args() };
    let endpoint = startup::metrics_endpoint(&separate, &managed, &[None], &AuthMode::None).unwrap().unwrap();
    let state =
        AppState::new(managed.to_vec(), ccr_panel::web::auth::AuthSettings::anonymous()).with_metrics(endpoint.clone());
    assert_eq!(get(&app(state), "/metrics").await.status, 404, "not on the panel's address");
    let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(axum::serve(listener, ccr_panel::web::metrics::router(endpoint)).into_future());
    let answer = reqwest::get(format!("http://{address}/metrics")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let body = answer.text().await.unwrap();
    assert_eq!(value(&body, "ccr_panel_scrape_success", &[("cluster", "local")]), Some(1.0));
    let other = reqwest::get(format!("http://{address}/")).await.unwrap();
    assert_eq!(other.status(), 404, "nothing of the panel there");
}

/// `ccr-panel serve` as a process, its stdout read line by line.
struct Served {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Served {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
            .arg("serve")
            .args(args)
            .envs(env.iter().copied())
            .env("CCR_PANEL_LOG", "debug")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let (sender, lines) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        Served { child, lines }
    }

    /// Lines until one holds `marker` (within 20 s); all of them.
    fn until(&self, marker: &str) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(20)) {
            let done = line.contains(marker);
            seen.push(line);
            if done {
                return seen;
            }
        }
        panic!("no line with {marker:?} in {seen:#?}");
    }
}

fn address_in(line: &str) -> String {
    let start = line.find("http://").expect("an address") + "http://".len();
    line[start..].split(['/', ' ']).next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_wires_the_flags_and_never_shows_the_token() {
    let local = start_sim("local").await;
    let secret = "s3cret-metrics-token-do-not-print";
    let served = Served::start(
        &["--es-url", &local.url(), "--auth", "none", "--listen", "127.0.0.1:0", "--metrics"],
        &[("CCR_PANEL_METRICS_TOKEN", secret)],
    );
    let mut lines = served.until("ccr-panel is running at");
    let panel = address_in(lines.last().unwrap());
    let http = reqwest::Client::new();
    let refused = http.get(format!("http://{panel}/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let answer = http.get(format!("http://{panel}/metrics")).bearer_auth(secret).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let body = answer.text().await.unwrap();
    assert_eq!(value(&body, "ccr_panel_scrape_success", &[("cluster", "default")]), Some(1.0), "{body}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    lines.extend(served.lines.try_iter());
    drop(served);
    assert!(lines.iter().all(|l| !l.contains(secret)), "{lines:#?}");

    // A separate listener: open there, absent from the panel's address.
    let served = Served::start(
        &[
            "--es-url",
            &local.url(),
            "--auth",
            "none",
            "--listen",
            "127.0.0.1:0",
            "--metrics",
            "--metrics-listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    let metrics = address_in(served.until("metrics at").last().unwrap());
    let panel = address_in(served.until("ccr-panel is running at").last().unwrap());
    assert_eq!(http.get(format!("http://{metrics}/metrics")).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("http://{panel}/metrics")).send().await.unwrap().status(), 404);

    let help = std::process::Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
        .args(["serve", "--help"])
        .env("CCR_PANEL_METRICS_TOKEN", secret)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--metrics",
        "--metrics-listen",
        "--metrics-token",
        "CCR_PANEL_METRICS_TOKEN",
        "--metrics-cache",
        "--metrics-detailed",
    ] {
        assert!(help.contains(flag), "serve --help mentions {flag}");
    }
    assert!(!help.contains(secret), "the token's value stays out of --help");
}

#[test]
fn metrics_without_a_listener_or_a_token_refuses_to_start() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
        .args(["serve", "--es-url", "http://127.0.0.1:9", "--auth", "none", "--metrics"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("--metrics-listen") && said.contains("--metrics-token"), "{said}");
}
