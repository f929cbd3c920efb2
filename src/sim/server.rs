//! A simulated cluster's listeners: the HTTP port that answers the REST API and the transport
//! port other simulators connect to as a remote, for each of its nodes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::reply::Reply;
use super::state::{self, ClusterState, Node};
use super::{LicenseKind, Sim, SimConfig, auto_follow, transport};

/// A running simulated cluster: its HTTP and transport listeners.
pub struct SimServer {
    pub sim: Arc<Sim>,
    pub http_address: SocketAddr,
    pub transport_address: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl SimServer {
    /// Binds both listeners (port 0 picks a free port) and starts serving.
    pub async fn start(config: SimConfig, http: SocketAddr, transport: SocketAddr) -> std::io::Result<SimServer> {
        let http_listener = TcpListener::bind(http).await?;
        let transport_listener = TcpListener::bind(transport).await?;
        let http_address = http_listener.local_addr()?;
        let transport_address = transport_listener.local_addr()?;
        let node = Node {
            id: state::es_uuid(),
            name: format!("{}-node-0", config.cluster_name),
            http_address,
            transport_address,
            roles: state::roles_for(config.version, &config.roles),
        };
        // More nodes: each with its own HTTP and transport port serving the same cluster, data
        // nodes that are not master-eligible (the first node is the elected master).
        let mut other_listeners = Vec::new();
        let mut other_nodes = Vec::new();
        for n in 1..=config.extra_nodes {
            let http_listener = TcpListener::bind(SocketAddr::new(http.ip(), 0)).await?;
            let transport_listener = TcpListener::bind(SocketAddr::new(transport.ip(), 0)).await?;
            other_nodes.push(Node {
                id: state::es_uuid(),
                name: format!("{}-node-{n}", config.cluster_name),
                http_address: http_listener.local_addr()?,
                transport_address: transport_listener.local_addr()?,
                roles: node.roles.iter().filter(|r| *r != "master").cloned().collect(),
            });
            other_listeners.push((http_listener, transport_listener));
        }
        let state = ClusterState {
            cluster_uuid: state::es_uuid(),
            license_type: config.license,
            license_uid: uuid::Uuid::new_v4().to_string(),
            trial_used: config.license == LicenseKind::Trial,
            license_expiry_millis: None,
            persistent: Default::default(),
            transient: Default::default(),
            indices: Default::default(),
            remotes: Default::default(),
            auto_follow: Default::default(),
            auto_follow_stats: Default::default(),
            metadata_version: 1,
            state_version: 1,
            state_uuid: state::es_uuid(),
            tasks: Default::default(),
            next_task_id: 1,
            ilm_policies: Default::default(),
            index_templates: Default::default(),
            node,
            other_nodes,
            config,
        };
        let sim = Arc::new(Sim { state: Mutex::new(state), requests: Mutex::default(), faults: Mutex::default() });
        sim.reconcile_remotes();
        auto_follow::start(&sim);
        let (shutdown, _) = watch::channel(false);

        let listeners = std::iter::once((http_listener, transport_listener)).chain(other_listeners);
        for (http_listener, transport_listener) in listeners {
            serve_node(&sim, http_listener, transport_listener, &shutdown);
        }
        Ok(SimServer { sim, http_address, transport_address, shutdown })
    }

    /// The base URL of the simulated REST API.
    pub fn url(&self) -> String {
        format!("http://{}", self.http_address)
    }

    /// Stops listening and drops every connection, as a node that shuts down.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
        self.sim.state().remotes.clear();
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Serves one node's HTTP and transport ports until shutdown.
fn serve_node(
    sim: &Arc<Sim>,
    http_listener: TcpListener,
    transport_listener: TcpListener,
    shutdown: &watch::Sender<bool>,
) {
    let answering = Arc::clone(sim);
    tokio::spawn(transport::serve(transport_listener, shutdown.subscribe(), move |request| {
        answering.transport_answer(request)
    }));
    let serving = Arc::clone(sim);
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let sim = Arc::clone(&serving);
        async move { to_response(sim.handle(method, &uri, &headers, body).await) }
    });
    let mut stop = shutdown.subscribe();
    tokio::spawn(async move {
        let graceful = async move {
            let _ = stop.changed().await;
        };
        if let Err(error) = axum::serve(http_listener, app).with_graceful_shutdown(graceful).await {
            tracing::error!(%error, "simulator HTTP server failed");
        }
    });
}

fn to_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match (reply.body, reply.raw) {
        (Some(body), _) => (status, [("content-type", "application/json")], body.to_string()).into_response(),
        (None, Some((content_type, raw))) => (status, [("content-type", content_type)], raw).into_response(),
        (None, None) => status.into_response(),
    };
    let headers = response.headers_mut();
    // Sent by every Elasticsearch since 7.14; clients use it to recognise the product.
    headers.insert("x-elastic-product", HeaderValue::from_static("Elasticsearch"));
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
