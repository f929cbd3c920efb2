//! The integration tests: one binary (one link step) with a module per area.
//!
//! In-process tests build the panel with `ccr_panel::app` and start simulated clusters on
//! loopback ports; browser tests drive the same in headless Chromium.

mod attacks;
mod audit_trail;
mod auto_follow;
mod auto_follow_pages;
mod browser;
mod cli;
mod client;
mod compression;
mod contract;
mod doctor;
mod doctor_checks;
mod doctor_pages;
mod error_pages;
mod faults;
mod follower_indices;
mod followers;
mod hardening;
mod helpers;
mod hostile_input;
mod http_session;
mod i18n;
mod load;
mod metrics;
mod migration_plans;
mod migration_recipe;
mod migrations;
mod properties;
mod remote_clusters;
mod replication;
mod security;
mod shared_reads;
mod shared_session;
mod sim_api;
mod sim_auto_follow;
mod sim_docs;
mod sim_doctor;
mod sim_mappings;
mod sim_migration;
mod sim_nodes;
mod sim_reindex;
mod sim_shards;
mod transport;
mod web;
