//! The real thing: `promtool` checks a scrape and the alert rules (and runs their unit tests),
//! and a Prometheus server on loopback scrapes the panel while a follower is paused and resumed.
//! Debian's `prometheus` package brings both; `scripts/test` installs it when missing.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use ccr_panel::ccr::followers;
use ccr_panel::es::FollowParameters;
use serde_json::{Value, json};

use super::*;
use crate::replication::connected_pair;

fn tool(variable: &str, default: &str) -> String {
    let path = std::env::var(variable).unwrap_or_else(|_| default.to_owned());
    assert!(
        Path::new(&path).exists(),
        "{path} is missing: install Debian's `prometheus` package (scripts/test does), or set {variable}"
    );
    path
}

fn promtool() -> String {
    tool("PROMTOOL", "/usr/bin/promtool")
}

fn docs(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(relative)
}

/// Runs promtool; returns its output, asserting success.
fn run_promtool(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(promtool())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default().as_bytes()).unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

#[tokio::test]
async fn promtool_accepts_a_real_scrape() {
    let (leader, local, _leader_client, local_client) = connected_pair().await;
    for name in ["copy", "paused"] {
        followers::follow(&local_client, name, "leader", "myindex", FollowParameters::default()).await.unwrap();
    }
    local_client.pause_follow("paused").await.unwrap();
    add_remote(&local, "gone", &[&format!("127.0.0.1:{}", closed_port())]).await;
    let panel = panel(&local, Some(&leader), Settings { detailed: true, ..uncached() }, TOKEN);
    let body = scrape(&panel).await;
    assert!(body.contains("elasticsearch_ccr_follow_shard_global_checkpoint_lag{"), "{body}");
    // Lint problems are printed and fail the check.
    let said = run_promtool(&["check", "metrics"], Some(&body));
    assert!(!said.contains("no help text") && !said.contains("should"), "{said}");
}

#[test]
fn promtool_checks_the_alert_rules_and_runs_their_unit_tests() {
    let rules = docs("prometheus/ccr-alerts.yml");
    let said = run_promtool(&["check", "rules", rules.to_str().unwrap()], None);
    assert!(said.contains("SUCCESS: 9 rules found"), "{said}");
    let tests = docs("prometheus/ccr-alerts.test.yml");
    let said = run_promtool(&["test", "rules", tests.to_str().unwrap()], None);
    assert!(said.contains("SUCCESS"), "{said}");
}

/// Every metric name an expression of the dashboard or the alert rules uses.
fn metric_names(expression: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = String::new();
    for c in expression.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            current.push(c);
        } else {
            if (current.starts_with("elasticsearch_ccr_") || current.starts_with("ccr_panel_")) && c != '=' {
                names.push(current.clone());
            }
            current.clear();
        }
    }
    names
}

#[tokio::test]
async fn the_dashboard_and_the_rules_use_only_series_the_panel_exports() {
    let (leader, local, _, local_client) = connected_pair().await;
    for name in ["copy", "paused"] {
        followers::follow(&local_client, name, "leader", "myindex", FollowParameters::default()).await.unwrap();
    }
    local_client.pause_follow("paused").await.unwrap();
    // A third cluster that cannot be read, for the failure series.
    let down = client_at(&[format!("http://127.0.0.1:{}", closed_port())], Duration::from_secs(2));
    let clusters = [("local", client(&local)), ("leader", client(&leader)), ("down", down)];
    let managed = clusters.iter().map(|(n, c)| ManagedCluster { name: (*n).into(), client: c.clone() }).collect();
    let settings = Settings { detailed: true, ..uncached() };
    let state =
        AppState::new(managed, AuthSettings::anonymous()).with_metrics(endpoint(&clusters, settings, Some(TOKEN)));
    let body = scrape(&app(state)).await;
    let exported: Vec<&str> =
        body.lines().filter_map(|l| l.strip_prefix("# TYPE ")).filter_map(|l| l.split(' ').next()).collect();
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(docs("grafana/ccr-dashboard.json")).unwrap())
        .expect("the dashboard is JSON");
    let variables = dashboard["templating"]["list"].as_array().expect("template variables");
    assert!(
        variables.iter().any(|v| v["type"] == "datasource" && v["query"] == "prometheus"),
        "a Prometheus data source variable: {variables:?}"
    );
    let panels = dashboard["panels"].as_array().expect("panels");
    let mut expressions: Vec<String> = panels
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["expr"].as_str().map(str::to_owned))
        .collect();
    assert!(expressions.len() >= 5, "{expressions:?}");
    for panel in panels {
        assert!(panel["title"].as_str().is_some_and(|t| !t.is_empty()));
        if panel["type"] != "row" {
            assert_eq!(panel["datasource"]["uid"], "${datasource}", "{}", panel["title"]);
        }
    }
    let rules = std::fs::read_to_string(docs("prometheus/ccr-alerts.yml")).unwrap();
    expressions.extend(rules.lines().filter_map(|l| l.trim().strip_prefix("expr:")).map(str::to_owned));
    expressions.push(rules.clone());
    for expression in &expressions {
        for name in metric_names(expression) {
            let base = name.strip_suffix("_total").unwrap_or(&name);
            assert!(
                exported.contains(&name.as_str()) || exported.contains(&base),
                "{name} (in {expression:.80}) is not exported"
            );
        }
    }
}

/// A Prometheus server on loopback, stopped and its files removed on drop.
struct PrometheusServer {
    child: Child,
    dir: PathBuf,
    address: SocketAddr,
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl PrometheusServer {
    /// Scrapes `target` every second with the bearer token, loading the alert rules.
    async fn start(target: SocketAddr) -> PrometheusServer {
        let binary = tool("PROMETHEUS", "/usr/bin/prometheus");
        let dir = std::env::temp_dir().join(format!("ccr-panel-prometheus-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {rules}\n\
             scrape_configs:\n  - job_name: ccr-panel\n    scrape_timeout: 1s\n    authorization:\n      \
             credentials: {TOKEN}\n    static_configs:\n      - targets: ['{target}']\n        labels:\n          \
             panel_url: http://{target}\n",
            rules = docs("prometheus/ccr-alerts.yml").display(),
        );
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address={address}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let server = PrometheusServer { child, dir, address };
        let ready = eventually(Duration::from_secs(30), || async {
            reqwest::get(format!("http://{address}/-/ready")).await.is_ok_and(|r| r.status() == 200)
        })
        .await;
        assert!(ready, "Prometheus did not start: {}", server.log());
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// An instant query: each series' labels and value.
    async fn query(&self, promql: &str) -> Vec<(BTreeMap<String, String>, f64)> {
        let url = format!("http://{}/api/v1/query", self.address);
        let Ok(answer) = reqwest::Client::new().get(url).query(&[("query", promql)]).send().await else {
            return Vec::new();
        };
        let body: Value = answer.json().await.unwrap_or_default();
        body["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let labels = serde_json::from_value(r["metric"].clone()).ok()?;
                Some((labels, r["value"][1].as_str()?.parse().ok()?))
            })
            .collect()
    }

    /// The single value of `promql`, if it has exactly one series.
    async fn value(&self, promql: &str) -> Option<f64> {
        match self.query(promql).await.as_slice() {
            [(_, v)] => Some(*v),
            _ => None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_sees_a_pause_the_lag_it_leaves_and_the_resume() {
    let (leader, local, leader_client, local_client) = connected_pair().await;
    followers::follow(&local_client, "copy", "leader", "myindex", FollowParameters::default()).await.unwrap();
    let settings = Settings { cache: Duration::from_millis(500), timeout: Duration::from_secs(2), detailed: false };
    let panel = panel(&local, Some(&leader), settings, TOKEN);
    let listener = tokio::net::TcpListener::bind(loopback()).await.unwrap();
    let target = listener.local_addr().unwrap();
    tokio::spawn(axum::serve(listener, panel.into_make_service_with_connect_info::<SocketAddr>()).into_future());
    let prometheus = PrometheusServer::start(target).await;

    let status = |s: &str| format!("elasticsearch_ccr_follower_index_status{{follower_index=\"copy\",status=\"{s}\"}}");
    let lag = "elasticsearch_ccr_follow_index_global_checkpoint_lag{follower_index=\"copy\",cluster=\"local\"}";
    let active = eventually(Duration::from_secs(30), || async {
        prometheus.value(&status("active")).await == Some(1.0) && prometheus.value(lag).await == Some(0.0)
    })
    .await;
    assert!(active, "the active follower, scraped: {}", prometheus.log());
    assert_eq!(prometheus.value("up{job=\"ccr-panel\"}").await, Some(1.0));
    assert_eq!(prometheus.value("ccr_panel_scrape_success{cluster=\"leader\"}").await, Some(1.0));
    let panel_url = prometheus.query(lag).await[0].0.get("panel_url").cloned();
    assert_eq!(panel_url, Some(format!("http://{target}")), "the label the runbook links use");

    local_client.pause_follow("copy").await.unwrap();
    for i in 20..24 {
        leader_client.index_doc("myindex", Some(&i.to_string()), &json!({"n": i})).await.unwrap();
    }
    let paused = eventually(Duration::from_secs(30), || async {
        prometheus.value(&status("paused")).await == Some(1.0) && prometheus.value(lag).await == Some(4.0)
    })
    .await;
    assert!(paused, "paused, four operations behind: {:?}", prometheus.query(lag).await);
    let by_panel = "ccr_panel_follower_paused_by_panel{follower_index=\"copy\"}";
    assert_eq!(prometheus.value(by_panel).await, Some(0.0), "paused by an API call, not through the panel");

    local_client.resume_follow("copy", &FollowParameters::default()).await.unwrap();
    let resumed = eventually(Duration::from_secs(30), || async {
        prometheus.value(&status("active")).await == Some(1.0) && prometheus.value(lag).await == Some(0.0)
    })
    .await;
    assert!(resumed, "caught up after the resume: {:?}", prometheus.query(lag).await);
    assert_eq!(prometheus.value(by_panel).await, None, "no longer paused");

    let rules: Value =
        reqwest::get(format!("http://{}/api/v1/rules", prometheus.address)).await.unwrap().json().await.unwrap();
    let loaded: usize =
        rules["data"]["groups"].as_array().unwrap().iter().map(|g| g["rules"].as_array().unwrap().len()).sum();
    assert_eq!(loaded, 9, "Prometheus loaded the alert rules");
}
