//! The typed Elasticsearch client: one method per API the panel uses.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::capabilities::{Capabilities, Version};
use super::ccr_lag::*;
use super::ccr_model::*;
use super::error::EsError;
use super::model::*;
use super::routes::{self, Route};
use super::summaries::*;
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

    async fn send(
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
    async fn get_shared<T: DeserializeOwned>(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, EsError> {
        decode(route, &*self.get_shared_answer(route, parts, query).await?)
    }

    /// [`Self::get_shared`]'s answer, undecoded (to be read borrowed).
    async fn get_shared_answer(
        &self,
        route: &Route,
        parts: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Arc<Answer>, EsError> {
        // Keyed by the credentials too: a read is only shared with callers who could make it.
        let who = self.credentials_digest();
        let key = format!("{who} {} {query:?}", route.fill(parts));
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

    // --- indices and documents -----------------------------------------------------------

    /// `_cat/indices` for all indices, or those matching `pattern`.
    pub async fn cat_indices(&self, pattern: Option<&str>) -> Result<Vec<CatIndex>, EsError> {
        // Closed and hidden indices too, where the version knows the parameter (7.7+).
        let mut query = vec![("format", "json")];
        if self.capabilities().await?.cat_expand_wildcards() {
            query.push(("expand_wildcards", "all"));
        }
        match pattern {
            Some(p) => self.get(&routes::CAT_INDICES_FOR, &[p], &query).await,
            None => self.get(&routes::CAT_INDICES, &[], &query).await,
        }
    }

    pub async fn index_exists(&self, index: &str) -> Result<bool, EsError> {
        let answer = self.send(&routes::INDEX_EXISTS, &[index], &[], None::<&Value>).await?;
        Ok(answer.status == 200)
    }

    /// Creates an index; `body` holds `settings` and `mappings` when given.
    pub async fn create_index(&self, index: &str, body: &Value) -> Result<IndexCreated, EsError> {
        let index = one(index)?;
        self.call(&routes::INDEX_CREATE, &[index], &[], Some(body)).await
    }

    pub async fn delete_index(&self, index: &str) -> Result<Acknowledged, EsError> {
        let index = one(index)?;
        self.call(&routes::INDEX_DELETE, &[index], &[], None::<&Value>).await
    }

    pub async fn open_index(&self, index: &str) -> Result<Acknowledged, EsError> {
        let index = one(index)?;
        self.call(&routes::INDEX_OPEN, &[index], &[], None::<&Value>).await
    }

    pub async fn close_index(&self, index: &str) -> Result<Acknowledged, EsError> {
        let index = one(index)?;
        self.call(&routes::INDEX_CLOSE, &[index], &[], None::<&Value>).await
    }

    /// One index's aliases, mappings and settings (dotted keys); `None` when the answer does
    /// not name it.
    pub async fn index_definition(&self, index: &str) -> Result<Option<IndexDefinition>, EsError> {
        let index = one(index)?;
        let mut found: BTreeMap<String, IndexDefinition> =
            self.get(&routes::INDEX_GET, &[index], &[("flat_settings", "true")]).await?;
        Ok(found.remove(index))
    }

    /// `POST /_aliases` with `actions` as given.
    pub async fn update_aliases(&self, actions: &Value) -> Result<Acknowledged, EsError> {
        self.call(&routes::UPDATE_ALIASES, &[], &[], Some(actions)).await
    }

    /// Index settings with dotted keys, including defaults when `include_defaults`.
    pub async fn index_settings(&self, index: &str) -> Result<IndexSettingsByIndex, EsError> {
        self.get(&routes::INDEX_GET_SETTINGS, &[index], &[("flat_settings", "true")]).await
    }

    /// `GET {index}/_stats?level=shards`, as Elasticsearch returns it (the leader's retention
    /// leases live here, per shard).
    pub async fn shard_stats(&self, index: &str) -> Result<Value, EsError> {
        self.get(&routes::INDEX_STATS, &[index], &[("level", "shards")]).await
    }

    pub async fn put_index_settings(&self, index: &str, settings: &Value) -> Result<Acknowledged, EsError> {
        let index = one(index)?;
        self.call(&routes::INDEX_PUT_SETTINGS, &[index], &[], Some(settings)).await
    }

    /// Indexes a document, with a generated id when `id` is `None`.
    pub async fn index_doc(&self, index: &str, id: Option<&str>, source: &Value) -> Result<DocWritten, EsError> {
        let index = one(index)?;
        match id {
            Some(id) => self.call(&routes::DOC_PUT, &[index, id], &[], Some(source)).await,
            None => self.call(&routes::DOC_INDEX, &[index], &[], Some(source)).await,
        }
    }

    /// Writes a document only if nobody else did first: `Create` refuses an existing one,
    /// `IfUnchanged` one that changed since it was read. A lost race is a 409
    /// `version_conflict_engine_exception`.
    pub async fn index_doc_if(
        &self,
        index: &str,
        id: &str,
        source: &Value,
        condition: WriteCondition,
    ) -> Result<DocWritten, EsError> {
        let index = one(index)?;
        let (seq_no, term);
        let query: Vec<(&str, &str)> = match condition {
            WriteCondition::Create => vec![("op_type", "create"), ("refresh", "wait_for")],
            WriteCondition::IfUnchanged { seq_no: s, primary_term: t } => {
                (seq_no, term) = (s.to_string(), t.to_string());
                vec![("if_seq_no", seq_no.as_str()), ("if_primary_term", term.as_str()), ("refresh", "wait_for")]
            }
        };
        self.call(&routes::DOC_PUT, &[index, id], &query, Some(source)).await
    }

    /// A document by id, `None` when it does not exist (Elasticsearch answers 404 `found:false`).
    pub async fn get_doc(&self, index: &str, id: &str) -> Result<Option<Doc>, EsError> {
        let index = one(index)?;
        match self.get::<Doc>(&routes::DOC_GET, &[index, id], &[]).await {
            Ok(doc) => Ok(Some(doc)),
            Err(EsError::Api(api)) if api.status == 404 && api.error_type.is_empty() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes a document by id (404 `not_found` when there is none).
    pub async fn delete_doc(&self, index: &str, id: &str) -> Result<(), EsError> {
        let index = one(index)?;
        self.call::<Value>(&routes::DOC_DELETE, &[index, id], &[], None::<&Value>).await.map(drop)
    }

    /// Starts `POST _reindex?wait_for_completion=false` from `source` into `dest`; the task's id.
    pub async fn reindex_async(&self, source: &str, dest: &str) -> Result<String, EsError> {
        let body = serde_json::json!({"source": {"index": source}, "dest": {"index": dest}});
        let answer: Value = self.call(&routes::REINDEX, &[], &[("wait_for_completion", "false")], Some(&body)).await?;
        answer["task"].as_str().map(str::to_owned).ok_or_else(|| EsError::NotElasticsearch {
            url: self.urls().join(", "),
            detail: "POST _reindex answered without a task id".into(),
        })
    }

    /// `GET _tasks/{id}`.
    pub async fn task(&self, id: &str) -> Result<TaskStatus, EsError> {
        self.get(&routes::TASK_GET, &[id], &[]).await
    }

    pub async fn count(&self, index: &str) -> Result<u64, EsError> {
        Ok(self.call::<CountResponse>(&routes::COUNT, &[index], &[], None::<&Value>).await?.count)
    }

    pub async fn search(&self, index: &str, body: &Value) -> Result<SearchResponse, EsError> {
        self.call(&routes::SEARCH, &[index], &[], Some(body)).await
    }

    // --- cross-cluster replication -------------------------------------------------------

    pub async fn follow(
        &self,
        follower: &str,
        request: &FollowRequest,
        wait_for_active_shards: &str,
    ) -> Result<FollowCreated, EsError> {
        let follower = one(follower)?;
        self.call(
            &routes::CCR_FOLLOW,
            &[follower],
            &[("wait_for_active_shards", wait_for_active_shards)],
            Some(request),
        )
        .await
    }

    pub async fn pause_follow(&self, follower: &str) -> Result<Acknowledged, EsError> {
        let follower = one(follower)?;
        self.call(&routes::CCR_PAUSE_FOLLOW, &[follower], &[], None::<&Value>).await
    }

    pub async fn resume_follow(&self, follower: &str, parameters: &FollowParameters) -> Result<Acknowledged, EsError> {
        let follower = one(follower)?;
        self.call(&routes::CCR_RESUME_FOLLOW, &[follower], &[], Some(parameters)).await
    }

    pub async fn unfollow(&self, follower: &str) -> Result<Acknowledged, EsError> {
        let follower = one(follower)?;
        self.call(&routes::CCR_UNFOLLOW, &[follower], &[], None::<&Value>).await
    }

    /// Sent to the *leader* cluster, to release the history it retains for a follower.
    pub async fn forget_follower(&self, leader: &str, request: &ForgetFollower) -> Result<Value, EsError> {
        let leader = one(leader)?;
        self.call(&routes::CCR_FORGET_FOLLOWER, &[leader], &[], Some(request)).await
    }

    /// Follower info for `index` (`_all` for every follower).
    pub async fn follow_info(&self, index: &str) -> Result<Vec<FollowerInfo>, EsError> {
        Ok(self.get::<FollowInfoResponse>(&routes::CCR_FOLLOW_INFO, &[index], &[]).await?.follower_indices)
    }

    pub async fn follow_stats(&self, index: &str) -> Result<FollowStats, EsError> {
        self.get(&routes::CCR_FOLLOW_STATS, &[index], &[]).await
    }

    /// `_ccr/stats` cut down to what the checks read ([`CHECKED_STATS_FILTER`]).
    pub async fn checked_ccr_stats(&self) -> Result<CcrStats, EsError> {
        self.get(&routes::CCR_STATS, &[], &[("filter_path", CHECKED_STATS_FILTER)]).await
    }

    /// Every follower's `_ccr/info` cut down to what the checks read ([`CHECKED_INFO_FILTER`]).
    pub async fn checked_follow_info(&self) -> Result<Vec<FollowerInfo>, EsError> {
        let query = [("filter_path", CHECKED_INFO_FILTER)];
        Ok(self.get::<FollowInfoResponse>(&routes::CCR_FOLLOW_INFO, &["_all"], &query).await?.follower_indices)
    }

    /// Name, remote, leader and status of the followers of `index` (`_all` for every one):
    /// `_ccr/info` without the ten parameters of each, for lists of thousands.
    /// The answer handed to `read` as soon as it is in (see
    /// [`FollowerSummariesAnswer::for_each`]): a page of a list of thousands keeps only its own
    /// rows, and nothing is allocated for the others.
    pub async fn with_follower_summaries<R>(
        &self,
        index: &str,
        read: impl FnOnce(&FollowerSummariesAnswer) -> Result<R, EsError>,
    ) -> Result<R, EsError> {
        read(&self.follower_summaries_answer(index).await?)
    }

    /// The same answer as [`Self::with_follower_summaries`], kept to be read once other
    /// answers asked at the same time are in.
    pub async fn follower_summaries_answer(&self, index: &str) -> Result<FollowerSummariesAnswer, EsError> {
        let query = [("filter_path", FOLLOWER_SUMMARY_FILTER)];
        Ok(FollowerSummariesAnswer(self.get_shared_answer(&routes::CCR_FOLLOW_INFO, &[index], &query).await?))
    }

    /// Every follower's name alone (`_all`), kept to be read one at a time
    /// ([`FollowerNamesAnswer::for_each`]).
    pub async fn follower_names_answer(&self) -> Result<FollowerNamesAnswer, EsError> {
        let query = [("filter_path", FOLLOWER_NAME_FILTER)];
        Ok(FollowerNamesAnswer(self.get_shared_answer(&routes::CCR_FOLLOW_INFO, &["_all"], &query).await?))
    }

    pub async fn follower_summaries(&self, index: &str) -> Result<Vec<FollowerInfo>, EsError> {
        let query = [("filter_path", FOLLOWER_SUMMARY_FILTER)];
        Ok(self.get_shared::<FollowInfoResponse>(&routes::CCR_FOLLOW_INFO, &[index], &query).await?.follower_indices)
    }

    /// The lag figures of the given followers (comma-separated names), from
    /// `GET /<names>/_ccr/stats` cut down to what a list shows.
    pub async fn follower_lag(&self, names: &str) -> Result<Vec<FollowerLag>, EsError> {
        let query = [("filter_path", INDICES_LAG_FILTER)];
        Ok(self.get::<FollowerLags>(&routes::CCR_FOLLOW_STATS, &[names], &query).await?.indices)
    }

    /// Every follower's lag figures and the recent auto-follow errors, from one `_ccr/stats`
    /// cut down to those (shared by identical reads under way), to be read borrowed.
    pub async fn ccr_lag_stats_answer(&self) -> Result<CcrLagStatsAnswer, EsError> {
        Ok(CcrLagStatsAnswer(
            self.get_shared_answer(&routes::CCR_STATS, &[], &[("filter_path", CCR_LAG_FILTER)]).await?,
        ))
    }

    /// The auto-follow part of `_ccr/stats`, without the follow stats of every follower.
    pub async fn auto_follow_stats(&self) -> Result<AutoFollowStats, EsError> {
        let query = [("filter_path", "auto_follow_stats")];
        Ok(self.get_shared::<CcrAutoFollowStats>(&routes::CCR_STATS, &[], &query).await?.auto_follow_stats)
    }

    pub async fn auto_follow_patterns(&self) -> Result<Vec<NamedAutoFollowPattern>, EsError> {
        Ok(self.get::<AutoFollowPatterns>(&routes::CCR_AUTO_FOLLOW_LIST, &[], &[]).await?.patterns)
    }

    pub async fn auto_follow_pattern(&self, name: &str) -> Result<NamedAutoFollowPattern, EsError> {
        let name = one(name)?;
        let mut patterns = self.get::<AutoFollowPatterns>(&routes::CCR_AUTO_FOLLOW_GET, &[name], &[]).await?.patterns;
        patterns.pop().ok_or_else(|| EsError::NotElasticsearch {
            url: self.urls().join(", "),
            detail: format!("GET _ccr/auto_follow/{name} answered with no pattern"),
        })
    }

    pub async fn put_auto_follow_pattern(
        &self,
        name: &str,
        pattern: &AutoFollowPattern,
    ) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_PUT, &[name], &[], Some(pattern)).await
    }

    /// Every pattern exactly as Elasticsearch returns it, as (name, pattern) pairs.
    pub async fn auto_follow_patterns_raw(&self) -> Result<Vec<(String, Value)>, EsError> {
        let mut answer: Value = self.get(&routes::CCR_AUTO_FOLLOW_LIST, &[], &[]).await?;
        Ok(answer["patterns"]
            .as_array_mut()
            .map(|patterns| {
                patterns
                    .iter_mut()
                    .filter_map(|p| Some((p["name"].as_str()?.to_owned(), p["pattern"].take())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// One pattern exactly as Elasticsearch returns it, every field included (so an edit can
    /// send back what the panel does not know); `None` when there is no such pattern.
    pub async fn auto_follow_pattern_raw(&self, name: &str) -> Result<Option<Value>, EsError> {
        let name = one(name)?;
        match self.get::<Value>(&routes::CCR_AUTO_FOLLOW_GET, &[name], &[]).await {
            Ok(mut answer) => Ok(answer["patterns"]
                .as_array_mut()
                .and_then(|patterns| patterns.iter_mut().find(|p| p["name"] == name))
                .map(|p| p["pattern"].take())),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or replaces a pattern with a body built by the caller.
    pub async fn put_auto_follow_pattern_raw(&self, name: &str, body: &Value) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_PUT, &[name], &[], Some(body)).await
    }

    pub async fn delete_auto_follow_pattern(&self, name: &str) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_DELETE, &[name], &[], None::<&Value>).await
    }

    pub async fn pause_auto_follow_pattern(&self, name: &str) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_PAUSE, &[name], &[], None::<&Value>).await
    }

    pub async fn resume_auto_follow_pattern(&self, name: &str) -> Result<Acknowledged, EsError> {
        let name = one(name)?;
        self.call(&routes::CCR_AUTO_FOLLOW_RESUME, &[name], &[], None::<&Value>).await
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
fn one(name: &str) -> Result<&str, EsError> {
    if name.contains(',') || name.contains('*') {
        return Err(EsError::InvalidName {
            name: name.to_owned(),
            reason: "a single name is expected here, not a list or pattern",
        });
    }
    Ok(name)
}

fn decode<'a, T: serde::Deserialize<'a>>(route: &Route, answer: &'a Answer) -> Result<T, EsError> {
    decode_seed(route, answer, std::marker::PhantomData)
}

/// [`decode`] through a seed, which may read the answer piece by piece. The body is checked to
/// be UTF-8 once, as a whole: read from bytes, serde_json would check every string on its own,
/// a tenth of the time spent reading `_ccr/info` of 10,000 followers. (Stricter than that:
/// a bad byte in a field the panel skips now refuses the answer too; JSON is UTF-8 by its
/// RFC 8259, and Elasticsearch writes nothing else.)
fn decode_seed<'a, S: serde::de::DeserializeSeed<'a>>(
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

/// `_ccr/info` for lists as Elasticsearch sent it ([`EsClient::follower_summaries_answer`]).
pub struct FollowerSummariesAnswer(Arc<Answer>);

impl FollowerSummariesAnswer {
    /// Every follower's summary, borrowed from the answer.
    pub fn read(&self) -> Result<Vec<FollowerSummary<'_>>, EsError> {
        let summaries: FollowerSummaries<'_> = decode(&routes::CCR_FOLLOW_INFO, &self.0)?;
        Ok(summaries.follower_indices)
    }

    /// Hands every follower's summary, borrowed from the answer, to `each` as it is read: the
    /// list is never held whole. On an answer that cannot be read, the followers before the
    /// fault have been handed over already.
    pub fn for_each<'a>(&'a self, each: impl FnMut(FollowerSummary<'a>)) -> Result<(), EsError> {
        decode_seed(&routes::CCR_FOLLOW_INFO, &self.0, EachFollower::new(each))
    }
}

/// `_ccr/info` with the followers' names alone ([`EsClient::follower_names_answer`]).
pub struct FollowerNamesAnswer(Arc<Answer>);

impl FollowerNamesAnswer {
    /// Hands every follower's name, borrowed from the answer, to `each` as it is read.
    pub fn for_each<'a>(&'a self, mut each: impl FnMut(Cow<'a, str>)) -> Result<(), EsError> {
        let seed = EachFollower::new(|follower: FollowerName<'a>| each(follower.follower_index));
        decode_seed(&routes::CCR_FOLLOW_INFO, &self.0, seed)
    }
}

/// `_ccr/stats` for lists as Elasticsearch sent it ([`EsClient::ccr_lag_stats_answer`]).
pub struct CcrLagStatsAnswer(Arc<Answer>);

impl CcrLagStatsAnswer {
    /// Every follower's lag figures, borrowed from the answer.
    pub fn read(&self) -> Result<CcrLagSummaries<'_>, EsError> {
        decode(&routes::CCR_STATS, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &'static [u8]) -> FollowerSummariesAnswer {
        FollowerSummariesAnswer(Arc::new(Answer { status: 200, url: "http://es:9200/".into(), body: body.into() }))
    }

    #[test]
    fn an_answer_that_is_not_utf8_json_is_not_elasticsearch() {
        let names = |a: &FollowerSummariesAnswer| {
            let mut names = Vec::new();
            a.for_each(|s| names.push(s.follower_index.into_owned())).map(|()| names)
        };
        let good = br#"{"follower_indices":[{"follower_index":"f","remote_cluster":"r","leader_index":"l","status":"active"}]}"#;
        assert_eq!(names(&answer(good)).unwrap(), ["f"]);
        for (body, said) in [(&b"{\"follower_indices\":[\xff]}"[..], "not UTF-8"), (b"{} {}", "trailing characters")] {
            match names(&answer(body)) {
                Err(EsError::NotElasticsearch { detail, .. }) => assert!(detail.contains(said), "{detail}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
