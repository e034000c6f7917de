//! Reading `results.json` of schema version 1 (conform before typed run-wide sections):
//! converted in place to version 2 before it is read as a [`super::RunResult`].
//!
//! Version 1 kept the run-wide sections under `extensions` and the SLA and `--min-coverage`
//! judgements as scenarios (`run::sla`, `run::coverage`, suite `run`, at `conform.yaml:0:0`).
//! Version 2 has them as typed fields and `verdicts`.
use super::{VerdictKind, VerdictOutcome};
use serde_json::{json, Map, Value};

/// The oldest `schema_version` that [`upgrade_v1`] reads.
pub const OLDEST_READABLE: &str = "1";

/// The sections that moved from `extensions` to fields of their own.
const MOVED: [&str; 5] = [
    "contract",
    "coverage",
    "latency",
    "rate_limits",
    "webhook_receiver",
];

/// Converts a version 1 document to version 2: the moved `extensions` become fields, the
/// run-wide cases become `verdicts` (and leave `scenarios`; the caller recounts the summary).
/// Anything it does not recognise is left where it is.
pub fn upgrade_v1(doc: &mut Value) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(ext)) = obj.get_mut("extensions") {
        let moved: Vec<(String, Value)> = MOVED
            .iter()
            .filter_map(|k| ext.remove(*k).map(|v| (k.to_string(), v)))
            .collect();
        obj.extend(moved);
    }
    if obj
        .get("extensions")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        obj.remove("extensions");
    }
    let env = obj
        .get("environment")
        .and_then(|e| e.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let coverage = obj.get("coverage").cloned();
    let mut verdicts = Vec::new();
    if let Some(Value::Array(scenarios)) = obj.get_mut("scenarios") {
        scenarios.retain(|sc| match run_wide_kind(sc) {
            Some(kind) => {
                verdicts.push(verdict(kind, sc, &env, coverage.as_ref()));
                false
            }
            None => true,
        });
    }
    obj.insert("verdicts".into(), Value::Array(verdicts));
    obj.insert(
        "schema_version".into(),
        json!(super::RESULTS_SCHEMA_VERSION),
    );
}

fn run_wide_kind(sc: &Value) -> Option<VerdictKind> {
    match sc.get("id").and_then(Value::as_str)? {
        "run::sla" => Some(VerdictKind::Sla),
        "run::coverage" => Some(VerdictKind::Coverage),
        _ => None,
    }
}

/// A version 2 verdict from a version 1 run-wide case.
fn verdict(kind: VerdictKind, sc: &Value, env: &str, coverage: Option<&Value>) -> Value {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let checks: Vec<Value> = sc
        .get("steps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|st| st.get("checks").and_then(Value::as_array))
        .flatten()
        .map(|c| {
            let passed = c.get("passed").and_then(Value::as_bool).unwrap_or(false);
            json!({
                "check": text(c, "check"),
                "expected": text(c, "expected"),
                "actual": text(c, "actual"),
                "outcome": outcome(passed),
            })
        })
        .collect();
    let passed = sc.get("outcome").and_then(Value::as_str) == Some("passed");
    let (source, not_covered) = match kind {
        VerdictKind::Sla => (format!("sla: of environment {env}"), Vec::new()),
        VerdictKind::Coverage => {
            let min = coverage
                .and_then(|c| c.get("min_percent"))
                .and_then(Value::as_f64)
                .map_or_else(String::new, |m| format!(" {m}"));
            (format!("--min-coverage{min}"), not_covered(coverage))
        }
    };
    json!({
        "kind": kind,
        "name": text(sc, "name"),
        "source": source,
        "outcome": outcome(passed),
        "checks": checks,
        "not_covered": not_covered,
    })
}

fn outcome(passed: bool) -> VerdictOutcome {
    VerdictOutcome::of(passed)
}

/// The `not_covered` lists of a version 1 coverage section, named as version 2 names them.
fn not_covered(coverage: Option<&Value>) -> Vec<String> {
    let Some(c) = coverage else { return Vec::new() };
    let mut out = Vec::new();
    for (key, label) in [
        ("responses", "response"),
        ("error_codes", "error code"),
        ("webhook_events", "webhook event"),
    ] {
        let ids = c
            .pointer(&format!("/{key}/not_covered"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        out.extend(ids.map(|id| format!("{label} {id}")));
    }
    out
}
