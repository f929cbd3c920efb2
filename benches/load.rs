//! The load benchmark behind the README's figures: `cargo bench --bench load`.
//!
//! Starts a simulated cluster (security on) in this process and the release `ccr-panel serve`
//! binary against it, then drives many signed-in sessions over loopback: page loads, then
//! cluster changes. Prints throughput, latency percentiles and the panel's memory. Loopback
//! only, bounded in requests and time.

#[path = "../tests/it/http_session.rs"]
mod http_session;
mod panel_process;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccr_panel::sim::security::{SimSecurity, SimUser};
use ccr_panel::sim::{SimConfig, SimServer};
use http_session::Session;
use panel_process::{base_url, rss_split_kib};

/// The resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let (anon, file) = rss_split_kib(pid);
    anon + file
}

const SESSIONS: usize = 64;
const PAGES_PER_SESSION: usize = 50;
const CHANGES_PER_SESSION: usize = 5;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn report(label: &str, mut latencies: Vec<Duration>, elapsed: Duration) {
    latencies.sort();
    println!(
        "| {label} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99)
    );
}

/// Runs `per_session` requests in each of `SESSIONS` signed-in sessions at once.
async fn drive<F, Fut>(base: &str, per_session: usize, request: F) -> (Vec<Duration>, Duration)
where
    F: Fn(Session, usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = (Session, u16)> + Send,
{
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        let mut session = Session::new(http.clone(), base);
        session.get("/login").await;
        assert_eq!(
            session.post("/login", &[("username", "admin"), ("password", "admin-pw"), ("next", "/")]).await,
            303
        );
        sessions.push(session);
    }
    let started = Instant::now();
    let tasks: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(s, mut session)| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_session);
                for i in 0..per_session {
                    let begun = Instant::now();
                    let (back, status) = request(session, s, i).await;
                    session = back;
                    assert!(status < 400, "request failed with {status}");
                    latencies.push(begun.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    (all, started.elapsed())
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut config = SimConfig::new("bench");
        config.security = Some(SimSecurity {
            users: vec![SimUser {
                name: "admin".into(),
                password: "admin-pw".to_owned().into(),
                roles: vec!["ccr_admin".into()],
            }],
            api_keys: Default::default(),
        });
        let loopback = "127.0.0.1:0".parse().unwrap();
        let sim = SimServer::start(config, loopback, loopback).await.unwrap();

        let mut panel = Command::new(env!("CARGO_BIN_EXE_ccr-panel"))
            .args(["serve", "--auth", "es", "--listen", "127.0.0.1:0", "--es-url", &sim.url()])
            .args(["--session-key", "benchmark-session-key-of-at-least-32-bytes"])
            .env("CCR_PANEL_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the panel binary starts");
        let base = base_url(&mut panel);
        let idle = rss_kib(panel.id());

        println!("\n{SESSIONS} concurrent signed-in sessions, loopback, against a simulated cluster\n");
        println!("| scenario | requests | requests/s | p50 ms | p95 ms | p99 ms |");
        println!("|---|---|---|---|---|---|");
        let (latencies, elapsed) = drive(&base, PAGES_PER_SESSION, |mut session, _, i| async move {
            let path = if i % 2 == 0 { "/remote-clusters" } else { "/" };
            let status = session.get(path).await;
            (session, status)
        })
        .await;
        report("page loads (overview, remote clusters)", latencies, elapsed);

        let (latencies, elapsed) = drive(&base, CHANGES_PER_SESSION, |mut session, s, i| async move {
            let name = format!("bench-{s}-{i}");
            let seed = format!("10.{}.{}.1:9300", s, i);
            let status = session.post("/remote-clusters", &[("name", &name), ("seeds", &seed)]).await;
            (session, status)
        })
        .await;
        report("add a remote cluster (form post)", latencies, elapsed);
        let landed = sim.sim.state().persistent.keys().filter(|k| k.starts_with("cluster.remote.bench-")).count();
        assert_eq!(landed, SESSIONS * CHANGES_PER_SESSION * 3, "every change landed (3 keys each)");

        let busy = rss_kib(panel.id());
        let size = std::fs::metadata(env!("CARGO_BIN_EXE_ccr-panel")).map(|m| m.len()).unwrap_or(0);
        println!("\npanel memory (RSS): {} MiB idle, {} MiB after the load", idle / 1024, busy / 1024);
        println!("panel binary: {:.1} MiB, templates and assets included", size as f64 / 1048576.0);
        println!("changes landed: {landed} settings keys, none lost");
        let _ = panel.kill();
        let _ = panel.wait();
    });
}
