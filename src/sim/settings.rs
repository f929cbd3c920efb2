//! `PUT /_cluster/settings` as Elasticsearch validates and applies it.
//!
//! Values are stored as strings (lists as lists of strings); `null` removes a key, and a key
//! ending in `*` with `null` removes every matching key. Unknown keys are refused with
//! "persistent setting [x], not recognized", as are keys newer than the simulated version
//! (`cluster.remote.x.mode` on 7.5).

use serde_json::{Map, Value, json};

use crate::es::Version;

use super::reply::{EsException, SimResult};
use super::state::{SettingValue, Settings};

/// Which settings block a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Persistent,
    Transient,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Persistent => "persistent",
            Scope::Transient => "transient",
        }
    }
}

/// Flattens `{"cluster":{"remote":{"a":{"seeds":[..]}}}}` into dotted keys, keeping `null`
/// (removal) and arrays (list settings) as they are.
pub fn flatten(value: &Value) -> Vec<(String, Value)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let key = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    walk(&key, inner, out);
                }
            }
            other => out.push((prefix.to_owned(), other.clone())),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// Renders settings the way `GET _cluster/settings` does: nested unless `flat_settings=true`.
pub fn render(settings: &Settings, flat: bool) -> Value {
    let mut root = Map::new();
    for (key, value) in settings {
        if flat {
            root.insert(key.clone(), value.to_json());
            continue;
        }
        let mut node = &mut root;
        let mut parts = key.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                node.insert(part.to_owned(), value.to_json());
            } else {
                let entry = node.entry(part.to_owned()).or_insert_with(|| json!({}));
                if !entry.is_object() {
                    *entry = json!({});
                }
                node = entry.as_object_mut().expect("just made an object");
            }
        }
    }
    Value::Object(root)
}

/// What a key may hold.
enum Kind {
    Text,
    Bool,
    PositiveInt,
    Seeds,
    Address,
    Mode,
    Time,
}

/// The remote-cluster keys and the version each appeared in.
const REMOTE_KEYS: &[(&str, Kind, Version)] = &[
    ("seeds", Kind::Seeds, Version::new(6, 5, 0)),
    ("skip_unavailable", Kind::Bool, Version::new(6, 1, 0)),
    ("transport.ping_schedule", Kind::Time, Version::new(6, 5, 0)),
    ("transport.compress", Kind::Text, Version::new(6, 5, 0)),
    ("mode", Kind::Mode, Version::new(7, 6, 0)),
    ("node_connections", Kind::PositiveInt, Version::new(7, 6, 0)),
    ("proxy_address", Kind::Address, Version::new(7, 6, 0)),
    ("proxy_socket_connections", Kind::PositiveInt, Version::new(7, 6, 0)),
    ("server_name", Kind::Text, Version::new(7, 7, 0)),
];

/// A few ordinary cluster settings, so scripts that set them do not fail on the simulator.
const OTHER_KEYS: &[(&str, Kind)] = &[
    ("cluster.routing.allocation.enable", Kind::Text),
    ("cluster.max_shards_per_node", Kind::PositiveInt),
    ("cluster.remote.connections_per_cluster", Kind::PositiveInt),
    ("cluster.remote.initial_connect_timeout", Kind::Time),
    ("indices.recovery.max_bytes_per_sec", Kind::Text),
    ("ccr.indices.recovery.max_bytes_per_sec", Kind::Text),
    ("ccr.indices.recovery.max_concurrent_file_chunks", Kind::PositiveInt),
    ("action.auto_create_index", Kind::Text),
    ("action.destructive_requires_name", Kind::Bool),
    ("xpack.monitoring.collection.enabled", Kind::Bool),
];

/// Splits `cluster.remote.<alias>.<suffix>` into alias and suffix. Aliases are `[-\w]+`.
pub fn remote_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("cluster.remote.")?;
    let (alias, suffix) = rest.split_once('.')?;
    let valid = !alias.is_empty() && alias.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    valid.then_some((alias, suffix))
}

fn kind_of(key: &str, version: Version) -> Option<&'static Kind> {
    if let Some((_, suffix)) = remote_key(key) {
        return REMOTE_KEYS.iter().find(|(s, _, since)| *s == suffix && version >= *since).map(|(_, k, _)| k);
    }
    if key.starts_with("logger.") {
        return Some(&Kind::Text);
    }
    OTHER_KEYS.iter().find(|(k, _)| *k == key).map(|(_, k)| k)
}

/// Turns a JSON value into a stored setting value, checking it against its kind.
fn convert(key: &str, kind: &Kind, value: &Value) -> SimResult<SettingValue> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Kind::Seeds = kind {
        // Elasticsearch keeps the form given: an array stays an array, a single string (even
        // a comma-separated one) stays a string, and `GET _cluster/settings` returns it so.
        let (seeds, stored) = match value {
            Value::Array(items) => {
                let seeds: Vec<String> = items.iter().map(text).collect();
                (seeds.clone(), SettingValue::List(seeds))
            }
            other => {
                let stored = SettingValue::Text(text(other));
                (stored.as_list(), stored)
            }
        };
        for seed in &seeds {
            parse_port(seed)?;
        }
        return Ok(stored);
    }
    let value = match value {
        Value::Array(_) | Value::Object(_) => {
            return Err(EsException::illegal_argument(format!("Failed to parse value [{value}] for setting [{key}]")));
        }
        other => text(other),
    };
    match kind {
        Kind::Bool if value != "true" && value != "false" => Err(EsException::illegal_argument(format!(
            "Failed to parse value [{value}] as only [true] or [false] are allowed."
        ))),
        Kind::PositiveInt => match value.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(SettingValue::Text(value)),
            Ok(n) => Err(EsException::illegal_argument(format!(
                "Failed to parse value [{n}] for setting [{key}] must be >= 1"
            ))),
            Err(_) => {
                Err(EsException::illegal_argument(format!("Failed to parse value [{value}] for setting [{key}]")))
            }
        },
        Kind::Mode if value != "sniff" && value != "proxy" => Err(EsException::illegal_argument(format!(
            "No enum constant org.elasticsearch.transport.RemoteConnectionStrategy.ConnectionStrategy.{}",
            value.to_uppercase()
        ))),
        Kind::Address if !value.is_empty() => parse_port(&value).map(|_| SettingValue::Text(value)),
        Kind::Time if crate::sim::settings::parse_time(&value).is_none() => Err(EsException::new(
            400,
            "parse_exception",
            format!(
                "failed to parse setting [{key}] with value [{value}] as a time value: unit is missing or unrecognized"
            ),
        )),
        _ => Ok(SettingValue::Text(value)),
    }
}

/// Elasticsearch's own check on a seed or proxy address: a port after the last `:`, above 0.
/// Host names are resolved only when connecting, so `host:99999` passes here.
pub fn parse_port(address: &str) -> SimResult<u32> {
    let Some(colon) = address.rfind(':') else {
        return Err(EsException::illegal_argument(format!(
            "remote hosts need to be configured as [host:port], found [{address}] instead"
        )));
    };
    let port = &address[colon + 1..];
    match port.parse::<i64>() {
        Ok(p) if p > 0 => Ok(p.min(u32::MAX as i64) as u32),
        Ok(p) => Err(EsException::illegal_argument(format!("port number must be > 0 but was: [{p}]"))),
        Err(_) => Err(EsException::illegal_argument("failed to parse port").caused_by(EsException::new(
            400,
            "number_format_exception",
            format!("For input string: \"{port}\""),
        ))),
    }
}

/// A time value such as `30s`, `1m`, `500ms`, `-1`; `None` when unreadable.
pub fn parse_time(value: &str) -> Option<std::time::Duration> {
    if value == "-1" || value == "0" {
        return Some(std::time::Duration::ZERO);
    }
    let split = value.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = value.split_at(split);
    let n: u64 = number.parse().ok()?;
    let factor = match unit {
        "nanos" => return Some(std::time::Duration::from_nanos(n)),
        "micros" => return Some(std::time::Duration::from_micros(n)),
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(factor).map(std::time::Duration::from_millis)
}

/// Applies one block (`persistent` or `transient`) of an update to `target`, returning the
/// echo Elasticsearch sends back (only what was set, never the removals).
pub fn apply(scope: Scope, block: &Value, target: &mut Settings, version: Version) -> SimResult<Settings> {
    if !block.is_object() {
        return Err(EsException::illegal_argument(format!("{} settings must be an object", scope.name())));
    }
    let mut echo = Settings::new();
    for (key, value) in flatten(block) {
        if value.is_null() {
            if let Some(prefix) = key.strip_suffix('*') {
                target.retain(|k, _| !k.starts_with(prefix));
                continue;
            }
            if kind_of(&key, version).is_none() {
                return Err(not_recognized(scope, &key));
            }
            target.remove(&key);
            continue;
        }
        let Some(kind) = kind_of(&key, version) else {
            return Err(not_recognized(scope, &key));
        };
        let stored = convert(&key, kind, &value)?;
        echo.insert(key.clone(), stored.clone());
        target.insert(key, stored);
    }
    Ok(echo)
}

fn not_recognized(scope: Scope, key: &str) -> EsException {
    EsException::illegal_argument(format!("{} setting [{key}], not recognized", scope.name()))
}

/// Cross-key rules on the remote clusters of the settings that result from an update.
pub fn validate_remotes(settings: &Settings, version: Version) -> SimResult<()> {
    let aliases: std::collections::BTreeSet<&str> =
        settings.keys().filter_map(|k| remote_key(k)).map(|(a, _)| a).collect();
    for alias in aliases {
        let get = |suffix: &str| settings.get(&format!("cluster.remote.{alias}.{suffix}"));
        let mode = get("mode").and_then(SettingValue::as_text).unwrap_or("sniff");
        let (required_for_other, this_mode_upper) = if mode == "proxy" {
            (&["seeds", "node_connections"][..], "PROXY")
        } else {
            (&["proxy_address", "proxy_socket_connections", "server_name"][..], "SNIFF")
        };
        for suffix in required_for_other {
            if get(suffix).is_some() {
                let required = if this_mode_upper == "PROXY" { "SNIFF" } else { "PROXY" };
                return Err(EsException::illegal_argument(format!(
                    "Setting \"cluster.remote.{alias}.{suffix}\" cannot be used with the configured \"cluster.remote.{alias}.mode\" [required={required}, configured={this_mode_upper}]"
                )));
            }
        }
        let enabled = if mode == "proxy" {
            get("proxy_address").and_then(SettingValue::as_text).is_some_and(|a| !a.is_empty())
        } else {
            get("seeds").is_some_and(|s| !s.as_list().is_empty())
        };
        for suffix in ["skip_unavailable", "transport.ping_schedule", "transport.compress"] {
            if get(suffix).is_some() && !enabled {
                let key = format!("cluster.remote.{alias}.{suffix}");
                return Err(EsException::illegal_argument(if version >= Version::new(7, 6, 0) {
                    format!("Cannot configure setting [{key}] if remote cluster is not enabled.")
                } else {
                    format!("missing required setting [cluster.remote.{alias}.seeds] for setting [{key}]")
                }));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V8: Version = Version::new(8, 15, 0);

    fn put(block: Value, settings: &mut Settings) -> SimResult<Settings> {
        apply(Scope::Persistent, &block, settings, V8)
    }

    #[test]
    fn nested_and_flat_bodies_store_the_same_strings() {
        let mut a = Settings::new();
        put(json!({"cluster":{"remote":{"x":{"seeds":["h:9300"],"skip_unavailable":true}}}}), &mut a).unwrap();
        let mut b = Settings::new();
        put(json!({"cluster.remote.x.seeds":["h:9300"],"cluster.remote.x.skip_unavailable":"true"}), &mut b).unwrap();
        assert_eq!(a, b);
        // A list setting given as one string keeps that form, as Elasticsearch stores it.
        let mut c = Settings::new();
        put(json!({"cluster.remote.x.seeds":"h:9300"}), &mut c).unwrap();
        assert_eq!(render(&c, true), json!({"cluster.remote.x.seeds":"h:9300"}));
        assert_eq!(
            render(&a, false),
            json!({"cluster":{"remote":{"x":{"seeds":["h:9300"],"skip_unavailable":"true"}}}})
        );
    }

    #[test]
    fn null_and_wildcard_null_remove() {
        let mut s = Settings::new();
        put(json!({"cluster.remote.x.seeds":["h:1"],"cluster.remote.x.skip_unavailable":true}), &mut s).unwrap();
        put(json!({"cluster.remote.x.*":null}), &mut s).unwrap();
        assert!(s.is_empty());
    }

    #[test]
    fn refuses_what_elasticsearch_refuses() {
        let mut s = Settings::new();
        let reason = |r: SimResult<Settings>| r.unwrap_err().reason;
        assert_eq!(reason(put(json!({"foo":1}), &mut s)), "persistent setting [foo], not recognized");
        assert_eq!(
            reason(put(json!({"cluster.remote.x.seeds":["foo"]}), &mut s)),
            "remote hosts need to be configured as [host:port], found [foo] instead"
        );
        assert_eq!(
            reason(put(json!({"cluster.remote.x.seeds":["foo:0"]}), &mut s)),
            "port number must be > 0 but was: [0]"
        );
        assert_eq!(reason(put(json!({"cluster.remote.x.seeds":["foo:ab"]}), &mut s)), "failed to parse port");
        assert_eq!(
            reason(put(json!({"cluster.remote.a@b.seeds":["h:1"]}), &mut s)),
            "persistent setting [cluster.remote.a@b.seeds], not recognized"
        );
        assert!(s.is_empty());
        let old = apply(Scope::Persistent, &json!({"cluster.remote.x.mode":"proxy"}), &mut s, Version::new(7, 5, 0));
        assert_eq!(old.unwrap_err().reason, "persistent setting [cluster.remote.x.mode], not recognized");
    }

    #[test]
    fn mode_rules_apply_to_the_result() {
        let mut s = Settings::new();
        put(json!({"cluster.remote.x.mode":"proxy","cluster.remote.x.seeds":["h:1"]}), &mut s).unwrap();
        let err = validate_remotes(&s, V8).unwrap_err();
        assert!(err.reason.contains("[required=SNIFF, configured=PROXY]"), "{}", err.reason);
        let mut s = Settings::new();
        put(json!({"cluster.remote.x.skip_unavailable":true}), &mut s).unwrap();
        assert_eq!(
            validate_remotes(&s, V8).unwrap_err().reason,
            "Cannot configure setting [cluster.remote.x.skip_unavailable] if remote cluster is not enabled."
        );
    }
}
