//! One reading per cluster shared by every scraper: fresh for `--metrics-cache`, and made by
//! one scraper at a time (single flight: the others wait for it and take its answer), so ten
//! Prometheus servers cost Elasticsearch what one does. A reading never takes longer than
//! `--metrics-timeout`: a cluster that does not answer is reported as failed, fast.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::{ClusterReading, DOCTOR_EVERY, DoctorLine, ScrapeError, Target, read_cluster};
use crate::ccr::leaders::Candidate;
use crate::es::EsClient;

/// How the readings are made.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a reading answers scrapes.
    pub cache: Duration,
    /// The longest one cluster's reading may take.
    pub timeout: Duration,
    /// Shard-level series too.
    pub detailed: bool,
}

#[derive(Debug, Default)]
struct Slot {
    reading: Option<(Instant, Arc<ClusterReading>)>,
    doctor: Option<(Instant, Vec<DoctorLine>)>,
}

#[derive(Debug)]
struct Watched {
    name: String,
    /// Counting its requests into `sent`; `None` without credentials for the metrics.
    client: Option<EsClient>,
    sent: Arc<AtomicU64>,
    slot: Mutex<Slot>,
}

/// The readings of every configured cluster.
#[derive(Debug)]
pub struct Readings {
    clusters: Vec<Watched>,
    settings: Settings,
}

impl Readings {
    pub fn new(targets: Vec<Target>, settings: Settings) -> Readings {
        let clusters = targets
            .into_iter()
            .map(|t| {
                let sent = Arc::new(AtomicU64::new(0));
                Watched {
                    name: t.name,
                    client: t.client.map(|c| c.counted(sent.clone())),
                    sent,
                    slot: Mutex::default(),
                }
            })
            .collect();
        Readings { clusters, settings }
    }

    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Whether a cluster of that name is configured.
    pub fn knows(&self, cluster: &str) -> bool {
        self.clusters.iter().any(|c| c.name == cluster)
    }

    /// Whether no cluster can be read at all (every one lacks credentials).
    pub fn none_readable(&self) -> bool {
        self.clusters.iter().all(|c| c.client.is_none())
    }

    /// The readings of `only` that cluster, or of all, read at the same time.
    pub async fn read(&self, only: Option<&str>) -> Vec<Arc<ClusterReading>> {
        let wanted = self.clusters.iter().enumerate().filter(|(_, c)| only.is_none_or(|o| o == c.name));
        futures_util::future::join_all(wanted.map(|(i, _)| self.read_one(i))).await
    }

    async fn read_one(&self, index: usize) -> Arc<ClusterReading> {
        let watched = &self.clusters[index];
        // Held while reading: concurrent scrapers queue here and take the fresh answer.
        let mut slot = watched.slot.lock().await;
        if let Some((at, reading)) = &slot.reading
            && at.elapsed() < self.settings.cache
        {
            return reading.clone();
        }
        let started = Instant::now();
        let previous_doctor = slot.doctor.as_ref().map(|(_, lines)| lines.clone()).unwrap_or_default();
        let (outcome, doctor) = match &watched.client {
            None => (Err(ScrapeError::NoCredentials), None),
            Some(client) => {
                let run_doctor = slot.doctor.as_ref().is_none_or(|(at, _)| at.elapsed() >= DOCTOR_EVERY);
                let candidates = self.candidates(index);
                // The inner calls get a share of the time, so the whole fits in it.
                let wait = self.settings.timeout / 3;
                let reading = read_cluster(client, &candidates, self.settings.detailed, run_doctor, wait);
                match tokio::time::timeout(self.settings.timeout, reading).await {
                    Ok(done) => done,
                    Err(_) => (Err(ScrapeError::TimedOut), None),
                }
            }
        };
        if let Some(lines) = &doctor {
            slot.doctor = Some((Instant::now(), lines.clone()));
        }
        let reading = Arc::new(ClusterReading {
            cluster: watched.name.clone(),
            outcome,
            duration: started.elapsed(),
            doctor: doctor.unwrap_or(previous_doctor),
            es_requests: watched.sent.load(Ordering::Relaxed),
        });
        slot.reading = Some((Instant::now(), reading.clone()));
        reading
    }

    /// The other readable clusters, as possible leaders of this one's remotes.
    fn candidates(&self, index: usize) -> Vec<Candidate> {
        self.clusters
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .filter_map(|(_, c)| c.client.clone().map(|client| Candidate { name: c.name.clone(), client }))
            .collect()
    }
}
