//! Checking the remote cluster form: every field, before anything is sent, with messages of
//! three weights (errors block, warnings block once until confirmed, notes never block).

use std::collections::BTreeMap;

use super::form::RemoteForm;
use crate::ccr::remote_clusters::address::SeedAddress;
use crate::ccr::remote_clusters::spec::{
    ConnectionSpec, MAX_CONNECTIONS, NameError, RemoteClusterName, RemoteClusterSpec,
};
use crate::es::Capabilities;
use crate::i18n::Tr;

/// Messages by field name, already in the user's language.
#[derive(Debug, Default)]
pub struct FieldMessages(BTreeMap<&'static str, Vec<String>>);

impl FieldMessages {
    fn add(&mut self, field: &'static str, message: String) {
        self.0.entry(field).or_default().push(message);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn on(&self, field: &str) -> Vec<String> {
        self.0.get(field).cloned().unwrap_or_default()
    }

    /// Every message, field by field.
    pub fn all(&self) -> Vec<String> {
        self.0.values().flatten().cloned().collect()
    }

    /// A short stable digest of the messages, so a confirmation can say which ones it saw.
    pub fn fingerprint(&self) -> String {
        use std::hash::{Hash, Hasher};
        // `DefaultHasher::new()` uses fixed keys: the same messages give the same digest in
        // every panel instance of this build.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.0.hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    }
}

/// The outcome of checking a form: the spec when valid, and messages of three weights.
#[derive(Debug, Default)]
pub struct Checked {
    pub spec: Option<RemoteClusterSpec>,
    /// Block saving.
    pub errors: FieldMessages,
    /// Block saving once, until the user confirms ("Save anyway").
    pub warnings: FieldMessages,
    /// Never block.
    pub notes: FieldMessages,
}

fn parse_count(text: &str, field: &'static str, tr: &Tr, errors: &mut FieldMessages) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<u64>() {
        Ok(n) if (1..=u64::from(MAX_CONNECTIONS)).contains(&n) => Some(n as u32),
        _ => {
            errors.add(field, tr.t1("remote-number-invalid", "max", &MAX_CONNECTIONS.to_string()));
            None
        }
    }
}

/// Checks every field. `taken` holds the names already in use (from `_remote/info`, so
/// remotes from `elasticsearch.yml` clash too); `http_ports` the ports the local cluster
/// serves HTTP on.
pub fn check(
    form: &RemoteForm,
    tr: &Tr,
    caps: Capabilities,
    taken: &[String],
    http_ports: &[u16],
    editing: bool,
) -> Checked {
    let mut checked = Checked::default();
    let name = match form.name.parse::<RemoteClusterName>() {
        Ok(name) if !editing && taken.iter().any(|t| t == name.as_str()) => {
            checked.errors.add("name", tr.t("remote-name-taken"));
            None
        }
        // `/remote-clusters/new` and `/remote-clusters/delete` are the panel's own pages.
        Ok(name) if !editing && matches!(name.as_str(), "new" | "delete") => {
            checked.errors.add("name", tr.t1("remote-name-reserved", "name", name.as_str()));
            None
        }
        Ok(name) => Some(name),
        Err(error) => {
            let chars = match &error {
                NameError::Characters(c) => c.chars().map(String::from).collect::<Vec<_>>().join(" "),
                _ => String::new(),
            };
            checked.errors.add("name", tr.t1(error.key(), "characters", &chars));
            None
        }
    };
    let warn_port = |address: &SeedAddress, field: &'static str, checked: &mut Checked| {
        if address.port == 9200 || http_ports.contains(&address.port) {
            checked.warnings.add(field, tr.t1("remote-warn-http-port", "address", &address.to_string()));
        }
        if address.port == SeedAddress::REMOTE_CLUSTER_PORT && caps.remote_cluster_api_keys() {
            checked.notes.add(field, tr.t1("remote-note-api-key-port", "name", form.name.trim()));
        }
    };
    let connection = if form.is_proxy() {
        if !caps.proxy_mode() {
            checked.errors.add("mode", tr.t("remote-proxy-unsupported"));
        }
        let address = match form.proxy_address.parse::<SeedAddress>() {
            Ok(address) => {
                warn_port(&address, "proxy_address", &mut checked);
                Some(address)
            }
            Err(error) => {
                checked.errors.add("proxy_address", tr.t(error.key()));
                None
            }
        };
        let socket_connections =
            parse_count(&form.proxy_socket_connections, "proxy_socket_connections", tr, &mut checked.errors);
        let server_name = Some(form.server_name.trim().to_owned()).filter(|s| !s.is_empty());
        address.map(|address| ConnectionSpec::Proxy { address, server_name, socket_connections })
    } else {
        let mut seeds: Vec<SeedAddress> = Vec::new();
        let entries: Vec<&str> = form.seeds.split(['\n', ',']).map(str::trim).filter(|s| !s.is_empty()).collect();
        if entries.is_empty() {
            checked.errors.add("seeds", tr.t("remote-seeds-required"));
        }
        for entry in entries {
            match entry.parse::<SeedAddress>() {
                Ok(seed) if seeds.contains(&seed) => {
                    checked.errors.add("seeds", tr.t1("remote-seed-duplicate", "address", entry))
                }
                Ok(seed) => {
                    warn_port(&seed, "seeds", &mut checked);
                    seeds.push(seed);
                }
                Err(error) => checked.errors.add("seeds", format!("{entry}: {}", tr.t(error.key()))),
            }
        }
        if seeds.len() == 1 {
            checked.notes.add("seeds", tr.t("remote-note-single-seed"));
        }
        let node_connections = parse_count(&form.node_connections, "node_connections", tr, &mut checked.errors);
        (!seeds.is_empty()).then_some(ConnectionSpec::Sniff { seeds, node_connections })
    };
    if checked.errors.is_empty()
        && let (Some(name), Some(connection)) = (name, connection)
    {
        checked.spec = Some(RemoteClusterSpec { name, connection, skip_unavailable: form.skip() });
    }
    checked
}
