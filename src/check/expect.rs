//! Expectations → [`CheckOutcome`]s with evidence. A broken expectation is a failed check, never
//! a panic or an error: "the target broke the contract" is data.
use super::jsonpath::Query;
use crate::results::CheckOutcome;
use crate::scenario::model::{Check, Expect, Spanned};
use crate::source::SourceLocation;
use serde_json::Value;
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
    pub render: &'a (dyn Fn(&Value) -> Result<Value, String> + Sync),
    pub fixtures_dir: &'a Path,
    /// The contract, for `schema: "#/components/schemas/X"` references into it.
    pub contract: Option<&'a crate::contract::Contract>,
}

impl CheckContext<'_> {
    pub fn loc<T>(&self, s: &Spanned<T>) -> Option<SourceLocation> {
        location(self.file, s)
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

fn outcome(
    passed: bool,
    check: String,
    expected: String,
    actual: String,
    location: Option<SourceLocation>,
) -> CheckOutcome {
    CheckOutcome {
        passed,
        check,
        expected,
        actual,
        location,
        detail: None,
    }
}

/// Short, single-line rendering of a JSON value for messages.
pub fn brief(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        let cut: String = s.chars().take(200).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// Every check of `expect` against one response.
pub fn check_expect(
    expect: &Expect,
    resp: &ResponseView<'_>,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    let mut out = Vec::new();
    if let Some(status) = &expect.status {
        out.push(outcome(
            status.value.matches(resp.status),
            "status".into(),
            status.value.to_string(),
            resp.status.to_string(),
            ctx.loc(status),
        ));
    }
    for (name, he) in &expect.headers {
        let actual = resp.header(name);
        let h = &he.value;
        let label = format!("header {name}");
        let shown = actual.map_or_else(|| "(absent)".to_string(), |v| format!("{v:?}"));
        if let Some(p) = h.present {
            out.push(outcome(
                actual.is_some() == p,
                label.clone(),
                if p { "present" } else { "absent" }.into(),
                shown.clone(),
                ctx.loc(he),
            ));
        }
        if let Some(true) = h.absent {
            out.push(outcome(
                actual.is_none(),
                label.clone(),
                "absent".into(),
                shown.clone(),
                ctx.loc(he),
            ));
        }
        if let Some(eq) = &h.equals {
            match (ctx.render)(&Value::String(eq.clone())) {
                Ok(want) => {
                    let want = value_as_text(&want);
                    out.push(outcome(
                        actual == Some(want.as_str()),
                        label.clone(),
                        format!("equals {want:?}"),
                        shown.clone(),
                        ctx.loc(he),
                    ));
                }
                Err(e) => out.push(render_error(&label, e, ctx.loc(he))),
            }
        }
        if let Some(re) = &h.matches {
            match regex::Regex::new(re) {
                Ok(rx) => out.push(outcome(
                    actual.is_some_and(|a| rx.is_match(a)),
                    label.clone(),
                    format!("matches /{re}/"),
                    shown.clone(),
                    ctx.loc(he),
                )),
                Err(e) => out.push(render_error(
                    &label,
                    format!("invalid regex: {e}"),
                    ctx.loc(he),
                )),
            }
        }
    }
    for c in &expect.body {
        let Some(path) = &c.value.path else { continue };
        out.extend(check_body_path(
            resp.json.ok_or_else(|| not_json(resp)),
            path,
            c,
            ctx,
        ));
    }
    if let Some(subset) = &expect.json {
        match (ctx.render)(&subset.value) {
            Ok(want) => {
                let res = match resp.json {
                    Some(actual) => json_subset(&want, actual, ""),
                    None => Err(not_json(resp)),
                };
                out.push(outcome(
                    res.is_ok(),
                    "body json subset".into(),
                    brief(&want),
                    res.err().unwrap_or_else(|| "matches".into()),
                    ctx.loc(subset),
                ));
            }
            Err(e) => out.push(render_error("body json subset", e, ctx.loc(subset))),
        }
    }
    if let Some(schema) = &expect.schema {
        out.push(check_schema_file(
            &schema.value,
            resp.json.ok_or_else(|| not_json(resp)),
            ctx,
            ctx.loc(schema),
        ));
    }
    if let Some(lat) = &expect.latency {
        out.push(outcome(
            resp.latency <= lat.value.0,
            "latency".into(),
            format!("<= {}", humantime::format_duration(lat.value.0)),
            format!("{} ms", resp.latency.as_millis()),
            ctx.loc(lat),
        ));
    }
    out
}

fn render_error(check: &str, e: String, location: Option<SourceLocation>) -> CheckOutcome {
    CheckOutcome {
        passed: false,
        check: check.to_string(),
        expected: "a value".into(),
        actual: format!("template error: {e}"),
        location,
        detail: None,
    }
}

fn value_as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks on what a JSONPath selects (RFC 9535): a singular query (`$.a[0].b`) gives the node
/// or "missing"; any other query gives the list of its nodes, also when it matched one or none.
pub fn check_path(
    json: Option<&Value>,
    path: &Spanned<String>,
    c: &Spanned<Check>,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    check_body_path(json.ok_or_else(|| NOT_JSON.to_string()), path, c, ctx)
}

const NOT_JSON: &str = "the body is not JSON";

/// Why a response body could not be read as JSON, as precisely as the response tells.
fn not_json(resp: &ResponseView<'_>) -> String {
    resp.json_problem
        .clone()
        .unwrap_or_else(|| NOT_JSON.to_string())
}

/// Like [`check_path`], with the reason the body is not JSON when it is not.
pub fn check_body_path(
    json: Result<&Value, String>,
    path: &Spanned<String>,
    c: &Spanned<Check>,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    let label = format!("body {}", path.value);
    let parsed = match Query::parse(&path.value) {
        Ok(p) => p,
        Err(e) => {
            return vec![outcome(
                false,
                label,
                "a valid JSONPath".into(),
                format!("invalid JSONPath: {e}"),
                ctx.loc(path),
            )]
        }
    };
    let json = match json {
        Ok(j) => j,
        Err(why) => return vec![outcome(false, label, "a JSON body".into(), why, ctx.loc(c))],
    };
    let selected = parsed.select(json);
    check_selected(
        &label,
        selected.value().as_ref(),
        Some(selected.count()),
        c,
        ctx,
    )
}

/// Applies every operator of `c` to `actual` (`None`: the value does not exist).
pub fn check_ops(
    label: &str,
    actual: Option<&Value>,
    c: &Spanned<Check>,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    check_selected(label, actual, None, c, ctx)
}

/// Applies every operator of `c` to `actual`. `nodes` is how many nodes a JSONPath selected
/// (`None` for a `value` check): with it, `exists` and `count` speak of the nodes.
fn check_selected(
    label: &str,
    actual: Option<&Value>,
    nodes: Option<usize>,
    c: &Spanned<Check>,
    ctx: &CheckContext<'_>,
) -> Vec<CheckOutcome> {
    let ops = &c.value;
    let mut out = Vec::new();
    let shown = actual.map_or_else(|| "(missing)".to_string(), brief);
    let mut op = |name: &str,
                  operand: &Option<Box<Spanned<Value>>>,
                  f: &dyn Fn(&Value, &Value) -> Result<bool, String>| {
        let Some(operand) = operand else { return };
        let check = format!("{label} {name}");
        let want = match (ctx.render)(&operand.value) {
            Ok(v) => v,
            Err(e) => return out.push(render_error(&check, e, ctx.loc(operand))),
        };
        let (passed, actual_text) = match actual {
            None => (false, shown.clone()),
            Some(a) => match f(a, &want) {
                Ok(p) => (p, shown.clone()),
                Err(why) => (false, format!("{shown} ({why})")),
            },
        };
        out.push(outcome(
            passed,
            check,
            format!("{name} {}", brief(&want)),
            actual_text,
            ctx.loc(operand),
        ));
    };
    op("equals", &ops.equals, &|a, w| Ok(json_eq(a, w)));
    op("not_equals", &ops.not_equals, &|a, w| Ok(!json_eq(a, w)));
    op("length", &ops.length, &|a, w| {
        let n = length(a).ok_or("has no length")?;
        Ok(w.as_u64() == Some(n as u64))
    });
    op("contains", &ops.contains, &|a, w| match a {
        Value::String(s) => Ok(s.contains(&value_as_text(w))),
        Value::Array(items) => Ok(items.iter().any(|i| json_eq(i, w))),
        Value::Object(m) => Ok(m.contains_key(&value_as_text(w))),
        _ => Err("not a string, array or object".into()),
    });
    op("lt", &ops.lt, &|a, w| compare(a, w).map(|o| o.is_lt()));
    op("lte", &ops.lte, &|a, w| compare(a, w).map(|o| o.is_le()));
    op("gt", &ops.gt, &|a, w| compare(a, w).map(|o| o.is_gt()));
    op("gte", &ops.gte, &|a, w| compare(a, w).map(|o| o.is_ge()));
    if let Some(re) = &ops.matches {
        let check = format!("{label} matches");
        match (ctx.render)(&Value::String(re.value.clone())).map(|v| value_as_text(&v)) {
            Err(e) => out.push(render_error(&check, e, ctx.loc(re))),
            Ok(pattern) => match regex::Regex::new(&pattern) {
                Err(e) => out.push(render_error(
                    &check,
                    format!("invalid regex: {e}"),
                    ctx.loc(re),
                )),
                Ok(rx) => {
                    let passed = matches!(actual, Some(Value::String(s)) if rx.is_match(s));
                    out.push(outcome(
                        passed,
                        check,
                        format!("matches /{pattern}/"),
                        shown.clone(),
                        ctx.loc(re),
                    ));
                }
            },
        }
    }
    if let Some(ex) = &ops.exists {
        let exists = nodes.map_or(actual.is_some(), |n| n > 0);
        out.push(outcome(
            exists == ex.value,
            format!("{label} exists"),
            if ex.value { "exists" } else { "does not exist" }.into(),
            shown.clone(),
            ctx.loc(ex),
        ));
    }
    if let Some(t) = &ops.type_ {
        let actual_type = actual.map(type_name).unwrap_or("missing");
        let passed = actual.is_some_and(|a| type_matches(a, &t.value));
        out.push(outcome(
            passed,
            format!("{label} type"),
            t.value.clone(),
            actual_type.to_string(),
            ctx.loc(t),
        ));
    }
    if let Some(n) = &ops.count {
        out.push(count_check(label, nodes, n, ctx));
    }
    for (name, nested) in [("all", &ops.all), ("any", &ops.any)] {
        if let Some(nested) = nested {
            out.push(each_check(label, name, actual, nested, ctx));
        }
    }
    out
}

fn count_check(
    label: &str,
    nodes: Option<usize>,
    n: &Spanned<Value>,
    ctx: &CheckContext<'_>,
) -> CheckOutcome {
    let check = format!("{label} count");
    let want = match (ctx.render)(&n.value) {
        Ok(v) => v,
        Err(e) => return render_error(&check, e, ctx.loc(n)),
    };
    let (passed, actual) = match nodes {
        Some(got) => (want.as_u64() == Some(got as u64), got.to_string()),
        None => (
            false,
            "not a JSONPath: `count` counts selected nodes".into(),
        ),
    };
    outcome(
        passed,
        check,
        format!("count {}", brief(&want)),
        actual,
        ctx.loc(n),
    )
}

/// `all` / `any`: the nested operators on every element of the list.
fn each_check(
    label: &str,
    name: &str,
    actual: Option<&Value>,
    nested: &Spanned<Check>,
    ctx: &CheckContext<'_>,
) -> CheckOutcome {
    let check = format!("{label} {name}");
    let expected = format!("{name} elements pass {}", operator_names(&nested.value));
    let items = match actual {
        Some(Value::Array(items)) => items,
        other => {
            let shown = other.map_or_else(|| "(missing)".to_string(), brief);
            return outcome(
                false,
                check,
                expected,
                format!("{shown} (not a list)"),
                ctx.loc(nested),
            );
        }
    };
    let verdicts: Vec<(usize, Vec<CheckOutcome>)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let each = check_ops(&format!("{label}[{i}]"), Some(item), nested, ctx);
            (i, each)
        })
        .collect();
    let passes = |v: &Vec<CheckOutcome>| v.iter().all(|o| o.passed);
    let (passed, actual_text) = if name == "all" {
        match verdicts.iter().find(|(_, v)| !passes(v)) {
            None => (true, format!("{} of {} pass", items.len(), items.len())),
            Some((i, v)) => {
                let why = v.iter().find(|o| !o.passed).map_or_else(String::new, |o| {
                    format!(": {} is {}, expected {}", o.check, o.actual, o.expected)
                });
                (false, format!("element {i} fails{why}"))
            }
        }
    } else {
        let n = verdicts.iter().filter(|(_, v)| passes(v)).count();
        (n > 0, format!("{n} of {} pass", items.len()))
    };
    outcome(passed, check, expected, actual_text, ctx.loc(nested))
}

/// `equals, gt` — the operators a check uses, for messages.
pub fn operator_names(c: &Check) -> String {
    let names: Vec<&str> = [
        ("equals", c.equals.is_some()),
        ("not_equals", c.not_equals.is_some()),
        ("matches", c.matches.is_some()),
        ("exists", c.exists.is_some()),
        ("type", c.type_.is_some()),
        ("length", c.length.is_some()),
        ("contains", c.contains.is_some()),
        ("lt", c.lt.is_some()),
        ("lte", c.lte.is_some()),
        ("gt", c.gt.is_some()),
        ("gte", c.gte.is_some()),
        ("count", c.count.is_some()),
        ("all", c.all.is_some()),
        ("any", c.any.is_some()),
    ]
    .into_iter()
    .filter_map(|(n, on)| on.then_some(n))
    .collect();
    names.join(", ")
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn length(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    }
}

fn compare(a: &Value, w: &Value) -> Result<std::cmp::Ordering, String> {
    match (a, w) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x.partial_cmp(&y)
                .ok_or_else(|| "not comparable".to_string())
        }
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => Err(format!(
            "cannot compare {} with {}",
            type_name(a),
            type_name(w)
        )),
    }
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(v: &Value, want: &str) -> bool {
    match want {
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => type_name(v) == other,
    }
}

/// `expected` is a subset of `actual`: objects need every expected key (recursively), arrays
/// the same length with element-wise subsets, scalars equality. The error names the JSON
/// pointer of the first difference.
pub fn json_subset(expected: &Value, actual: &Value, pointer: &str) -> Result<(), String> {
    let here = if pointer.is_empty() { "/" } else { pointer };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                match a.get(k) {
                    Some(av) => json_subset(ev, av, &p)?,
                    None => return Err(format!("{p}: missing")),
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{here}: {} elements, expected {}",
                    a.len(),
                    e.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                json_subset(ev, av, &format!("{pointer}/{i}"))?;
            }
            Ok(())
        }
        _ if json_eq(expected, actual) => Ok(()),
        _ => Err(format!(
            "{here}: {} (expected {})",
            brief(actual),
            brief(expected)
        )),
    }
}

fn check_schema_file(
    rel: &str,
    json: Result<&Value, String>,
    ctx: &CheckContext<'_>,
    location: Option<SourceLocation>,
) -> CheckOutcome {
    let check = format!("body schema {rel}");
    if let Some(pointer) = rel.strip_prefix('#') {
        // A schema of the contract itself: the single source, never copied by hand.
        let Some(contract) = ctx.contract else {
            return render_error(
                &check,
                "a `#/...` schema needs `contract:` in conform.yaml".into(),
                location,
            );
        };
        let json = match json {
            Ok(j) => j,
            Err(why) => return outcome(false, check, "a JSON body".into(), why, location),
        };
        return match contract.schema_violations(pointer, json) {
            Err(e) => render_error(&check, e, location),
            Ok(v) => outcome(
                v.is_empty(),
                check,
                "valid".into(),
                if v.is_empty() {
                    "valid".into()
                } else {
                    v.into_iter().take(5).collect::<Vec<_>>().join("; ")
                },
                location,
            ),
        };
    }
    let path = ctx.fixtures_dir.join(rel);
    let schema: Value =
        match crate::source::input::read_text(&path, crate::source::input::MAX_TEXT_FILE)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(e) => {
                return render_error(
                    &check,
                    format!("cannot read schema {}: {e}", path.display()),
                    location,
                )
            }
        };
    let json = match json {
        Ok(j) => j,
        Err(why) => return outcome(false, check, "a JSON body".into(), why, location),
    };
    match jsonschema::validator_for(&schema) {
        Err(e) => render_error(
            &check,
            format!("invalid schema {}: {e}", path.display()),
            location,
        ),
        Ok(v) => {
            let errors: Vec<String> = v
                .iter_errors(json)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .take(5)
                .collect();
            outcome(
                errors.is_empty(),
                check,
                "valid".into(),
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
    use serde_json::json;

    fn ctx() -> CheckContext<'static> {
        static R: fn(&Value) -> Result<Value, String> = |v| Ok(v.clone());
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
            let path = c.value.path.clone().expect("path");
            let got = check_path(Some(&body), &path, &c, &ctx());
            assert_eq!(got.len(), 1, "{yaml}");
            assert_eq!(got[0].passed, want, "{yaml}: {:?}", got[0]);
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
            let path = c.value.path.clone().expect("path");
            let got = check_path(Some(&body), &path, &c, &ctx());
            assert_eq!(got.len(), 1, "{yaml}");
            assert_eq!(got[0].passed, want, "{yaml}: {:?}", got[0]);
        }
    }

    #[test]
    fn all_names_the_failing_element() {
        let body = json!({"items": [{"quantity": 2}, {"quantity": 0}]});
        let c = check("path: \"$.items[*].quantity\"\nall: {gt: 0}");
        let path = c.value.path.clone().expect("path");
        let got = check_path(Some(&body), &path, &c, &ctx());
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
    fn subset_names_the_pointer() {
        let actual = json!({"a": {"b": [1, {"c": 2}]}, "x": 1});
        assert!(json_subset(&json!({"a": {"b": [1, {"c": 2}]}}), &actual, "").is_ok());
        assert_eq!(
            json_subset(&json!({"a": {"b": [1, {"c": 3}]}}), &actual, "").unwrap_err(),
            "/a/b/1/c: 2 (expected 3)"
        );
        assert_eq!(
            json_subset(&json!({"y": 1}), &actual, "").unwrap_err(),
            "/y: missing"
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
            got.iter().map(|c| c.passed).collect::<Vec<_>>(),
            vec![true, true, false]
        );
    }
}
