//! Which configured cluster is the leader behind a remote: the panel knows a leader's HTTP
//! endpoint only when it is one of the clusters in `--config`, and a remote names the leader
//! only by transport addresses. A remote points at a configured cluster when one of its seeds
//! (or its proxy address) is a transport address of that cluster's nodes.
//!
//! The doctor, the metrics and the follower detail read the leader's side through this.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::es::{EsClient, NodesInfo, RemoteInfo};

/// A configured cluster that may be a leader: its name in the config file and a client.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    pub client: EsClient,
}

/// A remote of the local cluster whose leader the panel can call.
#[derive(Debug, Clone)]
pub struct KnownLeader {
    /// The remote's alias on the local cluster.
    pub remote: String,
    /// The configured cluster's name.
    pub cluster: String,
    pub client: EsClient,
}

/// The spellings of one transport address to compare: `host:port` as written, and for a
/// publish address `hostname/1.2.3.4:9300` both `hostname:9300` and `1.2.3.4:9300`.
fn spellings(address: &str) -> Vec<String> {
    let address = address.trim();
    let Some((host, port)) = address.rsplit_once(':') else { return vec![address.to_ascii_lowercase()] };
    let mut out = vec![address.to_ascii_lowercase()];
    if let Some((name, ip)) = host.split_once('/') {
        if !name.is_empty() {
            out.push(format!("{name}:{port}").to_ascii_lowercase());
        }
        out.push(format!("{ip}:{port}").to_ascii_lowercase());
    }
    // `localhost` and the loopback address name the same listener.
    if host.eq_ignore_ascii_case("localhost") {
        out.push(format!("127.0.0.1:{port}"));
    }
    out
}

/// Every transport address of a cluster's nodes, in every spelling.
fn transport_addresses(nodes: &NodesInfo) -> BTreeSet<String> {
    nodes
        .nodes
        .values()
        .flat_map(|n| n.transport.iter().map(|t| t.publish_address.clone()).chain(n.transport_address.clone()))
        .flat_map(|a| spellings(&a))
        .collect()
}

/// The addresses a remote connects to.
fn remote_addresses(remote: &RemoteInfo) -> BTreeSet<String> {
    remote.seeds.iter().chain(remote.proxy_address.iter()).flat_map(|a| spellings(a)).collect()
}

/// Pairs each remote with the configured cluster it points at, asking each candidate for its
/// nodes once, all at once, each within `wait` (a candidate that does not answer matches
/// nothing). Remotes that point at none of the candidates are left out.
pub async fn match_remotes(
    remotes: &BTreeMap<String, RemoteInfo>,
    candidates: &[Candidate],
    wait: Duration,
) -> Vec<KnownLeader> {
    lookup(remotes, candidates, wait).await.leaders
}

/// The leaders found, and the configured clusters that could not be asked.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub leaders: Vec<KnownLeader>,
    /// Candidates that did not answer in time or answered with an error: any of them may be
    /// the leader of a remote left unmatched.
    pub silent: Vec<String>,
}

/// [`match_remotes`], saying which candidates were silent.
pub async fn lookup(remotes: &BTreeMap<String, RemoteInfo>, candidates: &[Candidate], wait: Duration) -> Lookup {
    if remotes.is_empty() || candidates.is_empty() {
        return Lookup::default();
    }
    let lookups = candidates.iter().map(|c| async move {
        let nodes = tokio::time::timeout(wait, c.client.nodes()).await.ok().and_then(Result::ok);
        (c, nodes.map(|n| transport_addresses(&n)))
    });
    let answers = futures_util::future::join_all(lookups).await;
    let silent = answers.iter().filter(|(_, a)| a.is_none()).map(|(c, _)| c.name.clone()).collect();
    let known: Vec<_> = answers.into_iter().map(|(c, a)| (c, a.unwrap_or_default())).collect();
    let leaders = remotes
        .iter()
        .filter_map(|(alias, remote)| {
            let wanted = remote_addresses(remote);
            let (candidate, _) = known.iter().find(|(_, addresses)| !addresses.is_disjoint(&wanted))?;
            Some(KnownLeader {
                remote: alias.clone(),
                cluster: candidate.name.clone(),
                client: candidate.client.clone(),
            })
        })
        .collect();
    Lookup { leaders, silent }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publish_address_matches_its_host_name_and_its_ip() {
        let s = spellings("leader-1/10.1.2.3:9300");
        assert!(s.contains(&"leader-1:9300".to_string()));
        assert!(s.contains(&"10.1.2.3:9300".to_string()));
        assert!(spellings("localhost:9300").contains(&"127.0.0.1:9300".to_string()));
        assert_eq!(spellings("no-port"), vec!["no-port".to_string()]);
    }
}
