//! Simulated security: users with roles, authentication of every request, and the privilege
//! checks that turn into Elasticsearch's 401 and 403 answers.
//!
//! Off unless users are configured (like a cluster with `xpack.security.enabled: false`, where
//! the `_security` APIs do not exist). Roles are a fixed set that covers what a CCR admin,
//! a read-only operator and a user with no rights can do.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::api::expressions::glob;
use super::reply::EsException;
use super::router::Op;

/// A user of the simulated cluster.
#[derive(Debug, Clone)]
pub struct SimUser {
    pub name: String,
    pub password: SecretString,
    pub roles: Vec<String>,
}

/// Users, and API keys (the `encoded` value) with the user they act as.
#[derive(Clone, Default)]
pub struct SimSecurity {
    pub users: Vec<SimUser>,
    pub api_keys: BTreeMap<String, String>,
}

impl std::fmt::Debug for SimSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimSecurity").field("users", &self.users).field("api_keys", &self.api_keys.len()).finish()
    }
}

impl SimSecurity {
    /// Parses `name:password:role1,role2` (the `sim --user` flag).
    pub fn parse_user(spec: &str) -> Result<SimUser, String> {
        let mut parts = spec.splitn(3, ':');
        let (Some(name), Some(password), Some(roles)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("{spec:?}: expected name:password:role[,role...]"));
        };
        let roles: Vec<String> = roles.split(',').map(str::to_owned).collect();
        if let Some(unknown) = roles.iter().find(|r| role(r).is_none()) {
            return Err(format!(
                "unknown role {unknown:?} (known: {})",
                ROLES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(SimUser { name: name.to_owned(), password: SecretString::from(password.to_owned()), roles })
    }
}

/// A built-in role: cluster privileges and index privileges on index patterns.
struct Role {
    name: &'static str,
    cluster: &'static [&'static str],
    indices: &'static [(&'static str, &'static [&'static str])],
}

const ROLES: &[Role] = &[
    Role { name: "superuser", cluster: &["all"], indices: &[("*", &["all"])] },
    Role { name: "ccr_admin", cluster: &["manage", "manage_ccr", "monitor"], indices: &[("*", &["all"])] },
    Role {
        name: "ccr_operator",
        cluster: &["manage_ccr", "monitor"],
        indices: &[("*", &["monitor", "read", "manage_follow_index", "view_index_metadata"])],
    },
    Role { name: "viewer", cluster: &["monitor"], indices: &[("*", &["read", "monitor", "view_index_metadata"])] },
    Role { name: "no_access", cluster: &[], indices: &[] },
];

fn role(name: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.name == name)
}

/// Privileges that include others (`manage` includes `monitor`...).
fn cluster_grants(held: &str, wanted: &str) -> bool {
    held == wanted
        || held == "all"
        || (held == "manage" && matches!(wanted, "monitor" | "manage_ccr" | "read_ccr"))
        || (held == "manage_ccr" && wanted == "read_ccr")
}

fn index_grants(held: &str, wanted: &str) -> bool {
    held == wanted
        || held == "all"
        || (held == "manage" && matches!(wanted, "monitor" | "view_index_metadata" | "create_index" | "delete_index"))
        || (held == "write" && matches!(wanted, "index" | "create" | "create_doc" | "delete"))
        || (held == "read" && wanted == "view_index_metadata")
}

/// Who a request is from.
#[derive(Debug, Clone)]
pub struct Principal {
    pub username: String,
    pub roles: Vec<String>,
    pub via_api_key: bool,
}

impl Principal {
    pub fn has_cluster(&self, privilege: &str) -> bool {
        self.roles.iter().filter_map(|r| role(r)).any(|r| r.cluster.iter().any(|held| cluster_grants(held, privilege)))
    }

    pub fn has_index(&self, index: &str, privilege: &str) -> bool {
        self.roles.iter().filter_map(|r| role(r)).any(|r| {
            r.indices
                .iter()
                .any(|(pattern, held)| glob(pattern, index) && held.iter().any(|h| index_grants(h, privilege)))
        })
    }
}

fn www_authenticate() -> Value {
    json!({"WWW-Authenticate": ["Basic realm=\"security\" charset=\"UTF-8\"", "ApiKey"]})
}

fn unauthenticated(reason: String) -> EsException {
    EsException::new(401, "security_exception", reason).with("header", www_authenticate())
}

/// Reads and checks the `Authorization` header.
pub fn authenticate(security: &SimSecurity, headers: &HeaderMap, uri: &str) -> Result<Principal, EsException> {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(unauthenticated(format!("missing authentication credentials for REST request [{uri}]")));
    };
    if let Some(encoded) = value.strip_prefix("Basic ") {
        let decoded = decode_base64(encoded.trim()).unwrap_or_default();
        let (name, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
        let user = security.users.iter().find(|u| u.name == name && u.password.expose_secret() == password);
        return match user {
            Some(user) => Ok(Principal { username: user.name.clone(), roles: user.roles.clone(), via_api_key: false }),
            None => Err(unauthenticated(format!("unable to authenticate user [{name}] for REST request [{uri}]"))),
        };
    }
    if let Some(key) = value.strip_prefix("ApiKey ") {
        let owner = security.api_keys.get(key.trim()).and_then(|name| security.users.iter().find(|u| &u.name == name));
        return match owner {
            Some(user) => Ok(Principal { username: user.name.clone(), roles: user.roles.clone(), via_api_key: true }),
            None => Err(unauthenticated(
                "unable to authenticate with provided credentials and anonymous access is not allowed for this request"
                    .into(),
            )),
        };
    }
    Err(unauthenticated(format!("missing authentication credentials for REST request [{uri}]")))
}

fn decode_base64(input: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(input).ok()?;
    String::from_utf8(bytes).ok()
}

/// What an API needs: a cluster privilege, or an index privilege on the named indices.
enum Needs {
    Cluster(&'static str, &'static [&'static str]),
    Index(&'static str, &'static [&'static str]),
    Nothing,
}

fn needs(op: Op) -> Needs {
    use Needs::*;
    match op {
        Op::Root => Cluster("cluster:monitor/main", &["monitor"]),
        Op::License | Op::XpackInfo => Cluster("cluster:monitor/xpack/license/get", &["monitor"]),
        Op::StartTrial => Cluster("cluster:admin/xpack/license/start_trial", &["manage"]),
        Op::GetClusterSettings => Cluster("cluster:monitor/settings", &["monitor"]),
        Op::PutClusterSettings => Cluster("cluster:admin/settings/update", &["manage"]),
        Op::Health => Cluster("cluster:monitor/health", &["monitor"]),
        Op::RemoteInfo => Cluster("cluster:monitor/remote/info", &["monitor"]),
        Op::NodesInfo | Op::CatNodes => Cluster("cluster:monitor/nodes/info", &["monitor"]),
        Op::CatIndices => Cluster("cluster:monitor/state", &["monitor"]),
        // `manage_ccr` and `read_ccr` include the cluster state (ClusterPrivilegeResolver).
        Op::ClusterStateMetrics => Cluster("cluster:monitor/state", &["monitor", "manage_ccr", "read_ccr"]),
        Op::ResolveIndex | Op::ResolveCluster => Index("indices:admin/resolve/index", &["view_index_metadata"]),
        Op::IndexExists | Op::GetIndexSettings => Index("indices:monitor/settings/get", &["view_index_metadata"]),
        Op::GetIndex => Index("indices:admin/get", &["view_index_metadata"]),
        Op::GetMapping => Index("indices:admin/mappings/get", &["view_index_metadata"]),
        Op::GetAlias | Op::GetAliasByName => Index("indices:admin/aliases/get", &["view_index_metadata"]),
        // The indices are in the body: `manage` on every index is asked for (stricter than
        // Elasticsearch, which checks the named ones).
        Op::UpdateAliases => Index("indices:admin/aliases", &["manage"]),
        Op::CreateIndex => Index("indices:admin/create", &["create_index"]),
        Op::DeleteIndex => Index("indices:admin/delete", &["delete_index"]),
        Op::OpenIndex => Index("indices:admin/open", &["manage"]),
        Op::CloseIndex => Index("indices:admin/close", &["manage"]),
        Op::PutIndexSettings => Index("indices:admin/settings/update", &["manage"]),
        Op::IndexDoc => Index("indices:data/write/index", &["index"]),
        Op::DeleteDoc => Index("indices:data/write/delete", &["delete"]),
        // Authorized item by item (see `api::bulk`), as Elasticsearch does.
        Op::Bulk => Nothing,
        Op::IndexStats => Index("indices:monitor/stats", &["monitor"]),
        Op::ForgetFollower => Index("indices:admin/xpack/ccr/forget_follower", &["manage_leader_index"]),
        Op::GetDoc | Op::Count | Op::Search => Index("indices:data/read/search", &["read"]),
        Op::FollowInfo => Cluster("cluster:monitor/ccr/follow_info", &["monitor"]),
        Op::Follow => Index("indices:admin/xpack/ccr/put_follow", &["manage_follow_index"]),
        Op::PauseFollow => Index("indices:admin/xpack/ccr/pause_follow", &["manage_follow_index"]),
        Op::ResumeFollow => Index("indices:admin/xpack/ccr/resume_follow", &["manage_follow_index"]),
        Op::Unfollow => Index("indices:admin/xpack/ccr/unfollow", &["manage_follow_index"]),
        Op::FollowStats => Index("indices:monitor/xpack/ccr/follow_stats", &["monitor"]),
        Op::CcrStats => Cluster("cluster:monitor/ccr/stats", &["monitor"]),
        Op::GetAutoFollow => Cluster("cluster:admin/xpack/ccr/auto_follow_pattern/get", &["manage_ccr"]),
        Op::PutAutoFollow => Cluster("cluster:admin/xpack/ccr/auto_follow_pattern/put", &["manage_ccr"]),
        Op::DeleteAutoFollow => Cluster("cluster:admin/xpack/ccr/auto_follow_pattern/delete", &["manage_ccr"]),
        Op::PauseAutoFollow | Op::ResumeAutoFollow => {
            Cluster("cluster:admin/xpack/ccr/auto_follow_pattern/activate", &["manage_ccr"])
        }
        Op::Authenticate | Op::HasPrivileges => Nothing,
        // Read on the sources and write on the destination, checked by `api::tasks`.
        Op::Reindex => Nothing,
        Op::GetTask => Cluster("cluster:monitor/task/get", &["monitor"]),
        Op::IlmExplain => Index("indices:admin/ilm/explain", &["view_index_metadata", "manage_ilm"]),
        Op::AllocationExplain => Cluster("cluster:monitor/allocation/explain", &["monitor"]),
        Op::Reroute => Cluster("cluster:admin/reroute", &["manage"]),
        Op::GetIlmPolicy => Cluster("cluster:admin/ilm/get", &["read_ilm", "manage_ilm"]),
        Op::PutIlmPolicy => Cluster("cluster:admin/ilm/put", &["manage_ilm"]),
        Op::GetIndexTemplate => Cluster("indices:admin/index_template/get", &["monitor", "manage_index_templates"]),
        Op::PutIndexTemplate => Cluster("indices:admin/index_template/put", &["manage_index_templates"]),
    }
}

/// Refuses the request when the principal lacks the privilege the API needs.
pub fn authorize(principal: &Principal, op: Op, index_expression: Option<&str>) -> Result<(), EsException> {
    let roles = principal.roles.join(",");
    match needs(op) {
        Needs::Nothing => Ok(()),
        Needs::Cluster(action, privileges) => {
            if privileges.iter().any(|p| principal.has_cluster(p)) {
                return Ok(());
            }
            Err(EsException::new(
                403,
                "security_exception",
                format!(
                    "action [{action}] is unauthorized for user [{}] with effective roles [{roles}], this action is granted by the cluster privileges [{},all]",
                    principal.username,
                    privileges.join(",")
                ),
            ))
        }
        Needs::Index(action, privileges) => {
            let expression = index_expression.unwrap_or("*");
            let names: Vec<&str> = expression.split(',').map(|n| n.rsplit(':').next().unwrap_or(n)).collect();
            if names.iter().all(|name| privileges.iter().any(|p| principal.has_index(name, p))) {
                return Ok(());
            }
            Err(EsException::new(
                403,
                "security_exception",
                format!(
                    "action [{action}] is unauthorized for user [{}] with effective roles [{roles}] on indices [{expression}], this action is granted by the index privileges [{},all]",
                    principal.username,
                    privileges.join(",")
                ),
            ))
        }
    }
}

/// The `_security/_authenticate` body.
pub fn authenticate_body(principal: &Principal) -> Value {
    let realm = if principal.via_api_key {
        json!({"name": "_es_api_key", "type": "_es_api_key"})
    } else {
        json!({"name": "default_native", "type": "native"})
    };
    json!({
        "username": principal.username,
        "roles": if principal.via_api_key { json!([]) } else { json!(principal.roles) },
        "full_name": null,
        "email": null,
        "metadata": {},
        "enabled": true,
        "authentication_realm": realm,
        "lookup_realm": realm,
        "authentication_type": if principal.via_api_key { "api_key" } else { "realm" },
    })
}

/// The `_security/user/_has_privileges` body for a request body.
pub fn has_privileges_body(principal: &Principal, request: &Value) -> Value {
    let mut all = true;
    let mut cluster = serde_json::Map::new();
    for privilege in request["cluster"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let held = principal.has_cluster(privilege);
        all &= held;
        cluster.insert(privilege.to_owned(), json!(held));
    }
    let mut index = serde_json::Map::new();
    for entry in request["index"].as_array().into_iter().flatten() {
        for name in entry["names"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let slot = index.entry(name.to_owned()).or_insert_with(|| json!({}));
            for privilege in entry["privileges"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                let held = principal.has_index(name, privilege);
                all &= held;
                slot[privilege] = json!(held);
            }
        }
    }
    json!({
        "username": principal.username,
        "has_all_requested": all,
        "cluster": cluster,
        "index": index,
        "application": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[&str]) -> Principal {
        Principal { username: "u".into(), roles: roles.iter().map(|r| r.to_string()).collect(), via_api_key: false }
    }

    #[test]
    fn roles_grant_what_they_include() {
        assert!(principal(&["ccr_admin"]).has_cluster("monitor"));
        assert!(principal(&["ccr_admin"]).has_cluster("manage_ccr"));
        assert!(!principal(&["viewer"]).has_cluster("manage"));
        assert!(principal(&["viewer"]).has_index("logs", "read"));
        assert!(!principal(&["viewer"]).has_index("logs", "manage_follow_index"));
        assert!(!principal(&["no_access"]).has_cluster("monitor"));
    }

    #[test]
    fn refusals_name_the_privilege() {
        let err = authorize(&principal(&["viewer"]), Op::PutClusterSettings, None).unwrap_err();
        assert_eq!(err.status, 403);
        assert!(err.reason.contains("cluster privileges [manage,all]"), "{}", err.reason);
    }

    #[test]
    fn decodes_basic_credentials() {
        assert_eq!(decode_base64("ZWxhc3RpYzpjaGFuZ2VtZQ==").as_deref(), Some("elastic:changeme"));
        assert_eq!(decode_base64("!!"), None);
    }

    #[test]
    fn parses_user_flags() {
        let user = SimSecurity::parse_user("alice:pw:ccr_admin,viewer").unwrap();
        assert_eq!((user.name.as_str(), user.roles.len()), ("alice", 2));
        assert!(SimSecurity::parse_user("alice:pw:wizard").is_err());
        assert!(SimSecurity::parse_user("alice").is_err());
    }
}
