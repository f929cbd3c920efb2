//! The follower list's first view (every follower, by name) read from the followers' names
//! alone. Which followers are on such a page is all that `_ccr/info` of every follower has to
//! tell: asked for their names alone (`filter_path`), it is a third of the summaries' bytes
//! (360 KB rather than 1 MB at 10,000 followers): less for Elasticsearch to write and send,
//! and for the panel to read. The page's other columns come from `GET /<names>/_ccr/info` of
//! its fifty followers, asked together with the list when the page is the one this view showed
//! last (see `page_stats`), after it otherwise. The remote filter offers the remotes the
//! cluster knows and those of the page's followers (not every follower's: see `page`).
//!
//! Which indices are followers, and their names, are part of the cluster state, whose
//! `version` and `state_uuid` change with every change to it (`GET /_cluster/state/version`,
//! a few hundred bytes). The view remembers the cluster state its page was cut from: read
//! again while the master holds the same one (a list refreshing itself, on a cluster that only
//! replicates), the page is the same, and the names are not read again; only the page's
//! summaries and stats, fresh each time. The stamp is read before the names, never beside
//! them, and the names read is shared only with callers that read the same stamp first (not
//! with one under way since before it), so that a page is never remembered with a state newer
//! than its names. Only a names read waits for a turn to hold a whole list.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::future::{join_all, try_join};

use super::page_stats::{self, Cut, Guess};
use super::{FollowerIndex, FollowerPage, ListQuery};
use crate::ccr::paging::PageCollector;
use crate::es::{ClusterStateStamp, EsClient, EsError, FollowerSummariesAnswer};

/// One page read by name, and the remotes its followers use.
pub(super) struct ByName {
    pub page: FollowerPage,
    pub remotes_used: Vec<String>,
}

/// The page `query` asks for ([`ListQuery::needs_names_only`]). `None` when the page's own
/// `_ccr/info` could not be read or no longer fits the list (one of the page's followers
/// deleted, or turned into a regular index, meanwhile): the caller then reads the summaries
/// of all, and shows what the cluster has then or why it cannot be read.
pub(super) async fn page(client: &EsClient, query: &ListQuery) -> Result<Option<ByName>, EsError> {
    let guess = Guess::of(client, query);
    let rows_guessed = guess.rows().to_vec();
    let (cut_before, asks_stamp) = (guess.cut().cloned(), guess.asks_stamp());
    let names = async {
        // The stamp before the names, never beside them: a cut must not be remembered with a
        // cluster state newer than the names it was cut from.
        let stamp = if asks_stamp { Stamp::Read(read_stamp(client).await) } else { Stamp::NotAsked };
        if let (Stamp::Read(Some(now)), Some(cut)) = (&stamp, &cut_before)
            && *now == cut.stamp
        {
            let names = rows_guessed.iter().flat_map(|group| group.split(',')).map(str::to_owned).collect();
            return Ok::<_, EsError>((
                names,
                (cut.total, cut.matching, query.page, cut.pages),
                Some(cut.clone()),
                stamp,
            ));
        }
        let names_read_at = Instant::now();
        // Marked as a large list held from 5,000 followers, so that its turn's end trims the
        // heap: without it (fix 55) a page was 0.3 ms faster, but the heap was left 0.7 to
        // 1.9 MiB larger 70 s after a load (BENCHMARKS.md, fix 59).
        let turn = super::whole_list_turn().await;
        let answer = match &stamp {
            Stamp::Read(Some(stamp)) => client.follower_names_answer_after(stamp).await?,
            _ => client.follower_names_answer().await?,
        };
        let mut collector = name_collector(query);
        answer.for_each(|name| collector.offer(name))?;
        let found = collector.finish();
        let names: Vec<String> = found.rows.into_iter().map(Cow::into_owned).collect();
        let (total, matching, page, pages) = (found.total, found.matching, found.page, found.pages);
        turn.holds(total);
        let cut = match &stamp {
            Stamp::Read(Some(stamp)) => Some(Cut { stamp: stamp.clone(), names_read_at, total, matching, pages }),
            _ => None,
        };
        Ok((names, (total, matching, page, pages), cut, stamp))
    };
    let alongside = async {
        let summaries = join_all(rows_guessed.iter().map(|names| client.follower_summaries_answer(names)));
        Ok(tokio::join!(summaries, guess.ask_stats(client)))
    };
    // A failed list ends the page at once: the requests alongside are dropped.
    let ((names, (total, matching, page, pages), cut, stamp), (guessed, mut stats_guessed)) =
        try_join(names, alongside).await?;
    stats_guessed.cut_with(cut, matches!(stamp, Stamp::Read(None)));

    let on_page: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut rows: HashMap<String, FollowerIndex> = HashMap::with_capacity(names.len());
    // A guessed request that failed, or whose answer could not be read, is asked again with
    // the followers the guess missed: unlike the stats, the rows cannot show without their
    // summary. (A summary read before a fault in the answer is as good as any.)
    for answer in guessed.iter().flatten() {
        let _ = take(answer, &on_page, &mut rows);
    }
    let missing = page_stats::name_groups(names.iter().map(String::as_str).filter(|name| !rows.contains_key(*name)));
    for answer in join_all(missing.iter().map(|names| client.follower_summaries_answer(names))).await {
        // Refused with a 404: a follower of the page deleted since the list was read.
        if answer.and_then(|answer| take(&answer, &on_page, &mut rows)).is_err() {
            return Ok(None);
        }
    }
    // Absent from an answer: no longer a follower.
    let Some(rows) = names.iter().map(|name| rows.remove(name)).collect::<Option<Vec<FollowerIndex>>>() else {
        return Ok(None);
    };
    let mut page = FollowerPage { rows, total, matching, page, pages };
    let shown_as_asked = page.page == query.page;
    page_stats::add(client, stats_guessed, &mut page.rows, shown_as_asked).await;
    let remotes_used: BTreeSet<String> = page.rows.iter().map(|row| row.remote_cluster.clone()).collect();
    Ok(Some(ByName { page, remotes_used: remotes_used.into_iter().collect() }))
}

/// Whether the cluster state's stamp was asked, and what came of it (`None`: refused, slow or
/// unreadable).
enum Stamp {
    NotAsked,
    Read(Option<ClusterStateStamp>),
}

/// The longest the list waits for the stamp before it reads every name anyway.
const STAMP_WAIT: Duration = Duration::from_secs(1);

/// The cluster state's stamp, or `None` (told at debug level only: the list refreshes itself
/// every 5 s, and a user may lack the privilege for good).
async fn read_stamp(client: &EsClient) -> Option<ClusterStateStamp> {
    match tokio::time::timeout(STAMP_WAIT, client.cluster_state_stamp()).await {
        Ok(Ok(stamp)) => Some(stamp),
        Ok(Err(error)) => {
            tracing::debug!(%error, "the follower list reads every name: the cluster state's version was refused");
            None
        }
        Err(_) => {
            tracing::debug!("the follower list reads every name: the cluster state's version was slow");
            None
        }
    }
}

/// Cuts the asked page out of the names offered one at a time, as [`ListQuery::collector`]
/// would out of the summaries.
type NameCollector<'a> =
    PageCollector<Cow<'a, str>, fn(&Cow<'a, str>) -> bool, fn(&Cow<'a, str>, &Cow<'a, str>) -> Ordering>;

fn name_collector<'a>(query: &ListQuery) -> NameCollector<'a> {
    debug_assert!(query.needs_names_only());
    let by_name: fn(&Cow<'a, str>, &Cow<'a, str>) -> Ordering =
        if query.descending { |a, b| b.cmp(a) } else { |a, b| a.cmp(b) };
    PageCollector::new(query.page, |_| true, by_name)
}

/// Keeps the summaries of the page's followers in `answer` as rows.
fn take(
    answer: &FollowerSummariesAnswer,
    on_page: &HashSet<&str>,
    rows: &mut HashMap<String, FollowerIndex>,
) -> Result<(), EsError> {
    answer.for_each(|summary| {
        if on_page.contains(summary.follower_index.as_ref()) {
            let row = FollowerIndex::from_summary(summary);
            rows.insert(row.name.clone(), row);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_into_pages_as_the_whole_list_would_be() {
        let names: Vec<String> = (0..120).map(|i| format!("f-{i:03}")).collect();
        for (order, page, first, last) in
            [("", "2", "f-050", "f-099"), ("desc", "1", "f-119", "f-070"), ("", "9", "f-100", "f-119")]
        {
            let query = ListQuery::new(None, None, None, None, Some(order), Some(page));
            let mut collector = name_collector(&query);
            names.iter().rev().for_each(|name| collector.offer(Cow::Borrowed(name.as_str())));
            let found = collector.finish();
            assert_eq!((found.rows.first().unwrap().as_ref(), found.rows.last().unwrap().as_ref()), (first, last));
            assert_eq!((found.total, found.matching, found.pages), (120, 120, 3));
        }
    }
}
