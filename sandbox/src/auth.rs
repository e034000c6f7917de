//! OAuth 2.0 client credentials (contract §2): the token endpoint and bearer checks.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use crate::error::{ApiError, OAuthError};
use crate::fault::Fault;
use crate::state::{lock, SandboxState, Stats, TokenInfo};

/// Who is calling, as proven by a bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub scopes: Vec<String>,
    /// The bearer token itself (what the `ratelimit-per-token` fault keys buckets by).
    pub token: String,
}

/// Per-request context put into request extensions by the middleware.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub caller: Caller,
    pub host: Option<String>,
}

impl Ctx {
    /// 403 unless the token has `scope` (or the `scopes-not-enforced` fault is on).
    pub fn require(&self, state: &SandboxState, scope: &'static str) -> Result<(), ApiError> {
        let unchecked = state.has(Fault::ScopesNotEnforced)
            || (scope == "read" && state.has(Fault::ReadScopeNotEnforced));
        if unchecked || self.caller.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(scope))
        }
    }
}

/// Checks `Authorization: Bearer <token>`.
pub fn authenticate(state: &SandboxState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        if state.has(Fault::MissingToken403) {
            return Err(ApiError::Forbidden("read"));
        }
        return Err(ApiError::Unauthorized);
    };
    let invalid = || {
        if state.has(Fault::UnknownToken403) {
            ApiError::Forbidden("read")
        } else {
            ApiError::Unauthorized
        }
    };
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(invalid)?;
    let scheme_ok = if state.has(Fault::BearerLowercaseOnly) {
        scheme == "bearer"
    } else {
        scheme.eq_ignore_ascii_case("bearer")
    };
    if !scheme_ok {
        return Err(invalid());
    }
    let token = token.trim();
    let tokens = lock(&state.inner.tokens);
    let info = tokens.get(token).ok_or_else(invalid)?;
    let expires_at = if state.has(Fault::TokenExpiryDoubled) {
        info.expires_at + state.inner.config.token_ttl
    } else {
        info.expires_at
    };
    if Instant::now() >= expires_at && !state.has(Fault::TokenExpiryIgnored) {
        return Err(ApiError::Unauthorized);
    }
    Ok(Caller {
        client_id: info.client_id.clone(),
        scopes: info.scopes.clone(),
        token: token.to_owned(),
    })
}

/// `POST /oauth/token`.
pub async fn token(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    Stats::bump(&state.inner.stats.token_requests);
    match issue(&state, &headers, &body) {
        Ok(resp) => resp,
        Err(e @ OAuthError::InvalidClient { .. }) if state.has(Fault::InvalidClient400) => {
            let mut resp = e.into_response();
            *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            resp
        }
        Err(e) => e.into_response(),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<Option<(String, String)>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let parsed = (|| {
        let decoded = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
        Some((form_decode(id), form_decode(secret)))
    })();
    Some(parsed)
}

fn form_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn issue(state: &SandboxState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let mut params = std::collections::HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        params
            .entry(k.into_owned())
            .or_insert_with(|| v.into_owned());
    }
    if state.has(Fault::GrantBeforeClient) {
        check_grant(state, &params)?;
    }
    // 1. The client.
    let basic = basic_credentials(headers);
    if basic.is_some() && state.has(Fault::BasicAuthUnsupported) {
        return Err(OAuthError::InvalidClient { basic: true });
    }
    let used_basic = basic.is_some();
    let (client_id, secret) = match basic {
        Some(Some(creds)) => creds,
        Some(None) => return Err(OAuthError::InvalidClient { basic: true }),
        None => match (params.get("client_id"), params.get("client_secret")) {
            (Some(id), Some(secret)) => (id.clone(), secret.clone()),
            _ => return Err(OAuthError::InvalidClient { basic: false }),
        },
    };
    let client = state
        .inner
        .config
        .clients
        .iter()
        .find(|c| c.client_id == client_id && c.client_secret == secret)
        .ok_or(OAuthError::InvalidClient { basic: used_basic })?;
    // 2. The grant.
    check_grant(state, &params)?;
    // 3. The scope.
    let asked = params.get("scope").map(String::as_str);
    let scopes = scopes_for(state, &client.scopes, asked)?;

    let token = crate::variant::access_token(state);
    let ttl = state.inner.config.token_ttl;
    let now = Instant::now();
    {
        let mut tokens = lock(&state.inner.tokens);
        // Forget tokens that expired long ago (kept a day for `token-expiry-ignored`).
        let horizon = Duration::from_secs(86_400);
        tokens.retain(|_, t| t.expires_at + horizon > now);
        tokens.insert(
            token.clone(),
            TokenInfo {
                client_id: client.client_id.clone(),
                scopes: scopes.clone(),
                expires_at: now
                    .checked_add(ttl)
                    .unwrap_or(now + Duration::from_secs(100 * 365 * 86_400)),
            },
        );
    }
    Stats::bump(&state.inner.stats.tokens_issued);
    let mut body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": scopes.join(" "),
    });
    if state.has(Fault::TokenExpiresInString) {
        body["expires_in"] = json!(ttl.as_secs().to_string());
    }
    if state.has(Fault::TokenScopeMissing) {
        if let Some(o) = body.as_object_mut() {
            o.remove("scope");
        }
    }
    let mut resp = axum::Json(body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(resp)
}

fn check_grant(
    state: &SandboxState,
    params: &std::collections::HashMap<String, String>,
) -> Result<(), OAuthError> {
    match params.get("grant_type").map(String::as_str) {
        None | Some("") if state.has(Fault::MissingGrantUnsupported) => {
            Err(OAuthError::UnsupportedGrantType)
        }
        None | Some("") => Err(OAuthError::InvalidRequest("grant_type is required")),
        Some("client_credentials") => Ok(()),
        Some(_) if state.has(Fault::UnsupportedGrantInvalidGrant) => Err(OAuthError::InvalidGrant),
        Some(_) => Err(OAuthError::UnsupportedGrantType),
    }
}

/// [`grant_scopes`] as the scope faults bend it.
fn scopes_for(
    state: &SandboxState,
    allowed: &[String],
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let asked: Vec<String> = requested
        .map(|s| {
            s.split(' ')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let known = |s: &String| s == "read" || s == "write";
    if asked.is_empty() && state.has(Fault::ScopeDefaultRead) {
        return Ok(vec!["read".to_owned()]);
    }
    let some_allowed = asked.iter().any(|s| allowed.contains(s));
    let some_refused = asked.iter().any(|s| !allowed.contains(s));
    if some_allowed && some_refused {
        if state.has(Fault::ScopeNarrowRejects) {
            return Err(OAuthError::InvalidScope);
        }
        if state.has(Fault::ScopeNarrowGrantsAll) {
            return Ok(asked.into_iter().filter(known).collect());
        }
    }
    match grant_scopes(allowed, requested) {
        Err(OAuthError::InvalidScope) if state.has(Fault::InvalidScopeIgnored) => {
            Ok(allowed.to_vec())
        }
        other => other,
    }
}

/// The scopes a token gets: those asked for that the client may have; all of the
/// client's when none are asked; `invalid_scope` when every asked one is refused.
pub fn grant_scopes(
    allowed: &[String],
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let asked: Vec<&str> = requested
        .map(|s| s.split(' ').filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    if asked.is_empty() {
        return Ok(allowed.to_vec());
    }
    let mut granted: Vec<String> = Vec::new();
    for s in asked {
        if allowed.iter().any(|a| a == s) && !granted.iter().any(|g| g == s) {
            granted.push(s.to_owned());
        }
    }
    if granted.is_empty() {
        Err(OAuthError::InvalidScope)
    } else {
        Ok(granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn scope_narrowing() {
        let rw = v(&["read", "write"]);
        let r = v(&["read"]);
        assert_eq!(grant_scopes(&rw, None), Ok(rw.clone()));
        assert_eq!(grant_scopes(&rw, Some("")), Ok(rw.clone()));
        assert_eq!(grant_scopes(&rw, Some("write")), Ok(v(&["write"])));
        assert_eq!(grant_scopes(&r, Some("read write")), Ok(v(&["read"])));
        assert_eq!(grant_scopes(&r, None), Ok(v(&["read"])));
        assert_eq!(
            grant_scopes(&r, Some("write")),
            Err(OAuthError::InvalidScope)
        );
        assert_eq!(
            grant_scopes(&rw, Some("admin")),
            Err(OAuthError::InvalidScope)
        );
    }

    #[test]
    fn basic_header_is_decoded() {
        let mut h = HeaderMap::new();
        let enc = STANDARD.encode("sandbox-client:sandbox-secret");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {enc}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&h),
            Some(Some(("sandbox-client".into(), "sandbox-secret".into())))
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_credentials(&h), Some(None));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(basic_credentials(&h), None);
    }
}
