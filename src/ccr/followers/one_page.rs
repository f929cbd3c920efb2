//! One page of the follower list: which requests it makes, and in which order, by the view
//! asked and the number of followers the caller saw last time.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::by_name;
use super::page_stats;
use super::rows;
use super::{FollowerIndex, FollowerPage, ListQuery, ListRow, WholeListTurn, whole_list_turn};
use crate::ccr::paging::DistinctNames;
use crate::es::{EsClient, EsError, FollowerSummariesAnswer};

/// Up to this many followers, the list asks every follower's stats at once with `_ccr/info`
/// (one round trip) rather than the page's after it (two): the whole answer then costs less
/// than the second round trip (measured in the simulator: about 20 µs per follower, against
/// a round trip of 1 to 5 ms to a real cluster).
pub const ONE_ROUND_TRIP_UP_TO: usize = 200;

/// How many followers each caller (the cluster's first URL and a digest of the credentials)
/// saw when the list was last read: the next read chooses its requests by it
/// ([`ONE_ROUND_TRIP_UP_TO`]). Per caller, as Elasticsearch lists only the followers a user may
/// see: one user's 150 must not send another's 5,000 down the one-round-trip path.
static LAST_COUNT: std::sync::Mutex<BTreeMap<String, usize>> = std::sync::Mutex::new(BTreeMap::new());

/// Callers remembered at most; past it one is forgotten for each new one.
const MAX_COUNTS: usize = 128;

fn count_key(client: &EsClient) -> Option<String> {
    Some(format!("{} {}", client.urls().into_iter().next()?, client.credentials_digest()))
}

fn last_count(client: &EsClient) -> Option<usize> {
    LAST_COUNT.lock().unwrap_or_else(|p| p.into_inner()).get(&count_key(client)?).copied()
}

fn remember_count(client: &EsClient, count: usize) {
    if let Some(key) = count_key(client) {
        let mut counts = LAST_COUNT.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() >= MAX_COUNTS && !counts.contains_key(&key) {
            counts.pop_first();
        }
        counts.insert(key, count);
    }
}

/// One page of the follower list, and the remotes its filter offers: those the cluster knows
/// (`_remote/info`, asked at the same time), those the followers read use (every follower's,
/// or the page's where only the page is read: see `by_name`) and the one chosen.
pub async fn page(client: &EsClient, query: &ListQuery) -> Result<(FollowerPage, Vec<String>), EsError> {
    // The list's requests first: the longest is the first the cluster starts on. A failed list
    // ends the page at once.
    let known = futures_util::FutureExt::map(remotes_known(client), Ok);
    let ((page, used), known) = futures_util::future::try_join(page_and_remotes_used(client, query), known).await?;
    let mut remotes: BTreeSet<String> = known.into_iter().chain(used).collect();
    remotes.extend(query.remote_cluster.clone());
    Ok((page, remotes.into_iter().collect()))
}

/// The longest the list waits for `_remote/info`: only its filter needs it, and on 6.x it asks
/// every connected remote for its nodes, so one slow remote could hold the list back.
const REMOTES_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The remotes the cluster knows, for the list's filter; none when `_remote/info` is refused
/// or slow (the filter then offers those of the followers read). Told at debug level only: a
/// user without the `monitor` privilege would otherwise fill the log, every list refreshing
/// itself every 5 s.
async fn remotes_known(client: &EsClient) -> Vec<String> {
    match tokio::time::timeout(REMOTES_WAIT, client.remote_info()).await {
        Ok(Ok(remotes)) => remotes.into_keys().collect(),
        Ok(Err(error)) => {
            tracing::debug!(%error, "the follower list's filter offers only the remotes its followers use");
            Vec::new()
        }
        Err(_) => {
            tracing::debug!(
                "the follower list's filter offers only the remotes its followers use: _remote/info was slow"
            );
            Vec::new()
        }
    }
}

/// [`page`], and the remotes the followers read use. When the view does not
/// need every follower's stats ([`ListQuery::needs_all_stats`]) and the cluster had more than
/// [`ONE_ROUND_TRIP_UP_TO`] followers last time (or has not been read yet), only the page's
/// active followers are asked for theirs (`GET /<names>/_ccr/stats`): with `_ccr/info` for
/// those the view showed last time, after it for the others. A view of every follower by
/// name reads their names alone, and the page's summaries by name (see `by_name`).
async fn page_and_remotes_used(client: &EsClient, query: &ListQuery) -> Result<(FollowerPage, Vec<String>), EsError> {
    let small = last_count(client).is_some_and(|count| count <= ONE_ROUND_TRIP_UP_TO);
    // By name, the list waits for a turn only when it reads every name (see `by_name`).
    if query.needs_names_only() && !small {
        if let Some(by_name::ByName { page, remotes_used }) = by_name::page(client, query).await? {
            remember_count(client, page.total);
            return Ok((page, remotes_used));
        }
        return by_summaries(client, query, whole_list_turn().await).await;
    }
    let turn = whole_list_turn().await;
    if query.needs_all_stats() || small {
        // Every follower with its lag, read borrowed from both answers: only the page is owned.
        let (info, stats) = rows::whole_list_answers(client).await;
        let (info, lags) = (info?, rows::lag_summaries(&stats));
        let all = rows::merge(info.read()?, &lags.follow_stats.indices);
        turn.holds(all.len());
        remember_count(client, all.len());
        let remotes = distinct(all.iter().map(ListRow::remote_cluster));
        return Ok((query.apply_with(all, rows::SummaryWithLag::into_owned), remotes));
    }
    by_summaries(client, query, turn).await
}

/// [`page`] cut out of every follower's summary.
async fn by_summaries(
    client: &EsClient,
    query: &ListQuery,
    turn: WholeListTurn,
) -> Result<(FollowerPage, Vec<String>), EsError> {
    // The summaries are read borrowed from the answer, one at a time as they are read, and
    // dropped unless they can be on the page: only the page's rows are owned.
    let cut = |answer: &FollowerSummariesAnswer| {
        let (mut remotes, mut collector) = (DistinctNames::default(), query.collector());
        answer.for_each(|summary| {
            remotes.add(&summary.remote_cluster);
            collector.offer(summary);
        })?;
        let found = collector.finish();
        let total = found.total;
        Ok((FollowerPage::from_collected(found, FollowerIndex::from_summary), remotes.sorted(), total))
    };
    // The stats of the page this view showed last, at the same time (see `page_stats`).
    // A failed `_ccr/info` ends the page at once: the guess is dropped, its requests cancelled.
    let ((mut page, remotes, total), guessed) = futures_util::future::try_join(
        client.with_follower_summaries("_all", cut),
        futures_util::FutureExt::map(page_stats::ask_guessed(client, query), Ok),
    )
    .await?;
    turn.holds(total);
    remember_count(client, total);
    let shown_as_asked = page.page == query.page;
    page_stats::add(client, guessed, &mut page.rows, shown_as_asked).await;
    Ok((page, remotes))
}

/// The distinct names, sorted, owned once each.
fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut distinct = DistinctNames::default();
    names.for_each(|name| distinct.add(&Cow::Borrowed(name)));
    distinct.sorted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::{Auth, EsConfig};

    #[test]
    fn the_count_that_chooses_the_requests_is_each_callers_own() {
        let cluster = EsClient::new(EsConfig {
            urls: vec!["http://count-test.invalid:9200".parse().unwrap()],
            auth: None,
            ca_cert_pem: None,
            insecure: false,
            timeout: std::time::Duration::from_secs(1),
        })
        .unwrap();
        let as_user = |name: &str| {
            cluster.with_auth(Some(Auth::Basic { username: name.into(), password: format!("{name}-pw").into() }))
        };
        let (few, many) = (as_user("sees-few"), as_user("sees-many"));
        remember_count(&few, 150);
        remember_count(&many, 5_000);
        assert_eq!(last_count(&few), Some(150));
        assert_eq!(last_count(&many), Some(5_000));
        assert_eq!(last_count(&as_user("not-seen-yet")), None);
    }
}
