//! Secrets are a type: they print as `***` everywhere, so no reporter can leak one by accident.
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The real value, for the one place that must send it (an HTTP header, a form field).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Whether a header's name says its value is a credential (`Authorization`, `Cookie`,
/// `X-API-Key`, anything with `token`, `secret` or `signature` in it): such a value is secret
/// even when it is written literally in `conform.yaml`.
pub fn is_credential_header(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || [
        "api-key",
        "api_key",
        "apikey",
        "token",
        "secret",
        "signature",
    ]
    .iter()
    .any(|p| l.contains(p))
}

/// Whether a variable's name says its value is a credential: `client_secret`, `api_key`,
/// `password`, `access_token` (but not `client_id` or `token_url`).
pub fn is_secret_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l == "token"
        || l.ends_with("secret")
        || l.ends_with("_token")
        || l.ends_with("password")
        || l.contains("api_key")
        || l.contains("apikey")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }
}
