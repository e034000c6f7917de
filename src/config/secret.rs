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
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
        || CREDENTIAL_HEADER_PARTS.is_match(name)
}

/// What in a header's name makes it a credential, found in any ASCII case (header names are
/// ASCII; every header of every exchange is looked at, so no lower-cased copy is made).
static CREDENTIAL_HEADER_PARTS: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "api-key",
                "api_key",
                "apikey",
                "token",
                "secret",
                "signature",
            ])
            .expect("valid patterns")
    });

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
    fn credential_headers_in_any_case() {
        for h in [
            "Authorization",
            "PROXY-AUTHORIZATION",
            "cookie",
            "Set-Cookie",
            "X-Api-Key",
            "x_API_key",
            "ApiKey",
            "X-Auth-Token",
            "X-Client-SECRET",
            "X-Webhook-Signature",
        ] {
            assert!(is_credential_header(h), "{h}");
        }
        for h in [
            "Content-Type",
            "X-Request-ID",
            "Accept",
            "Authorizations-Count",
            "Cookies",
        ] {
            assert!(!is_credential_header(h), "{h}");
        }
    }
    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }
}
