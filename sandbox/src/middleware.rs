//! What every `/api/v1` and `/sandbox/v1` request goes through: request id, bearer
//! auth, rate limits, and the final touches on the response (headers, error bodies).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{authenticate, Caller, Ctx};
use crate::error::{ApiError, ErrorPayload};
use crate::fault::Fault;
use crate::ratelimit::{Decision, Rule};
use crate::state::{SandboxState, Stats};

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's `X-Request-ID` if it is a UUID; otherwise `Err` with the id to use
/// (the value sent, or a fresh UUID).
fn request_id(headers: &HeaderMap) -> Result<String, String> {
    match headers.get(&X_REQUEST_ID).map(|v| v.to_str()) {
        Some(Ok(s)) if uuid::Uuid::parse_str(s.trim()).is_ok() => Ok(s.to_owned()),
        Some(Ok(s)) if !s.is_empty() => Err(s.to_owned()),
        _ => Err(uuid::Uuid::new_v4().to_string()),
    }
}

/// [`request_id`] as the faults of `TRN-REQUEST-ID-REQUIRED` bend it.
fn api_request_id(state: &SandboxState, headers: &HeaderMap) -> Result<String, String> {
    let sent = headers
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty());
    match request_id(headers) {
        Err(id) if sent.is_none() && state.has(Fault::RequestIdOptional) => Ok(id),
        Err(id) if sent.is_some() && state.has(Fault::RequestIdAnyString) => Ok(id),
        Err(_) if sent.is_some() && state.has(Fault::RequestIdInvalidReplaced) => {
            Err(uuid::Uuid::new_v4().to_string())
        }
        other => other,
    }
}

fn host(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
}

/// Renders a pending error body with the request id, and turns axum's bare 405 into
/// the standard error.
pub fn finish_error(state: &SandboxState, resp: Response, request_id: &str) -> Response {
    let mut resp = resp;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && resp.extensions().get::<ErrorPayload>().is_none()
        && !state.has(Fault::MethodPlainBody)
    {
        let allow = resp.headers().get(header::ALLOW).cloned();
        resp = if state.has(Fault::MethodAsNotFound) {
            ApiError::NotFound("No such resource".into()).into_response()
        } else {
            ApiError::MethodNotAllowed(allow).into_response()
        };
    } else if resp.status() == StatusCode::BAD_REQUEST
        && resp.extensions().get::<ErrorPayload>().is_none()
    {
        // An axum extractor rejection (only `Path` can reject here): keep the standard body.
        resp = ApiError::validation("path", "invalid path parameter").into_response();
    }
    let Some(payload) = resp.extensions_mut().remove::<ErrorPayload>() else {
        return resp;
    };
    let generated = uuid::Uuid::new_v4().to_string();
    let id = if state.has(Fault::ErrorRequestIdGenerated) {
        Some(generated.as_str())
    } else {
        (!state.has(Fault::ErrorMissingRequestId)).then_some(request_id)
    };
    let mut body = payload.render(id, state.has(Fault::ValidationFieldPaths));
    crate::error::distort(state, &mut body);
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    *resp.body_mut() = Body::from(bytes);
    resp
}

fn rate_headers(state: &SandboxState, resp: &mut Response, d: &Decision) {
    let h = resp.headers_mut();
    let reset_in = i64::try_from(d.reset_in).unwrap_or(i64::MAX / 2);
    let reset = if state.has(Fault::RatelimitResetRelative) {
        reset_in
    } else if state.has(Fault::RatelimitResetMs) {
        (crate::util::unix_now() + reset_in).saturating_mul(1000)
    } else {
        crate::util::unix_now() + reset_in
    };
    let limit = if state.has(Fault::RatelimitLimitShowsCapacity) {
        d.capacity
    } else {
        u64::from(d.limit)
    };
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    let remaining = if state.has(Fault::RatelimitRemainingBeforeTake) && d.allowed {
        d.remaining + 1
    } else {
        d.remaining
    };
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
}

/// An answer decided before the body was read (401, 403, 429, a bad request id): the body is
/// still read and thrown away first, so the client finishes sending and reads the answer; a
/// body too large to drain closes the connection instead.
async fn early_answer(req: Request, mut resp: Response) -> Response {
    if !crate::util::drain(req.into_body(), crate::util::DRAIN_CAP).await {
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    resp
}

/// The `/api/v1` layer.
pub async fn api(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    if state.has(Fault::Latency) {
        tokio::time::sleep(state.inner.config.latency).await;
    }
    let rid = api_request_id(&state, req.headers());
    let request_id = match &rid {
        Ok(id) | Err(id) => id.clone(),
    };
    let mut decision = None;
    let mut req = req;
    if state.has(Fault::BodyBeforeAuth)
        && req.method() == axum::http::Method::POST
        && req.uri().path().trim_end_matches('/') == "/api/v1/orders"
    {
        let (parts, body) = req.into_parts();
        match crate::orders::read_json(&state, &parts.headers, body, true).await {
            Ok(v) => {
                let bytes = serde_json::to_vec(&v).unwrap_or_default();
                req = Request::from_parts(parts, Body::from(bytes));
            }
            Err(e) => {
                let resp = finish_error(&state, e.into_response(), &request_id);
                return finish_api(&state, resp, &request_id, None);
            }
        }
    }
    let resp = match authenticate(&state, req.headers()) {
        Err(e) => early_answer(req, e.into_response()).await,
        Ok(caller) => {
            let mut rule = Rule::of(req.method(), req.uri().path());
            if rule == Rule::Search && state.has(Fault::RatelimitSingleRule) {
                rule = Rule::ReadOrders;
            }
            let bucket_key = if state.has(Fault::RatelimitSharedAcrossClients) {
                ""
            } else if state.has(Fault::RatelimitPerToken) {
                caller.token.as_str()
            } else {
                caller.client_id.as_str()
            };
            let d = state.inner.limiter.check(bucket_key, rule);
            decision = Some(d);
            if !d.allowed {
                Stats::bump(&state.inner.stats.rate_limited);
                let secs = if state.has(Fault::RetryAfterFloor) {
                    d.retry_after_exact.floor() as u64
                } else {
                    d.retry_after.max(1)
                };
                let answer = ApiError::RateLimited {
                    retry_after: if state.has(Fault::RetryAfterMs) {
                        secs * 1000
                    } else {
                        secs
                    },
                    show_retry_after: !state.has(Fault::Ratelimit429Body),
                }
                .into_response();
                early_answer(req, answer).await
            } else if rid.is_err() {
                let answer =
                    ApiError::validation("headers.X-Request-ID", "is required and must be a UUID")
                        .into_response();
                early_answer(req, answer).await
            } else {
                pass_on(req, next, caller).await
            }
        }
    };
    let resp = finish_error(&state, resp, &request_id);
    finish_api(&state, resp, &request_id, decision)
}

/// The headers every `/api/v1` answer carries.
fn finish_api(
    state: &SandboxState,
    mut resp: Response,
    request_id: &str,
    decision: Option<Decision>,
) -> Response {
    let is_error = resp.status().is_client_error() || resp.status().is_server_error();
    let version_off = state.has(Fault::ApiVersionMissing)
        || (is_error && state.has(Fault::ApiVersionMissingOnErrors));
    if !version_off {
        resp.headers_mut()
            .insert("x-api-version", HeaderValue::from_static("1"));
    }
    if !state.has(Fault::RequestIdNotEchoed) {
        let echoed = if state.has(Fault::RequestIdEchoLowercased) {
            request_id.to_ascii_lowercase()
        } else {
            request_id.to_owned()
        };
        if let Ok(v) = HeaderValue::from_str(&echoed) {
            resp.headers_mut().insert(X_REQUEST_ID, v);
        }
    }
    let rate_headers_off = state.has(Fault::RatelimitHeadersMissing)
        || (is_error && state.has(Fault::RatelimitHeadersOnSuccessOnly));
    if let Some(d) = decision.filter(|_| !rate_headers_off) {
        rate_headers(state, &mut resp, &d);
    }
    resp
}

/// The `/sandbox/v1` layer: bearer auth with scope `write`; no request id needed, no
/// rate limit.
pub async fn controls(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    let rid = request_id(req.headers());
    let request_id = match &rid {
        Ok(id) | Err(id) => id.clone(),
    };
    let resp = match authenticate(&state, req.headers()) {
        Err(e) => early_answer(req, e.into_response()).await,
        Ok(_) if rid.is_err() && state.has(Fault::SandboxRequiresRequestId) => {
            let answer =
                ApiError::validation("headers.X-Request-ID", "is required and must be a UUID")
                    .into_response();
            early_answer(req, answer).await
        }
        Ok(caller)
            if !caller.scopes.iter().any(|s| s == "write")
                && !state.has(Fault::SandboxScopeNotEnforced) =>
        {
            early_answer(req, ApiError::Forbidden("write").into_response()).await
        }
        Ok(caller) => {
            // The `sandbox-rate-limited` fault: a control takes a token from the caller's
            // "anything else" bucket, the one its `/api/v1/webhooks` calls use.
            let refused = state
                .has(Fault::SandboxRateLimited)
                .then(|| state.inner.limiter.check(&caller.client_id, Rule::Other))
                .filter(|d| !d.allowed);
            if let Some(d) = refused {
                Stats::bump(&state.inner.stats.rate_limited);
                let answer = ApiError::RateLimited {
                    retry_after: d.retry_after.max(1),
                    show_retry_after: true,
                }
                .into_response();
                early_answer(req, answer).await
            } else {
                pass_on(req, next, caller).await
            }
        }
    };
    let mut resp = finish_error(&state, resp, &request_id);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(X_REQUEST_ID, v);
    }
    resp
}

/// Unknown paths outside `/api/v1` and `/sandbox/v1`.
pub async fn not_found(State(state): State<SandboxState>, req: Request) -> Response {
    let request_id = match request_id(req.headers()) {
        Ok(id) | Err(id) => id,
    };
    let resp = ApiError::NotFound(format!("No route for {}", req.uri().path())).into_response();
    finish_error(&state, resp, &request_id)
}

/// Unknown paths inside `/api/v1` and `/sandbox/v1` (after their layer ran).
pub async fn not_found_inner(State(state): State<SandboxState>, req: Request) -> Response {
    if state.has(Fault::UnknownPathPlainBody) && req.uri().path().starts_with("/api/v1") {
        return StatusCode::NOT_FOUND.into_response();
    }
    ApiError::NotFound(format!("No route for {}", req.uri().path())).into_response()
}

/// Hands an admitted request to its handler, with the caller and host it needs.
async fn pass_on(mut req: Request, next: Next, caller: Caller) -> Response {
    let ctx = Ctx {
        caller,
        host: host(req.headers()),
    };
    req.extensions_mut().insert(ctx);
    next.run(req).await
}
