//! Creating a follower index: the request, what Elasticsearch's answer means, and which field
//! of the form a refusal concerns, in words a person can act on.
//!
//! `PUT {follower}/_ccr/follow?wait_for_active_shards=1` can answer 200 with
//! `follow_index_created: true` and `follow_index_shards_acked: false`: the follower exists and
//! its shards are still starting. That is a success that takes a moment, not a failure.

use super::settings::FollowSettings;
use crate::es::{EsClient, EsError, FollowRequest};

/// The form field a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowField {
    RemoteCluster,
    LeaderIndex,
    FollowerIndex,
}

impl FollowField {
    /// The form field name (the Elasticsearch body key).
    pub fn name(self) -> &'static str {
        match self {
            FollowField::RemoteCluster => "remote_cluster",
            FollowField::LeaderIndex => "leader_index",
            FollowField::FollowerIndex => "follower_index",
        }
    }
}

/// Why Elasticsearch refused to create the follower, in the user's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowRefusal {
    RemoteUnknown,
    RemoteUnreachable,
    LeaderMissing,
    LeaderClosed,
    LeaderWithoutSoftDeletes,
    LeaderLicence,
    LocalLicence,
    FollowerNameTaken,
    FollowerNameInvalid,
    NotAuthorized,
    /// Something else: Elasticsearch's own reason is shown as it is.
    Other,
}

impl FollowRefusal {
    pub const ALL: [FollowRefusal; 11] = [
        FollowRefusal::RemoteUnknown,
        FollowRefusal::RemoteUnreachable,
        FollowRefusal::LeaderMissing,
        FollowRefusal::LeaderClosed,
        FollowRefusal::LeaderWithoutSoftDeletes,
        FollowRefusal::LeaderLicence,
        FollowRefusal::LocalLicence,
        FollowRefusal::FollowerNameTaken,
        FollowRefusal::FollowerNameInvalid,
        FollowRefusal::NotAuthorized,
        FollowRefusal::Other,
    ];

    /// Reads Elasticsearch's refusal. Only errors Elasticsearch answered are classified; a
    /// connection problem with the local cluster is not a refusal and stays an error page.
    pub fn of(error: &EsError) -> Option<FollowRefusal> {
        let EsError::Api(api) = error else { return None };
        let reason = api.reason.as_str();
        let cause = api.caused_by.as_ref().and_then(|c| c.reason.as_deref()).unwrap_or_default();
        let says = |text: &str| reason.contains(text) || cause.contains(text);
        let refusal = match api.error_type.as_str() {
            _ if says("non-compliant for [ccr]") => FollowRefusal::LocalLicence,
            _ if says("not licensed for [ccr]") || says("does not enable [ccr]") => FollowRefusal::LeaderLicence,
            _ if says("does not have soft deletes enabled") => FollowRefusal::LeaderWithoutSoftDeletes,
            "no_such_remote_cluster_exception" => FollowRefusal::RemoteUnknown,
            _ if says("no such remote cluster") || says("unknown cluster alias") => FollowRefusal::RemoteUnknown,
            "connect_transport_exception" | "node_disconnected_exception" | "node_not_connected_exception" => {
                FollowRefusal::RemoteUnreachable
            }
            _ if says("Unable to open any connections") || says("no seed node left") => {
                FollowRefusal::RemoteUnreachable
            }
            "index_not_found_exception" => FollowRefusal::LeaderMissing,
            "index_closed_exception" => FollowRefusal::LeaderClosed,
            "resource_already_exists_exception" => FollowRefusal::FollowerNameTaken,
            // The restore behind put-follow refuses an existing index with a 500.
            "snapshot_restore_exception" if says("already exists") => FollowRefusal::FollowerNameTaken,
            "invalid_index_name_exception" => FollowRefusal::FollowerNameInvalid,
            "security_exception" => FollowRefusal::NotAuthorized,
            _ => FollowRefusal::Other,
        };
        Some(refusal)
    }

    /// The field to show the message beside, or `None` for the top of the form.
    pub fn field(self) -> Option<FollowField> {
        match self {
            FollowRefusal::RemoteUnknown | FollowRefusal::RemoteUnreachable | FollowRefusal::LeaderLicence => {
                Some(FollowField::RemoteCluster)
            }
            FollowRefusal::LeaderMissing | FollowRefusal::LeaderClosed | FollowRefusal::LeaderWithoutSoftDeletes => {
                Some(FollowField::LeaderIndex)
            }
            FollowRefusal::FollowerNameTaken | FollowRefusal::FollowerNameInvalid => Some(FollowField::FollowerIndex),
            FollowRefusal::LocalLicence | FollowRefusal::NotAuthorized | FollowRefusal::Other => None,
        }
    }

    /// The catalog key of the plain-words explanation (with the fix).
    pub fn message_key(self) -> &'static str {
        match self {
            FollowRefusal::RemoteUnknown => "follow-refused-remote-unknown",
            FollowRefusal::RemoteUnreachable => "follow-refused-remote-unreachable",
            FollowRefusal::LeaderMissing => "follow-refused-leader-missing",
            FollowRefusal::LeaderClosed => "follow-refused-leader-closed",
            FollowRefusal::LeaderWithoutSoftDeletes => "follow-refused-no-soft-deletes",
            FollowRefusal::LeaderLicence => "follow-refused-leader-licence",
            FollowRefusal::LocalLicence => "follow-refused-local-licence",
            FollowRefusal::FollowerNameTaken => "follow-refused-name-taken",
            FollowRefusal::FollowerNameInvalid => "follow-refused-name-invalid",
            FollowRefusal::NotAuthorized => "follow-refused-not-authorized",
            FollowRefusal::Other => "follow-refused-other",
        }
    }
}

/// A follower that Elasticsearch accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// Created and replicating.
    Following,
    /// Created; its shards had not all started when Elasticsearch answered. It will turn
    /// active by itself (the detail page shows it).
    Starting,
}

/// What a person asked to follow.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFollower {
    pub remote_cluster: String,
    pub leader_index: String,
    pub follower_index: String,
    pub settings: FollowSettings,
}

impl NewFollower {
    /// The request body, as sent and as "Show request" shows it.
    pub fn request(&self) -> FollowRequest {
        FollowRequest {
            remote_cluster: self.remote_cluster.clone(),
            leader_index: self.leader_index.clone(),
            parameters: self.settings.to_parameters(),
        }
    }

    /// The request in Console syntax.
    pub fn console(&self) -> String {
        let body = serde_json::to_string_pretty(&self.request()).unwrap_or_default();
        format!("PUT /{}/_ccr/follow?wait_for_active_shards=1\n{body}", self.follower_index)
    }
}

/// Creates the follower. `Err` keeps Elasticsearch's error: classify it with
/// [`FollowRefusal::of`].
pub async fn create(client: &EsClient, follower: &NewFollower) -> Result<Created, EsError> {
    let answer = client.follow(&follower.follower_index, &follower.request(), "1").await?;
    Ok(if answer.follow_index_shards_acked && answer.index_following_started {
        Created::Following
    } else {
        Created::Starting
    })
}

/// Whether an index of that name exists already on the local cluster (for the live check).
pub async fn name_taken(client: &EsClient, name: &str) -> Result<bool, EsError> {
    client.index_exists(name).await
}

/// The remote's indices a follower could follow (hidden and system ones left out), for the
/// picker; `None` when the local cluster cannot list them (before 7.9), and the form offers
/// free text.
pub async fn leader_candidates(client: &EsClient, remote: &str) -> Result<Option<Vec<String>>, EsError> {
    if !client.capabilities().await?.resolve_index() {
        return Ok(None);
    }
    let prefix = format!("{remote}:");
    let resolved = client.resolve_index(&format!("{remote}:*")).await?;
    let mut names: Vec<String> = resolved
        .indices
        .into_iter()
        .filter(|i| !i.attributes.iter().any(|a| a == "hidden" || a == "system"))
        .map(|i| i.name.strip_prefix(&prefix).map(str::to_owned).unwrap_or(i.name))
        .collect();
    names.sort();
    Ok(Some(names))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::ApiError;

    fn refusal(status: u16, error_type: &str, reason: &str) -> Option<FollowRefusal> {
        let body =
            serde_json::json!({"error": {"root_cause": [], "type": error_type, "reason": reason}, "status": status});
        FollowRefusal::of(&EsError::Api(Box::new(ApiError::from_body(status, body.to_string().as_bytes()))))
    }

    #[test]
    fn refusals_are_read_in_the_users_terms_and_placed_by_their_field() {
        let cases = [
            (404, "no_such_remote_cluster_exception", "no such remote cluster: [x]", FollowRefusal::RemoteUnknown),
            (400, "illegal_argument_exception", "unknown cluster alias [x]", FollowRefusal::RemoteUnknown),
            (500, "connect_transport_exception", "[h:9300] connect_exception", FollowRefusal::RemoteUnreachable),
            (404, "index_not_found_exception", "no such index [logs]", FollowRefusal::LeaderMissing),
            (
                400,
                "illegal_argument_exception",
                "leader index [logs] does not have soft deletes enabled",
                FollowRefusal::LeaderWithoutSoftDeletes,
            ),
            (
                400,
                "status_exception",
                "can not fetch remote index [l:x] metadata as the remote cluster [l] is not licensed for [ccr]; the license mode [BASIC] on cluster [l] does not enable [ccr]",
                FollowRefusal::LeaderLicence,
            ),
            (403, "security_exception", "current license is non-compliant for [ccr]", FollowRefusal::LocalLicence),
            (
                500,
                "snapshot_restore_exception",
                "[l:x/u] cannot restore index [x] because an open index with same name already exists in the cluster.",
                FollowRefusal::FollowerNameTaken,
            ),
            (400, "resource_already_exists_exception", "index [x/u] already exists", FollowRefusal::FollowerNameTaken),
            (
                403,
                "security_exception",
                "action [indices:admin/xpack/ccr/put_follow] is unauthorized",
                FollowRefusal::NotAuthorized,
            ),
            (500, "weird_exception", "?", FollowRefusal::Other),
        ];
        for (status, error_type, reason, expected) in cases {
            assert_eq!(refusal(status, error_type, reason), Some(expected), "{error_type}: {reason}");
        }
        assert_eq!(FollowRefusal::LeaderWithoutSoftDeletes.field(), Some(FollowField::LeaderIndex));
        assert_eq!(FollowRefusal::FollowerNameTaken.field().map(FollowField::name), Some("follower_index"));
        assert_eq!(FollowRefusal::LocalLicence.field(), None);
        let unreachable = EsError::Unreachable { url: "http://x".into(), detail: "refused".into() };
        assert_eq!(FollowRefusal::of(&unreachable), None, "a local connection problem is an error page");
    }

    #[test]
    fn the_console_request_shows_only_chosen_settings() {
        let follower = NewFollower {
            remote_cluster: "leader".into(),
            leader_index: "logs".into(),
            follower_index: "logs-copy".into(),
            settings: FollowSettings::parse(|n| (n == "read_poll_timeout").then_some("30s")).unwrap(),
        };
        assert_eq!(
            follower.console(),
            "PUT /logs-copy/_ccr/follow?wait_for_active_shards=1\n{\n  \"remote_cluster\": \"leader\",\n  \"leader_index\": \"logs\",\n  \"read_poll_timeout\": \"30s\"\n}"
        );
    }
}
