//! A remote cluster as the user defines it, and the `PUT _cluster/settings` bodies that add,
//! change and remove it.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use super::address::SeedAddress;
use crate::es::{Capabilities, ClusterSettings, ClusterSettingsUpdate};

/// The largest connection count Elasticsearch accepts (a Java `int`).
pub const MAX_CONNECTIONS: u32 = i32::MAX as u32;

/// The longest remote cluster alias the panel accepts, in bytes. Elasticsearch names no limit
/// of its own for the alias (a `[-\w]+` key part of `cluster.remote.<alias>.*`), but the alias
/// prefixes index names in `alias:index` expressions, and 255 bytes is what Elasticsearch
/// allows for an index name: nobody means more.
pub const MAX_NAME_BYTES: usize = 255;

/// A remote cluster alias: letters, digits, `_` and `-` (Elasticsearch's `[-\w]+`), at most
/// [`MAX_NAME_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RemoteClusterName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name is required")]
    Empty,
    #[error("spaces are not allowed")]
    Spaces,
    /// The characters that are not allowed (other than spaces), each once, in order of
    /// appearance, at most [`NameError::MAX_SHOWN`] of them.
    #[error("characters not allowed: {0}")]
    Characters(String),
    /// Longer than [`MAX_NAME_BYTES`]; holds the length in bytes.
    #[error("longer than {MAX_NAME_BYTES} bytes")]
    TooLong(usize),
}

impl NameError {
    /// How many distinct bad characters a message names (a hostile name could hold thousands).
    pub const MAX_SHOWN: usize = 20;

    /// Every kind of problem (with placeholder data), for the catalog test.
    pub const ALL: [NameError; 4] =
        [NameError::Empty, NameError::Spaces, NameError::Characters(String::new()), NameError::TooLong(0)];

    pub fn key(&self) -> &'static str {
        match self {
            NameError::Empty => "remote-name-empty",
            NameError::Spaces => "remote-name-spaces",
            NameError::Characters(_) => "remote-name-characters",
            NameError::TooLong(_) => "remote-name-too-long",
        }
    }
}

impl RemoteClusterName {
    /// Every problem of `text` as a name, in one linear pass (empty when it is a valid name).
    pub fn problems(text: &str) -> Vec<NameError> {
        let text = text.trim();
        if text.is_empty() {
            return vec![NameError::Empty];
        }
        let mut problems = Vec::new();
        if text.chars().any(char::is_whitespace) {
            problems.push(NameError::Spaces);
        }
        let mut bad = String::new();
        let mut seen = std::collections::HashSet::new();
        for c in text.chars().filter(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || c.is_whitespace())) {
            if seen.len() < NameError::MAX_SHOWN && seen.insert(c) {
                bad.push(c);
            }
        }
        if !bad.is_empty() {
            problems.push(NameError::Characters(bad));
        }
        if text.len() > MAX_NAME_BYTES {
            problems.push(NameError::TooLong(text.len()));
        }
        problems
    }
}

impl FromStr for RemoteClusterName {
    type Err = NameError;

    /// The name, or its first problem (see [`RemoteClusterName::problems`] for all of them).
    fn from_str(text: &str) -> Result<RemoteClusterName, NameError> {
        match RemoteClusterName::problems(text).into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(RemoteClusterName(text.trim().to_owned())),
        }
    }
}

impl RemoteClusterName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RemoteClusterName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How to connect, with only the fields that mode has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionSpec {
    Sniff { seeds: Vec<SeedAddress>, node_connections: Option<u32> },
    Proxy { address: SeedAddress, server_name: Option<String>, socket_connections: Option<u32> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteClusterSpec {
    pub name: RemoteClusterName,
    pub connection: ConnectionSpec,
    pub skip_unavailable: bool,
}

const SNIFF_KEYS: [&str; 2] = ["seeds", "node_connections"];
const PROXY_KEYS: [&str; 3] = ["proxy_address", "proxy_socket_connections", "server_name"];

impl RemoteClusterSpec {
    fn key(&self, suffix: &str) -> String {
        format!("cluster.remote.{}.{suffix}", self.name)
    }

    /// The settings that define this remote. For an edit (`replacing`), every key of the other
    /// mode and every optional key left empty is set to `null` in the same request, so
    /// Elasticsearch never sees a mix of modes.
    pub fn settings_update(&self, caps: Capabilities, replacing: bool) -> ClusterSettingsUpdate {
        let mut persistent = std::collections::BTreeMap::new();
        let optional = |value: Option<Value>| value.or(replacing.then_some(Value::Null));
        let mut put = |suffix: &str, value: Option<Value>| {
            if let Some(value) = value {
                persistent.insert(self.key(suffix), value);
            }
        };
        match &self.connection {
            ConnectionSpec::Sniff { seeds, node_connections } => {
                if caps.proxy_mode() {
                    put("mode", Some(json!("sniff")));
                    put("node_connections", optional(node_connections.map(|n| json!(n))));
                    if replacing {
                        for suffix in PROXY_KEYS.iter().filter(|k| **k != "server_name" || caps.proxy_server_name()) {
                            put(suffix, Some(Value::Null));
                        }
                    }
                }
                put("seeds", Some(json!(seeds.iter().map(ToString::to_string).collect::<Vec<_>>())));
            }
            ConnectionSpec::Proxy { address, server_name, socket_connections } => {
                put("mode", Some(json!("proxy")));
                put("proxy_address", Some(json!(address.to_string())));
                put("proxy_socket_connections", optional(socket_connections.map(|n| json!(n))));
                if caps.proxy_server_name() {
                    put("server_name", optional(server_name.as_ref().map(|s| json!(s))));
                }
                if replacing {
                    for suffix in SNIFF_KEYS {
                        put(suffix, Some(Value::Null));
                    }
                }
            }
        }
        put("skip_unavailable", Some(json!(self.skip_unavailable)));
        ClusterSettingsUpdate { persistent, transient: Default::default() }
    }
}

/// The request that removes a remote: `null` for each of its keys, in the block (persistent,
/// transient, or both) that defines it. Only keys that exist are named, so no key unknown to
/// an older version is ever sent.
pub fn removal_update(name: &str, settings: &ClusterSettings) -> ClusterSettingsUpdate {
    let prefix = format!("cluster.remote.{name}.");
    let nulls = |block: &std::collections::BTreeMap<String, Value>| {
        block.keys().filter(|k| k.starts_with(&prefix)).map(|k| (k.clone(), Value::Null)).collect()
    };
    ClusterSettingsUpdate { persistent: nulls(&settings.persistent), transient: nulls(&settings.transient) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::es::Version;

    fn caps(version: &str) -> Capabilities {
        Capabilities::new(version.parse::<Version>().unwrap())
    }

    fn spec(connection: ConnectionSpec) -> RemoteClusterSpec {
        RemoteClusterSpec { name: "leader".parse().unwrap(), connection, skip_unavailable: true }
    }

    #[test]
    fn names_follow_elasticsearch_rules() {
        assert!("leader_1-b".parse::<RemoteClusterName>().is_ok());
        assert_eq!("".parse::<RemoteClusterName>(), Err(NameError::Empty));
        assert_eq!("a b".parse::<RemoteClusterName>(), Err(NameError::Spaces));
        assert_eq!("a.b@c.d".parse::<RemoteClusterName>(), Err(NameError::Characters(".@".into())));
        assert_eq!(
            RemoteClusterName::problems("my leader!"),
            [NameError::Spaces, NameError::Characters("!".into())],
            "every problem, not only the first"
        );
        assert!("a".repeat(MAX_NAME_BYTES).parse::<RemoteClusterName>().is_ok());
        assert_eq!("a".repeat(300).parse::<RemoteClusterName>(), Err(NameError::TooLong(300)));
    }

    #[test]
    fn a_new_sniff_remote_sets_only_its_keys() {
        let seeds = vec!["10.0.0.1:9300".parse().unwrap(), "10.0.0.2:9300".parse().unwrap()];
        let update =
            spec(ConnectionSpec::Sniff { seeds, node_connections: None }).settings_update(caps("8.15.0"), false);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"persistent": {
                "cluster.remote.leader.mode": "sniff",
                "cluster.remote.leader.seeds": ["10.0.0.1:9300", "10.0.0.2:9300"],
                "cluster.remote.leader.skip_unavailable": true,
            }})
        );
    }

    #[test]
    fn before_7_6_there_is_no_mode_key() {
        let seeds = vec!["h:9300".parse().unwrap()];
        let update =
            spec(ConnectionSpec::Sniff { seeds, node_connections: Some(5) }).settings_update(caps("7.5.2"), true);
        let keys: Vec<&String> = update.persistent.keys().collect();
        assert_eq!(keys, ["cluster.remote.leader.seeds", "cluster.remote.leader.skip_unavailable"]);
    }

    #[test]
    fn switching_to_proxy_nulls_the_sniff_keys() {
        let connection = ConnectionSpec::Proxy {
            address: "lb:9400".parse().unwrap(),
            server_name: None,
            socket_connections: Some(9),
        };
        let update = spec(connection).settings_update(caps("8.15.0"), true);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"persistent": {
                "cluster.remote.leader.mode": "proxy",
                "cluster.remote.leader.proxy_address": "lb:9400",
                "cluster.remote.leader.proxy_socket_connections": 9,
                "cluster.remote.leader.server_name": null,
                "cluster.remote.leader.seeds": null,
                "cluster.remote.leader.node_connections": null,
                "cluster.remote.leader.skip_unavailable": true,
            }})
        );
    }

    #[test]
    fn removal_names_the_existing_keys_in_their_block() {
        let settings = ClusterSettings {
            persistent: [
                ("cluster.remote.leader.seeds".to_owned(), json!(["h:1"])),
                ("cluster.remote.other.seeds".to_owned(), json!(["h:2"])),
            ]
            .into(),
            transient: [("cluster.remote.leader.skip_unavailable".to_owned(), json!("true"))].into(),
            defaults: Default::default(),
        };
        let update = removal_update("leader", &settings);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"persistent": {"cluster.remote.leader.seeds": null}, "transient": {"cluster.remote.leader.skip_unavailable": null}})
        );
    }
}
