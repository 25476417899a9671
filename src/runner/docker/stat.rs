//! `HEAD /containers/{id}/archive`: the stat of one path in a container, which bollard 0.19
//! does not offer. It tells whether the output directory changed during the run, so an
//! untouched one is not downloaded: on this engine a stat costs a third of an archive download
//! (no tar process, no archive), ~35 ms against ~110 ms per task.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::Empty;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::{TcpStream, UnixStream};

use crate::runner::error::RunnerError;

/// The engine's answer header carrying the base64 JSON stat.
const STAT_HEADER: &str = "x-docker-container-path-stat";

/// What the engine says about a path (the fields baton reads).
#[derive(Debug, Deserialize)]
struct PathStat {
    mtime: DateTime<Utc>,
}

/// Longest the engine may take to answer, as for bollard's requests.
const TIMEOUT: Duration = Duration::from_secs(super::REQUEST_TIMEOUT_SECONDS);
/// Port of a `tcp://` engine address that names none (Docker's plain-HTTP port).
const DEFAULT_PORT: u16 = 2375;

/// The modification time of `path` in container `id` on the engine at `host`
/// (`unix:///socket` or `tcp://host[:port]`), asked with API version `api_version`; `None`
/// when the path does not exist.
pub(super) async fn modified(
    host: &str,
    api_version: &str,
    id: &str,
    path: &str,
) -> Result<Option<DateTime<Utc>>, RunnerError> {
    let failed = |reason: String| RunnerError::Docker {
        operation: "stat a path in",
        target: format!("{id}:{path}"),
        reason,
    };
    let query = serde_urlencoded::to_string([("path", path)]).map_err(|e| failed(e.to_string()))?;
    let request = Request::head(format!("/v{api_version}/containers/{id}/archive?{query}"))
        .header(hyper::header::HOST, "docker")
        .body(Empty::<Bytes>::new())
        .map_err(|e| failed(e.to_string()))?;
    let response = tokio::time::timeout(TIMEOUT, send(host, request))
        .await
        .map_err(|_| failed(format!("no answer in {} s", TIMEOUT.as_secs())))?
        .map_err(failed)?;
    if response.status() == hyper::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !response.status().is_success() {
        return Err(failed(format!("engine answered {}", response.status())));
    }
    let header = response
        .headers()
        .get(STAT_HEADER)
        .ok_or_else(|| failed(format!("no {STAT_HEADER} header")))?;
    let json = base64::engine::general_purpose::STANDARD
        .decode(header.as_bytes())
        .map_err(|e| failed(e.to_string()))?;
    let stat: PathStat = serde_json::from_slice(&json).map_err(|e| failed(e.to_string()))?;
    Ok(Some(stat.mtime))
}

/// Sends one request on a fresh HTTP/1 connection to the engine.
async fn send(
    host: &str,
    request: Request<Empty<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, String> {
    if let Some(socket) = host.strip_prefix("unix://") {
        let stream = UnixStream::connect(socket)
            .await
            .map_err(|e| e.to_string())?;
        exchange(TokioIo::new(stream), request).await
    } else {
        let address = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
            .ok_or_else(|| format!("unsupported engine address {host}"))?;
        let address = address.trim_end_matches('/');
        let stream = if address
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
        {
            TcpStream::connect(address).await
        } else {
            TcpStream::connect((address, DEFAULT_PORT)).await
        }
        .map_err(|e| e.to_string())?;
        exchange(TokioIo::new(stream), request).await
    }
}

async fn exchange<IO>(
    io: IO,
    request: Request<Empty<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| e.to_string())?;
    // The connection task ends by itself once the (bodiless) answer is read.
    tokio::spawn(connection);
    sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())
}
