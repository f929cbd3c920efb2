//! The stats of one page's followers (`GET /<names>/_ccr/stats`), asked together with
//! `_ccr/info` when the page can be guessed.
//!
//! Which followers are on a page is known only once `_ccr/info` has answered, so asking their
//! stats after it costs a second round trip. But a view is mostly looked at again (the list
//! refreshes itself, people come back to it): the panel remembers the followers each view
//! last showed, per cluster, caller and view, and asks their stats (and, where the list is
//! read by name, their `_ccr/info`: see `by_name`) at the same time as the list. When the page
//! turns out the same, that is one round trip; followers the guess missed (the page changed,
//! or the guessed request was refused because a follower is gone: 404) are asked after the
//! list, as without a guess. A guessed request that failed otherwise (timed out, refused for
//! want of a privilege) is not asked again: it would fail the same way and double the wait,
//! and the rows show without lag as they would anyway. The guess only chooses what to ask:
//! the rows shown are the ones the caller's own `_ccr/info` put on the page, and the stats are
//! as fresh as `_ccr/info` itself.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use super::list::{FollowerIndex, FollowerStatus, ListQuery};
use crate::es::{ClusterStateStamp, EsClient, EsError, FollowerLag};

/// Elasticsearch refuses a request line longer than `http.max_initial_line_length` (4 KB by
/// default): the names of one stats request are kept well under that.
const MAX_NAMES_IN_PATH: usize = 3000;

/// At most this many views are remembered (a view is one page of names, twice at most: a
/// kilobyte or two for names of twenty characters, 26 KB at most); past it one is forgotten
/// for each new one, so searches typed in one session cannot grow the memory nor empty everyone's.
const MAX_REMEMBERED: usize = 128;

/// Whose view: the cluster (its first URL), a digest of the caller's credentials (never the
/// credentials) and the view itself, page number included.
/// No `Debug`: the digest has no business in a log line.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ViewKey {
    cluster: String,
    credentials: String,
    query: ListQuery,
}

/// What a view showed last, as the requests that ask for it: every row's name (for the page's
/// `_ccr/info` where the list is read by name, see `by_name`) and the active followers' (for
/// their `_ccr/stats`); where the list is read by name, the cut that put the rows on the page
/// and when the cluster state's stamp last failed.
#[derive(Clone, Default)]
struct LastShown {
    rows: Vec<String>,
    active: Vec<String>,
    cut: Option<Cut>,
    stamp_failed_at: Option<Instant>,
}

/// A page cut out of every follower's name, with the cluster state it was cut from (its
/// stamp, read before the names). Which indices are followers, and their names, are in the
/// cluster state: while the master holds the same one, the cut is the same (see `by_name`).
#[derive(Clone, Debug, PartialEq)]
pub struct Cut {
    pub stamp: ClusterStateStamp,
    /// When the names were read: a cut is trusted for [`CUT_TRUSTED_FOR`] at most.
    pub names_read_at: Instant,
    pub total: usize,
    pub matching: usize,
    pub pages: usize,
}

/// How long a cut is trusted without reading the names again, the cluster state unchanged.
/// Nothing else decides `_ccr/info`'s answer (the master answers it from its cluster state,
/// for the cluster as a whole, not filtered by index privileges); the bound is for what the
/// stamp cannot see, such as a master that has lost its place answering for a moment from an
/// older state. The list refreshes itself every 5 s: five loads in six skip the names.
pub const CUT_TRUSTED_FOR: Duration = Duration::from_secs(30);

/// After the stamp was refused (no `monitor`, `manage_ccr` nor `read_ccr` cluster privilege)
/// or slow, the view reads the names without it for this long, rather than wait for a refusal
/// on every load.
const STAMP_RETRY_AFTER: Duration = Duration::from_secs(600);

static REMEMBERED: LazyLock<Mutex<HashMap<ViewKey, LastShown>>> = LazyLock::new(Default::default);

fn remembered() -> std::sync::MutexGuard<'static, HashMap<ViewKey, LastShown>> {
    REMEMBERED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What `query` showed last time to this caller, if anything: the guess of its page.
pub struct Guess {
    view: Option<ViewKey>,
    last: LastShown,
}

impl Guess {
    pub fn of(client: &EsClient, query: &ListQuery) -> Guess {
        let view = client.urls().into_iter().next().map(|cluster| ViewKey {
            cluster,
            credentials: client.credentials_digest(),
            query: query.clone(),
        });
        let last = view.as_ref().and_then(|v| remembered().get(v).cloned()).unwrap_or_default();
        Guess { view, last }
    }

    /// The names of every row shown last, as comma-separated lists, each short enough for one
    /// request's path.
    pub fn rows(&self) -> &[String] {
        &self.last.rows
    }

    /// The cut that put those rows on the page, while it may be trusted.
    pub fn cut(&self) -> Option<&Cut> {
        self.cut_at(Instant::now())
    }

    fn cut_at(&self, now: Instant) -> Option<&Cut> {
        self.last.cut.as_ref().filter(|cut| now.saturating_duration_since(cut.names_read_at) < CUT_TRUSTED_FOR)
    }

    /// Whether to ask the cluster state's stamp: not when it failed lately.
    pub fn asks_stamp(&self) -> bool {
        self.asks_stamp_at(Instant::now())
    }

    fn asks_stamp_at(&self, now: Instant) -> bool {
        self.last.stamp_failed_at.is_none_or(|failed| now.saturating_duration_since(failed) >= STAMP_RETRY_AFTER)
    }

    /// Asks the stats of the active followers shown last (to be run together with `_ccr/info`).
    pub async fn ask_stats(self, client: &EsClient) -> Guessed {
        let groups = self.last.active;
        let answers = futures_util::future::join_all(groups.iter().map(|names| client.follower_lag(names))).await;
        let stamp_failed_at = self.last.stamp_failed_at;
        Guessed { view: self.view, asked: groups.into_iter().zip(answers).collect(), cut: None, stamp_failed_at }
    }
}

/// The stats asked for a view before its page was known: each request's names and answer; and
/// what to remember of how the page was cut (see `by_name`).
pub struct Guessed {
    view: Option<ViewKey>,
    asked: Vec<(String, Result<Vec<FollowerLag>, EsError>)>,
    cut: Option<Cut>,
    stamp_failed_at: Option<Instant>,
}

impl Guessed {
    /// Remembers how the page read by name was cut (`None`: without a stamp), and whether the
    /// stamp failed this time.
    pub fn cut_with(&mut self, cut: Option<Cut>, stamp_failed: bool) {
        self.cut = cut;
        if stamp_failed {
            self.stamp_failed_at = Some(Instant::now());
        }
    }
}

/// Asks the stats of the active followers `query` showed last time to this caller, if any
/// (to be run together with `_ccr/info`).
pub async fn ask_guessed(client: &EsClient, query: &ListQuery) -> Guessed {
    Guess::of(client, query).ask_stats(client).await
}

/// Adds their stats to the page's active rows: from the guessed answers where they cover a
/// row, asking the rest now (at once, in as few requests as the path length allows). Like the
/// whole list, a row whose stats cannot be read shows without lag. Remembers the page's active
/// followers for the view's next look when the page shown is the one asked.
pub async fn add(client: &EsClient, guessed: Guessed, rows: &mut [FollowerIndex], shown_as_asked: bool) {
    let Guessed { view, asked, cut, stamp_failed_at } = guessed;
    let (groups, answers): (Vec<String>, Vec<_>) = asked.into_iter().unzip();
    // Names settled by the guess: absent from an answer means no stats (a follower paused
    // meanwhile); only a request refused because a follower is gone is asked again.
    let settled: HashSet<&str> = groups
        .iter()
        .zip(&answers)
        .filter(|(_, answer)| answer.as_ref().err().and_then(EsError::status) != Some(404))
        .flat_map(|(group, _)| group.split(','))
        .collect();
    let mut stats: Vec<FollowerLag> = answers.into_iter().filter_map(Result::ok).flatten().collect();
    let active = || rows.iter().filter(|r| r.status == FollowerStatus::Active).map(|r| r.name.as_str());
    let missing = name_groups(active().filter(|name| !settled.contains(name)));
    let answers = futures_util::future::join_all(missing.iter().map(|names| client.follower_lag(names))).await;
    stats.extend(answers.into_iter().filter_map(Result::ok).flatten());
    // Every row's name only where the page is read by name (see `by_name`).
    let read_by_name = view.as_ref().is_some_and(|v| v.query.needs_names_only());
    let shown_rows = if read_by_name { name_groups(rows.iter().map(|r| r.name.as_str())) } else { Vec::new() };
    let shown = LastShown { rows: shown_rows, active: name_groups(active()), cut, stamp_failed_at };
    // A page asked past the end shows the last one: not worth remembering under its number.
    if let Some(view) = view.filter(|_| shown_as_asked) {
        let mut remembered = remembered();
        if remembered.len() >= MAX_REMEMBERED && !remembered.contains_key(&view) {
            let any = remembered.keys().next().cloned();
            any.map(|key| remembered.remove(&key));
        }
        remembered.insert(view, shown);
    }
    let by_name: HashMap<&str, &FollowerLag> = stats.iter().map(|s| (s.index.as_str(), s)).collect();
    for row in rows.iter_mut().filter(|r| r.status == FollowerStatus::Active) {
        if let Some(stats) = by_name.get(row.name.as_str()) {
            row.add_stats(stats);
        }
    }
}

/// The names as comma-separated lists, each short enough for one request's path.
pub fn name_groups<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    // Each group with its length once percent-encoded (which can triple a name's length).
    let mut groups: Vec<(String, usize)> = Vec::new();
    for name in names {
        let length =
            name.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { 1 } else { 3 }).sum::<usize>();
        match groups.last_mut() {
            Some((group, encoded)) if *encoded + 1 + length <= MAX_NAMES_IN_PATH => {
                group.push(',');
                group.push_str(name);
                *encoded += 1 + length;
            }
            _ => groups.push((name.to_owned(), length)),
        }
    }
    groups.into_iter().map(|(group, _)| group).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_is_trusted_for_a_while_and_a_failed_stamp_is_not_asked_again_for_longer() {
        let then = Instant::now();
        let later = |seconds: u64| then + Duration::from_secs(seconds);
        let stamp = ClusterStateStamp { version: 7, state_uuid: "u".into() };
        let cut = Cut { stamp, names_read_at: then, total: 9, matching: 9, pages: 1 };
        let guess = |cut: Option<Cut>, stamp_failed_at: Option<Instant>| Guess {
            view: None,
            last: LastShown { rows: Vec::new(), active: Vec::new(), cut, stamp_failed_at },
        };
        let trusted = CUT_TRUSTED_FOR.as_secs();
        let remembered = guess(Some(cut), None);
        assert!(remembered.cut_at(later(trusted - 5)).is_some());
        assert!(remembered.cut_at(later(trusted)).is_none());
        let retry = STAMP_RETRY_AFTER.as_secs();
        assert!(guess(None, None).asks_stamp_at(then));
        let failed = guess(None, Some(then));
        assert!(!failed.asks_stamp_at(later(retry - 5)));
        assert!(failed.asks_stamp_at(later(retry)));
    }

    #[test]
    fn groups_stay_under_the_path_limit_and_keep_every_name_once() {
        let names: Vec<String> = (0..500).map(|i| format!("follower-{i:04}")).collect();
        let groups = name_groups(names.iter().map(String::as_str));
        assert!(groups.len() > 1);
        assert!(groups.iter().all(|g| g.len() <= MAX_NAMES_IN_PATH));
        // Names that encode to three bytes a character fill a request three times sooner.
        let wide: Vec<String> = (0..500).map(|i| format!("日志-{i:04}")).collect();
        let encoded = |g: &String| {
            g.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.,".contains(&b) { 1 } else { 3 }).sum::<usize>()
        };
        assert!(name_groups(wide.iter().map(String::as_str)).iter().all(|g| encoded(g) <= MAX_NAMES_IN_PATH));
        let joined: Vec<&str> = groups.iter().flat_map(|g| g.split(',')).collect();
        assert_eq!(joined, names.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(name_groups(std::iter::empty()).is_empty());
    }
}
