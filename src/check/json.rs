//! JSON comparisons the operators share: equality by value, ordering, types, subsets.
use serde_json::Value;

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

/// A string as it is, any other value as JSON.
pub(crate) fn value_as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
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

pub(crate) fn length(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    }
}

pub(crate) fn compare(a: &Value, w: &Value) -> Result<std::cmp::Ordering, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn numbers_compare_by_value() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!({"a": [1]}), &json!({"a": [1.0]})));
        assert!(compare(&json!("a"), &json!(1)).is_err());
    }
}
