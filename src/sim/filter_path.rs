//! `filter_path`, the response filtering every Elasticsearch REST API accepts: comma-separated
//! dotted paths, `*` inside a name, `**` for any depth; arrays are looked through. What matches
//! nothing is left out, empty objects and arrays with it, so no match at all is `{}`. Error
//! bodies are never filtered (Elasticsearch builds them without the filter). Exclusions
//! (`-path`) are not modelled: a filter holding one is ignored.

use serde_json::{Map, Value};

/// `*` matches any run of characters, as Elasticsearch's `Glob.globMatch`.
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, rest)) => {
            let Some(after) = name.strip_prefix(head) else { return false };
            if rest.is_empty() {
                return true;
            }
            (0..=after.len()).filter(|i| after.is_char_boundary(*i)).any(|i| glob(rest, &after[i..]))
        }
    }
}

/// The paths that continue below `key`.
fn descend<'a>(paths: &[&'a [&'a str]], key: &str) -> Vec<&'a [&'a str]> {
    let mut out = Vec::new();
    for path in paths {
        match path.first() {
            Some(&"**") => {
                out.push(*path);
                if let Some(next) = path.get(1)
                    && glob(next, key)
                {
                    out.push(&path[2..]);
                }
            }
            Some(segment) if glob(segment, key) => out.push(&path[1..]),
            _ => {}
        }
    }
    out
}

fn filter(value: &Value, paths: &[&[&str]]) -> Option<Value> {
    // A path that ended here (or a trailing `**`) takes the whole value.
    if paths.iter().any(|p| p.is_empty() || *p == ["**"]) {
        return Some(value.clone());
    }
    match value {
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .iter()
                .filter_map(|(key, child)| {
                    let below = descend(paths, key);
                    if below.is_empty() { None } else { filter(child, &below).map(|v| (key.clone(), v)) }
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(|item| filter(item, paths)).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        _ => None,
    }
}

/// The body as `filter_path` (from a raw query string) leaves it.
pub fn apply(body: &Value, filter_path: &str) -> Value {
    let split: Vec<Vec<&str>> =
        filter_path.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| p.split('.').collect()).collect();
    if split.is_empty() || split.iter().any(|p| p[0].starts_with('-')) {
        return body.clone();
    }
    let paths: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
    filter(body, &paths).unwrap_or_else(|| Value::Object(Map::new()))
}

/// The `filter_path` parameter of a query string, if any.
pub fn from_query(query: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "filter_path")
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_wildcards_and_arrays_filter_as_in_elasticsearch() {
        let body = json!({
            "follow_stats": {"indices": [
                {"index": "a", "shards": [{"shard_id": 0, "leader_global_checkpoint": 5, "bytes_read": 9}]},
                {"index": "b", "shards": []}
            ]},
            "auto_follow_stats": {"number_of_failed_follow_indices": 1, "recent_auto_follow_errors": []}
        });
        let filtered = apply(&body, "follow_stats.indices.index,follow_stats.indices.shards.leader_global_checkpoint");
        assert_eq!(
            filtered,
            json!({"follow_stats": {"indices": [
                {"index": "a", "shards": [{"leader_global_checkpoint": 5}]},
                {"index": "b"}
            ]}})
        );
        assert_eq!(
            apply(&body, "auto_follow_stats.number_*"),
            json!({"auto_follow_stats": {"number_of_failed_follow_indices": 1}})
        );
        assert_eq!(apply(&body, "**.shard_id"), json!({"follow_stats": {"indices": [{"shards": [{"shard_id": 0}]}]}}));
        assert_eq!(apply(&json!({"hits": {"hits": []}}), "hits.hits._id"), json!({}), "no match: an empty object");
        assert_eq!(apply(&body, "auto_follow_stats"), json!({"auto_follow_stats": body["auto_follow_stats"]}));
        assert_eq!(apply(&body, "-follow_stats"), body, "exclusions are not modelled");
        let stats = json!({"indices": {"x": {"shards": {"0": [{"routing": {"primary": true, "node": "n"}, "seq_no": {"global_checkpoint": 3, "max_seq_no": 3}}]}}}});
        assert_eq!(
            apply(&stats, "indices.*.shards.*.routing.primary,indices.*.shards.*.seq_no.global_checkpoint"),
            json!({"indices": {"x": {"shards": {"0": [{"routing": {"primary": true}, "seq_no": {"global_checkpoint": 3}}]}}}})
        );
    }

    #[test]
    fn the_parameter_is_read_from_the_query_string() {
        assert_eq!(from_query("level=shards&filter_path=a.b%2Cc").as_deref(), Some("a.b,c"));
        assert_eq!(from_query("level=shards"), None);
    }
}
