//! The simulated transport layer: a real TCP port per cluster, spoken between simulators.
//!
//! Real Elasticsearch nodes talk a binary protocol on the transport port (9300) whose frames
//! start with the bytes `ES`. The simulator keeps that first detail and nothing else: a frame is
//! `ES` followed by one line of JSON, answered by one line of JSON. That is enough for what a
//! user can observe: seeds pointing at a simulator's transport port connect; seeds pointing at
//! an HTTP port get an HTTP answer and fail the handshake, exactly the mistake real users make.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const MAGIC: &[u8; 2] = b"ES";

/// Why a transport exchange failed, worded like Elasticsearch's own messages.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    #[error("[{address}] connect_exception: {detail}")]
    Connect { address: String, detail: String },
    #[error(
        "received HTTP response on transport port, ensure that transport port (not HTTP port) of a remote node is specified in the configuration"
    )]
    HttpPort,
    #[error("[{address}] handshake failed: {detail}")]
    Handshake { address: String, detail: String },
    #[error("[{address}] request timed out")]
    Timeout { address: String },
}

/// Accepts transport connections until `shutdown` changes, answering each frame with `answer`.
pub async fn serve<F>(listener: TcpListener, shutdown: watch::Receiver<bool>, answer: F)
where
    F: Fn(Value) -> Value + Clone + Send + Sync + 'static,
{
    let mut accept_shutdown = shutdown.clone();
    loop {
        tokio::select! {
            _ = accept_shutdown.changed() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let answer = answer.clone();
                let mut conn_shutdown = shutdown.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = conn_shutdown.changed() => {}
                        _ = serve_connection(stream, answer) => {}
                    }
                });
            }
        }
    }
}

async fn serve_connection<F: Fn(Value) -> Value>(stream: TcpStream, answer: F) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut magic = [0u8; 2];
        if reader.read_exact(&mut magic).await.is_err() || &magic != MAGIC {
            // Real nodes log "received plaintext http traffic on a transport port" and close.
            return;
        }
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(request) => answer(request),
            Err(e) => json!({"error": format!("bad frame: {e}")}),
        };
        let mut bytes = serde_json::to_vec(&reply).unwrap_or_default();
        bytes.push(b'\n');
        if reader.get_mut().write_all(&bytes).await.is_err() {
            return;
        }
    }
}

/// One open transport connection to a remote node.
#[derive(Debug)]
pub struct Channel {
    address: String,
    reader: BufReader<TcpStream>,
    timeout: Duration,
}

impl Channel {
    /// Connects to `address` (`host:port`, IPv6 in brackets) within `timeout`.
    pub async fn open(address: &str, timeout: Duration) -> Result<Channel, TransportError> {
        if !on_this_machine(address) {
            // Tests and the demo name addresses elsewhere (10.0.0.1:9300) to stand for a
            // cluster that is down: refuse them without sending a packet or a DNS query.
            return Err(TransportError::Connect {
                address: address.to_owned(),
                detail: "Connection refused (the simulator reaches only addresses on this machine)".into(),
            });
        }
        let connect = tokio::time::timeout(timeout, TcpStream::connect(address)).await;
        let stream = match connect {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return Err(TransportError::Connect { address: address.to_owned(), detail: e.to_string() }),
            Err(_) => {
                return Err(TransportError::Connect {
                    address: address.to_owned(),
                    detail: "connect timed out".into(),
                });
            }
        };
        Ok(Channel { address: address.to_owned(), reader: BufReader::new(stream), timeout })
    }

    /// Sends one frame and reads the answer.
    pub async fn request(&mut self, request: &Value) -> Result<Value, TransportError> {
        let mut frame = MAGIC.to_vec();
        frame.extend(serde_json::to_vec(request).unwrap_or_default());
        frame.push(b'\n');
        let address = self.address.clone();
        let exchange = async {
            self.reader.get_mut().write_all(&frame).await.map_err(|e| e.to_string())?;
            let mut line = String::new();
            match self.reader.read_line(&mut line).await {
                Ok(0) => Err("connection closed".to_owned()),
                Ok(_) => Ok(line),
                Err(e) => Err(e.to_string()),
            }
        };
        let line = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => return Err(TransportError::Timeout { address }),
            Ok(Err(detail)) => return Err(TransportError::Handshake { address, detail }),
            Ok(Ok(line)) => line,
        };
        if line.starts_with("HTTP/") {
            return Err(TransportError::HttpPort);
        }
        serde_json::from_str(&line).map_err(|e| TransportError::Handshake { address, detail: e.to_string() })
    }
}

/// Whether `host:port` names this machine: `localhost` or a loopback IP literal. Anything
/// else, host names included, is never looked up.
fn on_this_machine(address: &str) -> bool {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Opens a connection, sends one request, and closes.
pub async fn call(address: &str, request: &Value, timeout: Duration) -> Result<Value, TransportError> {
    Channel::open(address, timeout).await?.request(request).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_this_machine_is_reached() {
        for here in ["127.0.0.1:9300", "127.3.2.1:1", "localhost:9300", "[::1]:9300"] {
            assert!(super::on_this_machine(here), "{here}");
        }
        for elsewhere in
            ["10.0.0.1:9300", "192.168.1.1:9300", "es.example.com:9300", "[2001:db8::1]:9300", "8.8.8.8:53"]
        {
            assert!(!super::on_this_machine(elsewhere), "{elsewhere}");
        }
    }
}
