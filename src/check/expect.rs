//! Expectations → [`CheckOutcome`]s with evidence. A broken expectation is a failed check, never
//! a panic or an error: "the target broke the contract" is data. What conform could not judge
//! (an unreadable schema, a template that does not render) is an errored check.
use super::json::{brief, json_subset, value_as_text};
use super::ops::{check_body_path, pattern_regex, NOT_JSON};
use crate::results::CheckOutcome;
use crate::scenario::expectation::{typed_expect, ExpectCheck, HeaderOp, SchemaRef};
use crate::scenario::model::{Expect, Spanned};
use crate::source::SourceLocation;
use crate::template::TemplateError;
use serde_json::Value;
use serde_saphyr::Location;
use std::path::Path;
use std::time::Duration;

/// A response as the checks see it.
pub struct ResponseView<'a> {
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<&'a Value>,
    /// Why the body is not JSON (empty, truncated, invalid despite a JSON content type, ...).
    pub json_problem: Option<String>,
    pub latency: Duration,
}

impl ResponseView<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What checks need from the surrounding run: where they are written, how operands are
/// rendered (templates), and where schema files live.
pub struct CheckContext<'a> {
    pub file: &'a str,
    pub render: &'a (dyn Fn(&Value) -> Result<Value, TemplateError> + Sync),
    pub fixtures_dir: &'a Path,
    /// The contract, for `schema: "#/components/schemas/X"` references into it.
    pub contract: Option<&'a crate::contract::Contract>,
}

impl CheckContext<'_> {
    pub fn loc<T>(&self, s: &Spanned<T>) -> Option<SourceLocation> {
        location(self.file, s)
    }

    /// A place in the scenario file (`None` for an unknown one).
    pub fn at(&self, l: Location) -> Option<SourceLocation> {
        (l.line() > 0).then(|| SourceLocation {
            file: self.file.to_string(),
            line: l.line(),
            column: l.column(),
        })
    }
}

pub fn location<T>(file: &str, s: &Spanned<T>) -> Option<SourceLocation> {
    let l = s.referenced;
    (l.line() > 0).then(|| SourceLocation {
        file: file.to_string(),
        line: l.line(),
        column: l.column(),
    })
}

/// Why a response body could not be read as JSON, as precisely as the response tells.
fn not_json(resp: &ResponseView<'_>) -> String {
    resp.json_problem
        .clone()
        .unwrap_or_else(|| NOT_JSON.to_string())
}

/// Every check of `expect` against one response.
pub fn check_expect(
    expect: &Expect,
    resp: &ResponseView<'_>,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    let typed = match typed_expect(expect) {
        Ok(t) => t,
        Err(p) => {
            let at = p.0.first().and_then(|(l, _)| ctx.at(*l));
            return vec![CheckOutcome::errored(
                "expect",
                "a valid `expect`",
                p.to_string(),
                at,
            )];
        }
    };
    let mut out = Vec::new();
    for check in &typed.checks {
        match check {
            ExpectCheck::Status { want, at } => out.push(CheckOutcome::judged(
                want.matches(resp.status),
                "status",
                want.to_string(),
                resp.status.to_string(),
                ctx.at(*at),
            )),
            ExpectCheck::Header { name, ops, at } => {
                out.extend(
                    ops.iter()
                        .map(|op| header(name, op, resp, ctx.at(*at), ctx)),
                );
            }
            ExpectCheck::Body(c) => {
                out.extend(check_body_path(
                    resp.json.ok_or_else(|| not_json(resp)),
                    c,
                    ctx,
                ));
            }
            ExpectCheck::JsonSubset { want, at } => {
                let loc = ctx.at(*at);
                let check = "body json subset";
                match (ctx.render)(want) {
                    Ok(want) => {
                        let res = match resp.json {
                            Some(actual) => json_subset(&want, actual, ""),
                            None => Err(not_json(resp)),
                        };
                        out.push(CheckOutcome::judged(
                            res.is_ok(),
                            check,
                            brief(&want),
                            res.err().unwrap_or_else(|| "matches".into()),
                            loc,
                        ));
                    }
                    Err(e) => out.push(render_error(check, e, loc)),
                }
            }
            ExpectCheck::Schema { schema, at } => out.push(check_schema(
                schema,
                resp.json.ok_or_else(|| not_json(resp)),
                ctx,
                ctx.at(*at),
            )),
            ExpectCheck::Latency { max, at } => out.push(CheckOutcome::judged(
                resp.latency <= *max,
                "latency",
                format!("<= {}", humantime::format_duration(*max)),
                format!("{} ms", resp.latency.as_millis()),
                ctx.at(*at),
            )),
        }
    }
    out
}

fn header(
    name: &str,
    op: &HeaderOp,
    resp: &ResponseView<'_>,
    loc: Option<SourceLocation>,
    ctx: &CheckContext<'_>,
) -> CheckOutcome {
    let actual = resp.header(name);
    let label = format!("header {name}");
    let shown = actual.map_or_else(|| "(absent)".to_string(), |v| format!("{v:?}"));
    match op {
        HeaderOp::Present(p) => CheckOutcome::judged(
            actual.is_some() == *p,
            label,
            if *p { "present" } else { "absent" },
            shown,
            loc,
        ),
        HeaderOp::Absent => CheckOutcome::judged(actual.is_none(), label, "absent", shown, loc),
        HeaderOp::Equals(eq) => match (ctx.render)(&Value::String(eq.clone())) {
            Ok(want) => {
                let want = value_as_text(&want);
                CheckOutcome::judged(
                    actual == Some(want.as_str()),
                    label,
                    format!("equals {want:?}"),
                    shown,
                    loc,
                )
            }
            Err(e) => render_error(&label, e, loc),
        },
        HeaderOp::Matches(p) => {
            let rx = match pattern_regex(p, ctx) {
                Ok(rx) => rx,
                Err(e) => return CheckOutcome::errored(label, "a regex", e, loc),
            };
            CheckOutcome::judged(
                actual.is_some_and(|a| rx.is_match(a)),
                label,
                format!("matches /{}/", rx.as_str()),
                shown,
                loc,
            )
        }
    }
}

fn render_error(check: &str, e: TemplateError, location: Option<SourceLocation>) -> CheckOutcome {
    CheckOutcome::errored(check, "a value", format!("template error: {e}"), location)
}

fn check_schema(
    schema: &SchemaRef,
    json: Result<&Value, String>,
    ctx: &CheckContext<'_>,
    location: Option<SourceLocation>,
) -> CheckOutcome {
    let check = format!("body schema {}", schema.as_written());
    let rel = match schema {
        SchemaRef::Contract(pointer) => {
            // A schema of the contract itself: the single source, never copied by hand.
            let Some(contract) = ctx.contract else {
                return CheckOutcome::errored(
                    check,
                    "valid",
                    "a `#/...` schema needs `contract:` in conform.yaml",
                    location,
                );
            };
            let json = match json {
                Ok(j) => j,
                Err(why) => {
                    return CheckOutcome::judged(false, check, "a JSON body", why, location)
                }
            };
            return match contract.schema_violations(pointer, json) {
                Err(e) => CheckOutcome::errored(check, "valid", e, location),
                Ok(v) => CheckOutcome::judged(
                    v.is_empty(),
                    check,
                    "valid",
                    if v.is_empty() {
                        "valid".into()
                    } else {
                        v.into_iter().take(5).collect::<Vec<_>>().join("; ")
                    },
                    location,
                ),
            };
        }
        SchemaRef::File(rel) => rel,
    };
    let path = ctx.fixtures_dir.join(rel);
    let schema: Value =
        match crate::source::input::read_text(&path, crate::source::input::MAX_TEXT_FILE)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(e) => {
                return CheckOutcome::errored(
                    check,
                    "valid",
                    format!("cannot read schema {}: {e}", path.display()),
                    location,
                )
            }
        };
    let json = match json {
        Ok(j) => j,
        Err(why) => return CheckOutcome::judged(false, check, "a JSON body", why, location),
    };
    match jsonschema::validator_for(&schema) {
        Err(e) => CheckOutcome::errored(
            check,
            "valid",
            format!("invalid schema {}: {e}", path.display()),
            location,
        ),
        Ok(v) => {
            let errors: Vec<String> = v
                .iter_errors(json)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .take(5)
                .collect();
            CheckOutcome::judged(
                errors.is_empty(),
                check,
                "valid",
                if errors.is_empty() {
                    "valid".into()
                } else {
                    errors.join("; ")
                },
                location,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_path;
    use crate::results::{CheckStatus, Outcome};
    use crate::scenario::model::Check;
    use serde_json::json;

    fn ctx() -> CheckContext<'static> {
        static R: fn(&Value) -> Result<Value, TemplateError> = |v| Ok(v.clone());
        CheckContext {
            file: "t.yaml",
            render: &R,
            fixtures_dir: Path::new("fixtures"),
            contract: None,
        }
    }

    fn check(yaml: &str) -> Spanned<Check> {
        serde_saphyr::from_str(yaml).expect("test yaml")
    }

    #[test]
    fn operators_pass_and_fail() {
        let body =
            json!({"status": "pending", "items": [1, 2], "total": 12.5, "id": "ORD-12345678"});
        let cases = [
            ("path: $.status\nequals: pending", true),
            ("path: $.status\nequals: shipped", false),
            ("path: $.status\nnot_equals: shipped", true),
            ("path: $.status\nnot_equals: pending", false),
            ("path: $.id\nmatches: '^ORD-\\d{8}$'", true),
            ("path: $.id\nmatches: '^X'", false),
            ("path: $.status\nexists: true", true),
            ("path: $.nope\nexists: true", false),
            ("path: $.nope\nexists: false", true),
            ("path: $.total\ntype: number", true),
            ("path: $.total\ntype: integer", false),
            ("path: $.items\nlength: 2", true),
            ("path: $.items\nlength: 3", false),
            ("path: $.items\ncontains: 2", true),
            ("path: $.status\ncontains: pend", true),
            ("path: $.items\ncontains: 9", false),
            ("path: $.total\nlt: 13", true),
            ("path: $.total\nlt: 12.5", false),
            ("path: $.total\nlte: 12.5", true),
            ("path: $.total\ngt: 12.5", false),
            ("path: $.total\ngte: 12.5", true),
            ("path: $.status\ngt: 1", false),
        ];
        for (yaml, want) in cases {
            let c = check(yaml);
            let got = check_path(Some(&body), &c, &ctx());
            assert_eq!(got.len(), 1, "{yaml}");
            assert_eq!(got[0].passed(), want, "{yaml}: {:?}", got[0]);
        }
    }

    /// RFC 9535: the type comes from the query. The filter of docs/scenarios.md's example
    /// matches one node and still gives a list; a singular query gives the value.
    #[test]
    fn nodelists_follow_the_query_not_the_data() {
        let body = json!({"items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2", "quantity": 5}]});
        let cases = [
            (
                "path: \"$.items[?@.sku == 'A-1'].quantity\"\nequals: [2]",
                true,
            ),
            (
                "path: \"$.items[?@.sku == 'A-1'].quantity\"\nequals: 2",
                false,
            ),
            (
                "path: \"$.items[?@.sku == 'Z'].quantity\"\nequals: []",
                true,
            ),
            (
                "path: \"$.items[?@.sku == 'Z'].quantity\"\nexists: false",
                true,
            ),
            (
                "path: \"$.items[?@.sku == 'Z'].quantity\"\nexists: true",
                false,
            ),
            ("path: \"$.items[0].quantity\"\nequals: 2", true),
            ("path: \"$.items[*].quantity\"\ncount: 2", true),
            ("path: \"$.items[*].quantity\"\ncount: 1", false),
            ("path: \"$.items[7]\"\ncount: 0", true),
            ("path: \"$.items[0]\"\ncount: 1", true),
            (
                "path: \"$.items[*].quantity\"\nall: {type: integer, gt: 1}",
                true,
            ),
            ("path: \"$.items[*].quantity\"\nall: {gt: 2}", false),
            ("path: \"$.items[*].quantity\"\nany: {gt: 2}", true),
            ("path: \"$.items[*].quantity\"\nany: {gt: 5}", false),
            ("path: \"$.items[*].sku\"\ncontains: B-2", true),
            ("path: \"$.items[*].sku\"\ncontains: C-3", false),
            ("path: $.items\nall: {type: object}", true),
            ("path: \"$.items[0].sku\"\nall: {type: string}", false),
            (
                "path: \"$.items[?@.sku == 'Z']\"\nall: {type: string}",
                true,
            ),
        ];
        for (yaml, want) in cases {
            let c = check(yaml);
            let got = check_path(Some(&body), &c, &ctx());
            assert_eq!(got.len(), 1, "{yaml}");
            assert_eq!(got[0].passed(), want, "{yaml}: {:?}", got[0]);
        }
    }

    #[test]
    fn all_names_the_failing_element() {
        let body = json!({"items": [{"quantity": 2}, {"quantity": 0}]});
        let c = check("path: \"$.items[*].quantity\"\nall: {gt: 0}");
        let got = check_path(Some(&body), &c, &ctx());
        assert_eq!(got[0].check, "body $.items[*].quantity all");
        assert!(
            got[0]
                .actual
                .starts_with("element 1 fails: body $.items[*].quantity[1] gt is 0"),
            "{:?}",
            got[0]
        );
    }

    #[test]
    fn status_and_headers() {
        let e: Expect = serde_saphyr::from_str("status: 4xx\nheaders:\n  X-API-Version: {equals: '1'}\n  Retry-After: {present: true}\n").expect("yaml");
        let headers = vec![("x-api-version".to_string(), "1".to_string())];
        let view = ResponseView {
            status: 429,
            headers: &headers,
            body: "",
            json: None,
            latency: Duration::from_millis(3),
            json_problem: None,
        };
        let got = check_expect(&e, &view, &ctx());
        assert_eq!(
            got.iter().map(|c| c.passed()).collect::<Vec<_>>(),
            vec![true, true, false]
        );
    }

    fn view<'a>(headers: &'a [(String, String)], json: Option<&'a Value>) -> ResponseView<'a> {
        ResponseView {
            status: 200,
            headers,
            body: "",
            json,
            latency: Duration::from_millis(3),
            json_problem: None,
        }
    }

    /// conform could not read the schema: the check is errored (not failed), and so is the
    /// step it belongs to.
    #[test]
    fn an_unreadable_schema_is_an_errored_check() {
        let e: Expect = serde_saphyr::from_str(
            "status: 200
schema: no/such.schema.json
",
        )
        .expect("yaml");
        let body = json!({"a": 1});
        let got = check_expect(&e, &view(&[], Some(&body)), &ctx());
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[0].status, CheckStatus::Passed);
        assert_eq!(got[1].status, CheckStatus::Errored, "{:?}", got[1]);
        assert!(
            got[1].actual.starts_with("cannot read schema "),
            "{:?}",
            got[1]
        );
        assert_eq!(got[1].location.as_ref().map(|l| l.line), Some(2));
        assert_eq!(CheckOutcome::worst(&got).outcome(), Outcome::Errored);
        // A body that breaks a readable schema is a failure, not an error.
        let dir = std::env::temp_dir().join(format!("conform-expect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("s.json"), r#"{"type": "string"}"#).expect("write");
        let ctx = CheckContext {
            fixtures_dir: &dir,
            ..ctx()
        };
        let e: Expect = serde_saphyr::from_str(
            "schema: s.json
",
        )
        .expect("yaml");
        let got = check_expect(&e, &view(&[], Some(&body)), &ctx);
        assert_eq!(got[0].status, CheckStatus::Failed, "{:?}", got[0]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn operands_that_do_not_render_are_errored() {
        static BAD: fn(&Value) -> Result<Value, TemplateError> = |v| match v {
            Value::String(s) if s.contains("{{") => Err(TemplateError::Undefined {
                template: s.clone(),
                name: "nope".into(),
            }),
            other => Ok(other.clone()),
        };
        let ctx = CheckContext {
            render: &BAD,
            ..ctx()
        };
        let body = json!({"id": "x", "items": [1]});
        for yaml in [
            "path: $.id
equals: '{{ nope }}'",
            "path: $.id
matches: '{{ nope }}'",
            "path: \"$[?@.id == '{{ nope }}']\"\nexists: true",
            "path: $.items\nall: {equals: '{{ nope }}'}",
        ] {
            let c: Spanned<Check> = serde_saphyr::from_str(yaml).expect("yaml");
            let got = check_path(Some(&body), &c, &ctx);
            assert_eq!(got.len(), 1, "{yaml}");
            assert!(got[0].is_errored(), "{yaml}: {:?}", got[0]);
        }
        // A templated regex that is invalid once rendered cannot be judged either.
        static TO_BRACKET: fn(&Value) -> Result<Value, TemplateError> = |_| Ok(json!("["));
        let ctx = CheckContext {
            render: &TO_BRACKET,
            ..ctx
        };
        let c: Spanned<Check> = serde_saphyr::from_str(
            "path: $.id
matches: '{{ re }}'",
        )
        .expect("yaml");
        let got = check_path(Some(&body), &c, &ctx);
        assert!(got[0].is_errored(), "{:?}", got[0]);
        assert!(
            got[0].actual.starts_with("invalid regex `[`"),
            "{:?}",
            got[0]
        );
    }
}
