//! The page benchmark behind `BENCHMARKS.md`: `cargo bench --bench pages`.
//!
//! Starts two simulated clusters in this process (`local`, security on, and `leader`, which
//! the 30 remotes of `local` point at) and the release `ccr-panel serve` against `local`, then
//! grows `local` to 100, 1,000 and 10,000 follower indices (every tenth with 5 shards, every
//! tenth paused) with 200 auto-follow patterns, and measures at each size:
//!
//! - the overhead ratio of each page in [`PAGES`]: the panel's latency for the page divided by
//!   the latency of the Elasticsearch requests it made (recorded by the simulator while the
//!   page loads), sent directly one after the other to the same simulator, p50 and p99;
//! - throughput and p99 at 1, 16 and 64 signed-in users for the pages in [`LOAD_PAGES`];
//!
//! and once: the panel's memory (idle, after the 64-user run at 10,000, as it settles), its start-up
//! time (process start to the first 200 from `/healthz`) and the bytes of a cold load of the
//! follower list with a browser's `Accept-Encoding`. Prints Markdown. Loopback only; bounded
//! in requests and time (a few minutes on 2 cores).

#[path = "../tests/it/http_session.rs"]
mod http_session;
mod panel_process;

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ccr_panel::sim::fault::{Fault, FaultKind};
use ccr_panel::sim::follower::FollowerState;
use ccr_panel::sim::security::{SimSecurity, SimUser};
use ccr_panel::sim::state::{AutoFollowPattern, Index};
use ccr_panel::sim::{RecordedRequest, SimConfig, SimServer};
use http_session::Session;
use panel_process::{base_url, rss_split_kib};
use serde_json::json;

/// One page to measure: a label and its address (`{follower}`: a follower with 5 shards), and
/// whether the cluster state changes before each load. The follower list read by name is not
/// read again whole while the cluster state is the one its page was cut from; its first load
/// after a change (any change: here one the simulator does not model, so nothing else moves)
/// reads every follower's name.
struct Page {
    label: &'static str,
    path: &'static str,
    after_a_change: bool,
}

impl Page {
    const fn new(label: &'static str, path: &'static str) -> Page {
        Page { label, path, after_a_change: false }
    }
}

/// The pages whose overhead is measured; one line each.
const PAGES: &[Page] = &[
    Page::new("overview", "/"),
    Page::new("follower list", "/follower-indices"),
    Page { label: "follower list, cluster state changed", path: "/follower-indices", after_a_change: true },
    Page::new("follower list by lag", "/follower-indices?sort=lag&order=desc"),
    Page::new("follower detail", "/follower-indices/{follower}"),
    Page::new("remote list", "/remote-clusters"),
    Page::new("auto-follow list", "/auto-follow-patterns"),
    Page::new("doctor", "/doctor"),
];

/// The pages driven by many users at once.
const LOAD_PAGES: &[Page] = &[Page::new("overview", "/"), Page::new("follower list", "/follower-indices")];

const SIZES: [usize; 3] = [100, 1_000, 10_000];

/// Whether to measure `page`: every page, or `CCR_BENCH_PAGES=doctor,remote` (label contains
/// one of them) while profiling.
fn chosen(page: &Page) -> bool {
    std::env::var("CCR_BENCH_PAGES").map_or(true, |list| list.split(',').any(|part| page.label.contains(part.trim())))
}

/// The sizes to measure: [`SIZES`], or `CCR_BENCH_SIZES=100,1000` while profiling one of them.
fn sizes() -> Vec<usize> {
    std::env::var("CCR_BENCH_SIZES")
        .ok()
        .map(|list| list.split(',').filter_map(|s| s.trim().parse().ok()).collect::<Vec<usize>>())
        .filter(|list| !list.is_empty())
        .unwrap_or_else(|| SIZES.to_vec())
}
const USERS: [usize; 3] = [1, 16, 64];
const REMOTES: usize = 30;
const PATTERNS: usize = 200;
/// What a browser sends; the panel's answers are measured as a browser gets them.
const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";
const USER: &str = "admin";
const PASSWORD: &str = "admin-pw";

/// The delay the simulator adds to each request for the second overhead table: about a round
/// trip to a cluster in the same data centre (a timer's sleep: 1 ms or a little more, the
/// same for the panel's requests and the direct ones). On loopback a request costs the
/// simulator a few hundred microseconds, so the panel's own work per page is compared with
/// very little; with a network in between, asking a page's independent requests at once is
/// what counts.
const NETWORK_DELAY_MS: u64 = 1;
/// Per page and size: samples of each side, within a time budget.
const LATENCY_BUDGET: Duration = Duration::from_millis(3000);
const LATENCY_MIN_SAMPLES: usize = 11;
const LATENCY_MAX_SAMPLES: usize = 400;
/// Per page, size and number of users.
const LOAD_DURATION: Duration = Duration::from_secs(2);

/// The CPU time a process has used so far (user and system), in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces, so split after its ')').
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let field = |n: usize| fields.get(n).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
fn ticks_per_second() -> f64 {
    100.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn follower_name(i: usize) -> String {
    format!("follower-{i:05}")
}

/// Grows `local` to `size` followers, straight into its state (no API calls, no replication
/// tasks: the figures are the panel's, not the simulator's followers pulling).
fn grow(local: &SimServer, from: usize, size: usize) {
    let mut state = local.sim.state();
    for i in from..size {
        let shards = if i % 10 == 0 { 5 } else { 1 };
        let settings = [("index.number_of_shards".to_owned(), shards.to_string())].into();
        let mut index = Index::new(format!("uuid-{i}"), settings);
        let remote = format!("r{:02}", i % REMOTES);
        let mut follower = FollowerState::new(&remote, &format!("logs-{i:05}"), "leader-uuid", json!({}), shards);
        follower.active = i % 10 != 3;
        for shard in &mut follower.shards {
            shard.leader_global_checkpoint = ((i * 7919) % 5000) as i64 + 100;
            shard.follower_global_checkpoint = shard.leader_global_checkpoint - (i % 50) as i64;
            shard.leader_max_seq_no = shard.leader_global_checkpoint;
            shard.last_read = Some(Instant::now());
        }
        index.follower = Some(follower);
        state.indices.insert(follower_name(i), index);
    }
}

/// 30 remotes at the leader's transport port (through the API, so they connect) and 200
/// auto-follow patterns, most paused (an active one makes the simulator poll its remote).
async fn configure(local: &SimServer, leader: &SimServer, http: &reqwest::Client) {
    let mut persistent = serde_json::Map::new();
    for r in 0..REMOTES {
        persistent.insert(format!("cluster.remote.r{r:02}.seeds"), json!([leader.transport_address.to_string()]));
    }
    let answer = http
        .put(format!("{}/_cluster/settings", local.url()))
        .basic_auth(USER, Some(PASSWORD))
        .json(&json!({ "persistent": persistent }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "remotes configured");
    let mut state = local.sim.state();
    for p in 0..PATTERNS {
        let body = json!({
            "remote_cluster": format!("r{:02}", p % REMOTES),
            "leader_index_patterns": [format!("metrics-{p}-*")],
            "leader_index_exclusion_patterns": [],
            "follow_index_pattern": "{{leader_index}}-copy",
        });
        let pattern = AutoFollowPattern { active: p % 20 == 0, body, followed: Default::default() };
        state.auto_follow.insert(format!("pattern-{p:03}"), pattern);
    }
}

/// A signed-in user's session over real HTTP.
async fn sign_in(http: &reqwest::Client, base: &str) -> Session {
    let mut session = Session::new(http.clone(), base);
    session.get("/login").await;
    assert_eq!(session.post("/login", &[("username", USER), ("password", PASSWORD), ("next", "/")]).await, 303);
    session
}

/// A page as a browser loads it: the status and the bytes on the wire (body as sent). The
/// cookies are kept as a browser keeps them (see [`keep_cookies`]).
async fn load(http: &reqwest::Client, base: &str, cookies: &mut String, path: &str) -> (u16, Vec<u8>, usize) {
    let answer = http
        .get(format!("{base}{path}"))
        .header("cookie", cookies.as_str())
        .header("accept-encoding", ACCEPT_ENCODING)
        .send()
        .await;
    match answer {
        Ok(answer) => {
            keep_cookies(cookies, answer.headers());
            let status = answer.status().as_u16();
            let header_bytes: usize = answer.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
            let body = answer.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            (status, body, header_bytes + 17)
        }
        Err(error) => {
            // Said where it happens: a load that fails must be explained, not only counted.
            eprintln!("{path}: no answer: {error:?}");
            (0, Vec::new(), 0)
        }
    }
}

/// What a browser does with a `Set-Cookie`: the cookie replaces the one of that name for the
/// next requests, and one that expires at once (`Max-Age=0`, or no value) is dropped. (The
/// panel sends its session cookie again once it is a minute old; a client that kept the old
/// one would have it sealed anew on every page.)
fn keep_cookies(cookies: &mut String, headers: &reqwest::header::HeaderMap) {
    for set in headers.get_all(reqwest::header::SET_COOKIE) {
        let Ok(set) = set.to_str() else { continue };
        let mut parts = set.split(';').map(str::trim);
        let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else { continue };
        let expired = value.is_empty() || parts.any(|a| a.eq_ignore_ascii_case("max-age=0"));
        let kept = cookies.split("; ").filter(|p| !p.is_empty() && p.split_once('=').map(|(n, _)| n) != Some(name));
        let pair = format!("{name}={value}");
        let added = (!expired).then_some(pair.as_str());
        *cookies = kept.chain(added).collect::<Vec<_>>().join("; ");
    }
}

/// Sends the recorded requests to the simulator directly, one after the other.
async fn replay(http: &reqwest::Client, sim_url: &str, requests: &[RecordedRequest]) {
    for r in requests {
        let url = if r.query.is_empty() {
            format!("{sim_url}{}", r.path)
        } else {
            format!("{sim_url}{}?{}", r.path, r.query)
        };
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
        let mut request = http.request(method, url).basic_auth(USER, Some(PASSWORD));
        if let Some(body) = &r.body {
            request = request.json(body);
        }
        let answer = request.send().await.expect("the simulator answers");
        let _ = answer.bytes().await;
    }
}

struct Overhead {
    size: usize,
    label: &'static str,
    es_requests: usize,
    /// The page's HTML, decoded.
    html_bytes: usize,
    /// The panel process's own CPU time (user and system) per load of the page.
    cpu_per_load: Duration,
    samples: usize,
    panel: (Duration, Duration),
    direct: (Duration, Duration),
}

impl Overhead {
    fn ratio(&self) -> (f64, f64) {
        (ms(self.panel.0) / ms(self.direct.0), ms(self.panel.1) / ms(self.direct.1))
    }
}

/// The overhead of one page at one size: panel and direct latencies, interleaved.
async fn overhead(
    http: &reqwest::Client,
    (base, pid): (&str, u32),
    cookies: &mut String,
    local: &SimServer,
    size: usize,
    page: &Page,
) -> Overhead {
    let path = page.path.replace("{follower}", &follower_name(size - 10));
    let change = || {
        if page.after_a_change {
            local.sim.publish_new_cluster_state();
        }
    };
    // Twice to warm up (what a load asks can depend on the load before: the follower list's
    // requests on the count it saw, its names on the page it remembered), once to record what
    // the page asks Elasticsearch.
    let mut html_bytes = 0;
    for _ in 0..2 {
        change();
        let (status, body, _) = load(http, base, cookies, &path).await;
        assert_eq!(status, 200, "{path}");
        html_bytes = decoded(&body).len();
    }
    local.sim.clear_requests();
    change();
    assert_eq!(load(http, base, cookies, &path).await.0, 200, "{path}");
    let requests = local.sim.requests();
    local.sim.clear_requests();
    let (mut panel, mut direct) = (Vec::new(), Vec::new());
    let mut panel_cpu_ticks = 0;
    let started = Instant::now();
    while panel.len() < LATENCY_MAX_SAMPLES && (panel.len() < LATENCY_MIN_SAMPLES || started.elapsed() < LATENCY_BUDGET)
    {
        // The panel's CPU clock is read outside the timed load (reading `/proc` takes tens of
        // microseconds, a few percent of a small page).
        change();
        let cpu_before = cpu_ticks(pid);
        let begun = Instant::now();
        let (status, _, _) = load(http, base, cookies, &path).await;
        panel.push(begun.elapsed());
        assert_eq!(status, 200, "{path}");
        panel_cpu_ticks += cpu_ticks(pid) - cpu_before;
        let begun = Instant::now();
        replay(http, &local.url(), &requests).await;
        direct.push(begun.elapsed());
    }
    local.sim.clear_requests();
    panel.sort();
    direct.sort();
    Overhead {
        size,
        label: page.label,
        es_requests: requests.len(),
        html_bytes,
        cpu_per_load: Duration::from_secs_f64(panel_cpu_ticks as f64 / ticks_per_second() / panel.len() as f64),
        samples: panel.len(),
        panel: (percentile(&panel, 0.5), percentile(&panel, 0.99)),
        direct: (percentile(&direct, 0.5), percentile(&direct, 0.99)),
    }
}

struct Load {
    size: usize,
    label: &'static str,
    users: usize,
    requests: usize,
    errors: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// `users` signed-in sessions loading `path` as fast as they can for [`LOAD_DURATION`]; each
/// keeps the cookies it is sent for the next run.
async fn drive(
    http: &reqwest::Client,
    base: &str,
    sessions: &mut [String],
    size: usize,
    page: &Page,
    users: usize,
) -> Load {
    let started = Instant::now();
    let tasks: Vec<_> = sessions[..users]
        .iter()
        .map(|cookies| {
            let (http, base, mut cookies, path) =
                (http.clone(), base.to_owned(), cookies.clone(), page.path.to_owned());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0);
                while started.elapsed() < LOAD_DURATION {
                    let begun = Instant::now();
                    let (status, body, _) = load(&http, &base, &mut cookies, &path).await;
                    latencies.push(begun.elapsed());
                    if status != 200 {
                        errors += 1;
                        if status != 0 {
                            let page = String::from_utf8_lossy(&decoded(&body)).into_owned();
                            let says =
                                page.split("<main").nth(1).unwrap_or(&page).chars().take(400).collect::<String>();
                            eprintln!("{path}: {status}: {says}");
                        }
                    }
                }
                (latencies, errors, cookies)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for (task, kept) in tasks.into_iter().zip(sessions.iter_mut()) {
        let (l, e, cookies) = task.await.unwrap();
        latencies.extend(l);
        errors += e;
        *kept = cookies;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Load {
        size,
        label: page.label,
        users,
        requests: latencies.len(),
        errors,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `CCR_BENCH_PANEL_WRAPPER="valgrind --tool=callgrind ..."` (what `scripts/link-order` sets):
/// the command, split on whitespace, that the panel runs under.
fn panel_wrapper() -> Option<Vec<String>> {
    let words: Vec<String> =
        std::env::var("CCR_BENCH_PANEL_WRAPPER").ok()?.split_whitespace().map(str::to_owned).collect();
    (!words.is_empty()).then_some(words)
}

fn spawn_panel(sim_url: &str, port: u16) -> Child {
    let panel = env!("CARGO_BIN_EXE_ccr-panel");
    let mut command = match panel_wrapper() {
        Some(wrapper) => {
            let mut command = Command::new(&wrapper[0]);
            command.args(&wrapper[1..]).arg(panel);
            command
        }
        None => Command::new(panel),
    };
    command
        .args(["serve", "--auth", "es", "--listen", &format!("127.0.0.1:{port}"), "--es-url", sim_url])
        .args(["--session-key", "benchmark-session-key-of-at-least-32-bytes"])
        .env("CCR_PANEL_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the panel binary starts")
}

/// Ends the panel. Under a wrapper, with SIGINT: the panel shuts down cleanly, and the wrapper
/// (callgrind) writes what it recorded on the way out, which a SIGKILL would lose.
fn stop_panel(mut panel: Child) {
    if panel_wrapper().is_some() {
        let pid = libc::pid_t::try_from(panel.id()).expect("a pid fits in pid_t");
        // SAFETY: kill only sends a signal to our own child, which we have not yet waited for.
        unsafe { libc::kill(pid, libc::SIGINT) };
    } else {
        let _ = panel.kill();
    }
    let _ = panel.wait();
}

/// Process start to the first 200 from `/healthz`, polling with plain blocking sockets.
fn start_up(sim_url: &str) -> Duration {
    let port = free_port();
    let started = Instant::now();
    let panel = spawn_panel(sim_url, port);
    let elapsed = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                break started.elapsed();
            }
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the panel starts within 10 s");
        std::thread::sleep(Duration::from_micros(200));
    };
    stop_panel(panel);
    elapsed
}

/// The assets a page links: `href` of stylesheets and `src` of scripts.
fn linked_assets(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (tag, attribute) in [("<link ", "href=\""), ("<script ", "src=\"")] {
        for piece in html.split(tag).skip(1) {
            let element = piece.split('>').next().unwrap_or_default();
            if tag == "<link " && !element.contains("stylesheet") {
                continue;
            }
            if let Some(value) = element.split(attribute).nth(1).and_then(|v| v.split('"').next()) {
                found.push(value.replace("&#x2f;", "/").replace("&amp;", "&"));
            }
        }
    }
    found
}

/// The bytes as the browser reads them, whatever the `Content-Encoding` (gzip, brotli, none).
fn decoded(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).is_ok() {
        return out;
    }
    out.clear();
    if brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).is_ok() {
        return out;
    }
    bytes.to_vec()
}

fn goal(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let whole = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut config = SimConfig::new("local");
        config.security = Some(SimSecurity {
            users: vec![SimUser { name: USER.into(), password: PASSWORD.to_owned().into(), roles: vec!["ccr_admin".into()] }],
            api_keys: Default::default(),
        });
        let loopback = "127.0.0.1:0".parse().unwrap();
        let local = SimServer::start(config, loopback, loopback).await.unwrap();
        let leader = SimServer::start(SimConfig::new("leader"), loopback, loopback).await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(128)
            // The panel closes a connection idle for 10 s (its header-read timeout). A client
            // that reuses one at that moment gets no answer; a browser sends a GET again then,
            // reqwest does not, and the load would count as the panel's error.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        configure(&local, &leader, &http).await;

        let startups: Vec<Duration> = {
            let mut all: Vec<Duration> = (0..7).map(|_| start_up(&local.url())).collect();
            all.sort();
            all
        };

        let port = free_port();
        let mut panel = spawn_panel(&local.url(), port);
        let base = base_url(&mut panel);
        let idle = rss_split_kib(panel.id());

        let mut sessions = Vec::new();
        for _ in 0..*USERS.iter().max().unwrap() {
            sessions.push(sign_in(&http, &base).await.cookie_header());
        }
        let mut cookies = sessions[0].clone();

        let (mut overheads, mut delayed, mut loads) = (Vec::new(), Vec::new(), Vec::new());
        let mut grown = 0;
        let mut after_load = (0, 0);
        let mut weight = Vec::new();
        let sizes = sizes();
        let largest = *sizes.iter().max().unwrap();
        let smallest = *sizes.iter().min().unwrap();
        for size in sizes.iter().copied() {
            grow(&local, grown, size);
            grown = size;
            eprintln!("{:>6.1} s: {size} followers", whole.elapsed().as_secs_f64());
            for page in PAGES.iter().filter(|p| chosen(p)) {
                overheads.push(overhead(&http, (&base, panel.id()), &mut cookies, &local, size, page).await);
            }
            if size == smallest {
                // The same, with each request to the simulator answered 1 ms later: a cluster
                // across a network rather than on loopback (see NETWORK_DELAY_MS).
                local.sim.inject_fault(Fault::new("/", FaultKind::Hang { millis: NETWORK_DELAY_MS }));
                for page in PAGES.iter().filter(|p| chosen(p)) {
                    delayed.push(overhead(&http, (&base, panel.id()), &mut cookies, &local, size, page).await);
                }
                local.sim.clear_faults();
            }
            for page in LOAD_PAGES.iter().filter(|p| chosen(p)) {
                for users in USERS {
                    loads.push(drive(&http, &base, &mut sessions, size, page, users).await);
                }
            }
            local.sim.clear_requests();
            if size == largest {
                after_load = rss_split_kib(panel.id());
                // A cold load of the follower list: the page, then every asset it links.
                let (_, html, headers) = load(&http, &base, &mut cookies, "/follower-indices").await;
                let text = String::from_utf8_lossy(&decoded(&html)).into_owned();
                weight.push(("HTML".to_owned(), html.len() + headers, decoded(&html).len()));
                for asset in linked_assets(&text) {
                    let (status, body, headers) = load(&http, &base, &mut cookies, &asset).await;
                    assert_eq!(status, 200, "{asset}");
                    let name = asset.rsplit('/').next().unwrap_or_default().to_owned();
                    weight.push((name, body.len() + headers, decoded(&body).len()));
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let settled = rss_split_kib(panel.id());
        // The users' idle keep-alive connections (and their buffers) stay until the panel closes
        // them: its header read timeout (10 s) also ends a connection idle between requests.
        tokio::time::sleep(Duration::from_secs(9)).await;
        let connections_closed = rss_split_kib(panel.id());
        // The panel's own idle connections to Elasticsearch close after
        // `ccr_panel::es::IDLE_CONNECTION_TIMEOUT` (within twice that), and once the panel has been
        // quiet that long it hands their freed buffers back (`ccr_panel::memory::BurstTrimmer`:
        // at most 55 s after the last page).
        tokio::time::sleep(Duration::from_secs(58)).await;
        let quiet = rss_split_kib(panel.id());
        // `CCR_BENCH_HOLD=60`: keep the panel up that long after the run, to look into it.
        if let Some(hold) = std::env::var("CCR_BENCH_HOLD").ok().and_then(|s| s.parse().ok()) {
            eprintln!("holding the panel (pid {}) for {hold} s", panel.id());
            tokio::time::sleep(Duration::from_secs(hold)).await;
        }
        stop_panel(panel);

        // --- the report ------------------------------------------------------------------
        let machine = std::fs::read_to_string("/proc/cpuinfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned()))
            .unwrap_or_default();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
        println!("\n## Results\n");
        println!("Machine: {cores} cores, {machine}. The simulators, the load generator and the panel share them.\n");
        println!("### Overhead ratio (panel page ÷ the same Elasticsearch requests sent directly one after the other)\n");
        println!("| followers | page | ES requests | HTML KB | panel CPU ms per load | samples | panel p50 ms | direct p50 ms | ratio p50 | panel p99 ms | direct p99 ms | ratio p99 |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for o in &overheads {
            let (r50, r99) = o.ratio();
            println!(
                "| {} | {} | {} | {:.1} | {:.2} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                o.size, o.label, o.es_requests, o.html_bytes as f64 / 1024.0, ms(o.cpu_per_load), o.samples, ms(o.panel.0), ms(o.direct.0), r50, ms(o.panel.1), ms(o.direct.1), r99
            );
        }
        println!(
            "\n### Overhead ratio with {NETWORK_DELAY_MS} ms added to every Elasticsearch request (a cluster across a network), {smallest} followers\n"
        );
        println!("| followers | page | ES requests | panel p50 ms | direct p50 ms | ratio p50 | panel p99 ms | direct p99 ms | ratio p99 |");
        println!("|---|---|---|---|---|---|---|---|---|");
        for o in &delayed {
            let (r50, r99) = o.ratio();
            println!(
                "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                o.size, o.label, o.es_requests, ms(o.panel.0), ms(o.direct.0), r50, ms(o.panel.1), ms(o.direct.1), r99
            );
        }
        println!("\n### Throughput ({} s per row, every user signed in, `Accept-Encoding: {ACCEPT_ENCODING}`)\n", LOAD_DURATION.as_secs());
        println!("| followers | page | users | requests | errors | requests/s | p50 ms | p99 ms |");
        println!("|---|---|---|---|---|---|---|---|");
        for l in &loads {
            println!(
                "| {} | {} | {} | {} | {} | {:.0} | {:.1} | {:.1} |",
                l.size, l.label, l.users, l.requests, l.errors, l.per_second, ms(l.p50), ms(l.p99)
            );
        }
        println!("\n### Page weight (cold load of the follower list at {} followers, `Accept-Encoding: {ACCEPT_ENCODING}`)\n", largest);
        println!("| part | bytes on the wire | bytes decoded |");
        println!("|---|---|---|");
        for (part, wire, decoded) in &weight {
            println!("| {part} | {wire} | {decoded} |");
        }
        let total: usize = weight.iter().map(|w| w.1).sum();
        let total_decoded: usize = weight.iter().map(|w| w.2).sum();
        println!("| **total** | **{total}** ({:.1} KB) | {total_decoded} |", total as f64 / 1024.0);
        let startup = startups[startups.len() / 2];
        println!("\n### Memory and start-up\n");
        println!("| figure | RSS | of it anonymous (heap, stacks) | of it file-backed (code and data of the binary and libraries) |");
        println!("|---|---|---|---|");
        let mib = |kib: u64| kib as f64 / 1024.0;
        let rows = [
            ("idle after start".to_owned(), idle),
            (format!("after the 64-user run at {largest} followers"), after_load),
            ("3 s later".to_owned(), settled),
            ("12 s later (the users' idle connections closed by the panel after 10 s)".to_owned(), connections_closed),
            ("70 s later (its idle connections to Elasticsearch closed, memory trimmed once quiet)".to_owned(), quiet),
        ];
        for (figure, (anon, file)) in rows {
            println!("| {figure} | {:.1} MiB | {:.1} MiB | {:.1} MiB |", mib(anon + file), mib(anon), mib(file));
        }
        println!(
            "| start-up to the first 200 from `/healthz` (median of {}; min, max) | {:.1} ms ({:.1}, {:.1}) |",
            startups.len(),
            ms(startup),
            ms(startups[0]),
            ms(*startups.last().unwrap())
        );

        let worst50 = overheads.iter().map(|o| o.ratio().0).fold(0.0, f64::max);
        let worst99 = overheads.iter().map(|o| o.ratio().1).fold(0.0, f64::max);
        let errors: usize = loads.iter().map(|l| l.errors).sum();
        println!("\n### Goals\n");
        println!("| goal | measured | |");
        println!("|---|---|---|");
        println!("| overhead ratio p50 ≤ 1.0 on every page and size | worst {worst50:.2} | {} |", goal(worst50 <= 1.0));
        println!("| overhead ratio p99 ≤ 1.2 on every page and size | worst {worst99:.2} | {} |", goal(worst99 <= 1.2));
        println!("| 0 errors under load | {errors} | {} |", goal(errors == 0));
        let (idle, after_load, quiet) = (idle.0 + idle.1, after_load.0 + after_load.1, quiet.0 + quiet.1);
        println!("| RSS idle ≤ 8 MB | {:.1} MiB | {} |", idle as f64 / 1024.0, goal(idle * 1024 <= 8_000_000));
        println!(
            "| RSS after 64 users at {} followers ≤ 40 MB | {:.1} MiB | {} |",
            largest,
            after_load as f64 / 1024.0,
            goal(after_load * 1024 <= 40_000_000)
        );
        println!(
            "| RSS returns near idle (within 2× idle) once the connections are closed | {:.1} MiB | {} |",
            quiet as f64 / 1024.0,
            goal(quiet <= idle * 2)
        );
        println!("| start-up ≤ 10 ms | {:.1} ms | {} |", ms(startup), goal(startup <= Duration::from_millis(10)));
        println!("| cold follower list ≤ 30 KB on the wire | {:.1} KB | {} |", total as f64 / 1024.0, goal(total <= 30 * 1024));
        println!("\nWhole run: {:.0} s.", whole.elapsed().as_secs_f64());
    });
}
