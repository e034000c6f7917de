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

/// The field names [`FORM_FIELD`] and [`JSON_FIELD`] look for, with the same (Unicode)
/// case-insensitivity: a text without any of them cannot match either.
static FIELD_NAMES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?i){}", FIELD_WORDS.join("|"))).expect("valid regex"));

/// The words of [`FIELD_NAMES`] (and of [`FIELD_NAMES_ASCII`]).
const FIELD_WORDS: [&str; 5] = [
    "secret",
    "access_token",
    "refresh_token",
    "id_token",
    "password",
];

/// [`FIELD_NAMES`] for ASCII text, with one Aho-Corasick pass (several times quicker than the
/// regex on the many short texts of a run): in ASCII text, Unicode case-insensitivity finds
/// exactly the ASCII case variants. Other text goes to the regex, which also knows `ſ` and `K`.
static FIELD_NAMES_ASCII: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(FIELD_WORDS)
        .expect("valid patterns")
});

fn has_field_name(s: &str) -> bool {
    if s.is_ascii() {
        FIELD_NAMES_ASCII.is_match(s)
    } else {
        FIELD_NAMES.is_match(s)
    }
}

/// Replaces secret values in headers and text. Cheap to clone; clones share the known secrets,
/// so a token issued mid-run (see `AuthManager::redactor`) is redacted everywhere from then on.
#[derive(Clone, Default)]
pub struct Redactor {
    known: Arc<RwLock<Known>>,
}

/// The secret values, and a matcher that finds any of them in one pass over a text.
#[derive(Default)]
struct Known {
    /// Longest first, so a secret containing another is replaced whole.
    values: Vec<String>,
    /// Finds any of `values` (`None` while there are none).
    any: Option<aho_corasick::AhoCorasick>,
    /// Finds any of `values` or of the field-name words, in any ASCII case, in one pass: the
    /// first look at an ASCII text (`None` while no value is known). A value found in another
    /// case only sends the text to the exact replacement, which then changes nothing.
    ascii_any: Option<aho_corasick::AhoCorasick>,
    /// Grows by one whenever a value is learned (see [`Redactor::generation`]).
    generation: u64,
}

impl Known {
    fn occurs_in(&self, s: &str) -> bool {
        self.any.as_ref().is_some_and(|ac| ac.is_match(s))
    }

    /// Whether [`Redactor::text`] may change anything in `s`: a known value or a field-name
    /// word occurs in it (in any ASCII case: a false alarm only costs the exact look).
    fn finds(&self, s: &str) -> bool {
        match &self.ascii_any {
            Some(both) if s.is_ascii() => both.is_match(s),
            _ => self.occurs_in(s) || has_field_name(s),
        }
    }
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
        // Known already (a bearer token is offered again with every request): nothing to do.
        {
            let known = self.known.read().unwrap_or_else(|p| p.into_inner());
            if known.values.iter().any(|v| v == raw) {
                return;
            }
        }
        let form: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
        let percent = form.replace('+', "%20");
        let json = serde_json::to_string(raw)
            .map(|q| q[1..q.len() - 1].to_string())
            .unwrap_or_default();
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        let before = known.values.len();
        for v in [raw.to_string(), form, percent, json] {
            if v.chars().count() >= MIN_SECRET_LEN && !known.values.contains(&v) {
                known.values.push(v);
            }
        }
        if known.values.len() == before {
            return;
        }
        known.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        // Without a prefilter: secrets are mostly hex and base64 (tokens, keys), whose bytes
        // are everywhere in recorded text (UUIDs, timestamps, ids), so a prefilter keeps
        // stopping and is three times slower than the plain automaton here.
        known.any = aho_corasick::AhoCorasick::builder()
            .prefilter(false)
            .build(&known.values)
            .ok();
        known.ascii_any = aho_corasick::AhoCorasick::builder()
            .prefilter(false)
            .ascii_case_insensitive(true)
            .build(known.values.iter().map(String::as_str).chain(FIELD_WORDS))
            .ok();
        known.generation += 1;
    }

    /// A number that grows whenever a secret is learned: a result scrubbed at generation `g`
    /// needs scrubbing again only when the generation is past `g`.
    pub fn generation(&self) -> u64 {
        self.known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .generation
    }

    /// Whether [`Redactor::text`] would change anything in `s`.
    fn finds_in(&self, s: &str) -> bool {
        self.known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .finds(s)
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
        // A quick look first: most results hold no secret and no secret-named field, and
        // looking at each of their strings where it lies is much cheaper than rebuilding them
        // as a tree. The walk below changes only strings (map keys included), and only the
        // ones this look finds something in.
        {
            let known = self.known.read().unwrap_or_else(|p| p.into_inner());
            if !super::strings::any_string(&*value, |s| known.finds(s)) {
                return;
            }
        }
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

    /// [`Redactor::scrub`] of a scenario's result that ran from generation `started_at` (its
    /// value of [`Redactor::generation`] before it recorded anything). The exchanges were
    /// redacted as they were recorded ([`Redactor::headers`], [`Redactor::text`] on every
    /// header name, value and body); when no secret was learned since the scenario started,
    /// they cannot hold one, and only the rest of the result (checks, logs, errors, webhook
    /// records) is looked at. Otherwise the whole result is.
    pub fn scrub_scenario(&self, r: &mut crate::results::ScenarioResult, started_at: u64) {
        if started_at != self.generation() {
            self.scrub(r);
            return;
        }
        let exchanges: Vec<Vec<crate::results::Exchange>> = r
            .steps
            .iter_mut()
            .map(|s| std::mem::take(&mut s.exchanges))
            .collect();
        self.scrub(r);
        for (step, kept) in r.steps.iter_mut().zip(exchanges) {
            step.exchanges = kept;
        }
    }

    /// Returns whether anything changed.
    fn scrub_value(&self, v: &mut Value) -> bool {
        match v {
            Value::String(s) => match self.text_if_needed(s) {
                Some(clean) if clean != *s => {
                    *s = clean;
                    true
                }
                _ => false,
            },
            Value::Array(a) => a.iter_mut().fold(false, |c, v| self.scrub_value(v) | c),
            Value::Object(m) => {
                let mut changed = false;
                let dirty: Vec<(String, String)> = m
                    .keys()
                    .filter_map(|k| {
                        self.text_if_needed(k)
                            .filter(|clean| clean != k)
                            .map(|clean| (k.clone(), clean))
                    })
                    .collect();
                for (k, clean) in dirty {
                    if let Some(v) = m.remove(&k) {
                        m.insert(clean, v);
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
        self.known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The known secret values.
    pub fn secrets(&self) -> Vec<Secret> {
        self.known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values
            .iter()
            .map(Secret::new)
            .collect()
    }

    /// Sensitive headers get `***` (`Authorization` keeps its scheme: `Bearer ***`); every other
    /// value has known secrets replaced, e.g. a token echoed in a `Location`.
    pub fn headers(&self, h: &[(String, String)]) -> Vec<(String, String)> {
        h.iter()
            .map(|(name, value)| {
                let v = if name.eq_ignore_ascii_case("authorization")
                    || name.eq_ignore_ascii_case("proxy-authorization")
                {
                    match value.trim().split_once(char::is_whitespace) {
                        Some((scheme, rest)) if !rest.trim().is_empty() => {
                            format!("{scheme} {MASK}")
                        }
                        _ => MASK.to_string(),
                    }
                } else if is_sensitive_header(name) {
                    MASK.to_string()
                } else {
                    self.text(value)
                };
                // A name is text from the other side too (a target may echo anything).
                (self.text(name), v)
            })
            .collect()
    }

    /// Every known secret value replaced by `***`; also `client_secret=…`/`access_token=…` form
    /// fields and `"access_token": "…"`-style JSON members, whatever their value.
    pub fn text(&self, s: &str) -> String {
        self.text_if_needed(s).unwrap_or_else(|| s.to_string())
    }

    /// [`Redactor::text`] when it may change `s` (one look decides), else `None`.
    fn text_if_needed(&self, s: &str) -> Option<String> {
        if !self.finds_in(s) {
            return None;
        }
        let mut out = s.to_string();
        {
            let known = self.known.read().unwrap_or_else(|p| p.into_inner());
            for k in known.values.iter() {
                if out.contains(k.as_str()) {
                    out = out.replace(k.as_str(), MASK);
                }
            }
        }
        let out = FORM_FIELD.replace_all(&out, |c: &regex::Captures| format!("{}={MASK}", &c[1]));
        let out = JSON_FIELD
            .replace_all(&out, |c: &regex::Captures| {
                format!("\"{}\"{}\"{MASK}\"", &c[1], &c[2])
            })
            .into_owned();
        Some(out)
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
    fn one_look_finds_secrets_and_field_names_and_replaces_exactly() {
        let r = Redactor::new(vec![Secret::new("AbCdEf123456")]);
        // The first look is case-blind; the replacement is not.
        assert_eq!(r.text("x AbCdEf123456 y"), "x *** y");
        assert_eq!(r.text("x abcdef123456 y"), "x abcdef123456 y");
        // Field names in any case, with a secret known (one pass) and in non-ASCII text.
        assert_eq!(r.text("Client_SECRET=v1"), "Client_SECRET=***");
        assert_eq!(r.text("é client_secret=v2"), "é client_secret=***");
        assert_eq!(r.text("é AbCdEf123456"), "é ***");
        assert_eq!(r.text("plain text"), "plain text");
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

    /// A scenario result whose one step has `actual` in a check and `body` as the response body.
    fn scenario_with(actual: &str, body: &str) -> crate::results::ScenarioResult {
        use crate::results::*;
        let at = crate::source::SourceLocation {
            file: "s.yaml".into(),
            line: 1,
            column: 1,
        };
        let step = StepResult {
            name: "step".into(),
            phase: Phase::Steps,
            location: at.clone(),
            outcome: Outcome::Passed,
            duration_ms: 1.0,
            error: None,
            checks: vec![CheckOutcome {
                status: CheckStatus::Passed,
                check: "status".into(),
                expected: "200".into(),
                actual: actual.into(),
                location: None,
                detail: None,
            }],
            exchanges: vec![Exchange {
                request: RecordedRequest {
                    method: "GET".into(),
                    url: "http://h/x".into(),
                    headers: Vec::new(),
                    body: None,
                    sent_at: String::new(),
                },
                response: Some(RecordedResponse {
                    status: 200,
                    headers: Vec::new(),
                    body: Some(body.into()),
                    truncated: false,
                    latency_ms: 1.0,
                }),
                error: None,
                operation: None,
            }],
            attempts: 1,
            waited_ms: 0.0,
            log: Vec::new(),
            rate_limit: RateLimitCounts::default(),
            warnings: Vec::new(),
        };
        ScenarioResult {
            id: "s".into(),
            name: "s".into(),
            file: "s.yaml".into(),
            suite: "s".into(),
            description: None,
            tags: Vec::new(),
            requires: Vec::new(),
            covers: Vec::new(),
            location: at,
            outcome: Outcome::Passed,
            reason: None,
            started_at: None,
            duration_ms: 1.0,
            steps: vec![step],
            webhooks: Vec::new(),
        }
    }

    #[test]
    fn scrub_scenario_looks_at_exchanges_only_when_a_secret_was_learned_since_it_started() {
        let r = Redactor::new(vec![Secret::new("known-secret")]);
        let exchange_body = |s: &crate::results::ScenarioResult| {
            s.steps[0].exchanges[0]
                .response
                .as_ref()
                .and_then(|x| x.body.clone())
                .unwrap_or_default()
        };
        // Nothing learned since the start: the exchanges were redacted when recorded (this one
        // was made by hand, unredacted, to show they are not looked at again); the rest is.
        let started = r.generation();
        let mut s = scenario_with("got known-secret", "body known-secret");
        r.scrub_scenario(&mut s, started);
        assert_eq!(s.steps[0].checks[0].actual, "got ***");
        assert_eq!(exchange_body(&s), "body known-secret");
        // A secret learned meanwhile: the exchanges are scrubbed too, and come back in place.
        let started = r.generation();
        r.add(Secret::new("late-secret"));
        let mut s = scenario_with("got late-secret", "body late-secret");
        r.scrub_scenario(&mut s, started);
        assert_eq!(s.steps[0].checks[0].actual, "got ***");
        assert_eq!(exchange_body(&s), "body ***");
        assert_eq!(s.steps[0].exchanges.len(), 1);
        // What the skipped look relies on: header names are redacted when recorded, too.
        r.add(Secret::new("hunter22"));
        let h = r.headers(&[("x-hunter22".to_string(), "v".to_string())]);
        assert_eq!(h, vec![("x-***".to_string(), "v".to_string())]);
    }

    #[test]
    fn the_quick_field_name_look_agrees_with_the_regex() {
        for t in [
            "plain text",
            "x=1&CLIENT_SECRET=a",
            "{\"Access_Token\": \"v\"}",
            "Password",
            "id_tokens",
            "refresh-token",
            "ſecret=1",
            "\u{212A}ey",
            "päßword secret",
            "",
        ] {
            assert_eq!(has_field_name(t), FIELD_NAMES.is_match(t), "{t}");
        }
        // The long s is an `s` to the case-insensitive patterns, so it is redacted.
        let r = Redactor::new(vec![]);
        assert_eq!(r.text("ſecret=abc"), "ſecret=***");
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

    #[test]
    fn the_quick_look_misses_nothing_the_full_walk_finds() {
        #[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Doc {
            body: String,
            nested: Vec<std::collections::BTreeMap<String, String>>,
        }
        let doc = |body: &str, key: &str, value: &str| Doc {
            body: body.into(),
            nested: vec![[(key.to_string(), value.to_string())].into()],
        };
        let r = Redactor::new(vec![Secret::new("tok-123456")]);
        // Nothing to find: left as it is.
        let mut d = doc("plain", "k", "v");
        r.scrub(&mut d);
        assert_eq!(d, doc("plain", "k", "v"));
        // A secret in a value, in a map key, a secret-named field in text (any case, also
        // Unicode case folding: U+017F is an `s`) and a JSON member in a body kept as text.
        for (before, after) in [
            (doc("x tok-123456 y", "k", "v"), doc("x *** y", "k", "v")),
            (doc("", "tok-123456", "v"), doc("", "***", "v")),
            (
                doc("a=1&PASSWORD=hunter22", "k", "v"),
                doc("a=1&PASSWORD=***", "k", "v"),
            ),
            (
                doc("\u{17f}ecret=abcdef", "k", "v"),
                doc("\u{17f}ecret=***", "k", "v"),
            ),
            (
                doc(r#"{"access_token": "eyJ.x"}"#, "k", "v"),
                doc(r#"{"access_token": "***"}"#, "k", "v"),
            ),
        ] {
            let mut d = before;
            r.scrub(&mut d);
            assert_eq!(d, after);
        }
        // A secret with a character JSON escapes, inside JSON kept as text: the quick look
        // sees the string as it is, where the secret shows JSON-escaped (a spelling learned
        // with it), and the walk replaces it.
        let q = Redactor::new(vec![Secret::new(r#"pa"ss\word"#)]);
        let mut d = doc(r#"{"k": "pa\"ss\\word"}"#, "k", "v");
        q.scrub(&mut d);
        assert_eq!(d, doc(r#"{"k": "***"}"#, "k", "v"));
    }

    #[test]
    fn the_generation_grows_with_each_secret_learned() {
        let r = Redactor::new(vec![Secret::new("first-secret")]);
        let g = r.generation();
        r.add(Secret::new("first-secret"));
        assert_eq!(r.generation(), g, "a secret already known is not new");
        r.add(Secret::new("ab"));
        assert_eq!(r.generation(), g, "too short to be redacted");
        r.clone().add(Secret::new("second-secret"));
        assert_eq!(r.generation(), g + 1);
    }
}
