//! The audit log: one line (tracing target `audit`) for every change the panel makes to a
//! cluster, with who, what, where, the request and the outcome. Never credentials: the
//! request is described by the domain in words and settings keys, not copied from headers.
//!
//! A domain action returns an [`Event`] with what it did; the handler records it with the
//! user and the cluster, which only the web layer knows.

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

/// What was done, as the audit line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    AddRemoteCluster,
    UpdateRemoteCluster,
    DeleteRemoteCluster,
    AddAutoFollowPattern,
    UpdateAutoFollowPattern,
    PauseAutoFollowPattern,
    ResumeAutoFollowPattern,
    DeleteAutoFollowPattern,
    FollowExistingIndex,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::SignIn,
        Action::AddRemoteCluster,
        Action::UpdateRemoteCluster,
        Action::DeleteRemoteCluster,
        Action::AddAutoFollowPattern,
        Action::UpdateAutoFollowPattern,
        Action::PauseAutoFollowPattern,
        Action::ResumeAutoFollowPattern,
        Action::DeleteAutoFollowPattern,
        Action::FollowExistingIndex,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::AddRemoteCluster => "add_remote_cluster",
            Action::UpdateRemoteCluster => "update_remote_cluster",
            Action::DeleteRemoteCluster => "delete_remote_cluster",
            Action::AddAutoFollowPattern => "add_auto_follow_pattern",
            Action::UpdateAutoFollowPattern => "update_auto_follow_pattern",
            Action::PauseAutoFollowPattern => "pause_auto_follow_pattern",
            Action::ResumeAutoFollowPattern => "resume_auto_follow_pattern",
            Action::DeleteAutoFollowPattern => "delete_auto_follow_pattern",
            Action::FollowExistingIndex => "follow_existing_index",
        }
    }
}

/// One change, described by the code that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub action: Action,
    /// What was changed: a remote cluster's name, a user name.
    pub target: String,
    /// The request sent, in words and settings keys (never credentials).
    pub request: String,
    pub outcome: Outcome,
    /// Why it failed (Elasticsearch's reason), or empty.
    pub detail: String,
}

impl Event {
    /// Writes the audit line of this event, made by `user` on `cluster`.
    pub fn record(&self, user: &str, cluster: &str) {
        tracing::info!(
            target: "audit",
            user,
            cluster,
            action = self.action.as_str(),
            target_name = self.target.as_str(),
            request = self.request.as_str(),
            outcome = self.outcome.as_str(),
            detail = self.detail.as_str(),
            "cluster change"
        );
    }
}
