//! What a JSONPath selects, typed the way RFC 9535 types it: a *singular* query (only name
//! and index selectors, e.g. `$.items[0].sku`) yields one value or nothing; any other query
//! (wildcards, slices, filters, descendants, several selectors) yields a nodelist, always a
//! list — decided from the query, never from how many nodes the data happened to hold.
use serde_json::Value;
use serde_json_path::JsonPath;

/// A parsed JSONPath and whether it is singular.
#[derive(Debug, Clone)]
pub struct Query {
    path: JsonPath,
    singular: bool,
}

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
        let path = JsonPath::parse(text)?;
        Ok(Query {
            singular: is_singular(text),
            path,
        })
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
