//! What a finished run exercised of the contract: computed from the contract and the run
//! ([`crate::results::Coverage`] is the data; see `results/coverage.rs`).
use super::document::{match_status, Contract, Operation};
use super::operation::path_only;
use crate::results::{
    percent, Coverage, CoverageItem, CoverageSection, Exchange, OperationCoverage, RunResult,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// The error code of an error body, at `field` (a JSON pointer); a regex finds a top-level
/// member in a truncated body.
fn error_code(body: &str, field: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return v.pointer(field).and_then(Value::as_str).map(str::to_string);
    }
    let name = field.strip_prefix('/').filter(|n| !n.contains('/'))?;
    let re = regex::Regex::new(&format!(r#""{}"\s*:\s*"([^"\\]*)""#, regex::escape(name))).ok()?;
    re.captures(body).map(|c| c[1].to_string())
}

impl Contract {
    /// The operation of a recorded exchange: `Exchange.operation`, or else its method and URL
    /// (minus the environment's base URL) matched again.
    fn operation_of(&self, x: &Exchange, base_url: &str) -> Option<&Operation> {
        if let Some(id) = &x.operation {
            return self.by_id(id);
        }
        let url = &x.request.url;
        let base = base_url.trim_end_matches('/');
        let path = match url.strip_prefix(base) {
            Some(rest) if !base.is_empty() => rest.to_string(),
            _ => path_only(url),
        };
        self.find(&x.request.method, &path)
    }

    /// Coverage over a finished run. Operations marked `x-sandbox-only: true` are left out (a
    /// run against production cannot reach them), and so are the error codes in their
    /// answers.
    pub fn coverage(&self, result: &RunResult) -> Coverage {
        let ops: Vec<&Operation> = self.operations.iter().filter(|o| !o.sandbox_only).collect();
        // (operation index in `ops`, response key) → count
        let mut responses: BTreeMap<(usize, String), u64> = BTreeMap::new();
        let mut per_op: BTreeMap<usize, u64> = BTreeMap::new();
        let mut codes: BTreeMap<String, u64> = BTreeMap::new();
        let mut events: BTreeMap<String, u64> = BTreeMap::new();
        let mut undocumented: BTreeMap<String, u64> = BTreeMap::new();
        let base = &result.environment.base_url;

        for s in &result.scenarios {
            for x in s.steps.iter().flat_map(|st| &st.exchanges) {
                let Some(resp) = &x.response else { continue };
                let op = self.operation_of(x, base);
                if op.is_some_and(|o| o.sandbox_only) {
                    continue;
                }
                match op {
                    Some(o) => {
                        let i = ops.iter().position(|p| std::ptr::eq(*p, o)).unwrap_or(0);
                        *per_op.entry(i).or_default() += 1;
                        match match_status(&o.responses, resp.status) {
                            Some(r) => *responses.entry((i, r.key.clone())).or_default() += 1,
                            None => {
                                *undocumented
                                    .entry(format!("status {} of {}", resp.status, o.op.id))
                                    .or_default() += 1
                            }
                        }
                    }
                    None => {
                        let path = path_only(
                            x.request
                                .url
                                .strip_prefix(base.trim_end_matches('/'))
                                .filter(|_| !base.is_empty())
                                .unwrap_or(&x.request.url),
                        );
                        *undocumented
                            .entry(format!(
                                "operation {} {path}",
                                x.request.method.to_ascii_uppercase()
                            ))
                            .or_default() += 1;
                    }
                }
                // Error codes live in error bodies (contract §3); a success body's member of
                // the same name is data. Reading only those also spares parsing every body of
                // the run once more.
                let error_body = resp.body.as_deref().filter(|_| resp.status >= 400);
                if let Some(code) = error_body.and_then(|b| error_code(b, &self.error_code_field)) {
                    if self.error_codes.contains(&code) {
                        *codes.entry(code).or_default() += 1;
                    } else if !self.error_codes.is_empty() {
                        *undocumented
                            .entry(format!("error_code {code}"))
                            .or_default() += 1;
                    }
                }
            }
            for w in &s.webhooks {
                let Some(t) = &w.event_type else { continue };
                if self.webhooks.contains_key(t) {
                    *events.entry(t.clone()).or_default() += 1;
                } else {
                    *undocumented
                        .entry(format!("webhook event {t}"))
                        .or_default() += 1;
                }
            }
        }

        let mut response_items = Vec::new();
        let mut operations = Vec::new();
        for (i, o) in ops.iter().enumerate() {
            let items: Vec<CoverageItem> = o
                .responses
                .iter()
                .map(|r| CoverageItem {
                    id: format!("{} {}", o.op.id, r.key),
                    count: responses.get(&(i, r.key.clone())).copied().unwrap_or(0),
                })
                .collect();
            let covered = items.iter().filter(|i| i.count > 0).count();
            operations.push(OperationCoverage {
                id: o.op.id.clone(),
                method: o.op.method.clone(),
                template: o.op.template.clone(),
                exchanges: per_op.get(&i).copied().unwrap_or(0),
                total: items.len(),
                covered,
                percent: percent(covered, items.len()),
                not_covered: o
                    .responses
                    .iter()
                    .zip(&items)
                    .filter(|(_, it)| it.count == 0)
                    .map(|(r, _)| r.key.clone())
                    .collect(),
            });
            response_items.extend(items);
        }
        let responses = CoverageSection::new(response_items);
        let error_codes = CoverageSection::new(
            self.error_codes
                .iter()
                .map(|c| CoverageItem {
                    id: c.clone(),
                    count: codes.get(c).copied().unwrap_or(0),
                })
                .collect(),
        );
        let webhook_events = CoverageSection::new(
            self.webhooks
                .keys()
                .map(|e| CoverageItem {
                    id: e.clone(),
                    count: events.get(e).copied().unwrap_or(0),
                })
                .collect(),
        );
        let total = responses.total + error_codes.total + webhook_events.total;
        let covered = responses.covered + error_codes.covered + webhook_events.covered;
        Coverage {
            contract: format!("{} {}", self.title(), self.version()),
            responses,
            operations,
            error_codes,
            webhook_events,
            undocumented: undocumented
                .into_iter()
                .map(|(id, count)| CoverageItem { id, count })
                .collect(),
            total,
            covered,
            min_percent: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::fixture::{exchange, run, scenario, webhook};
    use crate::contract::tests::contract;

    fn err(code: &str) -> String {
        format!(
            r#"{{"error_code":"{code}","message":"m","request_id":"r","timestamp":"2024-01-15T10:30:00Z"}}"#
        )
    }

    #[test]
    fn counts_responses_error_codes_and_events_exactly() {
        let c = contract();
        let r = run(vec![
            scenario(
                vec![
                    exchange(
                        "POST",
                        "/api/v1/orders",
                        Some("createOrder"),
                        201,
                        "{}",
                        10.0,
                    ),
                    exchange(
                        "POST",
                        "/api/v1/orders",
                        Some("createOrder"),
                        201,
                        "{}",
                        10.0,
                    ),
                    exchange(
                        "POST",
                        "/api/v1/orders",
                        Some("createOrder"),
                        409,
                        &err("INSUFFICIENT_INVENTORY"),
                        10.0,
                    ),
                    exchange(
                        "GET",
                        "/api/v1/orders/ORD-1",
                        Some("getOrder"),
                        404,
                        &err("NOT_FOUND"),
                        10.0,
                    ),
                    // No operation recorded: matched again from the URL.
                    exchange("GET", "/api/v1/orders/ORD-2?x=1", None, 200, "{}", 10.0),
                    // A success body's `error_code` member is data: no code is counted.
                    exchange(
                        "GET",
                        "/api/v1/orders/ORD-4",
                        Some("getOrder"),
                        200,
                        &err("CONFLICT"),
                        10.0,
                    ),
                    // Undocumented status, undocumented operation, unknown code.
                    exchange(
                        "GET",
                        "/api/v1/orders/ORD-3",
                        Some("getOrder"),
                        418,
                        &err("TEAPOT"),
                        10.0,
                    ),
                    exchange("GET", "/api/v1/nope", None, 404, &err("NOT_FOUND"), 10.0),
                    // Sandbox controls are left out, codes included.
                    exchange(
                        "GET",
                        "/sandbox/v1/stats",
                        Some("sandboxStats"),
                        401,
                        &err("UNAUTHORIZED"),
                        10.0,
                    ),
                ],
                vec![
                    webhook("order.created"),
                    webhook("order.created"),
                    webhook("order.shipped"),
                ],
            ),
            scenario(vec![], vec![webhook("order.cancelled")]),
        ]);
        let cov = c.coverage(&r);

        // 10 non-sandbox operations; their documented response keys.
        assert_eq!(cov.operations.len(), 10);
        let keys: usize = cov.operations.iter().map(|o| o.total).sum();
        assert_eq!(cov.responses.total, keys);
        assert_eq!(cov.responses.covered, 4);
        let count = |id: &str| {
            cov.responses
                .items
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.count)
        };
        assert_eq!(count("createOrder 201"), Some(2));
        assert_eq!(count("createOrder 409"), Some(1));
        assert_eq!(count("getOrder 404"), Some(1));
        assert_eq!(count("getOrder 200"), Some(2));
        assert_eq!(count("createOrder 200"), Some(0));
        assert!(cov
            .responses
            .not_covered
            .contains(&"createOrder 200".to_string()));
        assert_eq!(cov.responses.not_covered.len(), keys - 4);

        let create = cov
            .operations
            .iter()
            .find(|o| o.id == "createOrder")
            .unwrap();
        assert_eq!((create.exchanges, create.covered, create.total), (3, 2, 11));
        assert_eq!(
            create.not_covered,
            ["200", "400", "401", "402", "403", "413", "429", "500", "503"]
        );
        let get = cov.operations.iter().find(|o| o.id == "getOrder").unwrap();
        assert_eq!((get.exchanges, get.covered, get.total), (4, 2, 8));
        assert_eq!(get.percent, 25.0);

        assert_eq!((cov.error_codes.total, cov.error_codes.covered), (14, 2));
        let codes: Vec<(&str, u64)> = cov
            .error_codes
            .items
            .iter()
            .filter(|i| i.count > 0)
            .map(|i| (i.id.as_str(), i.count))
            .collect();
        assert_eq!(codes, [("NOT_FOUND", 2), ("INSUFFICIENT_INVENTORY", 1)]);
        assert_eq!(cov.error_codes.not_covered.len(), 12);

        assert_eq!(
            (cov.webhook_events.total, cov.webhook_events.covered),
            (3, 2)
        );
        assert_eq!(cov.webhook_events.not_covered, ["order.updated"]);
        assert_eq!(
            cov.webhook_events.items[1],
            CoverageItem {
                id: "order.created".into(),
                count: 2
            }
        );

        let undocumented: Vec<(&str, u64)> = cov
            .undocumented
            .iter()
            .map(|i| (i.id.as_str(), i.count))
            .collect();
        assert_eq!(
            undocumented,
            [
                ("error_code TEAPOT", 1),
                ("operation GET /api/v1/nope", 1),
                ("status 418 of getOrder", 1),
                ("webhook event order.shipped", 1),
            ]
        );

        assert_eq!(cov.total, keys + 14 + 3);
        assert_eq!(cov.covered, 4 + 2 + 2);
        let expected = 8.0 * 100.0 / (keys + 17) as f64;
        assert!((cov.percent() - expected).abs() < 1e-9, "{}", cov.percent());
        assert!((cov.webhook_events.percent - 200.0 / 3.0).abs() < 1e-9);

        // It round-trips through JSON (results.json extension).
        let json = serde_json::to_string(&cov).unwrap();
        let back: Coverage = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cov);
    }

    #[test]
    fn ranges_and_default_count_for_their_statuses() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.yaml");
        std::fs::write(
            &p,
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {description: ok}\n        4XX: {description: client}\n        default: {description: other}\n",
        )
        .unwrap();
        let c = Contract::load(&p).unwrap();
        let r = run(vec![scenario(
            vec![
                exchange("GET", "/a", Some("a"), 404, "", 1.0),
                exchange("GET", "/a", Some("a"), 429, "", 1.0),
                exchange("GET", "/a", Some("a"), 503, "", 1.0),
            ],
            vec![],
        )]);
        let cov = c.coverage(&r);
        let items: Vec<(&str, u64)> = cov
            .responses
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.count))
            .collect();
        assert_eq!(items, [("a 200", 0), ("a 4XX", 2), ("a default", 1)]);
        assert_eq!((cov.total, cov.covered), (3, 2));
        // An empty run covers nothing.
        let cov = c.coverage(&run(vec![]));
        assert_eq!((cov.covered, cov.percent()), (0, 0.0));
    }
}
