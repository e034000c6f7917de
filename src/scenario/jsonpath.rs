//! What a JSONPath selects, typed the way RFC 9535 types it: a *singular* query (only name
//! and index selectors, e.g. `$.items[0].sku`) yields one value or nothing; any other query
//! (wildcards, slices, filters, descendants, several selectors) yields a nodelist, always a
//! list — decided from the query, never from how many nodes the data happened to hold.
use serde_json::Value;
use serde_json_path::JsonPath;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// A parsed JSONPath and whether it is singular. Cloning shares the parsed query.
#[derive(Debug, Clone)]
pub struct Query {
    path: Arc<JsonPath>,
    singular: bool,
}

/// Parsed queries by their text: a suite writes the same few paths (`$.status`, `$.id`) in
/// every scenario, and a check is typed when it is validated and again when it runs. Bounded:
/// past [`MEMO_MAX`] different paths, new ones are parsed without being kept.
static MEMO: LazyLock<Mutex<HashMap<Box<str>, Query>>> = LazyLock::new(Default::default);
const MEMO_MAX: usize = 4096;

/// What a [`Query`] selected from a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    /// A singular query: the node, or `None` when it does not exist.
    Value(Option<Value>),
    /// A non-singular query: every node, in document order (possibly none).
    Nodes(Vec<Value>),
}

impl Query {
    pub fn parse(text: &str) -> Result<Query, serde_json_path::ParseError> {
        if let Some(q) = MEMO.lock().ok().and_then(|m| m.get(text).cloned()) {
            return Ok(q);
        }
        let q = Query {
            path: Arc::new(JsonPath::parse(text)?),
            singular: is_singular(text),
        };
        if let Ok(mut memo) = MEMO.lock() {
            if memo.len() < MEMO_MAX {
                memo.insert(text.into(), q.clone());
            }
        }
        Ok(q)
    }

    pub fn is_singular(&self) -> bool {
        self.singular
    }

    pub fn select(&self, json: &Value) -> Selected {
        let nodes = self.path.query(json).all();
        if self.singular {
            Selected::Value(nodes.first().map(|v| (*v).clone()))
        } else {
            Selected::Nodes(nodes.into_iter().cloned().collect())
        }
    }
}

impl Selected {
    /// The value the operators see: the node for a singular query, the list of nodes (a JSON
    /// array) otherwise; `None` only for a singular query that selected nothing.
    pub fn value(&self) -> Option<Value> {
        match self {
            Selected::Value(v) => v.clone(),
            Selected::Nodes(n) => Some(Value::Array(n.clone())),
        }
    }

    /// How many nodes were selected.
    pub fn count(&self) -> usize {
        match self {
            Selected::Value(v) => usize::from(v.is_some()),
            Selected::Nodes(n) => n.len(),
        }
    }
}

/// Whether `text` (a valid JSONPath starting with `$`) is a singular query. RFC 9535 allows
/// only singular queries as the operands of a comparison in a filter (`comparable =
/// literal / singular-query / function-expr`), so the parser that knows the grammar decides:
/// `$[?<query> == null]` parses exactly when `<query>` is singular.
pub fn is_singular(text: &str) -> bool {
    JsonPath::parse(&format!("$[?{} == null]", text.trim())).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_path_parsed_again_is_the_same_query_shared() {
        let a = Query::parse("$.memo_probe[0].id").unwrap();
        let b = Query::parse("$.memo_probe[0].id").unwrap();
        assert!(Arc::ptr_eq(&a.path, &b.path));
        assert!(a.is_singular() && b.is_singular());
        let doc = json!({"memo_probe": [{"id": 7}]});
        assert_eq!(b.select(&doc), Selected::Value(Some(json!(7))));
        // A broken path is an error every time, and is not kept.
        assert!(Query::parse("$.memo_probe[").is_err());
        assert!(Query::parse("$.memo_probe[").is_err());
        let q = Query::parse("$.memo_probe[*].id").unwrap();
        assert!(!q.is_singular());
    }

    #[test]
    fn singular_is_decided_by_the_query() {
        for q in [
            "$",
            "$.a",
            "$.a.b",
            "$['a']",
            "$[0]",
            "$.items[0].sku",
            "$.items[-1]",
            "$['a b'][2]['c']",
        ] {
            assert!(is_singular(q), "{q} is singular");
        }
        for q in [
            "$.*",
            "$.items[*].sku",
            "$..sku",
            "$.items[0:2]",
            "$.items[?@.sku == 'A-1'].quantity",
            "$['a','b']",
            "$[0,1]",
        ] {
            assert!(!is_singular(q), "{q} is not singular");
        }
    }

    #[test]
    fn a_filter_yields_a_list_whatever_it_matched() {
        let doc = json!({"items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2", "quantity": 5}]});
        let q = Query::parse("$.items[?@.sku == 'A-1'].quantity").expect("valid");
        assert_eq!(q.select(&doc), Selected::Nodes(vec![json!(2)]));
        assert_eq!(q.select(&doc).value(), Some(json!([2])));
        let none = Query::parse("$.items[?@.sku == 'Z'].quantity").expect("valid");
        assert_eq!(none.select(&doc).value(), Some(json!([])));
        assert_eq!(none.select(&doc).count(), 0);
        let one = Query::parse("$.items[1].sku").expect("valid");
        assert_eq!(one.select(&doc).value(), Some(json!("B-2")));
        let missing = Query::parse("$.items[7].sku").expect("valid");
        assert_eq!(missing.select(&doc), Selected::Value(None));
        assert_eq!(missing.select(&doc).count(), 0);
    }
}
