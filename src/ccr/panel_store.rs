//! The panel's own small records, kept in the local cluster itself (as Kibana keeps its saved
//! objects in Elasticsearch), so the panel holds no database or files, survives a restart, and
//! several instances agree.
//!
//! One index per kind of record, created on first use with one shard, `auto_expand_replicas`
//! and, where the version allows (7.7+), `index.hidden` so it stays out of `*` patterns (and
//! so out of auto-follow patterns and the follower pickers).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::es::{EsClient, EsError};

/// A kind of record and the index it lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Store {
    pub index: &'static str,
}

/// Follow settings remembered when the panel pauses a follower: Elasticsearch keeps none for a
/// paused follower, and a resume without them silently returns to the defaults.
pub const FOLLOW_SETTINGS: Store = Store { index: "ccr-panel-follow-settings" };

impl Store {
    /// Creates the index when it is missing (another instance may win the race: fine).
    pub async fn ensure(&self, client: &EsClient) -> Result<(), EsError> {
        if client.index_exists(self.index).await? {
            return Ok(());
        }
        let mut settings = json!({"index.number_of_shards": 1, "index.auto_expand_replicas": "0-1"});
        if client.capabilities().await?.hidden_indices() {
            settings["index.hidden"] = json!(true);
        }
        match client.create_index(self.index, &json!({ "settings": settings })).await {
            Ok(_) => Ok(()),
            Err(e) if e.es_type() == Some("resource_already_exists_exception") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Writes the record `id`, replacing what was there.
    pub async fn put<T: Serialize>(&self, client: &EsClient, id: &str, record: &T) -> Result<(), EsError> {
        self.ensure(client).await?;
        let body = serde_json::to_value(record).map_err(|e| EsError::NotElasticsearch {
            url: self.index.to_owned(),
            detail: format!("record could not be written: {e}"),
        })?;
        client.index_doc(self.index, Some(id), &body).await.map(drop)
    }

    /// The record `id`, `None` when there is none (or no index yet). A record that no longer
    /// reads (written by another version) counts as none.
    pub async fn get<T: DeserializeOwned>(&self, client: &EsClient, id: &str) -> Result<Option<T>, EsError> {
        match client.get_doc(self.index, id).await {
            Ok(Some(doc)) => Ok(doc.source.and_then(|s| serde_json::from_value(s).ok())),
            Ok(None) => Ok(None),
            Err(e) if e.es_type() == Some("index_not_found_exception") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes the record `id`; a missing one is not an error.
    pub async fn delete(&self, client: &EsClient, id: &str) -> Result<(), EsError> {
        match client.delete_doc(self.index, id).await {
            Ok(()) => Ok(()),
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
