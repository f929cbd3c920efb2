//! Calls on indices and documents: listing, creating, opening and closing indices, their
//! settings and stats, aliases, documents, reindexing and search.

use std::collections::BTreeMap;

use serde_json::Value;

use super::client::{EsClient, one};
use super::error::EsError;
use super::model::*;
use super::routes;

impl EsClient {
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
}
