//! Response filtering with the `filter_path` query parameter, as Elasticsearch does it for
//! every REST API: comma-separated dotted paths, `*` inside a name, `**` for any depth, `-`
//! in front of a path to leave it out. Arrays are transparent (a path goes through each
//! element), and objects and arrays the filter goes into and leaves empty are dropped
//! (elastic/elasticsearch#63842; the change that would have kept them, #66188, was not merged).
//! Error answers are not filtered (Elasticsearch builds them without the filter).

use serde_json::{Map, Value};

/// `body` with only what `filter_path` asks for; `{}` when nothing matches.
pub fn apply(body: Value, filter_path: &str) -> Value {
    let (includes, excludes) = parse(filter_path);
    let includes: Vec<Path<'_, '_>> = includes.iter().map(Vec::as_slice).collect();
    let excludes: Vec<Path<'_, '_>> = excludes.iter().map(Vec::as_slice).collect();
    let mut body = if includes.is_empty() { Some(body) } else { include(body, &includes) };
    if !excludes.is_empty() {
        body = body.and_then(|b| exclude(b, &excludes));
    }
    body.unwrap_or_else(|| Value::Object(Map::new()))
}

/// The paths `filter_path` includes and those it excludes, each split into its steps.
fn parse(filter_path: &str) -> (Vec<Vec<&str>>, Vec<Vec<&str>>) {
    let (excludes, includes): (Vec<&str>, Vec<&str>) =
        filter_path.split(',').map(str::trim).filter(|p| !p.is_empty()).partition(|p| p.starts_with('-'));
    fn split(path: &str) -> Vec<&str> {
        path.trim_start_matches('-').split('.').collect()
    }
    (includes.into_iter().map(split).collect(), excludes.into_iter().map(split).collect())
}

/// Whether `filter_path` may keep anything of the field at `path` (object keys, arrays being
/// transparent); `false` only when it surely drops all of it, so that an API may skip building
/// that field (`_ccr/info`'s follow parameters, when only the names are asked). It does not
/// look below the field: a filter that drops every key inside it (`-a.b.*`) still says `true`.
pub fn keeps(filter_path: &str, path: &[&str]) -> bool {
    let (includes, excludes) = parse(filter_path);
    let (mut included, mut excluded): (Vec<Path<'_, '_>>, Vec<Path<'_, '_>>) =
        (includes.iter().map(Vec::as_slice).collect(), excludes.iter().map(Vec::as_slice).collect());
    let everything = included.is_empty();
    for key in path {
        // An exclusion matched whole at or above the field drops it; an inclusion matched whole
        // keeps all below.
        if excluded.iter().any(|p| p.is_empty()) {
            return false;
        }
        if !everything && !included.iter().any(|p| p.is_empty()) {
            included = below(&included, key);
            if included.is_empty() {
                return false;
            }
        }
        excluded = below(&excluded, key);
    }
    !excluded.iter().any(|p| p.is_empty())
}

/// What is left of one path to match: its steps below the field reached so far (borrowed, so
/// going down a large answer allocates no path).
type Path<'p, 'a> = &'p [&'a str];

/// A name against one path step: `*` matches any run of characters.
fn glob(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The paths left to match below the field `key`, for each path matched so far.
fn below<'p, 'a>(paths: &[Path<'p, 'a>], key: &str) -> Vec<Path<'p, 'a>> {
    let mut next = Vec::new();
    for &path in paths {
        match path.split_first() {
            Some((&"**", rest)) => {
                // `**` matches no field (the rest starts here) or this one and more below.
                next.push(path);
                match rest.split_first() {
                    None => next.push(&[]),
                    Some((step, after)) if glob(step, key) => next.push(after),
                    Some(_) => {}
                }
            }
            Some((step, rest)) if glob(step, key) => next.push(rest),
            _ => {}
        }
    }
    next
}

fn include(value: Value, paths: &[Path<'_, '_>]) -> Option<Value> {
    if paths.iter().any(|p| p.is_empty()) {
        return Some(value);
    }
    match value {
        Value::Object(fields) => {
            let kept: Map<String, Value> = fields
                .into_iter()
                .filter_map(|(key, field)| {
                    let next = below(paths, &key);
                    if next.is_empty() { None } else { include(field, &next).map(|v| (key, v)) }
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(|item| include(item, paths)).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        // A path that goes on below a plain value matches nothing.
        _ => None,
    }
}

fn exclude(value: Value, paths: &[Path<'_, '_>]) -> Option<Value> {
    if paths.iter().any(|p| p.is_empty()) {
        return None;
    }
    match value {
        Value::Object(fields) => {
            let kept: Map<String, Value> = fields
                .into_iter()
                .filter_map(|(key, field)| {
                    let next = below(paths, &key);
                    if next.is_empty() { Some((key, field)) } else { exclude(field, &next).map(|v| (key, v)) }
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(|item| exclude(item, paths)).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{apply, keeps};

    fn stats() -> serde_json::Value {
        json!({
            "auto_follow_stats": {"number_of_failed_follow_indices": 0, "recent_auto_follow_errors": []},
            "follow_stats": {"indices": [
                {"index": "a", "total_global_checkpoint_lag": 3, "shards": [
                    {"shard_id": 0, "leader_global_checkpoint": 5, "read_exceptions": []},
                    {"shard_id": 1, "leader_global_checkpoint": 7, "read_exceptions": []}
                ]},
                {"index": "b", "shards": []}
            ]}
        })
    }

    #[test]
    fn keeps_the_paths_asked_for_through_arrays() {
        let body = apply(stats(), "follow_stats.indices.index,follow_stats.indices.shards.leader_global_checkpoint");
        assert_eq!(
            body,
            json!({"follow_stats": {"indices": [
                {"index": "a", "shards": [{"leader_global_checkpoint": 5}, {"leader_global_checkpoint": 7}]},
                {"index": "b"}
            ]}})
        );
    }

    #[test]
    fn drops_what_the_filter_leaves_empty() {
        // An array the filter goes into and finds nothing in is dropped, and with it an object
        // that held nothing else; a whole value matched stays as it is.
        assert_eq!(apply(stats(), "auto_follow_stats.recent_auto_follow_errors.leader_index"), json!({}));
        assert_eq!(
            apply(stats(), "auto_follow_stats.recent_auto_follow_errors"),
            json!({"auto_follow_stats": {"recent_auto_follow_errors": []}})
        );
        assert_eq!(apply(stats(), "nothing.here"), json!({}));
        assert_eq!(apply(stats(), "follow_stats.indices.index.deeper"), json!({}));
    }

    #[test]
    fn wildcards_and_exclusions() {
        assert_eq!(
            apply(stats(), "auto_follow_stats.number_*"),
            json!({"auto_follow_stats": {"number_of_failed_follow_indices": 0}})
        );
        assert_eq!(
            apply(stats(), "**.total_global_checkpoint_lag"),
            json!({"follow_stats": {"indices": [{"total_global_checkpoint_lag": 3}]}})
        );
        assert_eq!(
            apply(stats(), "-follow_stats,-auto_follow_stats.recent_auto_follow_errors"),
            json!({"auto_follow_stats": {"number_of_failed_follow_indices": 0}})
        );
        assert_eq!(apply(json!({"a": {"b": 1, "c": 2}}), "a.*"), json!({"a": {"b": 1, "c": 2}}));
    }

    #[test]
    fn tells_whether_a_field_is_kept() {
        let parameters = ["follower_indices", "parameters"];
        assert!(keeps("", &parameters));
        assert!(!keeps("follower_indices.follower_index", &parameters));
        assert!(keeps("follower_indices", &parameters));
        assert!(keeps("follower_indices.parameters.read_poll_timeout", &parameters));
        assert!(keeps("follower_indices.param*", &parameters));
        assert!(keeps("**.read_poll_timeout", &parameters));
        assert!(!keeps("-follower_indices.parameters", &parameters));
        assert!(!keeps("-follower_indices", &parameters));
        assert!(keeps("-follower_indices.parameters.read_poll_timeout", &parameters));
        assert!(keeps("-follower_indices.status", &parameters));
        assert!(!keeps("follower_indices,-**.parameters", &parameters));
        // Never `false` where filtering a body that has the field keeps some of it (what would
        // make an answer wrong); `true` where it keeps none is only work done for nothing.
        for filter in [
            "follower_indices.follower_index",
            "follower_indices.*",
            "-follower_indices.parameters",
            "x",
            "**",
            "*",
            "*.*",
            "-*",
            "-**",
            "-*.parameters",
            "-**.parameters",
            "-follower_indices.**",
            "-follower_indices.parameters.*",
            "follower_indices.*,-follower_indices.*",
            "follower_indices.parameters,-follower_indices.*",
            "**.parameters.**",
            "follower_indices.",
            "follower_indices..parameters",
            " follower_indices.parameters ",
            ",",
            "-",
            "follower_indices.parameters.nope",
            "follower_indices.parameters.read_poll_timeout,-**.read_poll_timeout",
        ] {
            let body =
                json!({"follower_indices": [{"follower_index": "a", "parameters": {"read_poll_timeout": "1m"}}]});
            let kept = apply(body, filter)["follower_indices"][0].get("parameters").is_some();
            assert!(keeps(filter, &parameters) || !kept, "{filter:?} keeps the parameters");
        }
    }
}
