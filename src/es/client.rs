//! The typed Elasticsearch client: one method per API the panel uses. Here the client itself
//! (sending, shared reads, decoding) and the cluster and security calls; the calls on indices
//! and documents, on replication and the doctor's own are in `indices`, `replication` and
//! `diagnostics`.

use std::collections::BTreeMap;
use std::sync::Arc;

use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::capabilities::{Capabilities, Version};
use super::error::EsError;
use super::model::*;
use super::routes::{self, Route};
use super::transport::{Answer, Auth, ConfigError, EsConfig, Outgoing, Transport, snippet};

/// A client for one cluster. Cheap to clone; clones share connections and the cached version.
#[derive(Clone)]
pub struct EsClient {
    transport: Arc<Transport>,
    /// Read once: a cluster's version does not change under a running panel often enough to
    /// pay a request per page for it.
    root: Arc<OnceCell<RootInfo>>,
    auth: Option<Auth>,
    /// Counts the requests sent through this client and its clones (see [`EsClient::counted`]).
    sent: Option<Arc<std::sync::atomic::AtomicU64>>,
    /// Whole-list reads under way, shared by identical ones (see [`EsClient::get_shared`]).
    in_flight: Arc<std::sync::Mutex<std::collections::HashMap<String, Flight>>>,
}

/// One read under way; every caller that asked the same gets its answer.
type Flight = Arc<OnceCell<Result<Arc<Answer>, EsError>>>;

impl std::fmt::Debug for EsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsClient").field("urls", &self.urls()).field("auth", &self.auth).finish()
    }
}

impl EsClient {
    pub fn new(config: EsConfig) -> Result<EsClient, ConfigError> {
        Ok(EsClient {
            transport: Transport::new(&config)?,
            root: Arc::default(),
            auth: config.auth,
            sent: None,
            in_flight: Arc::default(),
        })
    }

    /// The same cluster, called with someone else's credentials (the signed-in user's).
    pub fn with_auth(&self, auth: Option<Auth>) -> EsClient {
        EsClient { auth, ..self.clone() }
    }

    /// The same client, counting every request it (and its clones) sends in `sent`: the
    /// metrics report what they cost Elasticsearch.
    pub fn counted(&self, sent: Arc<std::sync::atomic::AtomicU64>) -> EsClient {
        EsClient { sent: Some(sent), ..self.clone() }
    }

    /// The node URLs this client tries, for error pages ("what was tried").
    pub fn urls(&self) -> Vec<String> {
        self.transport.urls().iter().map(|u| u.to_string()).collect()
    }

    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, EsError> {
        let answer = self.send(route, parts, query, body).await?;
        decode(route, &answer)
    }

    pub(super) async fn send(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<Answer, EsError> {
        // URL normalisation would turn `/../_ccr/follow` into `/_ccr/follow`, another API.
        if let Some(part) = parts.iter().find(|p| p.is_empty() || **p == "." || **p == "..") {
            return Err(EsError::InvalidName { name: (*part).to_owned(), reason: "not a valid name in a URL path" });
        }
        if let Some(sent) = &self.sent {
            sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.transport.send(self.auth.as_ref(), &Outgoing::new(route, route.fill(parts), query, body)).await
    }

    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, EsError> {
        self.call(route, parts, query, None::<&Value>).await
    }

    /// A digest of the credentials this client calls with (empty for none): a key for what
    /// may be shared only among callers with the same rights, holding no secret.
    pub fn credentials_digest(&self) -> String {
        match &self.auth {
            None => String::new(),
            Some(Auth::Basic { username, password }) => {
                credential_digest(&[username.as_bytes(), password.expose_secret().as_bytes()])
            }
            Some(Auth::ApiKey(key)) => credential_digest(&[key.expose_secret().as_bytes()]),
        }
    }

    /// A read of a whole list (every follower, every pattern) that may be thousands of entries
    /// long: when the same read with the same credentials is already under way, its answer is
    /// shared instead of asking again. Many people (or one page open in many tabs) refreshing
    /// the same list then cost the cluster, and the panel's memory, one answer at a time
    /// rather than one each. Nothing is kept once the read is done: the next one asks afresh.
    pub(super) async fn get_shared<T: DeserializeOwned>(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, EsError> {
        decode(route, &*self.get_shared_answer(route, parts, query).await?)
    }

    /// [`Self::get_shared`]'s answer, undecoded (to be read borrowed).
    pub(super) async fn get_shared_answer(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Arc<Answer>, EsError> {
        self.get_shared_answer_among(route, parts, query, "").await
    }

    /// [`Self::get_shared_answer`], shared only among the callers that name the same `group`
    /// (a read that must not be older than something each of them saw first).
    pub(super) async fn get_shared_answer_among(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
        group: &str,
    ) -> Result<Arc<Answer>, EsError> {
        // Keyed by the credentials too: a read is only shared with callers who could make it.
        let who = self.credentials_digest();
        let key = format!("{who} {} {query:?} {group}", route.fill(parts));
        let flight = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            in_flight.entry(key.clone()).or_default().clone()
        };
        flight
            .get_or_init(|| async {
                let answer = self.send(route, parts, query, None::<&Value>).await.map(Arc::new);
                // Later callers ask afresh; those already waiting share this answer.
                self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
                answer
            })
            .await
            .clone()
    }

    // --- cluster -------------------------------------------------------------------------

    /// `GET /`, fetched fresh (also the probe behind `/readyz`).
    pub async fn fetch_root(&self) -> Result<RootInfo, EsError> {
        let answer = self.send(&routes::INFO, &[], &[], None::<&Value>).await?;
        let root: RootInfo = serde_json::from_slice(&answer.body).map_err(|_| EsError::NotElasticsearch {
            url: answer.url.clone(),
            detail: format!("GET / did not answer with Elasticsearch's name and version: {}", snippet(&answer.body)),
        })?;
        Ok(root)
    }

    /// `GET /`, read once and kept.
    pub async fn root(&self) -> Result<&RootInfo, EsError> {
        self.root.get_or_try_init(|| self.fetch_root()).await
    }

    pub async fn version(&self) -> Result<Version, EsError> {
        let root = self.root().await?;
        root.version.number.parse().map_err(|_| EsError::NotElasticsearch {
            url: self.urls().join(", "),
            detail: format!("unreadable version number {:?}", root.version.number),
        })
    }

    pub async fn capabilities(&self) -> Result<Capabilities, EsError> {
        Ok(Capabilities::new(self.version().await?))
    }

    pub async fn license(&self) -> Result<License, EsError> {
        Ok(self.get::<LicenseResponse>(&routes::LICENSE_GET, &[], &[]).await?.license)
    }

    pub async fn start_trial(&self) -> Result<StartTrialResponse, EsError> {
        self.call(&routes::LICENSE_START_TRIAL, &[], &[("acknowledge", "true")], None::<&Value>).await
    }

    pub async fn health(&self) -> Result<ClusterHealth, EsError> {
        self.get(&routes::CLUSTER_HEALTH, &[], &[]).await
    }

    /// Which cluster state the elected master holds (`GET /_cluster/state/version`): a few
    /// hundred bytes, whatever the size of the cluster.
    pub async fn cluster_state_stamp(&self) -> Result<ClusterStateStamp, EsError> {
        self.get(&routes::CLUSTER_STATE, &["version"], &[]).await
    }

    /// Persistent and transient cluster settings, with dotted keys.
    pub async fn cluster_settings(&self) -> Result<ClusterSettings, EsError> {
        self.get(&routes::CLUSTER_GET_SETTINGS, &[], &[("flat_settings", "true")]).await
    }

    pub async fn put_cluster_settings(
        &self,
        update: &ClusterSettingsUpdate,
    ) -> Result<ClusterSettingsUpdated, EsError> {
        self.call(&routes::CLUSTER_PUT_SETTINGS, &[], &[("flat_settings", "true")], Some(update)).await
    }

    pub async fn remote_info(&self) -> Result<BTreeMap<String, RemoteInfo>, EsError> {
        self.get(&routes::REMOTE_INFO, &[], &[]).await
    }

    pub async fn resolve_index(&self, expression: &str) -> Result<ResolvedIndices, EsError> {
        self.get(&routes::RESOLVE_INDEX, &[expression], &[]).await
    }

    /// `_resolve/cluster` forces a connection attempt to each remote named in `expression`
    /// (8.13+); `timeout` bounds it (8.19+/9.1+, see [`Capabilities`]).
    pub async fn resolve_cluster(
        &self,
        expression: &str,
        timeout: Option<&str>,
    ) -> Result<BTreeMap<String, ResolvedCluster>, EsError> {
        let query: Vec<(&str, &str)> = timeout.map(|t| ("timeout", t)).into_iter().collect();
        // Before 8.19 the API takes no timeout, and a remote whose packets are dropped can
        // hold the answer for Elasticsearch's whole connect timeout: bound the wait here, so
        // a page falls back to `_remote/info` instead of hanging.
        let path = routes::RESOLVE_CLUSTER.fill(&[expression]);
        let mut outgoing = Outgoing::new(&routes::RESOLVE_CLUSTER, path, &query, None::<&Value>);
        outgoing.timeout = Some(RESOLVE_CLUSTER_WAIT.min(self.transport.timeout()));
        let answer = self.transport.send(self.auth.as_ref(), &outgoing).await?;
        decode(&routes::RESOLVE_CLUSTER, &answer)
    }

    pub async fn nodes(&self) -> Result<NodesInfo, EsError> {
        self.get(&routes::NODES_INFO, &[], &[]).await
    }

    pub async fn cat_nodes(&self) -> Result<Vec<CatNode>, EsError> {
        self.get(&routes::CAT_NODES, &[], &[("format", "json")]).await
    }

    // --- security ------------------------------------------------------------------------

    pub async fn authenticate(&self) -> Result<AuthenticatedUser, EsError> {
        self.get(&routes::AUTHENTICATE, &[], &[]).await
    }

    pub async fn has_privileges(&self, query: &PrivilegesQuery) -> Result<PrivilegesAnswer, EsError> {
        self.call(&routes::HAS_PRIVILEGES, &[], &[], Some(query)).await
    }

    // --- reads trimmed with filter_path (the metrics) ---------------------------------------

    /// Any route's answer as JSON, trimmed to `filter_path` (Elasticsearch then leaves out
    /// whatever does not match, empty objects and arrays included: read it with defaults).
    pub async fn read_filtered(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
        filter_path: &str,
        body: Option<&Value>,
    ) -> Result<Value, EsError> {
        let mut query = query.to_vec();
        query.push(("filter_path", filter_path));
        self.call(route, parts, &query, body).await
    }
}

/// The longest a page waits for `_resolve/cluster` before it falls back to `_remote/info`.
const RESOLVE_CLUSTER_WAIT: std::time::Duration = std::time::Duration::from_secs(8);

/// A name that acts on exactly one index or pattern: no `,` lists, no `*` wildcards.
pub(super) fn one(name: &str) -> Result<&str, EsError> {
    if name.contains(',') || name.contains('*') {
        return Err(EsError::InvalidName {
            name: name.to_owned(),
            reason: "a single name is expected here, not a list or pattern",
        });
    }
    Ok(name)
}

pub(super) fn decode<'a, T: serde::Deserialize<'a>>(route: &Route, answer: &'a Answer) -> Result<T, EsError> {
    decode_seed(route, answer, std::marker::PhantomData)
}

/// [`decode`] through a seed, which may read the answer piece by piece. The body is checked to
/// be UTF-8 once, as a whole: read from bytes, serde_json would check every string on its own,
/// a tenth of the time spent reading `_ccr/info` of 10,000 followers. (Stricter than that:
/// a bad byte in a field the panel skips now refuses the answer too; JSON is UTF-8 by its
/// RFC 8259, and Elasticsearch writes nothing else.)
pub(super) fn decode_seed<'a, S: serde::de::DeserializeSeed<'a>>(
    route: &Route,
    answer: &'a Answer,
    seed: S,
) -> Result<S::Value, EsError> {
    let unexpected = |reason: String| EsError::NotElasticsearch {
        url: answer.url.clone(),
        detail: format!("unexpected answer to {} {} ({reason}): {}", route.method, route.path, snippet(&answer.body)),
    };
    let text = std::str::from_utf8(&answer.body).map_err(|e| unexpected(format!("not UTF-8 text: {e}")))?;
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = seed.deserialize(&mut reader).and_then(|value| reader.end().map(|()| value));
    value.map_err(|e| unexpected(e.to_string()))
}

/// A digest of credentials, so the key of a shared read holds no secret. Keyed with a secret
/// drawn once per process: digests are kept as cache keys for the process's life, and one
/// that could be recomputed from a guessed password would let a reader of the process's
/// memory (a core dump) test guesses offline.
fn credential_digest(parts: &[&[u8]]) -> String {
    use hmac::Mac;
    static KEY: std::sync::LazyLock<[u8; 32]> = std::sync::LazyLock::new(rand::random);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&*KEY).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}
