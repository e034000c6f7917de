//! Example values for `conform init`: the document's own examples first, else a value made
//! from the schema (the smallest value the schema accepts that a reader recognises).
use serde_json::{json, Map, Value};

/// How deep a generated example may nest (a recursive schema stops here).
const MAX_DEPTH: usize = 8;

/// Follows a local `$ref` chain; `None` when it leaves the document or loops.
pub(crate) fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => node = doc.pointer(r.strip_prefix('#')?)?,
            None => return Some(node),
        }
    }
    None
}

/// The example of a parameter, media type or header object: `example`, the first of
/// `examples` (an object of Example objects, `value` each), else one made from `schema`.
pub(crate) fn of_holder(doc: &Value, holder: &Value) -> Option<Value> {
    if let Some(e) = holder.get("example") {
        return Some(e.clone());
    }
    if let Some(first) = holder
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
    {
        if let Some(v) = resolve(doc, first).and_then(|e| e.get("value")) {
            return Some(v.clone());
        }
    }
    holder.get("schema").map(|s| of_schema(doc, s, 0))
}

/// A value the schema accepts.
pub(crate) fn of_schema(doc: &Value, schema: &Value, depth: usize) -> Value {
    let Some(s) = resolve(doc, schema) else {
        return Value::Null;
    };
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    for key in ["example", "const", "default"] {
        if let Some(v) = s.get(key) {
            return v.clone();
        }
    }
    if let Some(v) = s
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return v.clone();
    }
    if let Some(v) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return v.clone();
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            match of_schema(doc, part, depth + 1) {
                Value::Object(m) => merged.extend(m),
                other if all.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|a| {
            a.iter()
                .find(|v| v.get("type").and_then(Value::as_str) != Some("null"))
        }) {
            return of_schema(doc, first, depth + 1);
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if s.get("properties").is_some() => "object",
        _ if s.get("items").is_some() => "array",
        _ => "string",
    };
    match ty {
        "object" => object(doc, s, depth),
        "array" => {
            let n = s
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            let item = s.get("items").map_or(Value::String("example".into()), |i| {
                of_schema(doc, i, depth + 1)
            });
            Value::Array(vec![item; usize::try_from(n.min(16)).unwrap_or(1)])
        }
        "integer" => {
            let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            let min = match s.get("exclusiveMinimum").and_then(Value::as_i64) {
                Some(x) => min.max(x + 1),
                None => min,
            };
            json!(min)
        }
        "number" => {
            let min = s.get("minimum").and_then(Value::as_f64).unwrap_or(1.0);
            json!(min)
        }
        "boolean" => Value::Bool(true),
        "null" => Value::Null,
        _ => string(s),
    }
}

fn object(doc: &Value, s: &Value, depth: usize) -> Value {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            let read_only = resolve(doc, p)
                .and_then(|p| p.get("readOnly"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            // A request body leaves out what the server writes; a recursive schema stops at
            // what is required.
            if read_only || (depth >= 2 && !required.contains(&name.as_str())) {
                continue;
            }
            out.insert(name.clone(), of_schema(doc, p, depth + 1));
        }
    }
    Value::Object(out)
}

fn string(s: &Value) -> Value {
    let made = match s.get("format").and_then(Value::as_str) {
        Some("date-time") => "2024-01-15T10:30:00Z".to_string(),
        Some("date") => "2024-01-15".to_string(),
        Some("time") => "10:30:00Z".to_string(),
        Some("email") => "user@example.com".to_string(),
        Some("uuid") => "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_string(),
        Some("uri" | "url") => "https://example.com/".to_string(),
        Some("hostname") => "example.com".to_string(),
        Some("ipv4") => "192.0.2.1".to_string(),
        _ => "example".to_string(),
    };
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    let max = s.get("maxLength").and_then(Value::as_u64);
    let mut text = made;
    while (text.chars().count() as u64) < min {
        text.push('x');
    }
    if let Some(max) = max {
        text = text
            .chars()
            .take(usize::try_from(max).unwrap_or(0))
            .collect();
    }
    Value::String(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_first_then_the_schema() {
        let doc = json!({"components": {"schemas": {
            "Book": {"type": "object", "required": ["title"], "properties": {
                "id": {"type": "integer", "readOnly": true},
                "title": {"type": "string", "minLength": 3},
                "year": {"type": "integer", "minimum": 1450},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                "isbn": {"type": ["string", "null"], "example": "978-0"}
            }}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Book"});
        assert_eq!(
            of_schema(&doc, &schema, 0),
            json!({"title": "example", "year": 1450, "tags": ["a"], "isbn": "978-0"})
        );
        let param = json!({"name": "id", "in": "path", "examples": {"one": {"value": 7}}});
        assert_eq!(of_holder(&doc, &param), Some(json!(7)));
        let media = json!({"example": {"x": 1}, "schema": schema});
        assert_eq!(of_holder(&doc, &media), Some(json!({"x": 1})));
    }

    #[test]
    fn a_recursive_schema_ends() {
        let doc = json!({"components": {"schemas": {"Node": {"type": "object",
            "required": ["child"], "properties": {"child": {"$ref": "#/components/schemas/Node"}}}}}});
        let v = of_schema(&doc, &json!({"$ref": "#/components/schemas/Node"}), 0);
        assert!(v.to_string().len() < 200, "{v}");
    }
}
