//! Evaluating a [`TypedCheck`]: its subject gives a value, each [`Op`] gives an outcome. A
//! value that breaks the operator is a failed check; an operand that does not render, a
//! templated JSONPath or regex that is invalid once rendered, is an errored one.
use super::expect::CheckContext;
use super::json::{brief, compare, json_eq, length, type_name, value_as_text};
use crate::results::{CheckOutcome, CheckStatus};
use crate::scenario::check::{
    typed_check, CheckMode, JsonType, Op, PathQuery, Pattern, Subject, TypedCheck,
};
use crate::scenario::jsonpath::Query;
use crate::scenario::model::{Check, Spanned};
use regex::Regex;
use serde_json::Value;
use serde_saphyr::Location;
use std::borrow::Cow;

pub(crate) const NOT_JSON: &str = "the body is not JSON";

/// A check of a webhook `where` (or any `path` check) on a JSON document; `None`: the
/// document is not JSON.
pub fn check_path(
    json: Option<&Value>,
    c: &Spanned<Check>,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    match typed_check(c, CheckMode::Path) {
        Ok(t) => check_body_path(json.ok_or_else(|| NOT_JSON.to_string()), t, ctx),
        Err(p) => vec![invalid(c, p, ctx)],
    }
}

/// An `assert` check: its `value` rendered, then its operators.
pub fn check_assert(c: &Spanned<Check>, ctx: &CheckContext<'_>) -> Vec<CheckOutcome> {
    let t = match typed_check(c, CheckMode::Value) {
        Ok(t) => t,
        Err(p) => return vec![invalid(c, p, ctx)],
    };
    let Subject::Value { template, at } = &t.subject else {
        return vec![CheckOutcome::errored(
            "assert",
            "a `value` to check",
            "an `assert` check needs `value`",
            ctx.at(t.at),
        )];
    };
    let label = format!("assert {}", brief(template));
    match (ctx.render)(template) {
        Ok(v) => apply(&label, Some(&v), None, t, ctx),
        Err(e) => vec![CheckOutcome::errored(
            label,
            "a value",
            format!("template error: {e}"),
            ctx.at(*at),
        )],
    }
}

fn invalid(
    c: &Spanned<Check>,
    p: &crate::scenario::check::CheckProblems,
    ctx: &CheckContext<'_>,
) -> CheckOutcome {
    CheckOutcome::errored(
        "check",
        "a valid check",
        p.to_string(),
        ctx.at(c.referenced),
    )
}

/// A `path` check on a body: `json` is the body, or why it is not JSON.
pub fn check_body_path(
    json: Result<&Value, String>,
    c: &TypedCheck,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    let Subject::Path { text, query, at } = &c.subject else {
        return vec![CheckOutcome::errored(
            "body",
            "a `path` to check",
            "this check needs `path`",
            ctx.at(c.at),
        )];
    };
    let label = format!("body {text}");
    let rendered;
    let query = match query {
        PathQuery::Compiled(q) => q,
        PathQuery::Template => {
            let parsed = (ctx.render)(&Value::String(text.clone()))
                .map_err(|e| format!("template error: {e}"))
                .map(|v| value_as_text(&v))
                .and_then(|t| Query::parse(&t).map_err(|e| format!("invalid JSONPath `{t}`: {e}")));
            match parsed {
                Ok(q) => {
                    rendered = q;
                    &rendered
                }
                Err(e) => {
                    return vec![CheckOutcome::errored(
                        label,
                        "a valid JSONPath",
                        e,
                        ctx.at(*at),
                    )]
                }
            }
        }
    };
    let json = match json {
        Ok(j) => j,
        Err(why) => {
            return vec![CheckOutcome::judged(
                false,
                label,
                "a JSON body",
                why,
                ctx.at(c.at),
            )]
        }
    };
    let selected = query.select(json);
    apply(
        &label,
        selected.value().as_ref(),
        Some(selected.count()),
        c,
        ctx,
    )
}

/// What the operators look at.
struct Seen<'a> {
    label: &'a str,
    /// `None`: the value does not exist.
    actual: Option<&'a Value>,
    /// How many nodes a JSONPath selected (`None` for a value or an element).
    nodes: Option<usize>,
    shown: String,
}

/// Applies every operator of `c` to `actual`.
fn apply(
    label: &str,
    actual: Option<&Value>,
    nodes: Option<usize>,
    c: &TypedCheck,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    let seen = Seen {
        label,
        actual,
        nodes,
        shown: actual.map_or_else(|| "(missing)".to_string(), brief),
    };
    c.ops
        .iter()
        .map(|o| evaluate(&seen, &o.op, o.at, ctx))
        .collect()
}

fn evaluate(seen: &Seen<'_>, op: &Op, at: Location, ctx: &CheckContext<'_>) -> CheckOutcome {
    let check = format!("{} {}", seen.label, op.key());
    let loc = ctx.at(at);
    match op {
        Op::Equals(w) => against(seen, op, w, loc, ctx, |a, w| Ok(json_eq(a, w))),
        Op::NotEquals(w) => against(seen, op, w, loc, ctx, |a, w| Ok(!json_eq(a, w))),
        Op::Length(w) => against(seen, op, w, loc, ctx, |a, w| {
            let n = length(a).ok_or("has no length")?;
            Ok(w.as_u64() == Some(n as u64))
        }),
        Op::Contains(w) => against(seen, op, w, loc, ctx, |a, w| match a {
            Value::String(s) => Ok(s.contains(&value_as_text(w))),
            Value::Array(items) => Ok(items.iter().any(|i| json_eq(i, w))),
            Value::Object(m) => Ok(m.contains_key(&value_as_text(w))),
            _ => Err("not a string, array or object".into()),
        }),
        Op::LessThan(w) => against(seen, op, w, loc, ctx, |a, w| {
            compare(a, w).map(|o| o.is_lt())
        }),
        Op::AtMost(w) => against(seen, op, w, loc, ctx, |a, w| {
            compare(a, w).map(|o| o.is_le())
        }),
        Op::GreaterThan(w) => against(seen, op, w, loc, ctx, |a, w| {
            compare(a, w).map(|o| o.is_gt())
        }),
        Op::AtLeast(w) => against(seen, op, w, loc, ctx, |a, w| {
            compare(a, w).map(|o| o.is_ge())
        }),
        Op::Matches(p) => {
            let rx = match pattern_regex(p, ctx) {
                Ok(rx) => rx,
                Err(e) => return CheckOutcome::errored(check, "a regex", e, loc),
            };
            let passed = matches!(seen.actual, Some(Value::String(s)) if rx.is_match(s));
            CheckOutcome::judged(
                passed,
                check,
                format!("matches /{}/", rx.as_str()),
                seen.shown.clone(),
                loc,
            )
        }
        Op::Exists(want) => {
            let exists = seen.nodes.map_or(seen.actual.is_some(), |n| n > 0);
            CheckOutcome::judged(
                exists == *want,
                check,
                if *want { "exists" } else { "does not exist" },
                seen.shown.clone(),
                loc,
            )
        }
        Op::Type(t) => {
            let actual_type = seen.actual.map(type_name).unwrap_or("missing");
            CheckOutcome::judged(
                seen.actual.is_some_and(|a| type_matches(a, *t)),
                check,
                t.name(),
                actual_type,
                loc,
            )
        }
        Op::Count(n) => {
            let want = match (ctx.render)(n) {
                Ok(v) => v,
                Err(e) => return render_error(check, e, loc),
            };
            match seen.nodes {
                Some(got) => CheckOutcome::judged(
                    want.as_u64() == Some(got as u64),
                    check,
                    format!("count {}", brief(&want)),
                    got.to_string(),
                    loc,
                ),
                None => CheckOutcome::errored(
                    check,
                    format!("count {}", brief(&want)),
                    "not a JSONPath: `count` counts selected nodes",
                    loc,
                ),
            }
        }
        Op::All(inner) => each(seen, true, inner, check, loc, ctx),
        Op::Any(inner) => each(seen, false, inner, check, loc, ctx),
    }
}

fn render_error(
    check: String,
    e: crate::template::TemplateError,
    loc: Option<crate::source::SourceLocation>,
) -> CheckOutcome {
    CheckOutcome::errored(check, "a value", format!("template error: {e}"), loc)
}

/// An operator with a JSON operand: renders it, then `f(actual, operand)`.
fn against(
    seen: &Seen<'_>,
    op: &Op,
    operand: &Value,
    loc: Option<crate::source::SourceLocation>,
    ctx: &CheckContext<'_>,
    f: impl Fn(&Value, &Value) -> Result<bool, String>,
) -> CheckOutcome {
    let name = op.key();
    let check = format!("{} {name}", seen.label);
    let want = match (ctx.render)(operand) {
        Ok(v) => v,
        Err(e) => return render_error(check, e, loc),
    };
    let (passed, actual_text) = match seen.actual {
        None => (false, seen.shown.clone()),
        Some(a) => match f(a, &want) {
            Ok(p) => (p, seen.shown.clone()),
            Err(why) => (false, format!("{} ({why})", seen.shown)),
        },
    };
    CheckOutcome::judged(
        passed,
        check,
        format!("{name} {}", brief(&want)),
        actual_text,
        loc,
    )
}

/// `all` / `any`: the nested operators on every element of the list.
fn each(
    seen: &Seen<'_>,
    all: bool,
    inner: &TypedCheck,
    check: String,
    loc: Option<crate::source::SourceLocation>,
    ctx: &CheckContext<'_>,
) -> CheckOutcome {
    let name = if all { "all" } else { "any" };
    let names: Vec<&str> = inner.ops.iter().map(|o| o.op.key()).collect();
    let expected = format!("{name} elements pass {}", names.join(", "));
    let items = match seen.actual {
        Some(Value::Array(items)) => items,
        _ => {
            return CheckOutcome::judged(
                false,
                check,
                expected,
                format!("{} (not a list)", seen.shown),
                loc,
            );
        }
    };
    let verdicts: Vec<Vec<CheckOutcome>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            apply(
                &format!("{}[{i}]", seen.label),
                Some(item),
                None,
                inner,
                ctx,
            )
        })
        .collect();
    let status = |v: &Vec<CheckOutcome>| CheckOutcome::worst(v);
    let first_bad = |v: &Vec<CheckOutcome>| {
        v.iter()
            .find(|o| !o.passed())
            .map_or_else(String::new, |o| {
                format!(": {} is {}, expected {}", o.check, o.actual, o.expected)
            })
    };
    if all {
        match verdicts
            .iter()
            .enumerate()
            .find(|(_, v)| status(v) != CheckStatus::Passed)
        {
            None => CheckOutcome::judged(
                true,
                check,
                expected,
                format!("{} of {} pass", items.len(), items.len()),
                loc,
            ),
            Some((i, v)) => {
                let actual = format!("element {i} fails{}", first_bad(v));
                match status(v) {
                    CheckStatus::Errored => CheckOutcome::errored(check, expected, actual, loc),
                    _ => CheckOutcome::judged(false, check, expected, actual, loc),
                }
            }
        }
    } else {
        let n = verdicts
            .iter()
            .filter(|v| status(v) == CheckStatus::Passed)
            .count();
        let actual = format!("{n} of {} pass", items.len());
        // No element passed, and one could not be judged: the verdict is unknown.
        if n == 0 && verdicts.iter().any(|v| status(v) == CheckStatus::Errored) {
            CheckOutcome::errored(check, expected, actual, loc)
        } else {
            CheckOutcome::judged(n > 0, check, expected, actual, loc)
        }
    }
}

fn type_matches(v: &Value, want: JsonType) -> bool {
    match want {
        JsonType::Number => v.is_number(),
        JsonType::Integer => {
            v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        other => type_name(v) == other.name(),
    }
}

/// The regex of `p`: the one compiled at validation, or its template rendered and compiled now.
pub(super) fn pattern_regex<'p>(
    p: &'p Pattern,
    ctx: &CheckContext<'_>,
) -> Result<Cow<'p, Regex>, String> {
    match p {
        Pattern::Compiled(rx) => Ok(Cow::Borrowed(rx)),
        Pattern::Template(t) => (ctx.render)(&Value::String(t.clone()))
            .map_err(|e| format!("template error: {e}"))
            .map(|v| value_as_text(&v))
            .and_then(|text| {
                crate::scenario::check::compile_regex(&text).map_err(|e| e.to_string())
            })
            .map(Cow::Owned),
    }
}
