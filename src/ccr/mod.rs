//! The replication domain: what a remote cluster, a follower index and an auto-follow pattern
//! are, built from the Elasticsearch APIs that each tell part of the story.

pub mod auto_follow;
pub mod bulk;
pub mod doctor;
pub mod followers;
pub mod leaders;
pub mod metrics;
pub mod migrations;
pub mod names;
pub mod paging;
pub mod panel_store;
pub mod remote_clusters;
pub mod steps;
pub mod units;
