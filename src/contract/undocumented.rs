//! Properties a response body or webhook payload carries that its schema does not document.
//!
//! The contract is open to additive changes (contract §1): a response may carry properties
//! beyond the documented ones, so the schemas no longer forbid them and validation passes. The
//! documented set is still known — it is every `properties` (and `patternProperties`) name of
//! every part of the schema that applies: the schema itself, its `$ref` targets, `allOf`,
//! `anyOf`, `oneOf`, `if`/`then`/`else` and `dependentSchemas` branches. A property named by
//! none of them is undocumented, and reported as a warning (or, strict, a failure).
//!
//! An object whose schema names no property at all (`type: object` alone) is a free-form map;
//! one whose schema allows more by `additionalProperties`/`unevaluatedProperties` (`true` or a
//! schema) documents its extra keys that way. Neither is reported.
use super::pointer::escape;
use serde_json::Value;

/// Nesting deeper than this is not followed (a `$ref` cycle, or an absurd document).
const MAX_DEPTH: usize = 64;

/// A property of a checked document that its schema does not document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undocumented {
    /// JSON pointer of the property in the body or payload, e.g. `/data/0/links`.
    pub pointer: String,
    /// Where its schema is: operation, response and media type, or the webhook.
    pub context: String,
}

/// JSON pointers of the properties of `instance` that `schema` (a node of `doc`) does not
/// document, in document order.
pub(crate) fn undocumented(doc: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(doc, &[schema], instance, "", &mut out, 0);
    out
}

fn walk(
    doc: &Value,
    schemas: &[&Value],
    instance: &Value,
    at: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut parts = Vec::new();
    for s in schemas {
        collect(doc, s, &mut parts, depth);
    }
    match instance {
        Value::Object(map) => {
            let names_any = parts
                .iter()
                .any(|p| p.get("properties").is_some() || p.get("patternProperties").is_some());
            if !names_any {
                return;
            }
            let open: Vec<&Value> = parts
                .iter()
                .flat_map(|p| {
                    ["additionalProperties", "unevaluatedProperties"]
                        .into_iter()
                        .filter_map(|k| p.get(k))
                })
                .filter(|s| **s != Value::Bool(false))
                .collect();
            for (key, value) in map {
                let mut children: Vec<&Value> = parts
                    .iter()
                    .filter_map(|p| p.get("properties").and_then(|ps| ps.get(key)))
                    .collect();
                for p in &parts {
                    let Some(Value::Object(patterns)) = p.get("patternProperties") else {
                        continue;
                    };
                    for (re, s) in patterns {
                        if regex::Regex::new(re).is_ok_and(|r| r.is_match(key)) {
                            children.push(s);
                        }
                    }
                }
                let documented = !(children.is_empty() && open.is_empty());
                // A documented scalar has no properties: nothing below it to look at.
                if documented && !(value.is_object() || value.is_array()) {
                    continue;
                }
                let here = format!("{at}/{}", escape(key));
                if !documented {
                    out.push(here);
                    continue;
                }
                let below = if children.is_empty() {
                    &open
                } else {
                    &children
                };
                walk(doc, below, value, &here, out, depth + 1);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut children: Vec<&Value> = Vec::new();
                for p in &parts {
                    match p.get("prefixItems").and_then(|pi| pi.get(i)) {
                        Some(s) => children.push(s),
                        None => {
                            if let Some(s) = p.get("items").filter(|s| s.is_object()) {
                                children.push(s);
                            }
                        }
                    }
                }
                if !children.is_empty() && (item.is_object() || item.is_array()) {
                    walk(doc, &children, item, &format!("{at}/{i}"), out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// Every schema node that applies to the same instance as `node`.
fn collect<'a>(doc: &'a Value, node: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > MAX_DEPTH || !node.is_object() || out.iter().any(|n| std::ptr::eq(*n, node)) {
        return;
    }
    out.push(node);
    if let Some(target) = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| doc.pointer(p))
    {
        collect(doc, target, out, depth + 1);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = node.get(key) {
            for b in branches {
                collect(doc, b, out, depth + 1);
            }
        }
    }
    for key in ["if", "then", "else"] {
        if let Some(b) = node.get(key) {
            collect(doc, b, out, depth + 1);
        }
    }
    if let Some(Value::Object(deps)) = node.get("dependentSchemas") {
        for b in deps.values() {
            collect(doc, b, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Item": {"type": "object", "properties": {"sku": {"type": "string"}}},
            "Order": {
                "type": "object",
                "properties": {"id": {}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}, "meta": {"type": "object"}},
                "allOf": [{"if": {"properties": {"id": {"const": "x"}}}, "then": {"properties": {"special": {}}}}]
            },
            "Map": {"type": "object", "properties": {"a": {}}, "additionalProperties": {"type": "object", "properties": {"n": {}}}},
            "Loop": {"$ref": "#/components/schemas/Loop"}
        }}})
    }

    fn find(schema: &str, instance: Value) -> Vec<String> {
        let d = doc();
        let s = json!({"$ref": format!("#/components/schemas/{schema}")});
        undocumented(&d, &s, &instance)
    }

    #[test]
    fn names_each_undocumented_property_by_pointer() {
        let mut got = find(
            "Order",
            json!({"id": "1", "links": {"self": "/x"}, "items": [{"sku": "a", "metadata": {}}, {"sku": "b"}], "meta": {"free": 1}, "special": true}),
        );
        got.sort();
        assert_eq!(got, vec!["/items/0/metadata", "/links"]);
    }

    #[test]
    fn documented_bodies_have_none() {
        assert!(find("Order", json!({"id": "1", "items": [{"sku": "a"}]})).is_empty());
        assert!(find("Map", json!({"a": 1, "k": {"n": 1}})).is_empty());
        assert_eq!(find("Map", json!({"k": {"n": 1, "m": 2}})), vec!["/k/m"]);
    }

    #[test]
    fn ref_cycles_end() {
        assert!(find("Loop", json!({"a": 1})).is_empty());
    }

    #[test]
    fn escapes_pointer_tokens() {
        assert_eq!(find("Item", json!({"a/b": 1})), vec!["/a~1b"]);
    }
}
