//! The auto-follow pattern screen through the panel (issue 12): the form's checks and exact
//! requests, an edit that keeps every field, the list's actions, the detail page and the
//! existing matches, version and licence gating.

mod actions;
mod form;
mod hardening;
mod paging;

use ccr_panel::sim::SimServer;

/// The `PUT _ccr/auto_follow/{name}` bodies the simulator received.
pub fn pattern_puts(sim: &SimServer, name: &str) -> Vec<serde_json::Value> {
    let path = format!("/_ccr/auto_follow/{name}");
    sim.sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path == path)
        .map(|r| r.body.unwrap_or(serde_json::Value::Null))
        .collect()
}
