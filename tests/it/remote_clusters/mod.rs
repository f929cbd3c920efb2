//! The remote clusters screen, in-process, one module per topic.

mod delete;
mod detail;
mod flash;
mod form;
mod hardening;
