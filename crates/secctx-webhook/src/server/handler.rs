//! The admission endpoints: read the body within the limits, check it is a JSON
//! AdmissionReview v1, decide on a task of its own (a panic becomes a 500, as PSA's
//! `HandleCrash`), answer HTTP 200 with the AdmissionReview. Transport errors are plain-text
//! 4xx with PSA's texts (spec §2.2).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::duration::parse_go_duration;
use super::{App, MAX_BODY_BYTES};
use crate::review::{self, AdmissionRequest};
use crate::validate::{self, Context};

/// Which webhook an endpoint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/validate`: Pod Security.
    Validate,
    /// `/mutate`: SCC admission.
    Mutate,
}

impl Endpoint {
    fn label(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

/// `POST /validate`.
pub async fn validate(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    admission(app, Endpoint::Validate, uri, headers, body).await
}

/// `POST /mutate`.
pub async fn mutate(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    admission(app, Endpoint::Mutate, uri, headers, body).await
}

/// A plain-text error as Go's `http.Error` writes it.
fn http_error(code: StatusCode, text: &str) -> Response {
    (
        code,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        format!("{text}\n"),
    )
        .into_response()
}

fn too_large() -> Response {
    http_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("request entity is too large; limit is {MAX_BODY_BYTES} bytes"),
    )
}

/// `?timeout=<Go duration>`; an invalid value is ignored (logged), as PSA does.
fn deadline(uri: &Uri, start: Instant) -> Option<Instant> {
    let query = uri.query()?;
    let value = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("timeout="))?;
    match parse_go_duration(value) {
        Ok(d) => Some(start + d),
        Err(e) => {
            tracing::debug!(error = %e, "ignoring invalid timeout");
            None
        }
    }
}

async fn admission(
    app: Arc<App>,
    endpoint: Endpoint,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let start = Instant::now();
    let response = answer(&app, endpoint, &uri, &headers, body, start).await;
    let code = response.status().as_u16();
    app.metrics
        .request(endpoint.label(), code, start.elapsed().as_secs_f64());
    response
}

async fn answer(
    app: &Arc<App>,
    endpoint: Endpoint,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    start: Instant,
) -> Response {
    let deadline = deadline(uri, start);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared == Some(0) {
        return http_error(StatusCode::BAD_REQUEST, "request body is empty");
    }
    if declared.is_some_and(|n| n >= MAX_BODY_BYTES as u64) {
        return too_large();
    }
    // PSA refuses a body that reaches the limit (its LimitedReader is then exhausted).
    let limited = Limited::new(body, MAX_BODY_BYTES - 1);
    let bytes = match tokio::time::timeout(app.body_timeout, limited.collect()).await {
        Err(_) => {
            tracing::warn!("request body not received within {:?}", app.body_timeout);
            return http_error(
                StatusCode::REQUEST_TIMEOUT,
                "timed out reading the request body",
            );
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "unable to read the body from the incoming request");
            return http_error(
                StatusCode::BAD_REQUEST,
                "unable to read the body from the incoming request",
            );
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    if bytes.is_empty() {
        return http_error(StatusCode::BAD_REQUEST, "request body is empty");
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != "application/json" {
        tracing::warn!(
            content_type,
            "unable to process a request with a non-json content type"
        );
        return http_error(
            StatusCode::BAD_REQUEST,
            "unable to process a request with a non-json content type",
        );
    }
    let request = match review::decode(&bytes) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "bad AdmissionReview");
            return http_error(StatusCode::BAD_REQUEST, &e.to_string());
        }
    };
    drop(bytes);
    // Decided on its own task: a panic in a decision answers 500 and the server carries on.
    let task = tokio::spawn(decide(Arc::clone(app), endpoint, request, deadline));
    match task.await {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "admission decision panicked");
            http_error(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
        }
    }
}

async fn decide(
    app: Arc<App>,
    endpoint: Endpoint,
    request: AdmissionRequest,
    deadline: Option<Instant>,
) -> Vec<u8> {
    let snapshot = app.state.load();
    let cx = Context {
        req: &request,
        snapshot: &snapshot,
        lookup: app.lookup.as_ref(),
        pods: app.pods.as_ref(),
        metrics: &app.metrics,
        deadline,
    };
    let mut response = match endpoint {
        Endpoint::Validate => validate::validate(&app.psa, &cx).await,
        Endpoint::Mutate => crate::mutate::mutate(&cx).await,
    };
    response.uid.clone_from(&request.uid);
    tracing::debug!(
        uid = %request.uid,
        endpoint = endpoint.label(),
        operation = %request.operation,
        resource = %request.resource.resource,
        namespace = %request.namespace,
        name = %request.name,
        dry_run = request.dry_run.unwrap_or(false),
        allowed = response.allowed,
        "admission"
    );
    if !response.allowed {
        tracing::info!(
            uid = %request.uid,
            endpoint = endpoint.label(),
            namespace = %request.namespace,
            name = %request.name,
            message = response.status.as_ref().map(|s| s.message.as_str()).unwrap_or(""),
            "denied"
        );
    }
    review::encode(&response)
}
