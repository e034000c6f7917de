//! The standard error body of the contract (§3) and the OAuth error bodies (RFC 6749 §5.2).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// One entry of `details`: which field, what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    pub field: String,
    pub error: String,
}

impl Detail {
    pub fn new(field: impl Into<String>, error: impl Into<String>) -> Self {
        Detail {
            field: field.into(),
            error: error.into(),
        }
    }
}

/// Every error an `/api/v1` or `/sandbox/v1` operation can answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("Request validation failed")]
    Validation(Vec<Detail>),
    #[error("Customer not found or inactive")]
    InvalidCustomer(String),
    #[error("Invalid or expired access token")]
    Unauthorized,
    #[error("The access token lacks scope `{0}`")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Method not allowed")]
    MethodNotAllowed(Option<HeaderValue>),
    #[error("Request body exceeds 1 MiB")]
    PayloadTooLarge,
    /// Too large, and too large to drain: the answer closes the connection.
    #[error("Request body exceeds 1 MiB")]
    PayloadTooLargeClose,
    #[error("Insufficient inventory")]
    InsufficientInventory(Vec<Detail>),
    #[error("Payment was declined")]
    PaymentFailed,
    #[error("Order with this idempotency key already exists")]
    DuplicateOrder { existing_order_id: String },
    #[error("Rate limit exceeded")]
    RateLimited {
        retry_after: u64,
        /// False under the `ratelimit-429-body` fault.
        show_retry_after: bool,
    },
    #[error("Unexpected server error")]
    Internal,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::InvalidCustomer(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_)
            | ApiError::InsufficientInventory(_)
            | ApiError::DuplicateOrder { .. } => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge | ApiError::PayloadTooLargeClose => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::PaymentFailed => StatusCode::PAYMENT_REQUIRED,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "VALIDATION_ERROR",
            ApiError::InvalidCustomer(_) => "INVALID_CUSTOMER",
            ApiError::Unauthorized => "UNAUTHORIZED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::MethodNotAllowed(_) => "METHOD_NOT_ALLOWED",
            ApiError::PayloadTooLarge | ApiError::PayloadTooLargeClose => "PAYLOAD_TOO_LARGE",
            ApiError::InsufficientInventory(_) => "INSUFFICIENT_INVENTORY",
            ApiError::PaymentFailed => "PAYMENT_FAILED",
            ApiError::DuplicateOrder { .. } => "DUPLICATE_ORDER",
            ApiError::RateLimited { .. } => "RATE_LIMIT_EXCEEDED",
            ApiError::Internal => "INTERNAL_ERROR",
        }
    }

    pub fn validation(field: impl Into<String>, error: impl Into<String>) -> Self {
        ApiError::Validation(vec![Detail::new(field, error)])
    }

    /// The body without `request_id` and `timestamp`; the middleware adds those.
    fn payload(&self) -> ErrorPayload {
        let mut fields = Map::new();
        fields.insert("error_code".into(), json!(self.code()));
        fields.insert("message".into(), json!(self.to_string()));
        match self {
            // No details at all only under the `malformed-json-no-details` fault.
            ApiError::Validation(d) | ApiError::InsufficientInventory(d) if !d.is_empty() => {
                fields.insert("details".into(), json!(d));
            }
            ApiError::DuplicateOrder { existing_order_id } => {
                fields.insert("existing_order_id".into(), json!(existing_order_id));
            }
            ApiError::RateLimited {
                retry_after,
                show_retry_after: true,
            } => {
                fields.insert("retry_after".into(), json!(retry_after));
            }
            _ => {}
        }
        ErrorPayload { fields }
    }
}

/// The error body, kept as a response extension until the middleware that knows the
/// request's id renders it.
#[derive(Debug, Clone)]
pub struct ErrorPayload {
    pub fields: Map<String, Value>,
}

impl ErrorPayload {
    /// Renders the final body. `request_id: None` leaves it out (a fault).
    pub fn render(
        &self,
        request_id: Option<&str>,
        bare_field_names: bool,
    ) -> serde_json::Map<String, Value> {
        let mut out = self.fields.clone();
        if bare_field_names {
            if let Some(Value::Array(details)) = out.get_mut("details") {
                for d in details {
                    if let Some(Value::String(field)) = d.get_mut("field") {
                        *field = bare_name(field);
                    }
                }
            }
        }
        if let Some(id) = request_id {
            out.insert("request_id".into(), json!(id));
        }
        out.insert("timestamp".into(), json!(crate::util::rfc3339_now()));
        out
    }
}

/// The faults that bend a rendered `/api/v1` error body.
pub fn distort(state: &crate::state::SandboxState, body: &mut Map<String, Value>) {
    use crate::fault::Fault;
    let code = body
        .get("error_code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if code == "RATE_LIMIT_EXCEEDED" && state.has(Fault::Ratelimit429Code) {
        body.insert("error_code".into(), json!("TOO_MANY_REQUESTS"));
    }
    if code == "DUPLICATE_ORDER" && state.has(Fault::DuplicateNoExistingId) {
        body.remove("existing_order_id");
    }
    if state.has(Fault::ErrorTimestampUnix) {
        body.insert("timestamp".into(), json!(crate::util::unix_now()));
    }
    if let Some(Value::Array(details)) = body.get_mut("details") {
        if code == "VALIDATION_ERROR" && state.has(Fault::ValidationFirstErrorOnly) {
            details.truncate(1);
        }
        if state.has(Fault::FieldPathsOneBased) {
            for d in details.iter_mut() {
                if let Some(Value::String(field)) = d.get_mut("field") {
                    *field = one_based(field);
                }
            }
        }
    }
    if state.has(Fault::ErrorDetailsObject) {
        if let Some(Value::Array(details)) = body.get("details") {
            let map: Map<String, Value> = details
                .iter()
                .filter_map(|d| {
                    Some((
                        d.get("field")?.as_str()?.to_owned(),
                        d.get("error")?.clone(),
                    ))
                })
                .collect();
            body.insert("details".into(), Value::Object(map));
        }
    }
}

/// `items[0].quantity` → `items[1].quantity` (the `field-paths-one-based` fault).
pub fn one_based(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        match rest[..close].parse::<u64>() {
            Ok(n) => out.push_str(&(n + 1).to_string()),
            Err(_) => out.push_str(&rest[..close]),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// `items[0].quantity` → `quantity`, `headers.X-Request-ID` → `X-Request-ID`.
pub fn bare_name(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    match last.find('[') {
        Some(i) if i > 0 => last[..i].to_owned(),
        _ => last.to_owned(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let payload = self.payload();
        let body = Value::Object(payload.render(None, false));
        let mut resp = (self.status(), axum::Json(body)).into_response();
        match &self {
            ApiError::Unauthorized => {
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::PayloadTooLargeClose => {
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            ApiError::MethodNotAllowed(Some(allow)) => {
                resp.headers_mut().insert(header::ALLOW, allow.clone());
            }
            ApiError::RateLimited {
                retry_after,
                show_retry_after: true,
            } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        resp.extensions_mut().insert(payload);
        resp
    }
}

/// RFC 6749 §5.2 error of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("Client authentication failed")]
    InvalidClient { basic: bool },
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("Only grant_type=client_credentials is supported")]
    UnsupportedGrantType,
    /// Only under the `unsupported-grant-invalid-grant` fault.
    #[error("The grant is not valid")]
    InvalidGrant,
    #[error("The requested scope is not allowed for this client")]
    InvalidScope,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let (status, code) = match self {
            OAuthError::InvalidClient { .. } => (StatusCode::UNAUTHORIZED, "invalid_client"),
            OAuthError::InvalidGrant => (StatusCode::BAD_REQUEST, "invalid_grant"),
            OAuthError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            OAuthError::UnsupportedGrantType => (StatusCode::BAD_REQUEST, "unsupported_grant_type"),
            OAuthError::InvalidScope => (StatusCode::BAD_REQUEST, "invalid_scope"),
        };
        let body = json!({"error": code, "error_description": self.to_string()});
        let mut resp = (status, axum::Json(body)).into_response();
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let OAuthError::InvalidClient { basic: true } = self {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"conform-sandbox\""),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names() {
        assert_eq!(bare_name("items[0].quantity"), "quantity");
        assert_eq!(bare_name("shipping_address.postal_code"), "postal_code");
        assert_eq!(bare_name("items[3]"), "items");
        assert_eq!(bare_name("customer_id"), "customer_id");
        assert_eq!(bare_name("headers.X-Request-ID"), "X-Request-ID");
    }

    #[test]
    fn one_based_paths() {
        assert_eq!(one_based("items[0].quantity"), "items[1].quantity");
        assert_eq!(one_based("items[9]"), "items[10]");
        assert_eq!(one_based("customer_id"), "customer_id");
        assert_eq!(one_based("a[x].b"), "a[x].b");
    }

    #[test]
    fn payload_renders_request_id_and_details() {
        let e = ApiError::validation("items[0].quantity", "Must be between 1 and 999");
        let body = e.payload().render(Some("abc"), false);
        assert_eq!(body["error_code"], "VALIDATION_ERROR");
        assert_eq!(body["request_id"], "abc");
        assert_eq!(body["details"][0]["field"], "items[0].quantity");
        let bare = e.payload().render(None, true);
        assert!(bare.get("request_id").is_none());
        assert_eq!(bare["details"][0]["field"], "quantity");
    }
}
