//! One HTTP/1.1 keep-alive connection and the requests sent over it.
//!
//! The generator talks to hyper's connection API directly rather than through
//! a pooled client: each in-flight slot owns exactly one connection, so there
//! is no pool lookup, no URL parsing and no header merging per request, and a
//! connection that failed is simply reopened by its owner.

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::server_timing::{self, Phase};
use crate::config::{BaseUrl, Endpoint};

const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// An endpoint's request, parsed once before the run.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    expect_status: Option<u16>,
}

/// What one request brought back: how it ended, and the `Server-Timing`
/// phases of its response (empty when it had none: the common case costs
/// one header lookup and no allocation).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub outcome: Outcome,
    pub phases: Vec<Phase>,
}

impl From<Outcome> for Reply {
    fn from(outcome: Outcome) -> Reply {
        Reply {
            outcome,
            phases: Vec::new(),
        }
    }
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Status(u16),
    Timeout,
    Connect,
    Other,
}

/// An endpoint of the suite that cannot be sent as an HTTP request.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("endpoint {endpoint}: invalid method {method}")]
    Method { endpoint: String, method: String },
    #[error("endpoint {endpoint}: invalid path {path}: {source}")]
    Path {
        endpoint: String,
        path: String,
        source: http::uri::InvalidUri,
    },
    #[error("invalid host {authority}: {source}")]
    Host {
        authority: String,
        source: http::header::InvalidHeaderValue,
    },
    #[error("endpoint {endpoint}: invalid content type: {source}")]
    ContentType {
        endpoint: String,
        source: http::header::InvalidHeaderValue,
    },
    #[error("endpoint {endpoint}: invalid header name {name}: {source}")]
    HeaderName {
        endpoint: String,
        name: String,
        source: http::header::InvalidHeaderName,
    },
    /// The value is not shown: it may be a secret.
    #[error("endpoint {endpoint}: header {name} has an invalid value")]
    HeaderValue { endpoint: String, name: String },
}

/// Why the readiness probe got no status.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error("connection refused")]
    Refused,
    #[error("{0}")]
    Http(#[source] hyper::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

impl PreparedRequest {
    pub fn new(base: &BaseUrl, endpoint: &Endpoint) -> Result<PreparedRequest, RequestError> {
        let named = || endpoint.name.clone();
        let method =
            Method::from_bytes(endpoint.method.as_bytes()).map_err(|_| RequestError::Method {
                endpoint: named(),
                method: endpoint.method.clone(),
            })?;
        let uri: Uri = endpoint
            .sent_path
            .parse()
            .map_err(|source| RequestError::Path {
                endpoint: named(),
                path: endpoint.path.clone(),
                source,
            })?;
        let mut headers = HeaderMap::new();
        let host =
            HeaderValue::from_str(&base.authority()).map_err(|source| RequestError::Host {
                authority: base.authority(),
                source,
            })?;
        headers.insert(HOST, host);
        if let Some(content_type) = endpoint
            .body
            .as_ref()
            .and_then(|b| b.content_type.as_deref())
        {
            let value = HeaderValue::from_str(content_type).map_err(|source| {
                RequestError::ContentType {
                    endpoint: named(),
                    source,
                }
            })?;
            headers.insert(CONTENT_TYPE, value);
        }
        for (name, value) in &endpoint.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|source| {
                RequestError::HeaderName {
                    endpoint: named(),
                    name: name.clone(),
                    source,
                }
            })?;
            // The value is not echoed: it may be a secret.
            let value = HeaderValue::from_str(value).map_err(|_| RequestError::HeaderValue {
                endpoint: named(),
                name: name.to_string(),
            })?;
            headers.insert(name, value);
        }
        let body = Bytes::from(
            endpoint
                .body
                .as_ref()
                .map(|b| b.bytes.clone())
                .unwrap_or_default(),
        );
        Ok(PreparedRequest {
            method,
            uri,
            headers,
            body,
            expect_status: endpoint.expect_status,
        })
    }

    fn build(&self) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    fn classify(&self, status: u16) -> Outcome {
        let ok = match self.expect_status {
            Some(expected) => status == expected,
            None => (200..300).contains(&status),
        };
        if ok {
            Outcome::Ok
        } else {
            Outcome::Status(status)
        }
    }
}

/// A connection slot: at most one request in flight, reconnecting on demand.
#[derive(Debug)]
pub struct Connection {
    addr: String,
    sender: Option<SendRequest<Full<Bytes>>>,
    /// The task that drives the open stream: it holds the socket.
    driver: Option<JoinHandle<()>>,
}

/// How long [`Connection::close`] waits for its stream to shut down.
const CLOSE_WAIT: Duration = Duration::from_millis(100);

impl Connection {
    pub fn new(base: &BaseUrl) -> Connection {
        Connection {
            addr: base.authority(),
            sender: None,
            driver: None,
        }
    }

    /// Closes the open stream, if any, and waits (briefly) until its socket
    /// is shut. Dropping the sender alone leaves the socket open until the
    /// runtime next polls its driver, and a runtime that is about to stop
    /// the app may not do so: the app would then wait out its own
    /// shutdown grace for an idle keep-alive connection (the demo's 800 ms).
    pub async fn close(&mut self) {
        self.sender = None;
        if let Some(mut driver) = self.driver.take() {
            if tokio::time::timeout(CLOSE_WAIT, &mut driver).await.is_err() {
                driver.abort();
            }
        }
    }

    fn forget_stream(&mut self) {
        self.sender = None;
        if let Some(driver) = self.driver.take() {
            driver.abort();
        }
    }

    /// Sends one request and reads the whole response body, all within
    /// `timeout` (connecting included).
    pub async fn send(&mut self, request: &PreparedRequest, timeout: Duration) -> Reply {
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Ok(reply) => {
                if reply.outcome != Outcome::Ok && !matches!(reply.outcome, Outcome::Status(_)) {
                    self.forget_stream();
                }
                reply
            }
            Err(_elapsed) => {
                // The response may still arrive later: never reuse this stream.
                self.forget_stream();
                Outcome::Timeout.into()
            }
        }
    }

    async fn exchange(&mut self, request: &PreparedRequest) -> Reply {
        let sender = match self.ready_sender().await {
            Ok(sender) => sender,
            Err(outcome) => return outcome.into(),
        };
        let response = match sender.send_request(request.build()).await {
            Ok(response) => response,
            Err(_) => return Outcome::Other.into(),
        };
        let status = response.status().as_u16();
        // Parsed only when the header is there.
        let phases = server_timing::parse(
            response
                .headers()
                .get_all(SERVER_TIMING)
                .iter()
                .map(HeaderValue::as_bytes),
        );
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            if frame.is_err() {
                return Outcome::Other.into();
            }
        }
        Reply {
            outcome: request.classify(status),
            phases,
        }
    }

    async fn ready_sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, Outcome> {
        if let Some(sender) = &mut self.sender {
            if sender.ready().await.is_err() {
                self.forget_stream();
            }
        }
        if self.sender.is_none() {
            let (sender, driver) = connect(&self.addr).await?;
            self.sender = Some(sender);
            self.driver = Some(driver);
        }
        self.sender.as_mut().ok_or(Outcome::Connect)
    }
}

/// A new stream to `addr`: its sender, and the task that drives it.
async fn connect(addr: &str) -> Result<(SendRequest<Full<Bytes>>, JoinHandle<()>), Outcome> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|_| Outcome::Connect)?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Outcome::Connect)?;
    let driver = tokio::spawn(async move {
        // Errors surface on the sender side as failed requests.
        let _ = connection.await;
    });
    Ok((sender, driver))
}

/// One GET with a fresh connection: the readiness probe.
pub async fn probe(
    base: &BaseUrl,
    path_and_query: &str,
    timeout: Duration,
) -> Result<u16, ProbeError> {
    let endpoint = Endpoint {
        name: "ready".into(),
        method: "GET".into(),
        path: path_and_query.into(),
        sent_path: path_and_query.into(),
        headers: Vec::new(),
        body: None,
        weight: 1,
        expect_status: None,
        gate: Default::default(),
    };
    let request = PreparedRequest::new(base, &endpoint)?;
    let mut connection = Connection::new(base);
    let exchange = async {
        let sender = connection
            .ready_sender()
            .await
            .map_err(|_| ProbeError::Refused)?;
        let response = sender
            .send_request(request.build())
            .await
            .map_err(ProbeError::Http)?;
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await;
        Ok(status)
    };
    let answer = tokio::time::timeout(timeout, exchange).await;
    connection.close().await;
    answer.map_err(|_| ProbeError::Timeout(timeout))?
}
