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
use super::pointer::push_token;
use serde_json::Value;
use std::fmt::Write;

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
    let mut refs = Refs::default();
    walk(
        doc,
        &[schema],
        instance,
        &mut String::new(),
        &mut out,
        &mut refs,
        0,
    );
    out
}

/// The targets of the local `$ref`s met so far (an array's items meet the same ones for each
/// element). A schema names a handful: a list looked through beats hashing each one.
#[derive(Default)]
struct Refs<'a>(Vec<(&'a str, Option<&'a Value>)>);

impl<'a> Refs<'a> {
    fn target(&mut self, doc: &'a Value, pointer: &'a str) -> Option<&'a Value> {
        if let Some((_, t)) = self.0.iter().find(|(p, _)| *p == pointer) {
            return *t;
        }
        let t = doc.pointer(pointer);
        self.0.push((pointer, t));
        t
    }
}

/// Looks at `instance`, whose pointer is `at` (grown and cut back in place while walking: one
/// buffer for the whole document).
fn walk<'a>(
    doc: &'a Value,
    schemas: &[&'a Value],
    instance: &Value,
    at: &mut String,
    out: &mut Vec<String>,
    refs: &mut Refs<'a>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut parts = Vec::new();
    for s in schemas {
        collect(doc, s, &mut parts, refs, depth);
    }
    match instance {
        Value::Object(map) => {
            // Each part's `properties` and `patternProperties`, looked up once.
            let props: Vec<&Value> = parts.iter().filter_map(|p| p.get("properties")).collect();
            let patterns: Vec<&serde_json::Map<String, Value>> = parts
                .iter()
                .filter_map(|p| p.get("patternProperties"))
                .filter_map(Value::as_object)
                .collect();
            let names_any =
                !props.is_empty() || parts.iter().any(|p| p.get("patternProperties").is_some());
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
                let nested = value.is_object() || value.is_array();
                // A documented scalar has no properties: nothing below it to look at, and no
                // list of the schemas that name it to build (most members of a body).
                if !nested && props.iter().any(|ps| ps.get(key).is_some()) {
                    continue;
                }
                let mut children: Vec<&Value> = props.iter().filter_map(|ps| ps.get(key)).collect();
                for pattern in &patterns {
                    for (re, s) in *pattern {
                        if regex::Regex::new(re).is_ok_and(|r| r.is_match(key)) {
                            children.push(s);
                        }
                    }
                }
                let documented = !(children.is_empty() && open.is_empty());
                if documented && !nested {
                    continue;
                }
                let len = at.len();
                push_token(at, key);
                if documented {
                    let below = if children.is_empty() {
                        &open
                    } else {
                        &children
                    };
                    walk(doc, below, value, at, out, refs, depth + 1);
                } else {
                    out.push(at.clone());
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if !(item.is_object() || item.is_array()) {
                    continue;
                }
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
                if !children.is_empty() {
                    let len = at.len();
                    let _ = write!(at, "/{i}");
                    walk(doc, &children, item, at, out, refs, depth + 1);
                    at.truncate(len);
                }
            }
        }
        _ => {}
    }
}

/// Every schema node that applies to the same instance as `node`.
fn collect<'a>(
    doc: &'a Value,
    node: &'a Value,
    out: &mut Vec<&'a Value>,
    refs: &mut Refs<'a>,
    depth: usize,
) {
    if depth > MAX_DEPTH || !node.is_object() || out.iter().any(|n| std::ptr::eq(*n, node)) {
        return;
    }
    out.push(node);
    if let Some(target) = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| refs.target(doc, p))
    {
        collect(doc, target, out, refs, depth + 1);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = node.get(key) {
            for b in branches {
                collect(doc, b, out, refs, depth + 1);
            }
        }
    }
    for key in ["if", "then", "else"] {
        if let Some(b) = node.get(key) {
            collect(doc, b, out, refs, depth + 1);
        }
    }
    if let Some(Value::Object(deps)) = node.get("dependentSchemas") {
        for b in deps.values() {
            collect(doc, b, out, refs, depth + 1);
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
