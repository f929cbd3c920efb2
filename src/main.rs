//! Entry point: parse the command line, set up logging, run the chosen command.

use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use ccr_panel::config::{self, Cli, ClusterConfig, Command, DemoArgs, ServeArgs, SimArgs};
use ccr_panel::es::EsClient;
use ccr_panel::sim::{SimConfig, SimServer};
use ccr_panel::{AppState, ManagedCluster, app, demo};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(true).init();
    let outcome = match cli.command {
        Command::Serve(args) => serve(args).await,
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

fn managed(clusters: Vec<ClusterConfig>) -> Result<Vec<ManagedCluster>, String> {
    clusters
        .into_iter()
        .map(|cluster| {
            if cluster.es.insecure {
                tracing::warn!(cluster = %cluster.name, "TLS certificate verification is OFF for this cluster (--es-insecure)");
            }
            let client = EsClient::new(cluster.es).map_err(|e| format!("cluster {}: {e}", cluster.name))?;
            Ok(ManagedCluster { name: cluster.name, client })
        })
        .collect()
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let clusters = match &args.config {
        Some(path) => config::load_config_file(path),
        None => args.cluster.to_cluster().map(|c| vec![c]),
    }
    .map_err(|e| e.to_string())?;
    let state = AppState::new(managed(clusters)?);
    serve_panel(args.listen, state).await
}

async fn serve_panel(listen: std::net::SocketAddr, state: AppState) -> Result<(), String> {
    let listener = TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%address, "panel listening");
    println!("ccr-panel is running at http://{address}/  (Ctrl-C stops it)");
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| e.to_string())
}

async fn sim(args: SimArgs) -> Result<(), String> {
    let mut config = SimConfig::new(&args.cluster_name);
    config.version = args.version;
    config.license = args.license;
    let server = SimServer::start(config, args.listen, args.transport_listen).await.map_err(|e| e.to_string())?;
    println!("Simulated Elasticsearch {} cluster {:?} (not a real Elasticsearch)", args.version, args.cluster_name);
    println!("  HTTP API:  {}", server.url());
    println!("  transport: {}  (use this address as a seed node)", server.transport_address);
    shutdown_signal().await;
    server.stop();
    Ok(())
}

async fn run_demo(args: DemoArgs) -> Result<(), String> {
    let clusters = demo::start_clusters().await.map_err(|e| format!("cannot start the simulated clusters: {e}"))?;
    let state = AppState::new(vec![ManagedCluster { name: "local".into(), client: demo::client_for(&clusters.local) }]);
    println!("Demo: two simulated clusters on this machine (simulators, not real Elasticsearch).");
    println!("  local  (managed by the panel): {}", clusters.local.url());
    println!("  leader (the remote cluster):   {}  holds index `myindex`", clusters.leader.url());
    println!(
        "  To connect them, add a remote cluster named `leader` with seed node {}",
        clusters.leader.transport_address
    );
    serve_panel(args.listen, state).await?;
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
