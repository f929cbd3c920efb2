//! The simulated cluster's state as a request holds it, and the cluster state version that
//! goes with it.
//!
//! Elasticsearch's master publishes a new cluster state, with a higher `version` and a new
//! `state_uuid`, for every change to the metadata (indices, their settings, followers,
//! patterns, cluster settings). The simulator does the same without each API having to
//! remember to: a request that writes through the state it holds makes a new version when it
//! lets go. Writes Elasticsearch keeps outside the cluster state (a shard's replication
//! progress, retention leases, statistics, a remote's connection) say so by holding the state
//! [`HeldState::outside_cluster_state`], so that a cluster that only replicates keeps its
//! version, as a real one does.

use std::ops::{Deref, DerefMut};
use std::sync::MutexGuard;

use super::state::{ClusterState, es_uuid};

/// The state while a request holds it.
pub struct HeldState<'a> {
    state: MutexGuard<'a, ClusterState>,
    written: bool,
    in_cluster_state: bool,
}

impl<'a> HeldState<'a> {
    pub(super) fn new(state: MutexGuard<'a, ClusterState>) -> HeldState<'a> {
        HeldState { state, written: false, in_cluster_state: true }
    }

    /// For writes that are not part of the cluster state: they leave its version as it is.
    pub fn outside_cluster_state(mut self) -> HeldState<'a> {
        self.in_cluster_state = false;
        self
    }
}

impl Deref for HeldState<'_> {
    type Target = ClusterState;

    fn deref(&self) -> &ClusterState {
        &self.state
    }
}

impl DerefMut for HeldState<'_> {
    fn deref_mut(&mut self) -> &mut ClusterState {
        self.written = true;
        &mut self.state
    }
}

impl Drop for HeldState<'_> {
    fn drop(&mut self) {
        if self.written && self.in_cluster_state {
            self.state.state_version += 1;
            self.state.state_uuid = es_uuid();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{Sim, SimConfig, SimServer};

    #[tokio::test]
    async fn a_write_makes_a_new_version_and_a_read_or_a_write_outside_the_cluster_state_does_not() {
        let any = "127.0.0.1:0".parse().unwrap();
        let server = SimServer::start(SimConfig::new("sim"), any, any).await.unwrap();
        let sim = &server.sim;
        let stamp = |sim: &Sim| {
            let state = sim.state();
            (state.state_version, state.state_uuid.clone())
        };
        let first = stamp(sim);
        let _ = sim.state().indices.len();
        assert_eq!(stamp(sim), first);
        sim.state().outside_cluster_state().license_uid = "outside".into();
        assert_eq!(stamp(sim), first);
        sim.state().license_uid = "changed".into();
        let second = stamp(sim);
        assert_eq!(second.0, first.0 + 1);
        assert_ne!(second.1, first.1);
    }
}
