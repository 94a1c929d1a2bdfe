//! The HTTPS server: routes, limits, TLS, graceful shutdown.
//!
//! - `POST /validate`, `POST /mutate`: AdmissionReview in, AdmissionReview out ([`handler`]).
//! - `GET /healthz`: the process answers. `GET /readyz`: the state has synced and the server
//!   is not shutting down. `GET /metrics`: [`crate::metrics`].
//! - HTTP/1.1 over TLS only; handshake, request-header and body read timeouts (a client that
//!   sends one byte a second is cut off); bodies over 3 MiB are refused with 413 as PSA does.
//! - On the shutdown signal: not ready at once, then after `shutdown_delay` (time for the
//!   endpoint to be removed) no new connections, in-flight requests finished, idle
//!   connections closed, all within `shutdown_grace`.

pub mod duration;
pub mod handler;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use hyper_util::rt::TokioTimer;

use crate::metrics::Metrics;
use crate::state::{NamespaceLookup, PodLister, SharedState};
use crate::validate::Psa;

pub use tls::{TlsError, TlsFiles};

/// PSA's request size limit: 3 MiB.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Everything the handlers share.
pub struct App {
    /// The cluster state.
    pub state: Arc<SharedState>,
    /// Live GET of namespaces the state lacks.
    pub lookup: Arc<dyn NamespaceLookup>,
    /// Live LIST of a namespace's pods.
    pub pods: Arc<dyn PodLister>,
    /// The Pod Security configuration.
    pub psa: Psa,
    /// Metrics.
    pub metrics: Metrics,
    /// Body read timeout.
    pub body_timeout: Duration,
    /// Set when shutdown begins: `/readyz` fails from then on.
    pub shutting_down: AtomicBool,
}

impl App {
    /// An app over `state`, with no live lookups (files are the truth).
    pub fn new(
        state: Arc<SharedState>,
        lookup: Arc<dyn NamespaceLookup>,
        pods: Arc<dyn PodLister>,
        psa: Psa,
    ) -> App {
        App {
            state,
            lookup,
            pods,
            psa,
            metrics: Metrics::new(),
            body_timeout: Duration::from_secs(10),
            shutting_down: AtomicBool::new(false),
        }
    }
}

/// How to serve.
#[derive(Debug)]
pub struct ServeOptions {
    /// A bound listener (`secctx serve --listen`, or 127.0.0.1:0 in tests).
    pub listener: std::net::TcpListener,
    /// The serving certificate and key.
    pub tls: TlsFiles,
    /// How often the certificate files are checked for a change.
    pub reload_interval: Duration,
    /// TLS handshake deadline.
    pub handshake_timeout: Duration,
    /// Deadline for a request's headers (first request and every later one).
    pub header_timeout: Duration,
    /// Time between the shutdown signal and closing the listener.
    pub shutdown_delay: Duration,
    /// Time in-flight requests get to finish after the listener closes.
    pub shutdown_grace: Duration,
}

/// Why the server did not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The certificate or key.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The listener or the accept loop.
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/validate", post(handler::validate))
        .route("/mutate", post(handler::mutate))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(app)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    if app.shutting_down.load(Ordering::Relaxed) {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    } else if !app.state.load().synced {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "namespace and SCC caches not synced\n",
        )
            .into_response()
    } else {
        "ok".into_response()
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.encode(),
    )
        .into_response()
}

/// Serves until `shutdown` resolves, then shuts down gracefully; returns when every
/// connection has finished (or the grace period ran out).
pub async fn serve(
    app: Arc<App>,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (config, current) = tls::load(&opts.tls)?;
    let rustls_config = RustlsConfig::from_config(config);
    let reload = tokio::spawn(tls::reload_loop(
        opts.tls.clone(),
        rustls_config.clone(),
        current,
        opts.reload_interval,
    ));
    let addr: SocketAddr = opts.listener.local_addr()?;
    opts.listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let acceptor = RustlsAcceptor::new(rustls_config).handshake_timeout(opts.handshake_timeout);
    let mut server = axum_server::from_tcp(opts.listener)?
        .acceptor(acceptor)
        .handle(handle.clone())
        .http1_only()
        .first_request_timeout(opts.header_timeout);
    server
        .http_builder()
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_timeout)
        .keep_alive(true);
    {
        let app = Arc::clone(&app);
        let handle = handle.clone();
        let (delay, grace) = (opts.shutdown_delay, opts.shutdown_grace);
        tokio::spawn(async move {
            shutdown.await;
            app.shutting_down.store(true, Ordering::Relaxed);
            tracing::info!(delay = ?delay, "shutdown requested: not ready; closing the listener after the delay");
            tokio::time::sleep(delay).await;
            tracing::info!(grace = ?grace, connections = handle.connection_count(), "closing the listener; finishing in-flight requests");
            handle.graceful_shutdown(Some(grace));
        });
    }
    tracing::info!(%addr, "serving /validate, /mutate, /healthz, /readyz, /metrics over HTTPS");
    let result = server.serve(router(app).into_make_service()).await;
    reload.abort();
    tracing::info!("server stopped");
    Ok(result?)
}
