//! One doctor run shared by the screens that show it: a detail page's panel, the overview's
//! failing count and the doctor page opened within a few seconds of each other read the same
//! report, and while a run is under way the others wait for it instead of starting their own
//! (a run asks every cluster dozens of questions, a leader's shard stats among them).
//!
//! Reports are kept per cluster and per caller: the user's name and a digest of the
//! credentials the panel calls Elasticsearch with ([`crate::es::EsClient::credentials_digest`];
//! never the secrets), so nobody sees a report made with someone else's rights. A report is
//! kept [`KEEP`] after it was made; nothing older is ever handed out, and a report is dropped
//! once its time is over even when nobody looks again (at 10,000 followers a report is
//! megabytes), so the map stays as small as the number of people using the doctor right now.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

// tokio's clock: the same as std's, and paused in tests.
use tokio::time::Instant;

use tokio::sync::OnceCell;

use super::run::Report;

/// How long a report is shared after it was made: long enough for a page and the fragments it
/// loads, short enough that a change made elsewhere shows on the next look.
pub const KEEP: Duration = Duration::from_secs(5);

/// Whose report: the cluster, the signed-in user and a digest of the credentials used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportKey {
    cluster: String,
    user: Option<String>,
    credentials: String,
}

impl ReportKey {
    /// `credentials` must be a digest, never the credentials themselves.
    pub fn new(cluster: &str, user: Option<&str>, credentials: String) -> ReportKey {
        ReportKey { cluster: cluster.to_owned(), user: user.map(str::to_owned), credentials }
    }
}

/// A report and when it was made.
type Made = (Arc<Report>, Instant);
/// A run under way or done; everyone who shares it gets its report.
type Flight = Arc<OnceCell<Made>>;

/// The reports made in the last [`KEEP`], and the runs under way.
#[derive(Debug, Default)]
pub struct SharedReports {
    flights: Arc<Mutex<HashMap<ReportKey, Flight>>>,
}

type Flights = Arc<Mutex<HashMap<ReportKey, Flight>>>;

/// Drops the reports past their time.
fn sweep(flights: &Flights) -> std::sync::MutexGuard<'_, HashMap<ReportKey, Flight>> {
    let mut flights = flights.lock().unwrap_or_else(|p| p.into_inner());
    // A run under way is kept (someone is waiting for it); a report past its time is not.
    flights.retain(|_, flight| flight.get().is_none_or(|(_, made)| made.elapsed() < KEEP));
    flights
}

impl SharedReports {
    pub fn new() -> SharedReports {
        SharedReports::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ReportKey, Flight>> {
        sweep(&self.flights)
    }

    /// The flight's report, made by `run` when nobody made it yet (also when the one making it
    /// went away: its page was closed). A new report is swept away once its time is over.
    async fn finish<F: Future<Output = Report>>(&self, flight: &Flight, run: impl FnOnce() -> F) -> Arc<Report> {
        let made_here = std::sync::atomic::AtomicBool::new(false);
        let report = flight
            .get_or_init(|| async {
                made_here.store(true, std::sync::atomic::Ordering::Relaxed);
                (Arc::new(run().await), Instant::now())
            })
            .await
            .0
            .clone();
        if made_here.load(std::sync::atomic::Ordering::Relaxed) {
            let flights = self.flights.clone();
            tokio::spawn(async move {
                tokio::time::sleep(KEEP + Duration::from_millis(10)).await;
                drop(sweep(&flights));
            });
        }
        report
    }

    /// The report made for `key` less than [`KEEP`] ago, or the run under way, else the one
    /// `run` makes (and then shares).
    pub async fn shared<F: Future<Output = Report>>(&self, key: &ReportKey, run: impl FnOnce() -> F) -> Arc<Report> {
        let flight = self.lock().entry(key.clone()).or_default().clone();
        self.finish(&flight, run).await
    }

    /// A new run whatever is kept ("Run again"); its report replaces the kept one.
    pub async fn fresh<F: Future<Output = Report>>(&self, key: &ReportKey, run: impl FnOnce() -> F) -> Arc<Report> {
        let flight = Flight::default();
        self.lock().insert(key.clone(), flight.clone());
        self.finish(&flight, run).await
    }

    /// The report that follows `seen` up (its lag trend measured again): made once by `run`
    /// and shared, however many fragments that showed `seen` ask at the same time. When the
    /// kept report is already another one (followed up, or run again), that one is shared.
    pub async fn follow_up<F: Future<Output = Report>>(
        &self,
        key: &ReportKey,
        seen: &Arc<Report>,
        run: impl FnOnce() -> F,
    ) -> Arc<Report> {
        let flight = {
            let mut flights = self.lock();
            match flights.get(key) {
                Some(flight) if flight.get().is_none_or(|(kept, _)| !Arc::ptr_eq(kept, seen)) => flight.clone(),
                _ => {
                    let flight = Flight::default();
                    flights.insert(key.clone(), flight.clone());
                    flight
                }
            }
        };
        self.finish(&flight, run).await
    }

    /// Drops every kept report: something changed (a fix applied, a follower paused), and the
    /// next look must see it. Runs under way finish for those already waiting, and are not kept.
    pub fn forget_all(&self) {
        self.flights.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// How many reports are kept or under way.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(user: &str) -> ReportKey {
        ReportKey::new("local", Some(user), format!("digest-of-{user}"))
    }

    async fn counted(runs: &AtomicUsize) -> Report {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Report { findings: Vec::new(), leaders: Vec::new() }
    }

    #[tokio::test]
    async fn callers_at_the_same_time_share_one_run_and_later_ones_its_report() {
        let (reports, runs, ann) = (SharedReports::new(), AtomicUsize::new(0), key("ann"));
        let (a, b) = tokio::join!(reports.shared(&ann, || counted(&runs)), reports.shared(&ann, || counted(&runs)));
        assert!(Arc::ptr_eq(&a, &b));
        let c = reports.shared(&key("ann"), || counted(&runs)).await;
        assert!(Arc::ptr_eq(&a, &c));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Someone else runs their own.
        let other = reports.shared(&key("bob"), || counted(&runs)).await;
        assert!(!Arc::ptr_eq(&a, &other));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn run_again_and_forgetting_make_a_new_run_and_a_follow_up_is_made_once() {
        let (reports, runs, ann) = (SharedReports::new(), AtomicUsize::new(0), key("ann"));
        let first = reports.shared(&key("ann"), || counted(&runs)).await;
        let again = reports.fresh(&key("ann"), || counted(&runs)).await;
        assert!(!Arc::ptr_eq(&first, &again));
        assert!(Arc::ptr_eq(&again, &reports.shared(&key("ann"), || counted(&runs)).await));
        let (x, y) = tokio::join!(
            reports.follow_up(&ann, &again, || counted(&runs)),
            reports.follow_up(&ann, &again, || counted(&runs)),
        );
        assert!(Arc::ptr_eq(&x, &y) && !Arc::ptr_eq(&x, &again));
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        reports.forget_all();
        assert!(reports.is_empty());
        let after = reports.shared(&key("ann"), || counted(&runs)).await;
        assert!(!Arc::ptr_eq(&after, &x));
        assert_eq!(runs.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_report_is_dropped_once_its_time_is_over_even_unasked() {
        let (reports, runs) = (SharedReports::new(), AtomicUsize::new(0));
        let made = reports.shared(&key("ann"), || counted(&runs)).await;
        let weak = Arc::downgrade(&made);
        drop(made);
        assert!(weak.upgrade().is_some(), "kept for the fragments that follow");
        tokio::time::sleep(KEEP + Duration::from_millis(50)).await;
        assert!(weak.upgrade().is_none(), "dropped without anyone asking again");
        assert_eq!(reports.flights.lock().unwrap().len(), 0);
    }
}
