//! The audit log: one line (tracing target `audit`) for every change the panel makes to a
//! cluster, with who, what, where, the request and the outcome. Never credentials: the
//! request is described by the caller in words and settings keys, not copied from headers.

/// Whether a change went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    /// Part of a multi-step action failed and what could be undone was undone.
    RolledBack,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::RolledBack => "rolled_back",
        }
    }
}

/// Writes one audit line.
pub fn record(user: &str, cluster: &str, action: &str, request: &str, outcome: Outcome, detail: &str) {
    tracing::info!(
        target: "audit",
        user,
        cluster,
        action,
        request,
        outcome = outcome.as_str(),
        detail,
        "cluster change"
    );
}
