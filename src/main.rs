//! Entry point: parse the command line, set up logging, run the chosen command.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use ccr_panel::config::{self, Cli, Command, DemoArgs, ServeArgs, SimArgs};
use ccr_panel::sim::security::SimSecurity;
use ccr_panel::sim::state::SettingValue;
use ccr_panel::sim::{SimConfig, SimServer};
use ccr_panel::web::auth::{self, AuthSettings};
use ccr_panel::{AppState, ManagedCluster, app, demo, startup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve(_)) {
        ccr_panel::memory::restart_with_serve_tunables();
    }
    // Before the runtime starts its threads (see `memory`).
    ccr_panel::memory::tune_allocator();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chosen = std::env::var_os(startup::WORKER_THREADS_VARIABLE);
    let workers = match startup::worker_threads(matches!(cli.command, Command::Serve(_)), cores, chosen.as_deref()) {
        Ok(workers) => workers,
        Err(message) => {
            eprintln!("ccr-panel: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(workers);
    match builder.enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(error) => {
            eprintln!("ccr-panel: cannot start the runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    // One TLS provider for the whole process (reqwest and the panel's own TLS both use rustls).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a terminal: log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let subscriber = ccr_panel::logging::subscriber(cli.log_format, filter, ansi, std::io::stdout);
    // `try_init` also routes the `log` crate's records (from dependencies) through it.
    let _ = tracing_subscriber::util::SubscriberInitExt::try_init(subscriber);
    let outcome = match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Sim(args) => sim(args).await,
        Command::Demo(args) => run_demo(args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ccr-panel: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let clusters = match &args.config {
        Some(path) => config::load_config_file(path),
        None => args.cluster.to_cluster().map(|c| vec![c]),
    }
    .map_err(|e| e.to_string())?;
    let metrics_auth: Vec<_> = clusters.iter().map(|c| c.metrics_auth.clone()).collect();
    let clusters = startup::managed(clusters)?;
    let auth = startup::auth_settings(&args.security, args.listen, &clusters[0].client).await?;
    let metrics = startup::metrics_endpoint(&args.metrics, &clusters, &metrics_auth, &auth.mode)?;
    let state = with_metrics(AppState::new(clusters, auth), &args.metrics, metrics).await?;
    let tls = args.security.tls_cert.clone().zip(args.security.tls_key.clone());
    serve_panel(args.listen, state, tls).await
}

/// Serves `/metrics` on the panel's address or its own (`--metrics-listen`).
async fn with_metrics(
    state: AppState,
    args: &config::MetricsArgs,
    endpoint: Option<std::sync::Arc<ccr_panel::web::metrics::MetricsEndpoint>>,
) -> Result<AppState, String> {
    let Some(endpoint) = endpoint else { return Ok(state) };
    if let Some(address) = args.metrics_listen {
        serve_metrics(address, endpoint.clone()).await?;
    }
    Ok(state.with_metrics(endpoint))
}

/// `/metrics` alone on its own address, in the background.
async fn serve_metrics(
    address: SocketAddr,
    endpoint: std::sync::Arc<ccr_panel::web::metrics::MetricsEndpoint>,
) -> Result<(), String> {
    let listener =
        tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot serve metrics on {address}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(address = %bound, "metrics listening");
    println!("metrics at http://{bound}/metrics");
    let app = ccr_panel::web::metrics::router(endpoint);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(())
}

async fn serve_panel(
    listen: SocketAddr,
    state: AppState,
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
) -> Result<(), String> {
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(ccr_panel::memory::trim_after_bursts());
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    match tls {
        Some((cert, key)) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .map_err(|e| format!("cannot load --tls-cert {} / --tls-key {}: {e}", cert.display(), key.display()))?;
            let mut server = axum_server::bind_rustls(listen, config).handle(handle.clone());
            limit_slow_clients(server.http_builder());
            announce(&handle, "https").await;
            server.serve(service).await
        }
        None => {
            let mut server = axum_server::bind(listen).handle(handle.clone());
            limit_slow_clients(server.http_builder());
            announce(&handle, "http").await;
            server.serve(service).await
        }
    }
    .map_err(|e| format!("cannot serve on {listen}: {e}"))
}

/// How long a client may take to send a request's headers. Without a timer hyper waits for
/// ever, so a client sending a header line now and then (slowloris) holds a connection and a
/// task as long as it likes; the body has its own limit (`web::csrf::BODY_READ_TIMEOUT`).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

fn limit_slow_clients(builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>) {
    builder.http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
}

/// Prints the address once the listener is bound (port 0 picks one).
async fn announce(handle: &axum_server::Handle, scheme: &'static str) {
    let handle = handle.clone();
    tokio::spawn(async move {
        if let Some(address) = handle.listening().await {
            tracing::info!(%address, "panel listening");
            println!("ccr-panel is running at {scheme}://{address}/  (Ctrl-C stops it)");
        }
    });
}

async fn sim(args: SimArgs) -> Result<(), String> {
    let mut config = SimConfig::new(&args.cluster_name);
    config.version = args.version;
    config.license = args.license;
    config.physical_replication = args.physical_replication;
    config.extra_nodes = usize::from(args.nodes) - 1;
    config.roles = args.node_roles.iter().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect();
    for (key, value) in args.node_settings {
        // Seeds are a list; everything else is a single value.
        let value = if key.ends_with(".seeds") {
            SettingValue::List(value.split(',').map(|s| s.trim().to_owned()).collect())
        } else {
            SettingValue::Text(value)
        };
        config.node_settings.insert(key, value);
    }
    if !args.users.is_empty() {
        config.security = Some(SimSecurity { users: args.users, api_keys: Default::default() });
    }
    let secured = config.security.is_some();
    let server = SimServer::start(config, args.listen, args.transport_listen).await.map_err(|e| e.to_string())?;
    println!("Simulated Elasticsearch {} cluster {:?} (not a real Elasticsearch)", args.version, args.cluster_name);
    println!("  HTTP API:  {}{}", server.url(), if secured { "  (security on)" } else { "" });
    println!("  transport: {}  (use this address as a seed node)", server.transport_address);
    shutdown_signal().await;
    server.stop();
    Ok(())
}

async fn run_demo(args: DemoArgs) -> Result<(), String> {
    if !auth::anonymous_allowed_on(&args.listen) && !args.allow_anonymous_on_network {
        return Err(format!("the demo has no sign-in; refusing to listen on {} (use a loopback address)", args.listen));
    }
    let clusters = demo::start_clusters().await.map_err(|e| format!("cannot start the simulated clusters: {e}"))?;
    // Both clusters are configured, as a `--config` file would name them: the panel manages
    // `local` by default, knows the leader's HTTP address (so a seed typed at it is flagged as
    // the HTTP port it is), and can reach the leader for the steps of a migration.
    let managed = vec![
        ManagedCluster { name: "local".into(), client: demo::client_for(&clusters.local) },
        ManagedCluster { name: "leader".into(), client: demo::client_for(&clusters.leader) },
    ];
    let metrics = startup::metrics_endpoint(&args.metrics, &managed, &[], &auth::AuthMode::None)?;
    let state = with_metrics(AppState::new(managed, AuthSettings::anonymous()), &args.metrics, metrics).await?;
    println!("Demo: two simulated clusters on this machine (simulators, not real Elasticsearch).");
    println!("  local  (managed by the panel): {}", clusters.local.url());
    println!(
        "  leader (the remote cluster, also in the panel's cluster switcher): {}  holds index `myindex`",
        clusters.leader.url()
    );
    println!(
        "  To connect them, add a remote cluster named `leader` with seed node {}",
        clusters.leader.transport_address
    );
    serve_panel(args.listen, state, None).await?;
    clusters.local.stop();
    clusters.leader.stop();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
