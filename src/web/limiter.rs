//! The sign-in rate limit (`--auth es`): how many wrong guesses a client may make, counted so
//! that neither a success on another account nor a slow cluster buys more, and so that a
//! lock-out at one address does not lock the owner out everywhere.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Limits sign-in guessing. Failures are counted per user name at each client address, and
/// per client address for all names together (a larger allowance, for colleagues behind one
/// NAT address). A success clears only that user's count at that address, so signing in to
/// one's own account does not buy more guesses at someone else's; and since a user's count is
/// kept per address, guessing from elsewhere does not lock the owner out everywhere.
///
/// A slow cluster must not widen the limit: attempts for one user name from one address run
/// one after another (a burst of parallel guesses waits its turn and is refused once the
/// failures are counted), and at the address level every attempt still waiting for
/// Elasticsearch counts as a failure until it is decided.
///
/// Behind a trusted proxy the client is the address the proxy forwarded (`X-Forwarded-For`),
/// not the proxy's own; IPv6 clients count per /64, which one host usually owns entirely.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    trusted_proxies: Vec<IpAddr>,
    counts: Arc<Mutex<Counts>>,
}

/// How many failures one client address may have, for all user names together, as a
/// multiple of the per-user limit.
pub const PER_CLIENT_FACTOR: u32 = 4;

/// The longest user name kept as a key (longer ones are cut: they cannot be real anyway).
const MAX_KEY_BYTES: usize = 256;

/// The most user names (and, separately, addresses) tracked at once. Attempts Elasticsearch
/// cannot decide (it is down) count no failure, so without a cap a flood of made-up names
/// would grow the maps for a whole window; past the cap the least-failed entries go first.
const MAX_TRACKED: usize = 10_000;

/// How often finished windows are forgotten (also whenever a map reaches its cap): sweeping
/// on every attempt would make each attempt cost as much as all the tracked ones.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// How a sign-in attempt ended, for the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Succeeded,
    WrongCredentials,
    /// The cluster could not say (unreachable...): not the user's failure.
    Undecided,
}

type UserKey = (String, IpAddr);

#[derive(Debug, Default)]
struct Counts {
    per_client: HashMap<IpAddr, Count>,
    per_user: HashMap<UserKey, Count>,
    /// One lock per user name and address: its attempts run one at a time.
    turns: HashMap<UserKey, Arc<tokio::sync::Mutex<()>>>,
    swept: Option<Instant>,
}

impl Counts {
    /// Keeps the maps bounded: forgets finished windows and idle turns now and then, and
    /// past the cap the entries with the fewest failures (then the oldest).
    fn sweep(&mut self, window: Duration) {
        let full = self.per_user.len() >= MAX_TRACKED
            || self.per_client.len() >= MAX_TRACKED
            || self.turns.len() >= MAX_TRACKED;
        if !full && self.swept.is_some_and(|at| at.elapsed() < SWEEP_EVERY) {
            return;
        }
        self.swept = Some(Instant::now());
        self.per_client.retain(|_, c| !c.expired(window));
        self.per_user.retain(|_, c| !c.expired(window));
        self.turns.retain(|_, t| Arc::strong_count(t) > 1);
        evict_least_failed(&mut self.per_client);
        evict_least_failed(&mut self.per_user);
    }
}

/// Down to three quarters of the cap (so the next sweep is many attempts away), keeping the
/// entries with attempts in flight and the most failures.
fn evict_least_failed<K: Clone + Eq + std::hash::Hash>(map: &mut HashMap<K, Count>) {
    if map.len() < MAX_TRACKED {
        return;
    }
    let mut idle: Vec<(u32, Instant, K)> =
        map.iter().filter(|(_, c)| c.pending == 0).map(|(k, c)| (c.failures, c.since, k.clone())).collect();
    idle.sort_by_key(|(failures, since, _)| (*failures, *since));
    let excess = map.len() - MAX_TRACKED * 3 / 4;
    for (_, _, key) in idle.into_iter().take(excess) {
        map.remove(&key);
    }
}

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    /// Attempts waiting for Elasticsearch.
    pending: u32,
    since: Instant,
}

impl Count {
    fn fresh() -> Count {
        Count { failures: 0, pending: 0, since: Instant::now() }
    }

    fn expired(&self, window: Duration) -> bool {
        self.pending == 0 && self.since.elapsed() >= window
    }
}

/// A sign-in attempt under way. Say how it ended with [`SignInAttempt::finish`]; dropped
/// without that (the client went away), it counts as undecided.
#[derive(Debug)]
pub struct SignInAttempt {
    key: UserKey,
    counts: Arc<Mutex<Counts>>,
    outcome: Attempt,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl SignInAttempt {
    pub fn finish(mut self, outcome: Attempt) {
        self.outcome = outcome;
    }
}

impl Drop for SignInAttempt {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = counts.per_client.get_mut(&self.key.1) {
            count.pending = count.pending.saturating_sub(1);
            if self.outcome == Attempt::WrongCredentials {
                count.failures += 1;
            }
        }
        if let Some(count) = counts.per_user.get_mut(&self.key) {
            count.pending = count.pending.saturating_sub(1);
            match self.outcome {
                // Only this user's count, only here: the address keeps its failures.
                Attempt::Succeeded => count.failures = 0,
                Attempt::WrongCredentials => count.failures += 1,
                Attempt::Undecided => {}
            }
        }
    }
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> LoginLimiter {
        LoginLimiter { max_failures, window, trusted_proxies: Vec::new(), counts: Arc::default() }
    }

    /// Counts the client a trusted proxy forwarded, not the proxy itself.
    pub fn trusting(mut self, proxies: Vec<IpAddr>) -> LoginLimiter {
        self.trusted_proxies = proxies;
        self
    }

    /// The client behind a request: the peer, or when the peer is a trusted proxy, the
    /// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_address(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if !is_trusted(&self.trusted_proxies, peer) {
            return peer;
        }
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
        forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .rev()
            .map(|a| a.trim().parse::<IpAddr>())
            .take_while(Result::is_ok)
            .flatten()
            .find(|a| !is_trusted(&self.trusted_proxies, *a))
            .unwrap_or(peer)
    }

    /// Waits for this user's turn at this address, then registers the attempt, or says how
    /// long to wait. `user` is empty for an API key.
    pub async fn begin(&self, user: &str, client: IpAddr) -> Result<SignInAttempt, Duration> {
        let key = (user_key(user), client_key(client));
        let turn = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            counts.sweep(self.window);
            counts.turns.entry(key.clone()).or_default().clone()
        };
        let turn = turn.lock_owned().await;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        let client_count = *counts.per_client.entry(key.1).or_insert_with(Count::fresh);
        let user_count = *counts.per_user.entry(key.clone()).or_insert_with(Count::fresh);
        let over = |count: Count, limit: u32| {
            (count.failures + count.pending >= limit && count.since.elapsed() < window).then_some(count.since)
        };
        if let Some(since) = over(user_count, self.max_failures)
            .or_else(|| over(client_count, self.max_failures.saturating_mul(PER_CLIENT_FACTOR)))
        {
            return Err(window.saturating_sub(since.elapsed()).max(Duration::from_secs(1)));
        }
        let Counts { per_client, per_user, .. } = &mut *counts;
        for count in [per_client.get_mut(&key.1), per_user.get_mut(&key)].into_iter().flatten() {
            if count.since.elapsed() >= window && count.pending == 0 {
                *count = Count::fresh();
            }
            if count.failures == 0 && count.pending == 0 {
                count.since = Instant::now();
            }
            count.pending += 1;
        }
        drop(counts);
        Ok(SignInAttempt { key, counts: self.counts.clone(), outcome: Attempt::Undecided, _turn: turn })
    }
}

/// Whether `peer` is one of the `trusted` proxies. Compared as canonical addresses: a panel
/// listening on `[::]` sees an IPv4 proxy as `::ffff:10.0.0.5`.
pub fn is_trusted(trusted: &[IpAddr], peer: IpAddr) -> bool {
    trusted.iter().any(|t| t.to_canonical() == peer.to_canonical())
}

/// The name as counted: without surrounding spaces and in lower case, since realms such as
/// LDAP and Active Directory take `Admin` and `admin` for the same account; otherwise each
/// spelling would get its own allowance of guesses at it.
fn user_key(user: &str) -> String {
    let user = user.trim().to_lowercase();
    let mut end = user.len().min(MAX_KEY_BYTES);
    while !user.is_char_boundary(end) {
        end -= 1;
    }
    user[..end].to_owned()
}

/// IPv4 (also when mapped into IPv6) as is; IPv6 by its /64 network.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(limiter: &LoginLimiter, user: &str, client: IpAddr) -> Result<(), Duration> {
        let attempt = run(limiter.begin(user, client))?;
        attempt.finish(Attempt::WrongCredentials);
        Ok(())
    }

    fn succeed(limiter: &LoginLimiter, user: &str, client: IpAddr) -> Result<(), Duration> {
        run(limiter.begin(user, client))?.finish(Attempt::Succeeded);
        Ok(())
    }

    /// Runs a future that never waits (no other attempt holds the turn).
    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
    }

    #[test]
    fn failures_count_per_user_and_per_address() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        for _ in 0..3 {
            fail(&limiter, "admin", a).unwrap();
        }
        assert!(fail(&limiter, "admin", a).is_err());
        assert!(succeed(&limiter, "admin", b).is_ok(), "the owner elsewhere is not locked out");
        assert!(succeed(&limiter, "carol", a).is_ok(), "another user at the same address still may");
        assert!(fail(&limiter, "admin", a).is_err(), "a success for carol does not clear admin's count");
    }

    #[test]
    fn the_address_has_an_overall_limit_that_successes_do_not_reset() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        let allowance = 2 * PER_CLIENT_FACTOR;
        for round in 0..allowance {
            assert!(fail(&limiter, &format!("user{round}"), a).is_ok(), "round {round}");
            if round + 1 < allowance {
                succeed(&limiter, "mine", a).unwrap();
            }
        }
        assert!(fail(&limiter, "anyone", a).is_err());
    }

    #[tokio::test]
    async fn attempts_for_one_user_take_turns_and_in_flight_ones_count_at_the_address() {
        let limiter = LoginLimiter::new(1, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        let first = limiter.begin("admin", a).await.unwrap();
        let second = tokio::time::timeout(Duration::from_millis(50), limiter.begin("admin", a)).await;
        assert!(second.is_err(), "the second guess waits for the first to be decided");
        let mut others = Vec::new();
        for i in 0..PER_CLIENT_FACTOR - 1 {
            others.push(limiter.begin(&format!("u{i}"), a).await.unwrap());
        }
        assert!(limiter.begin("one-more", a).await.is_err(), "attempts in flight count at the address");
        first.finish(Attempt::WrongCredentials);
        assert!(limiter.begin("admin", a).await.is_err(), "then admin's failure counts");
        drop(others);
        assert!(limiter.begin("one-more", a).await.is_ok(), "dropped attempts count as undecided");
    }

    #[test]
    fn spellings_of_one_name_share_its_count() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let a = IpAddr::from([10, 0, 0, 1]);
        for name in ["admin", "Admin", "ADMIN "] {
            fail(&limiter, name, a).unwrap();
        }
        assert!(fail(&limiter, "aDmIn", a).is_err(), "LDAP takes all these for one account");
    }

    #[test]
    fn made_up_names_do_not_grow_the_maps_without_bound() {
        let limiter = LoginLimiter::new(5, Duration::from_secs(300));
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let watched = IpAddr::from([10, 9, 9, 9]);
        for _ in 0..4 {
            runtime.block_on(limiter.begin("admin", watched)).unwrap().finish(Attempt::WrongCredentials);
        }
        for i in 0..(MAX_TRACKED as u32 * 2) {
            // Elasticsearch is down: nothing is decided, so nothing is a failure.
            let client = IpAddr::from((0xfd00_0000u32 + i).to_be_bytes());
            runtime.block_on(limiter.begin(&format!("name{i}"), client)).unwrap().finish(Attempt::Undecided);
        }
        let counts = limiter.counts.lock().unwrap();
        assert!(counts.per_user.len() <= MAX_TRACKED && counts.per_client.len() <= MAX_TRACKED);
        assert!(counts.turns.len() <= MAX_TRACKED);
        drop(counts);
        runtime.block_on(limiter.begin("admin", watched)).unwrap().finish(Attempt::WrongCredentials);
        assert!(runtime.block_on(limiter.begin("admin", watched)).is_err(), "real failures are kept over the flood");
    }

    #[test]
    fn ipv6_counts_per_network_and_proxies_forward_the_client() {
        assert_eq!(client_key("2001:db8::1".parse().unwrap()), client_key("2001:db8::ffff".parse().unwrap()));
        assert_eq!(client_key("::ffff:10.0.0.1".parse().unwrap()), IpAddr::from([10, 0, 0, 1]));
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let limiter = LoginLimiter::new(3, Duration::from_secs(60)).trusting(vec![proxy]);
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.5".parse().unwrap());
        assert_eq!(limiter.client_address(proxy, &headers), "198.51.100.7".parse::<IpAddr>().unwrap());
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(limiter.client_address(stranger, &headers), stranger, "only a trusted proxy is believed");
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(limiter.client_address(proxy, &headers), proxy);
    }
}
