//! `$ref` cycles that check nothing: a schema that, through `$ref`s and in-place applicators
//! (`allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, `dependentSchemas`), comes back to
//! itself while looking at the same value. A validator gives up on such a loop and lets every
//! value through, so a contract holding one is refused. Recursion through `properties`,
//! `items` and the like moves to a smaller value and is fine (a tree of orders).
use super::pointer::{join, push_token};
use serde_json::Value;
use std::collections::HashMap;

/// Where the same value is evaluated again from the schema at `ptr`.
fn in_place(ptr: &str, node: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(obj) = node.as_object() else {
        return out;
    };
    if let Some(target) = obj
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        out.push(target.to_string());
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(a) = obj.get(k).and_then(Value::as_array) {
            let base = join(ptr, k);
            out.extend((0..a.len()).map(|i| join(&base, &i.to_string())));
        }
    }
    for k in ["not", "if", "then", "else"] {
        if obj.get(k).is_some_and(Value::is_object) {
            out.push(join(ptr, k));
        }
    }
    if let Some(m) = obj.get("dependentSchemas").and_then(Value::as_object) {
        let base = join(ptr, "dependentSchemas");
        out.extend(m.keys().map(|k| join(&base, k)));
    }
    out
}

/// Pointers of every object holding a local `$ref`. `ptr` is the pointer of `v`, grown and
/// cut back in place while walking (one buffer for the whole document, not a string per node);
/// scalars are not visited, since they hold nothing.
fn ref_holders(v: &Value, ptr: &mut String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if m.get("$ref").and_then(Value::as_str).is_some() {
                out.push(ptr.clone());
            }
            for (k, v) in m {
                descend(v, ptr, k, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                descend(v, ptr, &i.to_string(), out);
            }
        }
        _ => {}
    }
}

/// [`ref_holders`] of `v`, the member `token` of the value at `ptr`.
fn descend(v: &Value, ptr: &mut String, token: &str, out: &mut Vec<String>) {
    if v.is_object() || v.is_array() {
        let len = ptr.len();
        push_token(ptr, token);
        ref_holders(v, ptr, out);
        ptr.truncate(len);
    }
}

/// The first cycle found, as the pointers along it (the first repeated at the end).
pub(crate) fn find_ref_cycle(doc: &Value) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        OnPath,
        Done,
    }
    let mut starts = Vec::new();
    ref_holders(doc, &mut String::new(), &mut starts);
    let mut marks: HashMap<String, Mark> = HashMap::new();
    for start in starts {
        if marks.contains_key(&start) {
            continue;
        }
        // Iterative depth-first search: (pointer, its edges, next edge).
        let mut stack: Vec<(String, Vec<String>, usize)> = Vec::new();
        let edges = doc
            .pointer(&start)
            .map_or_else(Vec::new, |n| in_place(&start, n));
        marks.insert(start.clone(), Mark::OnPath);
        stack.push((start, edges, 0));
        while let Some((ptr, edges, i)) = stack.last_mut() {
            let Some(next) = edges.get(*i).cloned() else {
                marks.insert(ptr.clone(), Mark::Done);
                stack.pop();
                continue;
            };
            *i += 1;
            match marks.get(&next) {
                Some(Mark::OnPath) => {
                    let from = stack.iter().position(|(p, _, _)| *p == next).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        stack[from..].iter().map(|(p, _, _)| p.clone()).collect();
                    cycle.push(next);
                    return Some(cycle);
                }
                Some(Mark::Done) => {}
                None => {
                    let Some(node) = doc.pointer(&next) else {
                        marks.insert(next, Mark::Done);
                        continue;
                    };
                    let edges = in_place(&next, node);
                    marks.insert(next.clone(), Mark::OnPath);
                    stack.push((next, edges, 0));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_ref_loops_and_lets_real_recursion_be() {
        let doc = json!({"components": {"schemas": {
            "Order": {"$ref": "#/components/schemas/Alias"},
            "Alias": {"allOf": [{"$ref": "#/components/schemas/Order"}]},
        }}});
        assert_eq!(
            find_ref_cycle(&doc).expect("a cycle"),
            [
                "/components/schemas/Alias/allOf/0",
                "/components/schemas/Order",
                "/components/schemas/Alias",
                "/components/schemas/Alias/allOf/0"
            ]
        );
        let tree = json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
            }},
        }}});
        assert_eq!(find_ref_cycle(&tree), None);
    }

    #[test]
    fn holders_are_named_by_escaped_pointers() {
        let doc = json!({"paths": {"/orders/{id}": {"get": {"$ref": "#/x"}}},
            "a~b": [1, {"$ref": "#/y"}], "$ref": "#/z"});
        let mut out = Vec::new();
        ref_holders(&doc, &mut String::new(), &mut out);
        out.sort();
        assert_eq!(out, ["", "/a~0b/1", "/paths/~1orders~1{id}/get"]);
    }
}
