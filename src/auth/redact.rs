//! Redaction of captured exchanges, before any reporter sees them.
use crate::config::Secret;
use regex::Regex;
use std::sync::{Arc, LazyLock, RwLock};

/// Shorter values would blank out ordinary words and numbers all over a report.
const MIN_SECRET_LEN: usize = 4;
const MASK: &str = "***";

static FORM_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(client_secret|access_token|refresh_token|id_token|secret|password)=[^&\s]*")
        .expect("valid regex")
});
static JSON_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)"(client_secret|access_token|refresh_token|id_token|secret|webhook_secret|password)"(\s*:\s*)"(?:[^"\\]|\\.)*""#,
    )
    .expect("valid regex")
});

/// Replaces secret values in headers and text. Cheap to clone; clones share the known secrets,
/// so a token issued mid-run (see `AuthManager::redactor`) is redacted everywhere from then on.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    known: Arc<RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("known", &self.len())
            .finish()
    }
}

impl Redactor {
    pub fn new(secrets: Vec<Secret>) -> Redactor {
        let r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Learn one more secret value (and its form-urlencoded spelling, when that differs).
    pub fn add(&self, s: Secret) {
        let raw = s.expose();
        if raw.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let encoded: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        for v in [raw.to_string(), encoded] {
            if !known.contains(&v) {
                known.push(v);
            }
        }
        known.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// How many distinct values it replaces.
    pub fn len(&self) -> usize {
        self.known.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The known secret values.
    pub fn secrets(&self) -> Vec<Secret> {
        self.known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(Secret::new)
            .collect()
    }

    /// Sensitive headers get `***` (`Authorization` keeps its scheme: `Bearer ***`); every other
    /// value has known secrets replaced, e.g. a token echoed in a `Location`.
    pub fn headers(&self, h: &[(String, String)]) -> Vec<(String, String)> {
        h.iter()
            .map(|(name, value)| {
                let lname = name.to_ascii_lowercase();
                let v = if lname == "authorization" || lname == "proxy-authorization" {
                    match value.trim().split_once(char::is_whitespace) {
                        Some((scheme, rest)) if !rest.trim().is_empty() => {
                            format!("{scheme} {MASK}")
                        }
                        _ => MASK.to_string(),
                    }
                } else if is_sensitive_header(&lname) {
                    MASK.to_string()
                } else {
                    self.text(value)
                };
                (name.clone(), v)
            })
            .collect()
    }

    /// Every known secret value replaced by `***`; also `client_secret=…`/`access_token=…` form
    /// fields and `"access_token": "…"`-style JSON members, whatever their value.
    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        {
            let known = self.known.read().unwrap_or_else(|p| p.into_inner());
            for k in known.iter() {
                if out.contains(k.as_str()) {
                    out = out.replace(k.as_str(), MASK);
                }
            }
        }
        let out = FORM_FIELD.replace_all(&out, |c: &regex::Captures| format!("{}={MASK}", &c[1]));
        JSON_FIELD
            .replace_all(&out, |c: &regex::Captures| {
                format!("\"{}\"{}\"{MASK}\"", &c[1], &c[2])
            })
            .into_owned()
    }
}

/// Field names whose values are secret wherever they appear (JSON bodies, forms, captures).
pub fn is_sensitive_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ["secret", "token", "password", "api_key", "apikey"]
        .iter()
        .any(|p| l.contains(p))
}

/// `lname` is lowercase.
fn is_sensitive_header(lname: &str) -> bool {
    matches!(
        lname,
        "cookie" | "set-cookie" | "x-api-key" | "x-webhook-signature"
    ) || [
        "api-key",
        "api_key",
        "apikey",
        "token",
        "secret",
        "signature",
    ]
    .iter()
    .any(|p| lname.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn masks_sensitive_headers_and_keeps_the_scheme() {
        let r = Redactor::new(vec![Secret::new("tok-123456")]);
        let out = r.headers(&h(&[
            ("Authorization", "Bearer tok-123456"),
            ("proxy-authorization", "Basic dXNlcjpwYXNz"),
            ("Authorization", "opaque"),
            ("Cookie", "sid=abc"),
            ("Set-Cookie", "sid=abc; HttpOnly"),
            ("X-API-Key", "k"),
            ("X-Partner-Api-Key", "k"),
            ("X-CSRF-Token", "t"),
            ("X-Client-Secret", "s"),
            ("X-Webhook-Signature", "sha256=ab"),
            ("Location", "/cb?token=tok-123456"),
            ("Content-Type", "application/json"),
        ]));
        assert_eq!(
            out,
            h(&[
                ("Authorization", "Bearer ***"),
                ("proxy-authorization", "Basic ***"),
                ("Authorization", "***"),
                ("Cookie", "***"),
                ("Set-Cookie", "***"),
                ("X-API-Key", "***"),
                ("X-Partner-Api-Key", "***"),
                ("X-CSRF-Token", "***"),
                ("X-Client-Secret", "***"),
                ("X-Webhook-Signature", "***"),
                ("Location", "/cb?token=***"),
                ("Content-Type", "application/json"),
            ])
        );
    }

    #[test]
    fn replaces_known_secrets_and_token_fields_in_text() {
        let r = Redactor::new(vec![Secret::new("s3cr3t+/x"), Secret::new("abc")]);
        // Too short to redact safely: left alone.
        assert_eq!(r.text("abc"), "abc");
        assert_eq!(r.text("secret is s3cr3t+/x."), "secret is ***.");
        // The form-encoded spelling is known too.
        assert_eq!(r.text("x=s3cr3t%2B%2Fx"), "x=***");
        assert_eq!(
            r.text("grant_type=client_credentials&client_secret=unknown-value&scope=read"),
            "grant_type=client_credentials&client_secret=***&scope=read"
        );
        assert_eq!(
            r.text(r#"{"access_token": "eyJ.x\"y.z", "token_type":"Bearer","refresh_token":"r"}"#),
            r#"{"access_token": "***", "token_type":"Bearer","refresh_token":"***"}"#
        );
    }

    #[test]
    fn clones_share_secrets_added_later() {
        let r = Redactor::new(vec![]);
        let c = r.clone();
        r.add(Secret::new("late-token"));
        assert_eq!(c.text("got late-token"), "got ***");
        // A secret containing another one is replaced whole.
        r.add(Secret::new("late-token-and-more"));
        assert_eq!(c.text("late-token-and-more"), "***");
    }
}
