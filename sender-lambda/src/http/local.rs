//! A thin local HTTP adapter over the real router: HTTP/1.1 request → [`ApiRequest`],
//! [`Api::handle`], [`ApiResponse`] → HTTP response. `kizuna-sender api serve` runs it on 127.0.0.1
//! for the demo, contract tests and schemathesis; no endpoint is implemented here, only the wire.
//!
//! The server is generic over a [`Handler`], so the demo can put its own pages (the archive, the
//! mailbox) beside `/api/*` on one origin without the product router knowing about them.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::http::{Api, ApiRequest, ApiResponse, MAX_BODY_BYTES};
use crate::ports::channel::Mailer;
use crate::ports::deliveries::DeliveryStore;
use crate::ports::published_site::PublishedSite;
use crate::ports::subscriptions::Subscriptions;

/// One HTTP answer with a byte body (the archive serves images and WebAssembly, not only text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalResponse {
    /// The status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl From<ApiResponse> for LocalResponse {
    fn from(response: ApiResponse) -> Self {
        LocalResponse { status: response.status, headers: response.headers, body: response.body.into_bytes() }
    }
}

/// What answers the requests the server reads.
pub trait Handler {
    /// Answers one request.
    fn answer(&self, request: ApiRequest) -> impl Future<Output = LocalResponse> + Send;
}

impl<M, S, P, D> Handler for Api<M, S, P, D>
where
    M: Mailer + Sync,
    S: Subscriptions + Sync,
    P: PublishedSite + Sync,
    D: DeliveryStore + Sync,
{
    async fn answer(&self, request: ApiRequest) -> LocalResponse {
        self.handle(&request, chrono::Utc::now()).await.into()
    }
}

/// Why the server cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The adapter has no TLS, WAF or origin header: it listens on loopback addresses only.
    #[error("--listen {0}: the local API listens on 127.0.0.1 (or ::1) only")]
    NotLoopback(SocketAddr),
    /// The address cannot be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// Binds a loopback address (port 0 picks a free one).
pub async fn bind(address: SocketAddr) -> Result<TcpListener, ServeError> {
    if !address.ip().is_loopback() {
        return Err(ServeError::NotLoopback(address));
    }
    TcpListener::bind(address).await.map_err(|error| ServeError::Bind(address, error))
}

/// Serves `handler` on `listener` until the process ends, each connection in its own task (the
/// router's futures are `Send`), so a slow request does not hold the others up.
pub async fn serve<H: Handler + Send + Sync + 'static>(listener: TcpListener, handler: Arc<H>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let handler = Arc::clone(&handler);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let handler = Arc::clone(&handler);
                async move { Ok::<_, Infallible>(respond(&*handler, request).await) }
            });
            if let Err(error) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %error, "local connection ended with an error");
            }
        });
    }
}

async fn respond<H: Handler>(handler: &H, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let request = match read_request(request).await {
        Ok(request) => request,
        Err(response) => return to_hyper(response.into()),
    };
    to_hyper(handler.answer(request).await)
}

/// The router's request. The body is read up to one byte past [`MAX_BODY_BYTES`]: enough for the
/// router to refuse an over-long body itself (413), without holding an unbounded one in memory.
async fn read_request(request: hyper::Request<Incoming>) -> Result<ApiRequest, ApiResponse> {
    let (parts, mut body) = request.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_ascii_lowercase(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    let mut bytes = Vec::new();
    while bytes.len() <= MAX_BODY_BYTES {
        match body.frame().await {
            None => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    bytes.extend_from_slice(&data);
                }
            }
            Some(Err(_)) => return Err(ApiResponse::error(400, "body", "本文を最後まで読めませんでした。")),
        }
    }
    bytes.truncate(MAX_BODY_BYTES + 1);
    Ok(ApiRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers,
        body: bytes,
    })
}

fn to_hyper(response: LocalResponse) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(Full::new(Bytes::from(response.body))).unwrap_or_else(|error| {
        tracing::error!(error = %error, "a response could not be written");
        let mut fallback = hyper::Response::new(Full::new(Bytes::from_static(b"internal error")));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
