//! Which simulated API answers a method and path, decided the way Elasticsearch's
//! `RestController` decides it.
//!
//! No route for the path at all: 400 `no handler found for uri [..] and method [..]`. A route
//! for the path but not the method: 405 with the allowed methods. Static segments win over
//! `{placeholders}` (`/_count` is the count API, not an index called `_count`).

use reqwest::Method;
use serde_json::json;

use crate::es::Version;

use super::reply::Reply;

/// One simulated API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Root,
    License,
    StartTrial,
    XpackInfo,
    GetClusterSettings,
    PutClusterSettings,
    Health,
    RemoteInfo,
    ResolveIndex,
    ResolveCluster,
    CatIndices,
    CatNodes,
    ClusterStateMetrics,
    NodesInfo,
    IndexExists,
    CreateIndex,
    DeleteIndex,
    OpenIndex,
    CloseIndex,
    GetIndexSettings,
    GetIndex,
    GetMapping,
    UpdateAliases,
    GetAlias,
    GetAliasByName,
    PutIndexSettings,
    IndexDoc,
    GetDoc,
    DeleteDoc,
    Bulk,
    IndexStats,
    ForgetFollower,
    Count,
    Search,
    FollowInfo,
    CcrStats,
    Follow,
    PauseFollow,
    ResumeFollow,
    Unfollow,
    FollowStats,
    GetAutoFollow,
    PutAutoFollow,
    DeleteAutoFollow,
    PauseAutoFollow,
    ResumeAutoFollow,
    Authenticate,
    HasPrivileges,
    Reindex,
    GetTask,
    IlmExplain,
    AllocationExplain,
    Reroute,
    GetIlmPolicy,
    PutIlmPolicy,
    GetIndexTemplate,
    PutIndexTemplate,
}

/// A route: the spec API name (checked by the contract test), method, path, and the first
/// version that has it.
#[derive(Debug, Clone)]
pub struct SimRoute {
    pub api: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub since: Version,
    pub op: Op,
}

const ANY: Version = Version::new(0, 0, 0);

macro_rules! table {
    ($($api:literal $method:ident $path:literal $since:expr => $op:ident;)*) => {
        /// Every route the simulator serves.
        pub const ROUTES: &[SimRoute] = &[$(SimRoute { api: $api, method: Method::$method, path: $path, since: $since, op: Op::$op }),*];
    };
}

table! {
    "info" GET "/" ANY => Root;
    "license.get" GET "/_license" ANY => License;
    "license.post_start_trial" POST "/_license/start_trial" ANY => StartTrial;
    "xpack.info" GET "/_xpack" ANY => XpackInfo;
    "cluster.get_settings" GET "/_cluster/settings" ANY => GetClusterSettings;
    "cluster.put_settings" PUT "/_cluster/settings" ANY => PutClusterSettings;
    "cluster.health" GET "/_cluster/health" ANY => Health;
    "cluster.health" GET "/_cluster/health/{index}" ANY => Health;
    "cluster.remote_info" GET "/_remote/info" ANY => RemoteInfo;
    "cluster.state" GET "/_cluster/state/{metric}" ANY => ClusterStateMetrics;
    "indices.resolve_index" GET "/_resolve/index/{name}" Version::new(7, 9, 0) => ResolveIndex;
    "indices.resolve_cluster" GET "/_resolve/cluster/{name}" Version::new(8, 13, 0) => ResolveCluster;
    "indices.resolve_cluster" GET "/_resolve/cluster" Version::new(8, 19, 0) => ResolveCluster;
    "cat.indices" GET "/_cat/indices" ANY => CatIndices;
    "cat.indices" GET "/_cat/indices/{index}" ANY => CatIndices;
    "cat.nodes" GET "/_cat/nodes" ANY => CatNodes;
    "nodes.info" GET "/_nodes" ANY => NodesInfo;
    "nodes.info" GET "/_nodes/{metric}" ANY => NodesInfo;
    "nodes.info" GET "/_nodes/{node_id}/{metric}" ANY => NodesInfo;
    "reindex" POST "/_reindex" ANY => Reindex;
    "tasks.get" GET "/_tasks/{task_id}" ANY => GetTask;
    "ilm.explain_lifecycle" GET "/{index}/_ilm/explain" Version::new(6, 6, 0) => IlmExplain;
    "ilm.get_lifecycle" GET "/_ilm/policy" Version::new(6, 6, 0) => GetIlmPolicy;
    "ilm.get_lifecycle" GET "/_ilm/policy/{policy}" Version::new(6, 6, 0) => GetIlmPolicy;
    "ilm.put_lifecycle" PUT "/_ilm/policy/{policy}" Version::new(6, 6, 0) => PutIlmPolicy;
    "indices.get_index_template" GET "/_index_template" Version::new(7, 8, 0) => GetIndexTemplate;
    "indices.get_index_template" GET "/_index_template/{name}" Version::new(7, 8, 0) => GetIndexTemplate;
    "indices.put_index_template" PUT "/_index_template/{name}" Version::new(7, 8, 0) => PutIndexTemplate;
    "indices.put_index_template" POST "/_index_template/{name}" Version::new(7, 8, 0) => PutIndexTemplate;
    "cluster.allocation_explain" GET "/_cluster/allocation/explain" ANY => AllocationExplain;
    "cluster.allocation_explain" POST "/_cluster/allocation/explain" ANY => AllocationExplain;
    "cluster.reroute" POST "/_cluster/reroute" ANY => Reroute;
    "indices.exists" HEAD "/{index}" ANY => IndexExists;
    "indices.get" GET "/{index}" ANY => GetIndex;
    "indices.get_mapping" GET "/_mapping" ANY => GetMapping;
    "indices.get_mapping" GET "/{index}/_mapping" ANY => GetMapping;
    "indices.update_aliases" POST "/_aliases" ANY => UpdateAliases;
    "indices.get_alias" GET "/_alias" ANY => GetAlias;
    "indices.get_alias" GET "/_alias/{name}" ANY => GetAliasByName;
    "indices.get_alias" GET "/{index}/_alias" ANY => GetAlias;
    "indices.get_alias" GET "/{index}/_alias/{name}" ANY => GetAlias;
    "indices.create" PUT "/{index}" ANY => CreateIndex;
    "indices.delete" DELETE "/{index}" ANY => DeleteIndex;
    "indices.open" POST "/{index}/_open" ANY => OpenIndex;
    "indices.close" POST "/{index}/_close" ANY => CloseIndex;
    "indices.get_settings" GET "/{index}/_settings" ANY => GetIndexSettings;
    "indices.put_settings" PUT "/{index}/_settings" ANY => PutIndexSettings;
    "index" POST "/{index}/_doc" ANY => IndexDoc;
    "index" PUT "/{index}/_doc/{id}" ANY => IndexDoc;
    "index" POST "/{index}/_doc/{id}" ANY => IndexDoc;
    "get" GET "/{index}/_doc/{id}" ANY => GetDoc;
    "delete" DELETE "/{index}/_doc/{id}" ANY => DeleteDoc;
    "bulk" POST "/_bulk" ANY => Bulk;
    "bulk" PUT "/_bulk" ANY => Bulk;
    "bulk" POST "/{index}/_bulk" ANY => Bulk;
    "bulk" PUT "/{index}/_bulk" ANY => Bulk;
    "indices.stats" GET "/_stats" ANY => IndexStats;
    "indices.stats" GET "/{index}/_stats" ANY => IndexStats;
    "count" GET "/_count" ANY => Count;
    "count" POST "/_count" ANY => Count;
    "count" GET "/{index}/_count" ANY => Count;
    "count" POST "/{index}/_count" ANY => Count;
    "search" GET "/_search" ANY => Search;
    "search" POST "/_search" ANY => Search;
    "search" GET "/{index}/_search" ANY => Search;
    "search" POST "/{index}/_search" ANY => Search;
    "ccr.follow_info" GET "/{index}/_ccr/info" Version::new(6, 7, 0) => FollowInfo;
    "ccr.stats" GET "/_ccr/stats" Version::new(6, 7, 0) => CcrStats;
    "ccr.follow" PUT "/{index}/_ccr/follow" Version::new(6, 7, 0) => Follow;
    "ccr.pause_follow" POST "/{index}/_ccr/pause_follow" Version::new(6, 7, 0) => PauseFollow;
    "ccr.resume_follow" POST "/{index}/_ccr/resume_follow" Version::new(6, 7, 0) => ResumeFollow;
    "ccr.unfollow" POST "/{index}/_ccr/unfollow" Version::new(6, 7, 0) => Unfollow;
    "ccr.forget_follower" POST "/{index}/_ccr/forget_follower" Version::new(6, 7, 0) => ForgetFollower;
    "ccr.follow_stats" GET "/{index}/_ccr/stats" Version::new(6, 7, 0) => FollowStats;
    "ccr.get_auto_follow_pattern" GET "/_ccr/auto_follow" Version::new(6, 7, 0) => GetAutoFollow;
    "ccr.get_auto_follow_pattern" GET "/_ccr/auto_follow/{name}" Version::new(6, 7, 0) => GetAutoFollow;
    "ccr.put_auto_follow_pattern" PUT "/_ccr/auto_follow/{name}" Version::new(6, 7, 0) => PutAutoFollow;
    "ccr.delete_auto_follow_pattern" DELETE "/_ccr/auto_follow/{name}" Version::new(6, 7, 0) => DeleteAutoFollow;
    "ccr.pause_auto_follow_pattern" POST "/_ccr/auto_follow/{name}/pause" Version::new(7, 5, 0) => PauseAutoFollow;
    "ccr.resume_auto_follow_pattern" POST "/_ccr/auto_follow/{name}/resume" Version::new(7, 5, 0) => ResumeAutoFollow;
    "security.authenticate" GET "/_security/_authenticate" Version::new(7, 0, 0) => Authenticate;
    "security.has_privileges" GET "/_security/user/_has_privileges" Version::new(7, 0, 0) => HasPrivileges;
    "security.has_privileges" POST "/_security/user/_has_privileges" Version::new(7, 0, 0) => HasPrivileges;
}

/// Query parameters that appeared in a later version than their API: older versions reject
/// them ("contains unrecognized parameter").
const VERSIONED_PARAMS: &[(Op, &str, Version)] = &[
    (Op::CatIndices, "expand_wildcards", Version::new(7, 7, 0)),
    (Op::ResolveCluster, "timeout", Version::new(8, 19, 0)),
];

/// Elasticsearch's refusal of a parameter this version does not know, if any.
pub fn unrecognized_parameter(op: Op, version: Version, path: &str, query: &str) -> Option<Reply> {
    let given: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let unknown = VERSIONED_PARAMS
        .iter()
        .find(|(o, name, since)| *o == op && version < *since && given.iter().any(|(k, _)| k == name))?;
    let reason = format!("request [{path}] contains unrecognized parameter: [{}]", unknown.1);
    Some(super::reply::EsException::illegal_argument(reason).into_reply())
}

/// A matched route and the values of its `{placeholders}`, in order.
#[derive(Debug)]
pub struct Matched {
    pub op: Op,
    pub params: Vec<String>,
}

/// Splits a raw path into percent-decoded segments.
pub fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect()
}

fn percent_decode(segment: &str) -> String {
    // A `%` without two hex digits after it stays as it is, as in Elasticsearch.
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

fn match_path(pattern: &str, segments: &[String]) -> Option<(usize, Vec<String>)> {
    let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut statics = 0;
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') {
            params.push(segment.clone());
        } else if part == segment {
            statics += 1;
        } else {
            return None;
        }
    }
    Some((statics, params))
}

/// Finds the route for a request, or the reply Elasticsearch gives when there is none.
pub fn find(version: Version, method: &Method, raw_uri: &str, segments: &[String]) -> Result<Matched, Reply> {
    let candidates: Vec<(usize, Vec<String>, &SimRoute)> = ROUTES
        .iter()
        .filter(|r| version >= r.since)
        .filter_map(|r| match_path(r.path, segments).map(|(statics, params)| (statics, params, r)))
        .collect();
    // The most specific path wins, then the method decides between 405 and a match.
    let Some(best) = candidates.iter().map(|(s, _, _)| *s).max() else {
        return Err(Reply::with_status(
            400,
            json!({"error": format!("no handler found for uri [{raw_uri}] and method [{method}]")}),
        ));
    };
    let specific: Vec<_> = candidates.into_iter().filter(|(s, _, _)| *s == best).collect();
    if let Some((_, params, route)) = specific.iter().find(|(_, _, r)| r.method == *method) {
        return Ok(Matched { op: route.op, params: params.clone() });
    }
    let mut allowed: Vec<&str> = specific.iter().map(|(_, _, r)| r.method.as_str()).collect();
    allowed.dedup();
    let mut reply = Reply::with_status(
        405,
        json!({
            "error": format!("Incorrect HTTP method for uri [{raw_uri}] and method [{method}], allowed: [{}]", allowed.join(", ")),
            "status": 405
        }),
    );
    reply.headers.push(("allow", allowed.join(",")));
    Err(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Version = Version::new(8, 15, 0);

    fn op(method: Method, path: &str) -> Result<Op, u16> {
        find(V, &method, path, &segments(path)).map(|m| m.op).map_err(|r| r.status)
    }

    #[test]
    fn static_segments_win_and_unknown_paths_say_no_handler() {
        assert_eq!(op(Method::GET, "/_count"), Ok(Op::Count));
        assert_eq!(op(Method::PUT, "/myindex"), Ok(Op::CreateIndex));
        assert_eq!(op(Method::GET, "/_cluster/settings"), Ok(Op::GetClusterSettings));
        assert_eq!(op(Method::GET, "/foo/bar/baz"), Err(400));
        assert_eq!(op(Method::DELETE, "/_cluster/settings"), Err(405));
    }

    #[test]
    fn routes_follow_the_version() {
        let path = "/_resolve/cluster/a:*";
        assert!(find(Version::new(8, 12, 0), &Method::GET, path, &segments(path)).is_err());
        assert!(find(Version::new(8, 13, 0), &Method::GET, path, &segments(path)).is_ok());
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(segments("/a%2Fb/_doc/%E4%B8%AD"), vec!["a/b", "_doc", "中"]);
        assert_eq!(segments("/a%2"), vec!["a%2"]);
        assert_eq!(segments("/%中%2x"), vec!["%中%2x"]);
    }
}
