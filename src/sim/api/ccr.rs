//! Cross-cluster replication APIs. This first version knows no followers or patterns yet, but
//! answers the read APIs with the shapes and license checks of the real ones.

use serde_json::json;

use super::super::Sim;
use super::super::reply::{EsException, Reply, SimResult};
use super::super::state::LicenseKind;
use super::Request;
use super::indices::expand_expression;

/// CCR needs a platinum or trial license on the following cluster.
fn require_license(sim: &Sim) -> SimResult<()> {
    if sim.state().license_type == LicenseKind::Basic {
        return Err(EsException::new(403, "security_exception", "current license is non-compliant for [ccr]")
            .with("license.expired.feature", "ccr"));
    }
    Ok(())
}

pub fn follow_info(sim: &Sim, request: &Request) -> SimResult {
    let state = sim.state();
    // Validates the expression (a missing concrete index is a 404); none of them follows yet.
    expand_expression(&state, request.param(0).unwrap_or("_all"), true)?;
    Ok(Reply::ok(json!({"follower_indices": []})))
}

pub fn stats(sim: &Sim) -> SimResult {
    require_license(sim)?;
    Ok(Reply::ok(json!({
        "auto_follow_stats": {
            "number_of_failed_follow_indices": 0,
            "number_of_failed_remote_cluster_state_requests": 0,
            "number_of_successful_follow_indices": 0,
            "recent_auto_follow_errors": [],
            "auto_followed_clusters": [],
        },
        "follow_stats": {"indices": []},
    })))
}

pub fn get_auto_follow(_sim: &Sim, request: &Request) -> SimResult {
    match request.param(0) {
        Some(name) => Err(EsException::new(
            404,
            "resource_not_found_exception",
            format!("auto-follow pattern [{name}] is missing"),
        )),
        None => Ok(Reply::ok(json!({"patterns": []}))),
    }
}
