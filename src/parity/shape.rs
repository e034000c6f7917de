//! The shape of a JSON body: types, property sets, string formats and enumeration-like values,
//! compared between two environments while the values meant to differ (ids, timestamps,
//! amounts, messages) are left alone.
use super::report::DiffKind;
use super::rules::ParityRules;
use serde_json::Value;
use std::collections::BTreeSet;

/// A difference found inside two JSON documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeDiff {
    pub kind: DiffKind,
    /// JSON pointer, `""` for the root.
    pub pointer: String,
    pub left: String,
    pub right: String,
}

/// The format of a string, as far as parity cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StringFormat {
    DateTime,
    Date,
    Uuid,
    Uri,
    /// Letters with `_`, `.` or `-` between them, no digits, no spaces (`pending`, `USD`,
    /// `order.created`, `VALIDATION_ERROR`): an enumeration value, compared as a value.
    Token,
    /// Anything else (ids, messages, names): only its type is compared.
    Text,
}

impl StringFormat {
    pub fn of(s: &str) -> StringFormat {
        if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
            return StringFormat::DateTime;
        }
        if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10 {
            return StringFormat::Date;
        }
        if uuid::Uuid::try_parse(s).is_ok() && s.len() == 36 {
            return StringFormat::Uuid;
        }
        if (s.starts_with("https://") || s.starts_with("http://")) && url::Url::parse(s).is_ok() {
            return StringFormat::Uri;
        }
        let token = !s.is_empty()
            && s.len() <= 40
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.ends_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '.' | '-'));
        if token {
            StringFormat::Token
        } else {
            StringFormat::Text
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StringFormat::DateTime => "date-time",
            StringFormat::Date => "date",
            StringFormat::Uuid => "uuid",
            StringFormat::Uri => "uri",
            StringFormat::Token => "token",
            StringFormat::Text => "text",
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `string (date-time) "2024-01-15T10:30:00Z"`, cut to a readable length.
pub fn describe(v: &Value) -> String {
    let mut text = v.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "…";
    }
    match v {
        Value::String(s) => format!("string ({}) {text}", StringFormat::of(s).as_str()),
        Value::Array(a) => format!("array of {}", a.len()),
        Value::Object(_) => "object".to_string(),
        _ => format!("{} {text}", type_name(v)),
    }
}

fn pointer_text(path: &[String]) -> String {
    path.iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Compares the shapes of `left` and `right`, appending every difference to `out`.
///
/// The elements of an array are compared as one merged shape (the properties seen in any
/// element, the types and formats of every element), not index by index: a list's order and
/// length are data. Enumeration values are compared outside arrays only, for the same reason.
pub fn compare(left: &Value, right: &Value, rules: &ParityRules, out: &mut Vec<ShapeDiff>) {
    let mut path = Vec::new();
    walk(&[left], &[right], false, rules, &mut path, out);
}

fn kinds(vs: &[&Value]) -> BTreeSet<&'static str> {
    vs.iter().map(|v| type_name(v)).collect()
}

fn formats(vs: &[&Value]) -> BTreeSet<StringFormat> {
    vs.iter()
        .filter_map(|v| v.as_str())
        .map(|s| match StringFormat::of(s) {
            // An enumeration value and free text are both "a string" as far as format goes.
            StringFormat::Token => StringFormat::Text,
            f => f,
        })
        .collect()
}

fn walk(
    left: &[&Value],
    right: &[&Value],
    in_array: bool,
    rules: &ParityRules,
    path: &mut Vec<String>,
    out: &mut Vec<ShapeDiff>,
) {
    if rules.ignores_pointer(path) {
        return;
    }
    // `null` against a value depends on the data (`next_cursor` on a last page), not on
    // the implementation: not a difference of shape.
    let l: Vec<&Value> = left.iter().copied().filter(|v| !v.is_null()).collect();
    let r: Vec<&Value> = right.iter().copied().filter(|v| !v.is_null()).collect();
    let (Some(l0), Some(r0)) = (l.first(), r.first()) else {
        return;
    };
    let (lk, rk) = (kinds(&l), kinds(&r));
    if lk.is_disjoint(&rk) {
        out.push(ShapeDiff {
            kind: DiffKind::Type,
            pointer: pointer_text(path),
            left: describe(l0),
            right: describe(r0),
        });
        return;
    }
    fn of<'a>(vs: &[&'a Value], t: &str) -> Vec<&'a Value> {
        vs.iter().copied().filter(|v| type_name(v) == t).collect()
    }
    for t in lk.intersection(&rk) {
        let (lv, rv) = (of(&l, t), of(&r, t));
        match *t {
            "object" => objects(&lv, &rv, in_array, rules, path, out),
            "array" => {
                fn items<'a>(vs: &[&'a Value]) -> Vec<&'a Value> {
                    vs.iter().filter_map(|v| v.as_array()).flatten().collect()
                }
                path.push("*".to_string());
                walk(&items(&lv), &items(&rv), true, rules, path, out);
                path.pop();
            }
            "string" => {
                let (lf, rf) = (formats(&lv), formats(&rv));
                if lf.is_disjoint(&rf) {
                    out.push(ShapeDiff {
                        kind: DiffKind::Format,
                        pointer: pointer_text(path),
                        left: describe(lv[0]),
                        right: describe(rv[0]),
                    });
                } else if !in_array {
                    let (a, b) = (lv[0].as_str().unwrap_or(""), rv[0].as_str().unwrap_or(""));
                    let token = |s| StringFormat::of(s) == StringFormat::Token;
                    if token(a) && token(b) && a != b {
                        out.push(ShapeDiff {
                            kind: DiffKind::EnumValue,
                            pointer: pointer_text(path),
                            left: describe(lv[0]),
                            right: describe(rv[0]),
                        });
                    }
                }
            }
            "boolean" if !in_array && lv[0] != rv[0] => out.push(ShapeDiff {
                kind: DiffKind::EnumValue,
                pointer: pointer_text(path),
                left: describe(lv[0]),
                right: describe(rv[0]),
            }),
            _ => {}
        }
    }
}

fn objects(
    l: &[&Value],
    r: &[&Value],
    in_array: bool,
    rules: &ParityRules,
    path: &mut Vec<String>,
    out: &mut Vec<ShapeDiff>,
) {
    // Property name → its values in every object of the side, in first-seen order.
    fn props<'a>(vs: &[&'a Value]) -> Vec<(&'a String, Vec<&'a Value>)> {
        let mut m: Vec<(&String, Vec<&Value>)> = Vec::new();
        for v in vs {
            for (k, x) in v.as_object().into_iter().flatten() {
                match m.iter_mut().find(|(n, _)| *n == k) {
                    Some((_, xs)) => xs.push(x),
                    None => m.push((k, vec![x])),
                }
            }
        }
        m
    }
    let (lp, rp) = (props(l), props(r));
    fn find<'a>(ps: &[(&String, Vec<&'a Value>)], k: &String) -> Option<Vec<&'a Value>> {
        ps.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    }
    for (k, lv) in &lp {
        path.push((*k).clone());
        match find(&rp, k) {
            Some(rv) => walk(lv, &rv, in_array, rules, path, out),
            None if !rules.ignores_pointer(path) => out.push(ShapeDiff {
                kind: DiffKind::Property,
                pointer: pointer_text(path),
                left: format!("present: {}", describe(lv[0])),
                right: "absent".into(),
            }),
            None => {}
        }
        path.pop();
    }
    for (k, rv) in &rp {
        if find(&lp, k).is_some() {
            continue;
        }
        path.push((*k).clone());
        if !rules.ignores_pointer(path) {
            out.push(ShapeDiff {
                kind: DiffKind::Property,
                pointer: pointer_text(path),
                left: "absent".into(),
                right: format!("present: {}", describe(rv[0])),
            });
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diffs(l: Value, r: Value, rules: &ParityRules) -> Vec<ShapeDiff> {
        let mut out = Vec::new();
        compare(&l, &r, rules, &mut out);
        out
    }

    #[test]
    fn values_meant_to_differ_are_not_reported() {
        let l = json!({"order_id": "ORD-00000001", "created_at": "2024-01-15T10:30:00Z",
                       "total_amount": 59.98, "status": "pending", "items": [{"q": 1}],
                       "next_cursor": null, "message": "Order not found"});
        let r = json!({"order_id": "ORD-99999999", "created_at": "2026-12-03T11:00:00.123Z",
                       "total_amount": 12, "status": "pending", "items": [{"q": 2}, {"q": 3}],
                       "next_cursor": "abc", "message": "No such order"});
        assert_eq!(diffs(l, r, &ParityRules::default()), vec![]);
    }

    #[test]
    fn properties_types_formats_and_enum_values_are_reported() {
        let l = json!({"estimated_delivery": "2024-01-20T10:30:00Z", "status": "pending",
                       "created_at": "2024-01-15T10:30:00Z", "n": 1, "items": [{"unit_price": 1.5}]});
        let r = json!({"estimated_delivery_date": "2024-01-20T10:30:00Z", "status": "shipped",
                       "created_at": 1705314600, "n": "1", "items": [{}]});
        let d = diffs(l, r, &ParityRules::default());
        let got: Vec<(DiffKind, &str)> = d.iter().map(|d| (d.kind, d.pointer.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (DiffKind::Type, "/created_at"),
                (DiffKind::Property, "/estimated_delivery"),
                (DiffKind::Property, "/items/*/unit_price"),
                (DiffKind::Type, "/n"),
                (DiffKind::EnumValue, "/status"),
                (DiffKind::Property, "/estimated_delivery_date"),
            ]
        );
        assert_eq!(d[0].left, "string (date-time) \"2024-01-15T10:30:00Z\"");
        assert_eq!(d[0].right, "number 1705314600");
        assert_eq!(d[4].right, "string (token) \"shipped\"");
    }

    #[test]
    fn a_date_time_against_another_format_is_a_format_difference() {
        let d = diffs(
            json!({"created_at": "2024-01-15T10:30:00Z"}),
            json!({"created_at": "2024/01/15 10:30"}),
            &ParityRules::default(),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DiffKind::Format);
        assert!(d[0].right.starts_with("string (text)"), "{}", d[0].right);
    }

    #[test]
    fn ignored_pointers_are_skipped_with_wildcards() {
        let rules = ParityRules {
            ignore_pointers: vec![
                super::super::rules::PointerPattern::parse("/data/*/status").expect("pattern"),
                super::super::rules::PointerPattern::parse("/extra").expect("pattern"),
            ],
            ..ParityRules::default()
        };
        let d = diffs(
            json!({"data": [{"status": "pending"}], "extra": 1}),
            json!({"data": [{"status": "shipped"}]}),
            &rules,
        );
        assert_eq!(d, vec![]);
    }

    #[test]
    fn formats_are_recognised() {
        assert_eq!(
            StringFormat::of("2024-01-15T10:30:00Z"),
            StringFormat::DateTime
        );
        assert_eq!(StringFormat::of("2024-01-15"), StringFormat::Date);
        assert_eq!(
            StringFormat::of("6f1c2a3b-0000-4000-8000-000000000000"),
            StringFormat::Uuid
        );
        assert_eq!(
            StringFormat::of("https://x.test/orders/1/track"),
            StringFormat::Uri
        );
        assert_eq!(StringFormat::of("order.created"), StringFormat::Token);
        assert_eq!(StringFormat::of("VALIDATION_ERROR"), StringFormat::Token);
        assert_eq!(StringFormat::of("ORD-12345678"), StringFormat::Text);
        assert_eq!(StringFormat::of("two words"), StringFormat::Text);
    }
}
