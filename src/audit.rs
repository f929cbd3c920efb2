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
    CreateFollowerIndex,
    EditFollowerIndex,
    PauseFollowerIndex,
    ResumeFollowerIndex,
    ConvertFollowerIndex,
    CreateMigration,
    StartTrial,
    RunMigrationStep,
    ForgetFollower,
    SetMigrationLeader,
}

impl Action {
    pub const ALL: [Action; 20] = [
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
        Action::CreateFollowerIndex,
        Action::EditFollowerIndex,
        Action::PauseFollowerIndex,
        Action::ResumeFollowerIndex,
        Action::ConvertFollowerIndex,
        Action::CreateMigration,
        Action::StartTrial,
        Action::RunMigrationStep,
        Action::ForgetFollower,
        Action::SetMigrationLeader,
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
            Action::CreateFollowerIndex => "create_follower_index",
            Action::EditFollowerIndex => "edit_follower_index",
            Action::PauseFollowerIndex => "pause_follower_index",
            Action::ResumeFollowerIndex => "resume_follower_index",
            Action::ConvertFollowerIndex => "convert_follower_index",
            Action::CreateMigration => "create_migration",
            Action::StartTrial => "start_trial",
            Action::RunMigrationStep => "run_migration_step",
            Action::ForgetFollower => "forget_follower",
            Action::SetMigrationLeader => "set_migration_leader",
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

impl Event {
    /// The event of a multi-step action, its outcome read from the step report: succeeded,
    /// rolled back (everything done was undone) or failed, with the first reason given.
    pub fn of_report(action: Action, target: &str, request: String, report: &crate::ccr::steps::Report) -> Event {
        use crate::ccr::steps::StepOutcome;
        let outcome = if report.succeeded() {
            Outcome::Succeeded
        } else if report.rolled_back_cleanly() && report.steps.iter().any(|s| s.outcome == StepOutcome::Undone) {
            // A lone failed step undid nothing: that is a plain failure.
            Outcome::RolledBack
        } else {
            Outcome::Failed
        };
        let detail = report
            .steps
            .iter()
            .find_map(|s| match &s.outcome {
                StepOutcome::Failed(reason) | StepOutcome::UndoFailed(reason) => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Event { action, target: target.to_owned(), request, outcome, detail }
    }
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn every_action_has_its_own_name() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
