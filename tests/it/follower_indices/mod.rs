//! The follower index screens, in-process, one module per topic.

mod actions;
mod by_name;
mod chinese;
mod convert;
mod detail;
mod form;
mod list;
mod page_stats;
mod unchanged;

use ccr_panel::sim::RecordedRequest;
use ccr_panel::sim::SimServer;

/// The requests `sim` received with this method and path, oldest first.
pub fn sent(sim: &SimServer, method: &str, path: &str) -> Vec<RecordedRequest> {
    sim.sim.requests().into_iter().filter(|r| r.method == method && r.path == path).collect()
}
