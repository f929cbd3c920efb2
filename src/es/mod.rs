//! The Elasticsearch client: typed requests and responses for every API the panel uses.
//!
//! Nothing above this module builds a URL or reads raw Elasticsearch JSON.

mod capabilities;
mod ccr_lag;
mod ccr_model;
mod client;
mod diagnostics;
mod error;
mod indices;
mod model;
mod replication;
pub mod routes;
mod summaries;
mod transport;

pub use capabilities::{BadVersion, Capabilities, Version};
pub use ccr_lag::*;
pub use ccr_model::*;
pub use client::EsClient;
pub use diagnostics::{AllocationExplanation, Decider, IlmIndex, IndexHealth, NodeDecision, UnassignedInfo};
pub use error::{ApiError, Cause, EsError};
pub use model::*;
pub use replication::{CcrLagStatsAnswer, FollowerNamesAnswer, FollowerSummariesAnswer};
pub use summaries::*;
pub use transport::{Auth, ConfigError, EsConfig, IDLE_CONNECTION_TIMEOUT};
