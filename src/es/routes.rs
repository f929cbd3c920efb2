//! Every request the client can send, as one table.
//!
//! Client methods name a [`Route`] instead of formatting paths by hand, so the contract test can
//! walk [`ALL`] and check each entry against the official REST API spec files: a typo in a path
//! or a wrong method fails a test instead of surprising a user on a real cluster.

use reqwest::Method;

/// One Elasticsearch API endpoint: the spec's API name, the method and the path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The API name in the REST spec (`cluster.remote_info`), for the contract test and logs.
    pub api: &'static str,
    pub method: Method,
    /// The path with `{part}` placeholders, exactly as the spec writes it.
    pub path: &'static str,
}

macro_rules! routes {
    ($($ident:ident = $api:literal $method:ident $path:literal;)*) => {
        $(pub const $ident: Route = Route { api: $api, method: Method::$method, path: $path };)*
        /// Every route the client can send.
        pub const ALL: &[Route] = &[$($ident),*];
    };
}

routes! {
    INFO = "info" GET "/";
    LICENSE_GET = "license.get" GET "/_license";
    LICENSE_START_TRIAL = "license.post_start_trial" POST "/_license/start_trial";
    XPACK_INFO = "xpack.info" GET "/_xpack";
    CLUSTER_GET_SETTINGS = "cluster.get_settings" GET "/_cluster/settings";
    CLUSTER_PUT_SETTINGS = "cluster.put_settings" PUT "/_cluster/settings";
    CLUSTER_HEALTH = "cluster.health" GET "/_cluster/health";
    CLUSTER_STATE = "cluster.state" GET "/_cluster/state/{metric}";
    ALLOCATION_EXPLAIN = "cluster.allocation_explain" POST "/_cluster/allocation/explain";
    CLUSTER_REROUTE = "cluster.reroute" POST "/_cluster/reroute";
    ILM_EXPLAIN = "ilm.explain_lifecycle" GET "/{index}/_ilm/explain";
    ILM_POLICIES = "ilm.get_lifecycle" GET "/_ilm/policy";
    ILM_PUT_POLICY = "ilm.put_lifecycle" PUT "/_ilm/policy/{policy}";
    INDEX_TEMPLATES = "indices.get_index_template" GET "/_index_template";
    INDEX_TEMPLATE_PUT = "indices.put_index_template" PUT "/_index_template/{name}";
    REMOTE_INFO = "cluster.remote_info" GET "/_remote/info";
    RESOLVE_INDEX = "indices.resolve_index" GET "/_resolve/index/{name}";
    RESOLVE_CLUSTER = "indices.resolve_cluster" GET "/_resolve/cluster/{name}";
    CAT_INDICES = "cat.indices" GET "/_cat/indices";
    CAT_INDICES_FOR = "cat.indices" GET "/_cat/indices/{index}";
    CAT_NODES = "cat.nodes" GET "/_cat/nodes";
    NODES_INFO = "nodes.info" GET "/_nodes";
    REINDEX = "reindex" POST "/_reindex";
    TASK_GET = "tasks.get" GET "/_tasks/{task_id}";
    INDEX_EXISTS = "indices.exists" HEAD "/{index}";
    INDEX_GET = "indices.get" GET "/{index}";
    UPDATE_ALIASES = "indices.update_aliases" POST "/_aliases";
    INDEX_CREATE = "indices.create" PUT "/{index}";
    INDEX_DELETE = "indices.delete" DELETE "/{index}";
    INDEX_OPEN = "indices.open" POST "/{index}/_open";
    INDEX_CLOSE = "indices.close" POST "/{index}/_close";
    INDEX_GET_SETTINGS = "indices.get_settings" GET "/{index}/_settings";
    INDEX_STATS = "indices.stats" GET "/{index}/_stats";
    INDEX_PUT_SETTINGS = "indices.put_settings" PUT "/{index}/_settings";
    DOC_INDEX = "index" POST "/{index}/_doc";
    DOC_PUT = "index" PUT "/{index}/_doc/{id}";
    DOC_GET = "get" GET "/{index}/_doc/{id}";
    DOC_DELETE = "delete" DELETE "/{index}/_doc/{id}";
    COUNT = "count" POST "/{index}/_count";
    SEARCH = "search" POST "/{index}/_search";
    AUTHENTICATE = "security.authenticate" GET "/_security/_authenticate";
    HAS_PRIVILEGES = "security.has_privileges" POST "/_security/user/_has_privileges";
    CCR_FOLLOW = "ccr.follow" PUT "/{index}/_ccr/follow";
    CCR_PAUSE_FOLLOW = "ccr.pause_follow" POST "/{index}/_ccr/pause_follow";
    CCR_RESUME_FOLLOW = "ccr.resume_follow" POST "/{index}/_ccr/resume_follow";
    CCR_UNFOLLOW = "ccr.unfollow" POST "/{index}/_ccr/unfollow";
    CCR_FORGET_FOLLOWER = "ccr.forget_follower" POST "/{index}/_ccr/forget_follower";
    CCR_FOLLOW_INFO = "ccr.follow_info" GET "/{index}/_ccr/info";
    CCR_FOLLOW_STATS = "ccr.follow_stats" GET "/{index}/_ccr/stats";
    CCR_STATS = "ccr.stats" GET "/_ccr/stats";
    CCR_AUTO_FOLLOW_LIST = "ccr.get_auto_follow_pattern" GET "/_ccr/auto_follow";
    CCR_AUTO_FOLLOW_GET = "ccr.get_auto_follow_pattern" GET "/_ccr/auto_follow/{name}";
    CCR_AUTO_FOLLOW_PUT = "ccr.put_auto_follow_pattern" PUT "/_ccr/auto_follow/{name}";
    CCR_AUTO_FOLLOW_DELETE = "ccr.delete_auto_follow_pattern" DELETE "/_ccr/auto_follow/{name}";
    CCR_AUTO_FOLLOW_PAUSE = "ccr.pause_auto_follow_pattern" POST "/_ccr/auto_follow/{name}/pause";
    CCR_AUTO_FOLLOW_RESUME = "ccr.resume_auto_follow_pattern" POST "/_ccr/auto_follow/{name}/resume";
}

impl Route {
    /// Fills the `{part}` placeholders in order, percent-encoding each value so that a name
    /// holding `/`, `?` or `#` stays one path segment.
    pub fn fill(&self, parts: &[&str]) -> String {
        let mut out = String::with_capacity(self.path.len() + 16);
        let mut values = parts.iter();
        let mut rest = self.path;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').map(|e| start + e + 1).unwrap_or(rest.len());
            let value = values.next().expect("a value for every path part");
            encode_segment(value, &mut out);
            rest = &rest[end..];
        }
        out.push_str(rest);
        debug_assert!(values.next().is_none(), "more values than path parts for {}", self.path);
        out
    }
}

/// Percent-encodes everything outside RFC 3986's unreserved set, plus keeps `,` and `*` and
/// `:` as Elasticsearch expects them in index expressions (`leader:logs-*,metrics`).
fn encode_segment(value: &str, out: &mut String) {
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b'*' | b':' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_encodes_each_part_as_one_segment() {
        assert_eq!(CCR_FOLLOW.fill(&["my index/x"]), "/my%20index%2Fx/_ccr/follow");
        assert_eq!(RESOLVE_INDEX.fill(&["leader:logs-*,m"]), "/_resolve/index/leader:logs-*,m");
        assert_eq!(DOC_GET.fill(&["a", "1?x"]), "/a/_doc/1%3Fx");
    }
}
