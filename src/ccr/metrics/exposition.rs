//! The readings as Prometheus series, written by `prometheus-client` in the OpenMetrics text
//! format, or in the older Prometheus text format (0.0.4) for clients that do not ask for
//! OpenMetrics (`curl`, `promtool check metrics`).
//!
//! Names follow the Elasticsearch exporter's proposed CCR collector so that dashboards carry
//! over; the panel's own series start with `ccr_panel_`. Every series has a `cluster` label.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::{ClusterReading, FollowerReading, ScrapeError, Status};

type Labels = Vec<(String, String)>;
type IntGauges = Family<Labels, Gauge>;
type FloatGauges = Family<Labels, Gauge<f64, AtomicU64>>;
type Counters = Family<Labels, Counter>;

/// The counters, whose samples end in `_total` (the family name does not, in OpenMetrics).
const COUNTERS: [&str; 4] = [
    "elasticsearch_ccr_auto_follow_failed_follow_indices",
    "elasticsearch_ccr_auto_follow_successful_follow_indices",
    "elasticsearch_ccr_auto_follow_failed_remote_cluster_state_requests",
    "ccr_panel_es_requests",
];

#[derive(Default)]
struct Families {
    lag: IntGauges,
    status: IntGauges,
    last_read: FloatGauges,
    read_exceptions: IntGauges,
    fatal: IntGauges,
    paused_by_panel: IntGauges,
    shard_lag: IntGauges,
    shard_last_read: FloatGauges,
    shard_read_exceptions: IntGauges,
    auto_follow_failed: Counters,
    auto_follow_successful: Counters,
    auto_follow_remote_failed: Counters,
    remote_connected: IntGauges,
    doctor: IntGauges,
    duration: FloatGauges,
    success: IntGauges,
    error: IntGauges,
    requests: Counters,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

impl Families {
    fn follower(&self, cluster: &str, f: &FollowerReading) {
        let base = [
            ("cluster", cluster),
            ("follower_index", f.follower_index.as_str()),
            ("remote_cluster", f.remote_cluster.as_str()),
            ("leader_index", f.leader_index.as_str()),
        ];
        for status in Status::ALL {
            let mut with_status = labels(&base);
            with_status.push(("status".into(), status.as_str().into()));
            self.status.get_or_create(&with_status).set(i64::from(f.status == status));
        }
        let base_labels = labels(&base);
        if let Some(lag) = f.lag {
            self.lag.get_or_create(&base_labels).set(lag);
        }
        if let Some(seconds) = f.time_since_last_read_seconds {
            self.last_read.get_or_create(&base_labels).set(seconds);
        }
        if let Some(count) = f.read_exceptions {
            self.read_exceptions.get_or_create(&base_labels).set(count as i64);
        }
        if let Some(fatal) = f.fatal {
            self.fatal.get_or_create(&base_labels).set(i64::from(fatal));
        }
        if let Some(by_panel) = f.paused_by_panel.filter(|_| f.status == Status::Paused) {
            let who = labels(&[("cluster", cluster), ("follower_index", f.follower_index.as_str())]);
            self.paused_by_panel.get_or_create(&who).set(i64::from(by_panel));
        }
        for shard in &f.shards {
            let mut with_shard = base_labels.clone();
            with_shard.push(("shard".into(), shard.shard_id.to_string()));
            self.shard_lag.get_or_create(&with_shard).set(shard.lag);
            self.shard_last_read.get_or_create(&with_shard).set(shard.time_since_last_read_seconds);
            self.shard_read_exceptions.get_or_create(&with_shard).set(shard.read_exceptions as i64);
        }
    }

    fn cluster(&self, reading: &ClusterReading) {
        let cluster = reading.cluster.as_str();
        let own = labels(&[("cluster", cluster)]);
        self.duration.get_or_create(&own).set(reading.duration.as_secs_f64());
        self.success.get_or_create(&own).set(i64::from(reading.outcome.is_ok()));
        self.requests.get_or_create(&own).inc_by(reading.es_requests);
        for line in &reading.doctor {
            let key =
                labels(&[("cluster", cluster), ("id", line.id), ("subject", &line.subject), ("verdict", line.verdict)]);
            self.doctor.get_or_create(&key).set(1);
        }
        let replication = match &reading.outcome {
            Ok(replication) => replication,
            Err(error) => {
                let kind = match error {
                    ScrapeError::NoCredentials => "no_credentials",
                    ScrapeError::TimedOut => "timed_out",
                    ScrapeError::Failed(_) => "failed",
                };
                self.error.get_or_create(&labels(&[("cluster", cluster), ("error", kind)])).set(1);
                return;
            }
        };
        for follower in &replication.followers {
            self.follower(cluster, follower);
        }
        for remote in &replication.remotes {
            let key = labels(&[("cluster", cluster), ("remote_cluster", &remote.name), ("mode", &remote.mode)]);
            self.remote_connected.get_or_create(&key).set(i64::from(remote.connected));
        }
        if let Some(auto) = &replication.auto_follow {
            self.auto_follow_failed.get_or_create(&own).inc_by(auto.failed_follow_indices);
            self.auto_follow_successful.get_or_create(&own).inc_by(auto.successful_follow_indices);
            self.auto_follow_remote_failed.get_or_create(&own).inc_by(auto.failed_remote_cluster_state_requests);
        }
    }

    fn register(self, registry: &mut Registry, detailed: bool) {
        let follower = "elasticsearch_ccr_follow_index";
        registry.register(
            format!("{follower}_global_checkpoint_lag"),
            "Operations the follower is behind its leader (leader minus follower global checkpoint, over shards; \
             for a paused follower only when the leader is a configured cluster)",
            self.lag,
        );
        registry.register(
            "elasticsearch_ccr_follower_index_status",
            "1 for the follower's status (active, paused, failing: a shard stopped on a fatal exception)",
            self.status,
        );
        registry.register(
            format!("{follower}_time_since_last_read_seconds"),
            "Seconds since the follower's slowest shard last read from its leader (active followers)",
            self.last_read,
        );
        registry.register(
            format!("{follower}_read_exceptions"),
            "Read exceptions being retried, over the follower's shards",
            self.read_exceptions,
        );
        registry.register(
            format!("{follower}_fatal"),
            "1 when a shard of the follower stopped on a fatal exception",
            self.fatal,
        );
        registry.register(
            "ccr_panel_follower_paused_by_panel",
            "For a paused follower: 1 when it was paused through the panel, 0 when by someone or something else",
            self.paused_by_panel,
        );
        if detailed {
            let shard = "elasticsearch_ccr_follow_shard";
            registry.register(format!("{shard}_global_checkpoint_lag"), "Lag of one follower shard", self.shard_lag);
            registry.register(
                format!("{shard}_time_since_last_read_seconds"),
                "Seconds since one follower shard last read",
                self.shard_last_read,
            );
            registry.register(
                format!("{shard}_read_exceptions"),
                "Read exceptions of one follower shard",
                self.shard_read_exceptions,
            );
        }
        registry.register(
            COUNTERS[0],
            "Auto-follow attempts that failed, since the node started",
            self.auto_follow_failed,
        );
        registry.register(
            COUNTERS[1],
            "Indices auto-follow has followed, since the node started",
            self.auto_follow_successful,
        );
        registry.register(
            COUNTERS[2],
            "Auto-follow reads of the remote cluster state that failed, since the node started",
            self.auto_follow_remote_failed,
        );
        registry.register(
            "elasticsearch_ccr_remote_cluster_connected",
            "1 when the cluster is connected to the remote",
            self.remote_connected,
        );
        registry.register(
            "ccr_panel_doctor_check",
            "1 for each verdict of the panel's replication doctor (checks run at most once a minute)",
            self.doctor,
        );
        registry.register(
            "ccr_panel_scrape_duration_seconds",
            "How long the panel took to read the cluster",
            self.duration,
        );
        registry.register("ccr_panel_scrape_success", "1 when the panel could read the cluster", self.success);
        registry.register(
            "ccr_panel_scrape_error",
            "1 with why the cluster could not be read (no_credentials, timed_out, failed)",
            self.error,
        );
        registry.register(COUNTERS[3], "Requests the panel's metrics sent to the cluster", self.requests);
    }
}

/// The text format a scraper asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenMetrics,
    /// Prometheus text format 0.0.4.
    Text,
}

impl Format {
    /// OpenMetrics when the `Accept` header names it, else the classic text format.
    pub fn from_accept(accept: Option<&str>) -> Format {
        if accept.is_some_and(|a| a.contains("application/openmetrics-text")) {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// Writes the readings.
pub fn render(readings: &[impl AsRef<ClusterReading>], detailed: bool, format: Format) -> String {
    let families = Families::default();
    for reading in readings {
        families.cluster(reading.as_ref());
    }
    let mut registry = Registry::default();
    families.register(&mut registry, detailed);
    let mut out = String::new();
    // Writing into a String does not fail.
    let _ = encode(&mut out, &registry);
    match format {
        Format::OpenMetrics => out,
        Format::Text => to_text_format(&out),
    }
}

/// OpenMetrics to the 0.0.4 text format: counters' HELP and TYPE name the `_total` series,
/// and there is no `# EOF`.
fn to_text_format(open_metrics: &str) -> String {
    let mut out = String::with_capacity(open_metrics.len());
    for line in open_metrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            COUNTERS.contains(&name).then(|| format!("{prefix}{name}_total {tail}"))
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}
