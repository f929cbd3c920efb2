//! Remote cluster connections of a simulated cluster.
//!
//! Each configured remote gets a task that connects to its seeds (sniff) or proxy address over
//! the simulated transport, keeps the connection alive with pings, and records whether it is
//! connected. So `_remote/info` says "connected" only while another simulator really answers
//! on that address, and says it no longer is once that simulator stops.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::{Value, json};

use super::Sim;
use super::state::{SettingValue, Settings};
use super::transport::{Channel, TransportError};
use crate::es::Version;

const PING_INTERVAL: Duration = Duration::from_millis(500);
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteMode {
    Sniff { seeds: Vec<String>, node_connections: u32 },
    Proxy { address: String, socket_connections: u32, server_name: String },
}

/// A remote cluster as its settings define it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConfig {
    pub mode: RemoteMode,
    /// The connecting cluster's version, sent in the handshake (see [`wire_compatible`]).
    pub local_version: Version,
    pub skip_unavailable: bool,
    pub initial_connect_timeout: String,
}

impl RemoteConfig {
    /// The addresses a connection attempt tries, in order.
    pub fn addresses(&self) -> Vec<String> {
        match &self.mode {
            RemoteMode::Sniff { seeds, .. } => seeds.clone(),
            RemoteMode::Proxy { address, .. } => vec![address.clone()],
        }
    }
}

/// Reads every enabled remote from effective settings (a remote without seeds or proxy
/// address is not enabled and does not appear in `_remote/info`).
pub fn configured_remotes(
    effective: &Settings,
    skip_unavailable_default: bool,
    local_version: Version,
) -> Vec<(String, RemoteConfig)> {
    let aliases: std::collections::BTreeSet<String> =
        effective.keys().filter_map(|k| super::settings::remote_key(k)).map(|(a, _)| a.to_owned()).collect();
    let mut out = Vec::new();
    for alias in aliases {
        let get = |suffix: &str| effective.get(&format!("cluster.remote.{alias}.{suffix}"));
        let text = |suffix: &str| get(suffix).and_then(SettingValue::as_text).map(str::to_owned);
        let number = |suffix: &str, default: u32| text(suffix).and_then(|t| t.parse().ok()).unwrap_or(default);
        let mode = match text("mode").as_deref() {
            Some("proxy") => RemoteMode::Proxy {
                address: text("proxy_address").unwrap_or_default(),
                socket_connections: number("proxy_socket_connections", 18),
                server_name: text("server_name").unwrap_or_default(),
            },
            _ => RemoteMode::Sniff {
                seeds: get("seeds").map(SettingValue::as_list).unwrap_or_default(),
                node_connections: number("node_connections", 3),
            },
        };
        let enabled = match &mode {
            RemoteMode::Sniff { seeds, .. } => !seeds.is_empty(),
            RemoteMode::Proxy { address, .. } => !address.is_empty(),
        };
        if enabled {
            let skip_unavailable = text("skip_unavailable").map(|v| v == "true").unwrap_or(skip_unavailable_default);
            let initial_connect_timeout = effective
                .get("cluster.remote.initial_connect_timeout")
                .and_then(SettingValue::as_text)
                .unwrap_or("30s")
                .to_owned();
            out.push((alias, RemoteConfig { mode, local_version, skip_unavailable, initial_connect_timeout }));
        }
    }
    out
}

/// The oldest version a node of `version` talks to over the transport
/// (`Version.minimumCompatibilityVersion`: the last minor of the previous major).
pub fn minimum_wire_compatible(version: Version) -> Version {
    match version.major {
        0..=6 => Version::new(5, 6, 0),
        7 => Version::new(6, 8, 0),
        8 => Version::new(7, 17, 0),
        _ => Version::new(8, 18, 0),
    }
}

/// Whether two nodes can talk at all: each at least the other's minimum (`Version.isCompatible`).
pub fn wire_compatible(a: Version, b: Version) -> bool {
    a >= minimum_wire_compatible(b) && b >= minimum_wire_compatible(a)
}

/// What the remote said about itself in the handshake.
#[derive(Debug, Clone)]
pub struct RemoteIdentity {
    pub cluster_name: String,
    pub version: String,
    pub node_count: u32,
}

/// The live state of one remote cluster connection.
#[derive(Debug)]
pub struct RemoteConnection {
    pub config: RemoteConfig,
    pub connected: bool,
    /// The address that answered, used for requests through this remote.
    pub address: Option<String>,
    pub identity: Option<RemoteIdentity>,
    pub last_error: Option<String>,
    /// The open connection while connected, which requests on behalf of this cluster's users
    /// share as Elasticsearch does (a probe opens no connection of its own).
    pub channel: Option<SharedChannel>,
    task: tokio::task::JoinHandle<()>,
}

/// A connection to a remote that several tasks take turns on.
pub type SharedChannel = Arc<tokio::sync::Mutex<Option<Channel>>>;

/// One request and its reply on a shared connection, or `None` when the connection is gone.
/// The exchange runs as a task of its own, so that a caller that stops waiting (a probe's
/// timeout, a client that hung up) leaves it to finish and put the connection back, as
/// Elasticsearch keeps a remote's connection when a request on it times out. The connection is
/// taken out of its slot for the exchange: one that failed may still have a reply coming, so
/// it is dropped rather than reused, and the connection task connects again.
pub async fn exchange(shared: &SharedChannel, request: Value) -> Option<Result<Value, TransportError>> {
    let shared = shared.clone();
    let task = tokio::spawn(async move {
        let mut slot = shared.lock().await;
        let mut channel = slot.take()?;
        let reply = channel.request(&request).await;
        if reply.is_ok() {
            *slot = Some(channel);
        }
        Some(reply)
    });
    task.await.ok().flatten()
}

/// A remote as this cluster's own requests reach it (a probe, a follower's reads, put-follow's
/// look at the leader, the auto-follow coordinator's): over the connection the cluster holds
/// while it is connected, as Elasticsearch does, and over one opened for the purpose only when
/// it is not (Elasticsearch connects on demand then), or when the held one has just closed.
pub struct RemoteLink {
    config: RemoteConfig,
    held: Option<(SharedChannel, RemoteIdentity)>,
    own: Option<(Channel, RemoteIdentity)>,
}

impl RemoteLink {
    pub fn new(connection: &RemoteConnection) -> RemoteLink {
        RemoteLink::under(Some(connection), &connection.config)
    }

    /// A link to the remote as `config` defines it now: the held connection only while it is
    /// connected under these very settings.
    pub fn under(connection: Option<&RemoteConnection>, config: &RemoteConfig) -> RemoteLink {
        let held = connection
            .filter(|c| c.connected && c.config == *config)
            .and_then(|c| Some((c.channel.clone()?, c.identity.clone()?)));
        RemoteLink { config: config.clone(), held, own: None }
    }

    /// Who answers on the link (a connection of its own is opened when none is held).
    pub async fn identity(&mut self) -> Result<RemoteIdentity, TransportError> {
        match &self.held {
            Some((_, identity)) => Ok(identity.clone()),
            None => Ok(self.own().await?.1.clone()),
        }
    }

    /// One request and its reply. A held connection that fails is left to the connection
    /// task to reopen (the reply is the failure, as a read over it would fail in
    /// Elasticsearch); one found closed is passed over for a connection of the link's own.
    pub async fn request(&mut self, request: &Value) -> Result<Value, TransportError> {
        if let Some((shared, _)) = &self.held {
            match exchange(shared, request.clone()).await {
                Some(reply) => {
                    if reply.is_err() {
                        self.held = None;
                    }
                    return reply;
                }
                None => self.held = None,
            }
        }
        let reply = self.own().await?.0.request(request).await;
        if reply.is_err() {
            // A reply may still come on it, to be read as the answer to the next request.
            self.own = None;
        }
        reply
    }

    /// The link's own connection, opened at the first need.
    async fn own(&mut self) -> Result<&mut (Channel, RemoteIdentity), TransportError> {
        match &mut self.own {
            Some(own) => Ok(own),
            own => {
                let (channel, identity, _) = connect(&self.config).await?;
                Ok(own.insert((channel, identity)))
            }
        }
    }
}

impl Drop for RemoteConnection {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RemoteConnection {
    /// Starts the connection task for `alias`.
    pub fn start(sim: &Arc<Sim>, alias: &str, config: RemoteConfig) -> RemoteConnection {
        let task = tokio::spawn(keep_connected(Arc::downgrade(sim), alias.to_owned(), config.clone()));
        RemoteConnection {
            config,
            connected: false,
            address: None,
            identity: None,
            last_error: None,
            channel: None,
            task,
        }
    }

    pub fn nodes_connected(&self) -> u32 {
        match (&self.config.mode, &self.identity) {
            (_, None) => 0,
            _ if !self.connected => 0,
            (RemoteMode::Sniff { node_connections, .. }, Some(identity)) => identity.node_count.min(*node_connections),
            (RemoteMode::Proxy { socket_connections, .. }, Some(_)) => *socket_connections,
        }
    }
}

/// Tries each address in turn and returns the first that completes a handshake.
pub async fn connect(config: &RemoteConfig) -> Result<(Channel, RemoteIdentity, String), TransportError> {
    let mut last = None;
    for address in config.addresses() {
        match handshake(&address, config.local_version).await {
            Ok((channel, identity)) => return Ok((channel, identity, address)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or(TransportError::Connect { address: String::new(), detail: "no seed node left".into() }))
}

async fn handshake(address: &str, local_version: Version) -> Result<(Channel, RemoteIdentity), TransportError> {
    let mut channel = Channel::open(address, CONNECT_TIMEOUT).await?;
    let reply = channel.request(&json!({"action": "handshake", "version": local_version.to_string()})).await?;
    if let Some(refusal) = reply.get("error").and_then(Value::as_str) {
        return Err(TransportError::Handshake { address: address.to_owned(), detail: refusal.to_owned() });
    }
    let identity = identity_from(&reply).ok_or_else(|| TransportError::Handshake {
        address: address.to_owned(),
        detail: format!("unexpected reply {reply}"),
    })?;
    Ok((channel, identity))
}

fn identity_from(reply: &Value) -> Option<RemoteIdentity> {
    Some(RemoteIdentity {
        cluster_name: reply.get("cluster_name")?.as_str()?.to_owned(),
        version: reply.get("version")?.as_str()?.to_owned(),
        node_count: reply.get("nodes")?.as_array()?.len() as u32,
    })
}

async fn keep_connected(sim: Weak<Sim>, alias: String, config: RemoteConfig) {
    loop {
        match connect(&config).await {
            Ok((channel, identity, address)) => {
                let shared: SharedChannel = Arc::new(tokio::sync::Mutex::new(Some(channel)));
                let Some(live) = sim.upgrade() else { return };
                live.update_remote(&alias, &config, |conn| {
                    conn.connected = true;
                    conn.address = Some(address.clone());
                    conn.identity = Some(identity);
                    conn.last_error = None;
                    conn.channel = Some(shared.clone());
                });
                drop(live);
                let error = loop {
                    tokio::time::sleep(PING_INTERVAL).await;
                    match exchange(&shared, json!({"action": "ping"})).await {
                        Some(Ok(_)) => {}
                        Some(Err(e)) => break e,
                        None => {
                            break TransportError::Connect {
                                address: address.clone(),
                                detail: "connection closed".into(),
                            };
                        }
                    }
                };
                let Some(live) = sim.upgrade() else { return };
                live.update_remote(&alias, &config, |conn| {
                    conn.connected = false;
                    conn.last_error = Some(error.to_string());
                    conn.channel = None;
                });
            }
            Err(error) => {
                let Some(live) = sim.upgrade() else { return };
                live.update_remote(&alias, &config, |conn| {
                    conn.connected = false;
                    conn.last_error = Some(error.to_string());
                });
            }
        }
        tokio::time::sleep(RETRY_INTERVAL).await;
    }
}
