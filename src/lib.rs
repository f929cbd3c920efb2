//! ccr-panel: a web control panel for Elasticsearch cross-cluster replication.
//!
//! Flow runs one way: `web` (one module per screen) → `ccr` (the replication domain) → `es`
//! (the typed client) → Elasticsearch. `sim` is an in-memory Elasticsearch for the demo and
//! the tests; `demo` wires two simulators and the panel together.

pub mod audit;
pub mod ccr;
pub mod config;
pub mod demo;
pub mod es;
pub mod i18n;
pub mod logging;
pub mod memory;
pub mod sim;
pub mod startup;
pub mod web;

pub use web::{AppState, ManagedCluster, app};
