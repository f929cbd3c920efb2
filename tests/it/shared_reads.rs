//! Identical whole-list reads under way at once are asked of Elasticsearch once, and only
//! shared between callers with the same credentials; the next read asks afresh.

use ccr_panel::es::Auth;
use ccr_panel::sim::{Fault, FaultKind};

use crate::helpers::{client, start_sim};

fn info_requests(sim: &ccr_panel::sim::SimServer) -> usize {
    sim.sim.requests().iter().filter(|r| r.path == "/_all/_ccr/info").count()
}

#[tokio::test]
async fn identical_list_reads_at_once_are_sent_once_per_credentials() {
    let sim = start_sim("local").await;
    let es = client(&sim);
    // The first read takes a while, so the others arrive while it is under way.
    sim.sim.inject_fault(Fault::new("/_all/_ccr/info", FaultKind::Hang { millis: 300 }).once());
    let reads = (0..5).map(|_| es.follower_summaries("_all"));
    let answers = futures_util::future::join_all(reads).await;
    assert!(answers.iter().all(Result::is_ok));
    assert_eq!(info_requests(&sim), 1, "five reads at once, one request");

    // Done: the next read asks again.
    es.follower_summaries("_all").await.unwrap();
    assert_eq!(info_requests(&sim), 2);

    // Other credentials never get someone else's answer.
    sim.sim.inject_fault(Fault::new("/_all/_ccr/info", FaultKind::Hang { millis: 300 }).once());
    let other = es.with_auth(Some(Auth::Basic { username: "other".into(), password: "pw".to_owned().into() }));
    let (mine, theirs) = tokio::join!(es.follower_summaries("_all"), other.follower_summaries("_all"));
    assert!(mine.is_ok() && theirs.is_ok());
    assert_eq!(info_requests(&sim), 4);
}
