//! Checking the remote cluster form: every field, before anything is sent, with messages of
//! three weights (errors block, warnings block once until confirmed, notes never block).
//! Messages stay catalog keys with arguments until a template renders them in the reader's
//! language.

use std::collections::{BTreeMap, HashSet};

use super::form::RemoteForm;
use crate::ccr::remote_clusters::address::{self, Host, MAX_HOST_NAME, MAX_LABEL, SeedAddress};
use crate::ccr::remote_clusters::spec::{
    ConnectionSpec, MAX_CONNECTIONS, MAX_NAME_BYTES, NameError, RemoteClusterName, RemoteClusterSpec,
};
use crate::es::Capabilities;
use crate::i18n::{Message, Tr};

/// Messages by field name, untranslated.
#[derive(Debug, Default)]
pub struct FieldMessages(BTreeMap<&'static str, Vec<Message>>);

impl FieldMessages {
    fn add(&mut self, field: &'static str, message: Message) {
        self.0.entry(field).or_default().push(message);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn clear(&mut self, field: &str) {
        self.0.remove(field);
    }
    pub fn on(&self, field: &str) -> &[Message] {
        self.0.get(field).map(Vec::as_slice).unwrap_or_default()
    }

    /// The messages on `field` in `tr`'s language.
    pub fn rendered(&self, field: &str, tr: &Tr) -> Vec<String> {
        self.on(field).iter().map(|m| m.render(tr)).collect()
    }

    /// A short stable digest of the messages (keys and arguments, so the same in every
    /// language), so a confirmation can say which ones it saw.
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

fn parse_count(text: &str, field: &'static str, errors: &mut FieldMessages) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // A Java int has at most 10 digits: longer text is refused without parsing it.
    let parsed = if text.len() <= 10 { text.parse::<u64>().ok() } else { None };
    match parsed {
        Some(n) if (1..=u64::from(MAX_CONNECTIONS)).contains(&n) => Some(n as u32),
        _ => {
            errors.add(field, Message::new("remote-number-invalid").arg("max", MAX_CONNECTIONS.to_string()));
            None
        }
    }
}

/// The most seed nodes a remote may list. Elasticsearch sets no number, but it connects to a
/// few gateway nodes (3 by default) and only needs seeds to find them; nobody means hundreds.
pub const MAX_SEEDS: usize = 200;

/// How much of a refused entry a message quotes (the entry itself may be a megabyte).
const QUOTED: usize = 60;

/// `text`, cut to [`QUOTED`] characters with an ellipsis, and without control characters.
fn quote(text: &str) -> String {
    let mut quoted: String = text.chars().take(QUOTED).map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
    if text.chars().nth(QUOTED).is_some() {
        quoted.push('…');
    }
    quoted
}

fn loopback(host: &Host) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Name(name) => name == "localhost",
    }
}

/// Whether `address` looks like an HTTP endpoint rather than a transport one: a port in
/// Elasticsearch's default HTTP range (9200–9299), or exactly one of `http_endpoints` (the
/// HTTP addresses of the configured clusters and of the local nodes).
pub fn looks_like_http(address: &SeedAddress, http_endpoints: &[SeedAddress]) -> bool {
    (9200..=9299).contains(&address.port)
        || http_endpoints.iter().any(|endpoint| {
            endpoint.port == address.port
                && (endpoint.host == address.host || (loopback(&endpoint.host) && loopback(&address.host)))
        })
}

/// Checks every field, in time linear in the input and bounded by the caps. `taken` holds the
/// names already in use (from `_remote/info`, so remotes from `elasticsearch.yml` clash too);
/// `http_endpoints` the HTTP addresses the panel knows (see [`looks_like_http`]).
pub fn check(
    form: &RemoteForm,
    caps: Capabilities,
    taken: &[String],
    http_endpoints: &[SeedAddress],
    editing: bool,
) -> Checked {
    let mut checked = Checked::default();
    let name = if let Ok(name) = form.name.parse::<RemoteClusterName>() {
        if !editing && taken.iter().any(|t| t == name.as_str()) {
            checked.errors.add("name", Message::new("remote-name-taken"));
            None
        } else if !editing && matches!(name.as_str(), "new" | "delete") {
            // `/remote-clusters/new` and `/remote-clusters/delete` are the panel's own pages.
            checked.errors.add("name", Message::new("remote-name-reserved").arg("name", name.as_str()));
            None
        } else {
            Some(name)
        }
    } else {
        for problem in RemoteClusterName::problems(&form.name) {
            let message = match &problem {
                NameError::Characters(c) => {
                    let chars = c.chars().map(|c| quote(&c.to_string())).collect::<Vec<_>>().join(" ");
                    Message::new(problem.key()).arg("characters", chars)
                }
                NameError::TooLong(bytes) => {
                    Message::new(problem.key()).arg("max", MAX_NAME_BYTES.to_string()).arg("length", bytes.to_string())
                }
                _ => Message::new(problem.key()),
            };
            checked.errors.add("name", message);
        }
        None
    };
    let shown_name = quote(form.name.trim());
    let warn_port = |address: &SeedAddress, field: &'static str, checked: &mut Checked| {
        if looks_like_http(address, http_endpoints) {
            checked.warnings.add(field, Message::new("remote-warn-http-port").arg("address", address.to_string()));
        }
        if address.port == SeedAddress::REMOTE_CLUSTER_PORT && caps.remote_cluster_api_keys() {
            checked.notes.add(field, Message::new("remote-note-api-key-port").arg("name", shown_name.as_str()));
        }
    };
    let connection = if form.is_proxy() {
        if !caps.proxy_mode() {
            checked.errors.add("mode", Message::new("remote-proxy-unsupported"));
        }
        let address = match form.proxy_address.parse::<SeedAddress>() {
            Ok(address) => {
                warn_port(&address, "proxy_address", &mut checked);
                Some(address)
            }
            Err(error) => {
                checked.errors.add("proxy_address", Message::new(error.key()));
                None
            }
        };
        let socket_connections =
            parse_count(&form.proxy_socket_connections, "proxy_socket_connections", &mut checked.errors);
        // Sent as the TLS SNI host name: a DNS host name, nothing else.
        let server_name = Some(form.server_name.trim()).filter(|s| !s.is_empty());
        if let Some(server_name) = server_name
            && !address::valid_host_name(server_name)
        {
            checked.errors.add(
                "server_name",
                Message::new("remote-server-name-invalid")
                    .arg("max", MAX_HOST_NAME.to_string())
                    .arg("label", MAX_LABEL.to_string()),
            );
        }
        let server_name = server_name.map(|s| s.to_ascii_lowercase());
        address.map(|address| ConnectionSpec::Proxy { address, server_name, socket_connections })
    } else {
        let mut seeds: Vec<SeedAddress> = Vec::new();
        let mut seen: HashSet<SeedAddress> = HashSet::new();
        let mut count = 0;
        // Lazily split: past the cap nothing more is read.
        for entry in form.seeds.split(['\n', ',']).map(str::trim).filter(|s| !s.is_empty()) {
            count += 1;
            if count > MAX_SEEDS {
                checked.errors.add("seeds", Message::new("remote-seeds-too-many").arg("max", MAX_SEEDS.to_string()));
                break;
            }
            match entry.parse::<SeedAddress>() {
                Ok(seed) if seen.contains(&seed) => {
                    checked.errors.add("seeds", Message::new("remote-seed-duplicate").arg("address", seed.to_string()))
                }
                Ok(seed) => {
                    warn_port(&seed, "seeds", &mut checked);
                    seen.insert(seed.clone());
                    seeds.push(seed);
                }
                Err(error) => checked.errors.add(
                    "seeds",
                    Message::new("remote-seed-invalid").arg("address", quote(entry)).arg_key("reason", error.key()),
                ),
            }
        }
        if count == 0 {
            checked.errors.add("seeds", Message::new("remote-seeds-required"));
        }
        if seeds.len() == 1 && count == 1 {
            checked.notes.add("seeds", Message::new("remote-note-single-seed"));
        }
        let node_connections = parse_count(&form.node_connections, "node_connections", &mut checked.errors);
        (!seeds.is_empty()).then_some(ConnectionSpec::Sniff { seeds, node_connections })
    };
    if checked.errors.is_empty()
        && let (Some(name), Some(connection)) = (name, connection)
    {
        checked.spec = Some(RemoteClusterSpec { name, connection, skip_unavailable: form.skip() });
    }
    checked
}
