//! Redaction of captured exchanges, before any reporter sees them.
use crate::config::Secret;
use regex::Regex;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
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

    /// Learn one more secret value, with the other spellings it takes in output: form- and
    /// percent-encoded (URLs, form bodies) and JSON-escaped (results, bodies).
    pub fn add(&self, s: Secret) {
        let raw = s.expose();
        if raw.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let form: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        let percent = form.replace('+', "%20");
        let json = serde_json::to_string(raw)
            .map(|q| q[1..q.len() - 1].to_string())
            .unwrap_or_default();
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        for v in [raw.to_string(), form, percent, json] {
            if v.chars().count() >= MIN_SECRET_LEN && !known.contains(&v) {
                known.push(v);
            }
        }
        known.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Learns the values of secret-named members (`secret`, `client_secret`, `access_token`,
    /// `password`, `api_key`, ...) anywhere in a JSON document the target sent: a webhook secret
    /// or a token the target hands out is then redacted wherever it shows up later (check
    /// messages, captures, URLs), not only in that body.
    pub fn learn_from_json(&self, v: &Value) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match v {
                        Value::String(s) if is_secret_member(k) => self.add(Secret::new(s)),
                        _ => self.learn_from_json(v),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| self.learn_from_json(v)),
            _ => {}
        }
    }

    /// Redacts every string inside `value` (any results type: a scenario's, a whole run's),
    /// map keys included. Applied to results before any reporter sees them, so whatever a
    /// future field holds, a known secret cannot reach a report through it.
    pub fn scrub<T: Serialize + DeserializeOwned>(&self, value: &mut T) {
        let Ok(mut tree) = serde_json::to_value(&*value) else {
            return;
        };
        if !self.scrub_value(&mut tree) {
            return;
        }
        if let Ok(clean) = serde_json::from_value(tree) {
            *value = clean;
        }
    }

    /// Returns whether anything changed.
    fn scrub_value(&self, v: &mut Value) -> bool {
        match v {
            Value::String(s) => {
                let clean = self.text(s);
                let changed = clean != *s;
                *s = clean;
                changed
            }
            Value::Array(a) => a.iter_mut().fold(false, |c, v| self.scrub_value(v) | c),
            Value::Object(m) => {
                let mut changed = false;
                let dirty: Vec<String> =
                    m.keys().filter(|k| self.text(k) != **k).cloned().collect();
                for k in dirty {
                    if let Some(v) = m.remove(&k) {
                        m.insert(self.text(&k), v);
                        changed = true;
                    }
                }
                for v in m.values_mut() {
                    changed |= self.scrub_value(v);
                }
                changed
            }
            _ => false,
        }
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

/// JSON members whose string value is a secret the target handed out (stricter than
/// [`is_sensitive_name`]: `token_type` or `secret_rotated_at` are not secrets).
fn is_secret_member(name: &str) -> bool {
    crate::config::is_secret_name(name)
}

/// `lname` is lowercase.
fn is_sensitive_header(lname: &str) -> bool {
    crate::config::is_credential_header(lname)
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
    fn learns_secrets_the_target_hands_out_and_scrubs_every_string() {
        let r = Redactor::new(vec![Secret::new("s3cr3t value")]);
        r.learn_from_json(&serde_json::json!({
            "webhook_id": "wh_1",
            "token_type": "Bearer",
            "data": [{"secret": "whsec_abcdef123456"}]
        }));
        assert_eq!(r.text("whsec_abcdef123456 Bearer wh_1"), "*** Bearer wh_1");
        // Percent- and JSON-escaped spellings are known too.
        assert_eq!(r.text("/x?k=s3cr3t%20value"), "/x?k=***");
        let mut doc = serde_json::json!({
            "url": "http://h/x?key=s3cr3t+value",
            "checks": [{"expected": "^whsec_", "actual": "\"whsec_abcdef123456\""}],
            "s3cr3t value": 1
        });
        r.scrub(&mut doc);
        assert_eq!(
            doc,
            serde_json::json!({
                "url": "http://h/x?key=***",
                "checks": [{"expected": "^whsec_", "actual": "\"***\""}],
                "***": 1
            })
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
