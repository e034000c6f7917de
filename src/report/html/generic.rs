//! Sections of unknown shape (`extensions` other tools added): scalar facts by dotted path,
//! arrays of objects as tables.
use super::txt;
use crate::report::escape::cut;
use serde::Serialize;
use serde_json::Value as Json;

/// Rows of a generic table.
const TABLE_ROWS: usize = 500;

#[derive(Serialize, Default)]
pub(super) struct Generic {
    pub facts: Vec<(String, String)>,
    pub tables: Vec<Table>,
}

#[derive(Serialize)]
pub(super) struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub more: usize,
}

#[derive(Serialize)]
pub(super) struct NamedGeneric {
    pub name: String,
    pub section: Generic,
}
fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "—".to_string(),
        Json::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => {
                let s = format!("{f:.3}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            _ => n.to_string(),
        },
        other => cut(&other.to_string(), 300),
    }
}

/// Flattens a JSON value of unknown shape into facts and tables.
pub(super) fn generic(v: &Json) -> Generic {
    let mut g = Generic::default();
    flatten(v, String::new(), &mut g);
    g
}

fn flatten(v: &Json, path: String, g: &mut Generic) {
    let name = |p: &str| {
        if p.is_empty() {
            "value".to_string()
        } else {
            p.to_string()
        }
    };
    match v {
        Json::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                flatten(child, dotted(&path, k), g);
            }
        }
        Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_object) => {
            // Each item flattened to dotted keys, so nested objects become columns.
            let cells: Vec<Vec<(String, String)>> = items
                .iter()
                .take(TABLE_ROWS)
                .map(|item| {
                    let mut row = Vec::new();
                    cells_of(item, String::new(), &mut row);
                    row
                })
                .collect();
            let mut columns: Vec<String> = Vec::new();
            for row in &cells {
                for (k, _) in row {
                    if !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
            }
            // Identifying columns first; serde_json keeps the rest sorted.
            let first = [
                "id",
                "operation",
                "operation_id",
                "name",
                "method",
                "path",
                "template",
                "status",
            ];
            columns.sort_by_key(|c| first.iter().position(|f| f == c).unwrap_or(first.len()));
            let rows = cells
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| {
                            row.iter()
                                .find(|(k, _)| k == c)
                                .map(|(_, v)| txt(v))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect();
            g.tables.push(Table {
                title: txt(&name(&path)),
                columns: columns.iter().map(|c| txt(c)).collect(),
                rows,
                more: items.len().saturating_sub(TABLE_ROWS),
            });
        }
        Json::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let text = items.iter().map(scalar_text).collect::<Vec<_>>().join(", ");
            g.facts.push((txt(&name(&path)), txt(&cut(&text, 2000))));
        }
        other => g.facts.push((txt(&name(&path)), txt(&scalar_text(other)))),
    }
}

/// One table row: scalars by dotted key, nested objects flattened, arrays joined.
fn cells_of(v: &Json, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(map) if !map.is_empty() => {
            for (k, child) in map {
                cells_of(child, dotted(&path, k), out);
            }
        }
        Json::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let text = items.iter().map(scalar_text).collect::<Vec<_>>().join(", ");
            out.push((path, cut(&text, 300)));
        }
        other => out.push((path, scalar_text(other))),
    }
}

/// `path.key`, or `key` at the top.
fn dotted(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_sections_flatten() {
        let v = serde_json::json!({
            "covered": 3, "total": 4,
            "operations": [{"id": "createOrder", "covered": true}, {"id": "getOrder", "hits": 2}],
            "by": {"status": ["200", "404"]}
        });
        let g = generic(&v);
        assert!(g.facts.contains(&("covered".to_string(), "3".to_string())));
        assert!(g
            .facts
            .contains(&("by.status".to_string(), "200, 404".to_string())));
        assert_eq!(g.tables[0].columns, ["id", "covered", "hits"]);
        assert_eq!(g.tables[0].rows[1], ["getOrder", "", "2"]);
        let nested = serde_json::json!({"operations": [
            {"operation": "a", "stats": {"p50_ms": 1.23456, "count": 3}, "codes": ["400", "401"]}
        ]});
        let g = generic(&nested);
        assert_eq!(
            g.tables[0].columns,
            ["operation", "codes", "stats.count", "stats.p50_ms"]
        );
        assert_eq!(g.tables[0].rows[0], ["a", "400, 401", "3", "1.235"]);
    }
}
