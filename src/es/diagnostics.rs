//! The calls the replication doctor makes beyond the everyday ones: shard allocation, index
//! lifecycle, index templates. Answers that the doctor only passes on (a policy or template
//! body to copy) stay JSON; what it reasons about is typed.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::client::EsClient;
use super::error::EsError;
use super::model::Acknowledged;
use super::routes;

/// One index's health (`_cluster/health?level=indices`, `ClusterIndexHealth`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct IndexHealth {
    pub status: String,
    pub number_of_shards: u32,
    #[serde(default)]
    pub number_of_replicas: u32,
    pub active_primary_shards: u32,
    #[serde(default)]
    pub initializing_shards: u32,
    #[serde(default)]
    pub relocating_shards: u32,
    #[serde(default)]
    pub unassigned_shards: u32,
}

#[derive(Debug, Clone, Deserialize)]
struct HealthByIndex {
    #[serde(default)]
    indices: BTreeMap<String, IndexHealth>,
}

/// `_cluster/allocation/explain` for one shard copy, the parts a person acts on.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct AllocationExplanation {
    pub index: String,
    pub shard: u32,
    pub primary: bool,
    pub current_state: String,
    #[serde(default)]
    pub unassigned_info: Option<UnassignedInfo>,
    #[serde(default)]
    pub can_allocate: Option<String>,
    #[serde(default)]
    pub allocate_explanation: Option<String>,
    #[serde(default)]
    pub node_allocation_decisions: Vec<NodeDecision>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct UnassignedInfo {
    pub reason: String,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub failed_allocation_attempts: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct NodeDecision {
    #[serde(default)]
    pub node_name: String,
    #[serde(default)]
    pub node_decision: String,
    #[serde(default)]
    pub deciders: Vec<Decider>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Decider {
    pub decider: String,
    pub decision: String,
    #[serde(default)]
    pub explanation: String,
}

/// One index's entry of `_ilm/explain`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct IlmIndex {
    pub managed: bool,
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default)]
    pub step_time_millis: Option<i64>,
    #[serde(default)]
    pub step_info: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct IlmExplainResponse {
    #[serde(default)]
    indices: BTreeMap<String, IlmIndex>,
}

#[derive(Debug, Clone, Deserialize)]
struct IndexTemplates {
    #[serde(default)]
    index_templates: Vec<NamedTemplate>,
}

#[derive(Debug, Clone, Deserialize)]
struct NamedTemplate {
    name: String,
    index_template: Value,
}

impl EsClient {
    /// The health of every index (`_cluster/health?level=indices`).
    pub async fn index_health(&self) -> Result<BTreeMap<String, IndexHealth>, EsError> {
        let answer: HealthByIndex = self.get(&routes::CLUSTER_HEALTH, &[], &[("level", "indices")]).await?;
        Ok(answer.indices)
    }

    /// Why one shard copy is where it is, or unassigned.
    pub async fn allocation_explain(
        &self,
        index: &str,
        shard: u32,
        primary: bool,
    ) -> Result<AllocationExplanation, EsError> {
        let body = json!({"index": index, "shard": shard, "primary": primary});
        self.call(&routes::ALLOCATION_EXPLAIN, &[], &[], Some(&body)).await
    }

    /// Retries the allocation of shards that failed too often (`retry_failed`).
    pub async fn reroute_retry_failed(&self) -> Result<Acknowledged, EsError> {
        self.call(&routes::CLUSTER_REROUTE, &[], &[("retry_failed", "true")], None::<&Value>).await
    }

    /// The lifecycle state of the indices `expression` names.
    pub async fn ilm_explain(&self, expression: &str) -> Result<BTreeMap<String, IlmIndex>, EsError> {
        let answer: IlmExplainResponse = self.get(&routes::ILM_EXPLAIN, &[expression], &[]).await?;
        Ok(answer.indices)
    }

    /// Every lifecycle policy: name to `{version, modified_date, policy}`.
    pub async fn ilm_policies(&self) -> Result<BTreeMap<String, Value>, EsError> {
        self.get(&routes::ILM_POLICIES, &[], &[]).await
    }

    /// Creates or replaces a lifecycle policy; `body` is `{"policy": {...}}`.
    pub async fn put_ilm_policy(&self, name: &str, body: &Value) -> Result<Acknowledged, EsError> {
        self.call(&routes::ILM_PUT_POLICY, &[name], &[], Some(body)).await
    }

    /// Every composable index template, as (name, body).
    pub async fn index_templates(&self) -> Result<Vec<(String, Value)>, EsError> {
        let answer: IndexTemplates = self.get(&routes::INDEX_TEMPLATES, &[], &[]).await?;
        Ok(answer.index_templates.into_iter().map(|t| (t.name, t.index_template)).collect())
    }

    pub async fn put_index_template(&self, name: &str, body: &Value) -> Result<Acknowledged, EsError> {
        self.call(&routes::INDEX_TEMPLATE_PUT, &[name], &[], Some(body)).await
    }
}
