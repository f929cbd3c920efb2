//! The metrics benchmark behind the README's figure: `cargo bench --bench metrics`.
//!
//! A simulated cluster in this process with 10,000 active followers (three shards each) and
//! 100 paused ones, a configured leader holding their leader indices, and the panel's metrics
//! reading both (no cache, so every scrape reads): prints the time of a scrape, its size, and
//! the Elasticsearch requests it cost. Loopback only.

use std::time::{Duration, Instant};

use ccr_panel::ccr::metrics::Target;
use ccr_panel::ccr::metrics::cache::{Readings, Settings};
use ccr_panel::ccr::metrics::exposition::{self, Format};
use ccr_panel::demo;
use ccr_panel::es::ClusterSettingsUpdate;
use ccr_panel::sim::follower::FollowerState;
use ccr_panel::sim::state::Index;
use ccr_panel::sim::{SimConfig, SimServer};
use serde_json::json;

const FOLLOWERS: usize = 10_000;
const PAUSED: usize = 100;
const SHARDS: usize = 3;
const SCRAPES: usize = 10;

fn index(uuid: String, follower: Option<FollowerState>) -> Index {
    let settings = [("index.number_of_shards".to_owned(), SHARDS.to_string())].into();
    let mut index = Index::new(uuid, settings);
    index.follower = follower;
    index
}

#[tokio::main]
async fn main() {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let leader = SimServer::start(SimConfig::new("leader"), loopback, loopback).await.unwrap();
    let local = SimServer::start(SimConfig::new("local"), loopback, loopback).await.unwrap();
    let mut update = ClusterSettingsUpdate::default();
    update.persistent.insert("cluster.remote.leader.seeds".into(), json!([leader.transport_address.to_string()]));
    demo::client_for(&local).put_cluster_settings(&update).await.unwrap();
    {
        let (mut local_state, mut leader_state) = (local.sim.state(), leader.sim.state());
        for i in 0..FOLLOWERS + PAUSED {
            let leader_index = format!("logs-{i:05}");
            leader_state.indices.insert(leader_index.clone(), index(format!("leader-{i}"), None));
            let mut follower = FollowerState::new("leader", &leader_index, &format!("leader-{i}"), json!({}), SHARDS);
            follower.active = i < FOLLOWERS;
            local_state.indices.insert(format!("logs-{i:05}-copy"), index(format!("local-{i}"), Some(follower)));
        }
    }
    let targets = vec![
        Target { name: "local".into(), client: Some(demo::client_for(&local)) },
        Target { name: "leader".into(), client: Some(demo::client_for(&leader)) },
    ];
    let settings = Settings { cache: Duration::ZERO, timeout: Duration::from_secs(60), detailed: false };
    let readings = Readings::new(targets, settings);
    let (mut times, mut render_times) = (Vec::new(), Vec::new());
    let (mut size, mut requests) = (0, 0);
    for _ in 0..SCRAPES {
        local.sim.clear_requests();
        leader.sim.clear_requests();
        let started = Instant::now();
        let read = readings.read(None).await;
        let rendering = Instant::now();
        let body = exposition::render(&read, false, Format::Text);
        render_times.push(rendering.elapsed());
        times.push(started.elapsed());
        assert!(read.iter().all(|r| r.outcome.is_ok()), "every cluster read");
        size = body.len();
        requests = local.sim.requests().len() + leader.sim.requests().len();
    }
    times.sort();
    render_times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| followers | paused | shards each | scrapes | p50 ms | max ms (first: with the doctor) | of which writing the text, p50 ms | body KiB | ES requests per scrape |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {FOLLOWERS} | {PAUSED} | {SHARDS} | {SCRAPES} | {:.0} | {:.0} | {:.0} | {} | {requests} |",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        ms(render_times[render_times.len() / 2]),
        size / 1024
    );
    local.stop();
    leader.stop();
}
