//! Response and request bodies of the non-CCR APIs, as Elasticsearch writes them.
//!
//! Fields that appeared in later versions are `Option` or `#[serde(default)]`, so one model
//! reads every version from 6.7 to 9.x. Unknown fields are ignored: newer servers add more.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /`
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RootInfo {
    pub name: String,
    pub cluster_name: String,
    #[serde(default)]
    pub cluster_uuid: String,
    pub version: VersionInfo,
    #[serde(default)]
    pub tagline: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct VersionInfo {
    pub number: String,
    #[serde(default)]
    pub build_flavor: Option<String>,
    #[serde(default)]
    pub lucene_version: Option<String>,
    #[serde(default)]
    pub minimum_wire_compatibility_version: Option<String>,
}

/// `GET /_license`
#[derive(Debug, Clone, Deserialize)]
pub struct LicenseResponse {
    pub license: License,
}

#[derive(Debug, Clone, Deserialize)]
pub struct License {
    pub status: String,
    #[serde(rename = "type")]
    pub license_type: String,
    #[serde(default)]
    pub expiry_date_in_millis: Option<i64>,
}

impl License {
    /// CCR needs a platinum, enterprise or trial license that is active.
    pub fn allows_ccr(&self) -> bool {
        self.status == "active" && matches!(self.license_type.as_str(), "trial" | "platinum" | "enterprise")
    }
}

/// `POST /_license/start_trial`
#[derive(Debug, Clone, Deserialize)]
pub struct StartTrialResponse {
    pub acknowledged: bool,
    #[serde(default)]
    pub trial_was_started: bool,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// `GET /_cluster/settings?flat_settings=true`: keys stay dotted (`cluster.remote.a.seeds`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClusterSettings {
    #[serde(default)]
    pub persistent: BTreeMap<String, Value>,
    #[serde(default)]
    pub transient: BTreeMap<String, Value>,
    #[serde(default)]
    pub defaults: BTreeMap<String, Value>,
}

/// Body of `PUT /_cluster/settings`: a `null` value removes the setting.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ClusterSettingsUpdate {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub persistent: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub transient: BTreeMap<String, Value>,
}

/// Response of `PUT /_cluster/settings`.
#[derive(Debug, Clone, Deserialize)]
pub struct ClusterSettingsUpdated {
    pub acknowledged: bool,
}

/// `GET /_cluster/state/version`: which cluster state the elected master holds. The master
/// publishes a new one, with a higher `version` and a new `state_uuid`, for every change to
/// the metadata: an index created, deleted, closed or opened, a follower paused, resumed or
/// unfollowed, a setting changed. (`state_uuid` also tells apart two clusters, or a cluster
/// rebuilt, that reached the same version.)
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClusterStateStamp {
    pub version: u64,
    pub state_uuid: String,
}

/// `GET /_cluster/health`
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ClusterHealth {
    pub cluster_name: String,
    pub status: String,
    #[serde(default)]
    pub number_of_nodes: u32,
    #[serde(default)]
    pub number_of_data_nodes: u32,
    #[serde(default)]
    pub active_primary_shards: u32,
    #[serde(default)]
    pub active_shards: u32,
    #[serde(default)]
    pub unassigned_shards: u32,
}

/// One entry of `GET /_remote/info`, for both connection modes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct RemoteInfo {
    pub connected: bool,
    /// Absent before 7.6, where every remote is `sniff`.
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub seeds: Vec<String>,
    #[serde(default)]
    pub num_nodes_connected: Option<u32>,
    #[serde(default)]
    pub max_connections_per_cluster: Option<u32>,
    #[serde(default)]
    pub proxy_address: Option<String>,
    #[serde(default)]
    pub server_name: Option<String>,
    #[serde(default)]
    pub num_proxy_sockets_connected: Option<u32>,
    #[serde(default)]
    pub max_proxy_socket_connections: Option<u32>,
    #[serde(default)]
    pub initial_connect_timeout: Option<String>,
    #[serde(default)]
    pub skip_unavailable: bool,
    /// Present (redacted) when the remote uses the API-key security model (8.10+).
    #[serde(default)]
    pub cluster_credentials: Option<String>,
}

/// `GET /_resolve/index/{name}`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResolvedIndices {
    #[serde(default)]
    pub indices: Vec<ResolvedIndex>,
    #[serde(default)]
    pub aliases: Vec<ResolvedAlias>,
    #[serde(default)]
    pub data_streams: Vec<ResolvedDataStream>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResolvedIndex {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub attributes: Vec<String>,
    #[serde(default)]
    pub data_stream: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResolvedAlias {
    pub name: String,
    #[serde(default)]
    pub indices: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResolvedDataStream {
    pub name: String,
    #[serde(default)]
    pub backing_indices: Vec<String>,
    #[serde(default)]
    pub timestamp_field: Option<String>,
}

/// One entry of `GET /_resolve/cluster/{expr}` (8.13+), keyed by cluster alias.
#[derive(Debug, Clone, Deserialize)]
pub struct ResolvedCluster {
    pub connected: bool,
    #[serde(default)]
    pub skip_unavailable: bool,
    #[serde(default)]
    pub matching_indices: Option<bool>,
    #[serde(default)]
    pub version: Option<VersionInfo>,
    #[serde(default)]
    pub error: Option<String>,
}

/// One row of `GET /_cat/indices?format=json`; `_cat` APIs write every value as a string.
#[derive(Debug, Clone, Deserialize)]
pub struct CatIndex {
    #[serde(default)]
    pub health: Option<String>,
    pub status: String,
    pub index: String,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub pri: Option<String>,
    #[serde(default)]
    pub rep: Option<String>,
    #[serde(rename = "docs.count", default)]
    pub docs_count: Option<String>,
    #[serde(rename = "store.size", default)]
    pub store_size: Option<String>,
}

/// One row of `GET /_cat/nodes?format=json`.
#[derive(Debug, Clone, Deserialize)]
pub struct CatNode {
    pub ip: String,
    pub name: String,
    #[serde(rename = "node.role", default)]
    pub node_role: String,
    #[serde(default)]
    pub master: String,
}

/// `GET /_nodes`
#[derive(Debug, Clone, Deserialize)]
pub struct NodesInfo {
    pub cluster_name: String,
    pub nodes: BTreeMap<String, NodeInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NodeInfo {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub transport_address: Option<String>,
    #[serde(default)]
    pub transport: Option<PublishAddress>,
    #[serde(default)]
    pub http: Option<PublishAddress>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PublishAddress {
    pub publish_address: String,
}

/// `PUT /{index}`
#[derive(Debug, Clone, Deserialize)]
pub struct IndexCreated {
    pub acknowledged: bool,
    #[serde(default)]
    pub shards_acknowledged: bool,
    #[serde(default)]
    pub index: Option<String>,
}

/// Responses that only say whether the master acknowledged (open, close, delete, settings...).
#[derive(Debug, Clone, Deserialize)]
pub struct Acknowledged {
    pub acknowledged: bool,
}

/// `GET /{index}/_settings?flat_settings=true`, keyed by index name.
pub type IndexSettingsByIndex = BTreeMap<String, IndexSettings>;

#[derive(Debug, Clone, Deserialize)]
pub struct IndexSettings {
    pub settings: BTreeMap<String, Value>,
}

/// `GET /{index}?flat_settings=true`: one index's aliases, mappings (typeless from 7.0, under
/// the mapping type before) and settings with dotted keys.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IndexDefinition {
    #[serde(default)]
    pub aliases: BTreeMap<String, Value>,
    #[serde(default)]
    pub mappings: serde_json::Map<String, Value>,
    #[serde(default)]
    pub settings: BTreeMap<String, Value>,
}

/// `POST /{index}/_doc`, `PUT /{index}/_doc/{id}`
#[derive(Debug, Clone, Deserialize)]
pub struct DocWritten {
    #[serde(rename = "_index")]
    pub index: String,
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_version")]
    pub version: u64,
    pub result: String,
    #[serde(rename = "_seq_no", default)]
    pub seq_no: Option<i64>,
    #[serde(rename = "_primary_term", default)]
    pub primary_term: Option<i64>,
}

/// `GET /{index}/_doc/{id}`
#[derive(Debug, Clone, Deserialize)]
pub struct Doc {
    #[serde(rename = "_id")]
    pub id: String,
    pub found: bool,
    #[serde(rename = "_source", default)]
    pub source: Option<Value>,
    /// With `primary_term`, what a conditional write names to refuse lost updates.
    #[serde(rename = "_seq_no", default)]
    pub seq_no: Option<i64>,
    #[serde(rename = "_primary_term", default)]
    pub primary_term: Option<i64>,
}

/// `GET _tasks/{id}` for a re-index: progress while it runs, the outcome once completed.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskStatus {
    pub completed: bool,
    #[serde(default)]
    pub task: TaskInfo,
    /// The re-index response once completed (with `failures`).
    #[serde(default)]
    pub response: Option<Value>,
    /// Why the task failed, when it did.
    #[serde(default)]
    pub error: Option<crate::es::ExceptionBody>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskInfo {
    #[serde(default)]
    pub status: TaskProgress,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskProgress {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub created: u64,
    #[serde(default)]
    pub updated: u64,
}

/// The condition of a conditional write ([`EsClient::index_doc_if`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteCondition {
    /// Only if no document has this id.
    Create,
    /// Only if the document is still the one read.
    IfUnchanged { seq_no: i64, primary_term: i64 },
}

/// `POST /{index}/_count`
#[derive(Debug, Clone, Deserialize)]
pub struct CountResponse {
    pub count: u64,
}

/// `POST /{index}/_search`
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResponse {
    pub hits: SearchHits,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SearchHits {
    pub total: HitsTotal,
    pub hits: Vec<SearchHit>,
}

/// 7.0+ writes `{"value":N,"relation":"eq"}`; 6.x writes a bare number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HitsTotal {
    Object { value: u64, relation: String },
    Number(u64),
}

impl HitsTotal {
    pub fn value(&self) -> u64 {
        match self {
            HitsTotal::Object { value, .. } | HitsTotal::Number(value) => *value,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SearchHit {
    #[serde(rename = "_index")]
    pub index: String,
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "_source", default)]
    pub source: Value,
}

/// `GET /_security/_authenticate`
#[derive(Debug, Clone, Deserialize)]
pub struct AuthenticatedUser {
    pub username: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub authentication_type: Option<String>,
}

/// Body of `POST /_security/user/_has_privileges`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrivilegesQuery {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub index: Vec<IndexPrivilegesQuery>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexPrivilegesQuery {
    pub names: Vec<String>,
    pub privileges: Vec<String>,
}

/// Response of `_has_privileges`: for each resource, each privilege and whether it is held.
#[derive(Debug, Clone, Deserialize)]
pub struct PrivilegesAnswer {
    pub username: String,
    pub has_all_requested: bool,
    #[serde(default)]
    pub cluster: BTreeMap<String, bool>,
    #[serde(default)]
    pub index: BTreeMap<String, BTreeMap<String, bool>>,
}
