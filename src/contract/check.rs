//! Checking one response (or one webhook payload) against the contract.
use super::document::{is_json, match_status, Coerce, Contract, ResponseSpec};
use super::operation::{path_only, OperationRef};
use super::schema::MAX_VIOLATIONS;
use super::undocumented::{undocumented, Undocumented};
use crate::results::CheckOutcome;
use serde_json::Value;

/// What the contract says about one response: the operation it was matched to and one check
/// per aspect (operation, status, content type, body, headers), passed ones included.
#[derive(Debug, Clone)]
pub struct ContractVerdict {
    pub operation: Option<OperationRef>,
    pub checks: Vec<CheckOutcome>,
    /// Body properties the response schema does not document: allowed (contract §1,
    /// additive changes), reported as warnings — or as failures when the run is strict.
    pub undocumented: Vec<Undocumented>,
}

impl ContractVerdict {
    /// Every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed())
    }
}

fn outcome(
    passed: bool,
    check: &str,
    expected: impl Into<String>,
    actual: impl Into<String>,
    detail: Option<String>,
) -> CheckOutcome {
    CheckOutcome {
        status: crate::results::CheckStatus::judged(passed),
        check: check.to_string(),
        expected: expected.into(),
        actual: actual.into(),
        location: None,
        detail,
    }
}

/// A response body and, when the caller has it, its parse as JSON.
#[derive(Clone, Copy)]
struct Body<'a> {
    raw: &'a [u8],
    json: Option<&'a Value>,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Lists violations, at most [`MAX_VIOLATIONS`] of them.
fn listed(mut lines: Vec<String>) -> String {
    let more = lines.len().saturating_sub(MAX_VIOLATIONS);
    lines.truncate(MAX_VIOLATIONS);
    if more > 0 {
        lines.push(format!("... and {more} more"));
    }
    lines.join("\n")
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 violation".into()
    } else {
        format!("{n} violations")
    }
}

/// The `Allow` of a 405 lists exactly the methods the path documents (order and case aside).
fn allow_check(methods: &[&str], allow: &str) -> CheckOutcome {
    let mut want: Vec<String> = methods.iter().map(|m| m.to_ascii_uppercase()).collect();
    let mut got: Vec<String> = allow
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect();
    want.sort();
    want.dedup();
    got.sort();
    got.dedup();
    // HEAD and OPTIONS are often answered implicitly; they may be listed without being documented.
    got.retain(|m| want.contains(m) || (m != "HEAD" && m != "OPTIONS"));
    let passed = got == want;
    outcome(
        passed,
        "contract allow",
        want.join(", "),
        allow,
        (!passed).then(|| "the Allow header of a 405 lists the methods the path documents".into()),
    )
}

impl Contract {
    /// Checks one response against the operation its method and path match: the status is
    /// documented (exactly, as a `4XX` range or as `default`), the content type is a documented
    /// media type, a JSON body is valid against that media type's schema, and the documented
    /// headers are present when required and valid when present. An undocumented operation is a
    /// failed check, except for the API-wide 404/405 answers of `x-global-responses`.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> ContractVerdict {
        self.check_response_parsed(method, path, status, headers, body, None)
    }

    /// [`Contract::check_response`] for a body the caller has already parsed as JSON (`json`
    /// is that parse of `body`; `None` parses it here when a schema needs it).
    pub fn check_response_parsed(
        &self,
        method: &str,
        path: &str,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        json: Option<&Value>,
    ) -> ContractVerdict {
        let body = Body { raw: body, json };
        let mut checks = Vec::new();
        let mut extra = Vec::new();
        if let Some(op) = self.find(method, path) {
            checks.push(outcome(
                true,
                "contract operation",
                "a documented operation",
                op.op.to_string(),
                None,
            ));
            let context = format!("operation {}", op.op);
            self.check_against(
                &context,
                &op.responses,
                status,
                headers,
                body,
                (&mut checks, &mut extra),
            );
            return ContractVerdict {
                operation: Some(op.op.clone()),
                checks,
                undocumented: extra,
            };
        }

        let path = path_only(path);
        let method = method.to_ascii_uppercase();
        let documented = self.methods_of(&path);
        let (global, name, why) = match &documented {
            None => (
                self.unknown_path.as_ref().filter(|_| status == 404),
                "unknownPath",
                format!("{method} {path}: no path of the contract matches"),
            ),
            Some((template, methods)) => (
                self.method_not_allowed.as_ref().filter(|_| status == 405),
                "methodNotAllowed",
                format!(
                    "{method} {path}: path {template} documents {} only",
                    methods.join(", ")
                ),
            ),
        };
        match global {
            Some(spec) => {
                checks.push(outcome(
                    true,
                    "contract operation",
                    "a documented operation",
                    format!("undocumented operation answered with the API-wide {status} (x-global-responses.{name})"),
                    Some(why),
                ));
                let context = format!("x-global-responses.{name} ({method} {path})");
                self.check_against(
                    &context,
                    std::slice::from_ref(spec),
                    status,
                    headers,
                    body,
                    (&mut checks, &mut extra),
                );
                if let (Some((_, methods)), Some(allow)) = (&documented, header(headers, "allow")) {
                    checks.push(allow_check(methods, allow));
                }
            }
            None => checks.push(outcome(
                false,
                "contract operation",
                "a documented operation",
                "undocumented operation",
                Some(why),
            )),
        }
        ContractVerdict {
            operation: None,
            checks,
            undocumented: extra,
        }
    }

    fn check_against(
        &self,
        context: &str,
        responses: &[ResponseSpec],
        status: u16,
        headers: &[(String, String)],
        body: Body<'_>,
        (checks, extra): (&mut Vec<CheckOutcome>, &mut Vec<Undocumented>),
    ) {
        // Status: exact, then the range (`4XX`), then `default`.
        let exact = status.to_string();
        let spec = match_status(responses, status);
        let documented: Vec<&str> = responses.iter().map(|r| r.key.as_str()).collect();
        let Some(spec) = spec else {
            checks.push(outcome(
                false,
                "contract status",
                format!("one of {}", documented.join(", ")),
                exact,
                Some(format!("{context}: status {status} is not documented")),
            ));
            return;
        };
        checks.push(outcome(
            true,
            "contract status",
            format!("one of {}", documented.join(", ")),
            exact,
            None,
        ));
        let at = format!("{context}, response {}", spec.key);

        self.check_content(&at, spec, headers, body, (checks, extra));
        self.check_headers(&at, spec, headers, checks);
    }

    fn check_content(
        &self,
        at: &str,
        spec: &ResponseSpec,
        headers: &[(String, String)],
        body: Body<'_>,
        (checks, extra): (&mut Vec<CheckOutcome>, &mut Vec<Undocumented>),
    ) {
        let Body { raw: body, json } = body;
        if spec.content.is_empty() {
            let empty = body.iter().all(u8::is_ascii_whitespace);
            checks.push(outcome(
                empty,
                "contract body",
                "no body (none documented)",
                if empty {
                    "no body".to_string()
                } else {
                    format!("a body of {} bytes", body.len())
                },
                (!empty).then(|| format!("{at}: documents no content")),
            ));
            return;
        }
        let documented: Vec<&str> = spec.content.iter().map(|m| m.media_type.as_str()).collect();
        let expected = documented.join(" or ");
        let Some(ct) = header(headers, "content-type") else {
            checks.push(outcome(
                false,
                "contract content-type",
                expected,
                "no Content-Type header",
                Some(at.to_string()),
            ));
            return;
        };
        let essence = ct
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let family = essence.split('/').next().unwrap_or_default().to_string();
        let media = spec
            .content
            .iter()
            .find(|m| m.media_type == essence)
            .or_else(|| {
                spec.content
                    .iter()
                    .find(|m| m.media_type == format!("{family}/*"))
            })
            .or_else(|| spec.content.iter().find(|m| m.media_type == "*/*"));
        let Some(media) = media else {
            checks.push(outcome(
                false,
                "contract content-type",
                expected,
                ct,
                Some(format!("{at}: {essence} is not a documented media type")),
            ));
            return;
        };
        checks.push(outcome(true, "contract content-type", expected, ct, None));

        let Some(schema) = &media.schema else { return };
        if !is_json(&media.media_type) && !is_json(&essence) {
            return;
        }
        let expected = format!("valid against {}", media.label);
        let at = format!("{at}, {}", media.media_type);
        let parsed;
        let json: &Value = match json {
            Some(v) => v,
            None => match serde_json::from_slice(body) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(e) => {
                    let actual = if body.is_empty() {
                        "an empty body".to_string()
                    } else {
                        format!("not JSON: {e}")
                    };
                    checks.push(outcome(false, "contract body", expected, actual, Some(at)));
                    return;
                }
            },
        };
        checks.push(self.schema_check("contract body", expected, &at, schema, json));
        extra.extend(self.undocumented_in(schema, json, &format!("{at} ({})", media.label)));
    }

    /// The properties of `instance` that the schema at `pointer` does not document.
    fn undocumented_in(&self, pointer: &str, instance: &Value, context: &str) -> Vec<Undocumented> {
        let Some(schema) = self.doc.pointer(pointer) else {
            return Vec::new();
        };
        undocumented(&self.doc, schema, instance)
            .into_iter()
            .map(|pointer| Undocumented {
                pointer,
                context: context.to_string(),
            })
            .collect()
    }

    /// The properties of a webhook payload that `webhooks.<event_type>` does not document.
    pub fn webhook_undocumented(&self, event_type: &str, payload: &Value) -> Vec<Undocumented> {
        let Some(spec) = self.webhooks.get(event_type) else {
            return Vec::new();
        };
        let Some(schema) = &spec.schema else {
            return Vec::new();
        };
        let context = format!("webhook {event_type} ({}, {})", spec.id, spec.label);
        self.undocumented_in(schema, payload, &context)
    }

    fn schema_check(
        &self,
        check: &str,
        expected: String,
        at: &str,
        schema: &str,
        instance: &Value,
    ) -> CheckOutcome {
        match self.schemas.violations(schema, instance) {
            Err(e) => outcome(
                false,
                check,
                expected,
                format!("not checked: {e}"),
                Some(at.to_string()),
            ),
            Ok(v) if v.is_empty() => outcome(true, check, expected, "valid", None),
            Ok(v) => outcome(
                false,
                check,
                expected,
                format!("{}: {}", count(v.len()), v[0]),
                Some(format!("checked against {at}\n{}", listed(v))),
            ),
        }
    }

    fn check_headers(
        &self,
        at: &str,
        spec: &ResponseSpec,
        headers: &[(String, String)],
        checks: &mut Vec<CheckOutcome>,
    ) {
        if spec.headers.is_empty() {
            return;
        }
        let required: Vec<&str> = spec
            .headers
            .iter()
            .filter(|h| h.required)
            .map(|h| h.name.as_str())
            .collect();
        let optional: Vec<&str> = spec
            .headers
            .iter()
            .filter(|h| !h.required)
            .map(|h| h.name.as_str())
            .collect();
        let mut expected = Vec::new();
        if !required.is_empty() {
            expected.push(format!("required {}", required.join(", ")));
        }
        if !optional.is_empty() {
            expected.push(format!("optional {}", optional.join(", ")));
        }
        let expected = expected.join("; ");

        let mut problems = Vec::new();
        for h in &spec.headers {
            let Some(value) = header(headers, &h.name) else {
                if h.required {
                    problems.push(format!("{}: missing (required)", h.name));
                }
                continue;
            };
            let Some(schema) = &h.schema else { continue };
            let instance = match h.coerce {
                Coerce::String => Value::String(value.to_string()),
                Coerce::Number => serde_json::from_str::<Value>(value.trim())
                    .ok()
                    .filter(Value::is_number)
                    .unwrap_or_else(|| Value::String(value.to_string())),
                Coerce::Boolean => match value.trim() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(value.to_string()),
                },
            };
            match self.schemas.violations(schema, &instance) {
                Ok(v) => {
                    problems.extend(v.iter().map(|v| {
                        format!("{}: {}", h.name, v.strip_prefix("(root): ").unwrap_or(v))
                    }))
                }
                Err(e) => problems.push(format!("{}: not checked: {e}", h.name)),
            }
        }
        let passed = problems.is_empty();
        checks.push(outcome(
            passed,
            "contract headers",
            expected,
            if passed {
                "present and valid".to_string()
            } else {
                problems.join("; ")
            },
            (!passed).then(|| format!("checked against {at}\n{}", listed(problems))),
        ));
    }

    /// Checks a webhook payload against the request body of `webhooks.<event_type>`.
    pub fn check_webhook(&self, event_type: &str, payload: &Value) -> Vec<CheckOutcome> {
        let known: Vec<&str> = self.webhooks.keys().map(String::as_str).collect();
        let expected = format!("one of {}", known.join(", "));
        let Some(spec) = self.webhooks.get(event_type) else {
            return vec![outcome(
                false,
                "contract webhook event",
                expected,
                format!("undocumented webhook event {event_type:?}"),
                None,
            )];
        };
        let mut checks = vec![outcome(
            true,
            "contract webhook event",
            expected,
            event_type,
            None,
        )];
        if let Some(schema) = &spec.schema {
            let at = format!("webhook {event_type} ({})", spec.id);
            checks.push(self.schema_check(
                "contract webhook payload",
                format!("valid against {}", spec.label),
                &at,
                schema,
                payload,
            ));
        }
        checks
    }
}
