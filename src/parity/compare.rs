//! Two recorded runs → a [`ParityReport`]: scenarios aligned by id, steps by phase, name and
//! occurrence, exchanges by their order within the step, webhooks by event type.
//! The live `conform parity` and `conform report parity` both end here.
use super::report::{
    DiffKind, Difference, ParityReport, ParitySummary, ParityVerdict, ScenarioParity, SideInfo,
    PARITY_SCHEMA_VERSION,
};
use super::rules::{ParityRules, DOCUMENTED_HEADERS, RATE_LIMIT_HEADER, VALUE_HEADERS};
use super::sequence::sequence;
use super::shape;
use super::timing::{latency_pairs, sla_passed};
use crate::results::{Exchange, Outcome, RunResult, ScenarioResult, StepResult, WebhookRecord};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Compares `left` with `right` under `rules`.
pub fn compare_runs(left: &RunResult, right: &RunResult, rules: &ParityRules) -> ParityReport {
    let right_by_id: BTreeMap<&str, &ScenarioResult> =
        right.scenarios.iter().map(|s| (s.id.as_str(), s)).collect();
    let left_ids: BTreeSet<&str> = left.scenarios.iter().map(|s| s.id.as_str()).collect();
    let mut scenarios = Vec::new();
    for l in &left.scenarios {
        scenarios.push(compare_scenario(
            Some(l),
            right_by_id.get(l.id.as_str()).copied(),
            left,
            right,
            rules,
        ));
    }
    for r in right
        .scenarios
        .iter()
        .filter(|r| !left_ids.contains(r.id.as_str()))
    {
        scenarios.push(compare_scenario(None, Some(r), left, right, rules));
    }

    let (latency, mut run_differences) = latency_pairs(left, right, rules);
    let (ls, rs) = (sla_passed(left), sla_passed(right));
    if let (Some(l), Some(r)) = (ls, rs) {
        if l != r {
            let word = |p: bool| if p { "met" } else { "missed" }.to_string();
            run_differences.push(Difference {
                kind: DiffKind::Sla,
                step: None,
                phase: None,
                exchange: None,
                request: None,
                field: "SLA verdict".into(),
                left: word(l),
                right: word(r),
                location: None,
            });
        }
    }

    let mut summary = ParitySummary {
        total: scenarios.len(),
        ..ParitySummary::default()
    };
    for s in &scenarios {
        match s.verdict {
            ParityVerdict::Same => summary.same += 1,
            ParityVerdict::Different => summary.different += 1,
            ParityVerdict::NotCompared => summary.not_compared += 1,
        }
        if s.differences.first().map(|d| d.kind) == Some(DiffKind::Outcome) {
            summary.outcome_differs += 1;
        }
        summary.differences += s.differences.len();
    }
    summary.differences += run_differences.len();
    // The scenarios that pass on one side and fail on the other come first.
    scenarios.sort_by_key(|s| match s.verdict {
        ParityVerdict::Different
            if s.differences.first().map(|d| d.kind) == Some(DiffKind::Outcome) =>
        {
            0
        }
        ParityVerdict::Different => 1,
        ParityVerdict::Same => 2,
        ParityVerdict::NotCompared => 3,
    });

    ParityReport {
        schema_version: PARITY_SCHEMA_VERSION.to_string(),
        left: side(left, ls),
        right: side(right, rs),
        scenarios,
        latency,
        run_differences,
        summary,
    }
}

fn side(r: &RunResult, sla_passed: Option<bool>) -> SideInfo {
    SideInfo {
        environment: r.environment.name.clone(),
        base_url: r.environment.base_url.clone(),
        started_at: r.started_at.clone(),
        summary: r.summary.clone(),
        sla_passed,
    }
}

fn diff(kind: DiffKind, field: impl Into<String>, left: String, right: String) -> Difference {
    Difference {
        kind,
        step: None,
        phase: None,
        exchange: None,
        request: None,
        field: field.into(),
        left,
        right,
        location: None,
    }
}

fn compare_scenario(
    l: Option<&ScenarioResult>,
    r: Option<&ScenarioResult>,
    left: &RunResult,
    right: &RunResult,
    rules: &ParityRules,
) -> ScenarioParity {
    let any = l.or(r);
    let mut out = ScenarioParity {
        id: any.map(|s| s.id.clone()).unwrap_or_default(),
        name: any.map(|s| s.name.clone()).unwrap_or_default(),
        file: any.map(|s| s.file.clone()).unwrap_or_default(),
        location: any.map(|s| s.location.clone()),
        verdict: ParityVerdict::Same,
        left_outcome: l.map(|s| s.outcome),
        right_outcome: r.map(|s| s.outcome),
        reason: None,
        differences: Vec::new(),
        left_sequence: Vec::new(),
        right_sequence: Vec::new(),
    };
    if rules.ignores_scenario(&out.id) {
        out.verdict = ParityVerdict::NotCompared;
        out.reason = Some("ignored by parity.ignore_scenarios".into());
        return out;
    }
    let (Some(l), Some(r)) = (l, r) else {
        let (present, absent) = if l.is_some() {
            (&left.environment.name, &right.environment.name)
        } else {
            (&right.environment.name, &left.environment.name)
        };
        out.reason = Some(format!("selected in `{present}` only, not in `{absent}`"));
        out.verdict = ParityVerdict::NotCompared;
        return out;
    };
    let not_run = |o: Outcome| matches!(o, Outcome::Skipped | Outcome::NotRun);
    if not_run(l.outcome) || not_run(r.outcome) {
        let why = |s: &ScenarioResult, env: &str| {
            not_run(s.outcome).then(|| {
                format!(
                    "{} in `{env}`{}",
                    s.outcome.as_str().replace('_', " "),
                    s.reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )
            })
        };
        let reasons: Vec<String> = [
            why(l, &left.environment.name),
            why(r, &right.environment.name),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.reason = Some(reasons.join("; "));
        out.verdict = ParityVerdict::NotCompared;
        return out;
    }
    let passed = |o: Outcome| o == Outcome::Passed;
    if passed(l.outcome) != passed(r.outcome) {
        let text = |s: &ScenarioResult| match &s.reason {
            Some(why) if !passed(s.outcome) => format!("{}: {why}", s.outcome.as_str()),
            _ => s.outcome.as_str().to_string(),
        };
        out.differences
            .push(diff(DiffKind::Outcome, "outcome", text(l), text(r)));
    }
    compare_steps(l, r, rules, &mut out.differences);
    compare_webhooks(l, r, rules, &mut out.differences);
    if !out.differences.is_empty() {
        out.verdict = ParityVerdict::Different;
        out.left_sequence = sequence(l);
        out.right_sequence = sequence(r);
    }
    out
}

/// Steps keyed by where they are written and their occurrence (a step name may be rendered
/// from run data, e.g. a generated id; its place in the file is the same on both sides).
/// (phase, line, column, occurrence).
type StepKey = (u8, u64, u64, usize);

fn keyed(steps: &[StepResult]) -> Vec<(StepKey, &StepResult)> {
    let mut seen: BTreeMap<(u8, u64, u64), usize> = BTreeMap::new();
    steps
        .iter()
        .map(|s| {
            let at = (s.phase as u8, s.location.line, s.location.column);
            let n = seen.entry(at).or_default();
            *n += 1;
            ((at.0, at.1, at.2, *n), s)
        })
        .collect()
}

fn compare_steps(
    l: &ScenarioResult,
    r: &ScenarioResult,
    rules: &ParityRules,
    out: &mut Vec<Difference>,
) {
    let rk = keyed(&r.steps);
    let lk = keyed(&l.steps);
    let rmap: BTreeMap<_, _> = rk.iter().map(|(k, s)| (*k, *s)).collect();
    let lset: BTreeSet<_> = lk.iter().map(|(k, _)| *k).collect();
    for (key, ls) in &lk {
        let Some(rs) = rmap.get(key) else {
            // A scenario stops at its first failure: the steps after it are its outcome's
            // consequence, already reported.
            if r.outcome == Outcome::Passed {
                out.push(step_diff(
                    ls,
                    diff(DiffKind::Missing, "step", "ran".into(), "absent".into()),
                ));
            }
            continue;
        };
        let checked = checked_headers(ls, rs);
        let mut found = Vec::new();
        if ls.exchanges.len() <= 1 && rs.exchanges.len() <= 1 {
            for (lx, rx) in ls.exchanges.iter().zip(&rs.exchanges) {
                let mut d = Vec::new();
                compare_exchange(lx, rx, &checked, rules, &mut d);
                found.extend(d.into_iter().map(|x| (x, lx)));
            }
        } else {
            compare_many(ls, rs, &checked, rules, &mut found);
        }
        for (mut d, x) in found {
            d.request = Some(request_text(x));
            out.push(step_diff(ls, d));
        }
    }
    for (key, rs) in &rk {
        if !lset.contains(key) && l.outcome == Outcome::Passed {
            out.push(step_diff(
                rs,
                diff(DiffKind::Missing, "step", "absent".into(), "ran".into()),
            ));
        }
    }
}

/// A step with several exchanges (repeated, polled, concurrent): how many were sent and in
/// which order the answers came is timing, so the *set* of statuses is compared, and then
/// the first exchange of each status on both sides.
fn compare_many<'a>(
    ls: &'a StepResult,
    rs: &'a StepResult,
    checked: &BTreeSet<String>,
    rules: &ParityRules,
    found: &mut Vec<(Difference, &'a Exchange)>,
) {
    let statuses = |st: &StepResult| -> BTreeSet<u16> {
        st.exchanges
            .iter()
            .filter_map(|x| x.response.as_ref().map(|r| r.status))
            .collect()
    };
    let (a, b) = (statuses(ls), statuses(rs));
    let list = |s: &BTreeSet<u16>| s.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    if a != b {
        if let Some(x) = ls.exchanges.first() {
            found.push((diff(DiffKind::Status, "statuses", list(&a), list(&b)), x));
        }
    }
    for status in a.intersection(&b) {
        let first = |st: &'a StepResult| {
            st.exchanges
                .iter()
                .enumerate()
                .find(|(_, x)| x.response.as_ref().map(|r| r.status) == Some(*status))
        };
        if let (Some((i, lx)), Some((_, rx))) = (first(ls), first(rs)) {
            let mut d = Vec::new();
            compare_exchange(lx, rx, checked, rules, &mut d);
            for mut x in d {
                x.exchange = Some(i + 1);
                found.push((x, lx));
            }
        }
    }
}

fn step_diff(st: &StepResult, mut d: Difference) -> Difference {
    d.step = Some(st.name.clone());
    d.phase = Some(st.phase);
    d.location = Some(st.location.clone());
    d
}

fn request_text(x: &Exchange) -> String {
    let path = url::Url::parse(&x.request.url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| x.request.url.clone());
    format!("{} {path}", x.request.method)
}

/// Header names the step's checks look at (`header X-Foo ...`), lower case.
fn checked_headers(l: &StepResult, r: &StepResult) -> BTreeSet<String> {
    l.checks
        .iter()
        .chain(&r.checks)
        .filter_map(|c| c.check.strip_prefix("header "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn header<'a>(hs: &'a [(String, String)], lower: &str) -> Option<&'a str> {
    hs.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(lower))
        .map(|(_, v)| v.as_str())
}

fn json_body(body: Option<&str>, truncated: bool) -> Option<Result<Value, ()>> {
    let b = body?;
    if b.trim().is_empty() || truncated {
        return None;
    }
    Some(serde_json::from_str(b).map_err(|_| ()))
}

fn compare_exchange(
    l: &Exchange,
    r: &Exchange,
    checked: &BTreeSet<String>,
    rules: &ParityRules,
    out: &mut Vec<Difference>,
) {
    let (lr, rr) = match (&l.response, &r.response) {
        (Some(a), Some(b)) => (a, b),
        (None, None) => return,
        (a, b) => {
            let text = |resp: Option<&crate::results::RecordedResponse>, x: &Exchange| match resp {
                Some(resp) => format!("answered {}", resp.status),
                None => x.error.clone().unwrap_or_else(|| "no response".into()),
            };
            out.push(diff(
                DiffKind::Transport,
                "response",
                text(a.as_ref(), l),
                text(b.as_ref(), r),
            ));
            return;
        }
    };
    let lj = json_body(lr.body.as_deref(), lr.truncated);
    let rj = json_body(rr.body.as_deref(), rr.truncated);
    if lr.status != rr.status {
        out.push(diff(
            DiffKind::Status,
            "status",
            lr.status.to_string(),
            rr.status.to_string(),
        ));
    }
    if lr.status >= 400 || rr.status >= 400 {
        let code = |j: &Option<Result<Value, ()>>| {
            j.as_ref()
                .and_then(|j| j.as_ref().ok())
                .and_then(|v| v.pointer(&rules.error_code_pointer))
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        };
        let (lc, rc) = (code(&lj), code(&rj));
        if lc != rc {
            let show = |c: Option<String>| c.unwrap_or_else(|| "(none)".into());
            out.push(diff(
                DiffKind::ErrorCode,
                format!("error code {}", rules.error_code_pointer),
                show(lc),
                show(rc),
            ));
        }
    }
    // Headers and body shapes are compared between answers of the same status only: a 201
    // and a 200 differ in their headers and bodies by design, the status says it all.
    if lr.status != rr.status {
        return;
    }
    let names: BTreeSet<String> = DOCUMENTED_HEADERS
        .iter()
        .map(|s| s.to_string())
        .chain(checked.iter().cloned())
        .filter(|h| !rules.ignores_header(h))
        .collect();
    for name in &names {
        let (lv, rv) = (header(&lr.headers, name), header(&rr.headers, name));
        let shown = canonical_name(name);
        match (lv, rv) {
            (None, None) => {}
            (Some(a), None) => out.push(diff(
                DiffKind::Header,
                format!("header {shown}"),
                format!("present: {a}"),
                "absent".into(),
            )),
            (None, Some(b)) => out.push(diff(
                DiffKind::Header,
                format!("header {shown}"),
                "absent".into(),
                format!("present: {b}"),
            )),
            (Some(a), Some(b)) => {
                if VALUE_HEADERS.contains(&name.as_str())
                    && normalise(name, a) != normalise(name, b)
                {
                    out.push(diff(
                        DiffKind::HeaderValue,
                        format!("header {shown}"),
                        a.to_string(),
                        b.to_string(),
                    ));
                }
                if name == RATE_LIMIT_HEADER {
                    if let (Ok(x), Ok(y)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                        if y > 0.0 {
                            let ratio = x / y;
                            let want = rules.rate_limit_ratio;
                            if ((ratio - want) / want).abs() > rules.rate_limit_tolerance {
                                out.push(diff(
                                    DiffKind::RateLimit,
                                    format!(
                                        "header {shown} ratio {} (expected {} ± {}%)",
                                        round(ratio),
                                        round(want),
                                        round(rules.rate_limit_tolerance * 100.0)
                                    ),
                                    a.to_string(),
                                    b.to_string(),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    match (lj, rj) {
        (Some(Ok(a)), Some(Ok(b))) => {
            let mut found = Vec::new();
            shape::compare(&a, &b, rules, &mut found);
            for d in found {
                out.push(diff(
                    d.kind,
                    format!("body {}", or_root(&d.pointer)),
                    d.left,
                    d.right,
                ));
            }
        }
        (Some(Ok(_)), Some(Err(()))) => out.push(diff(
            DiffKind::BodyKind,
            "body",
            "JSON".into(),
            "not JSON".into(),
        )),
        (Some(Err(())), Some(Ok(_))) => out.push(diff(
            DiffKind::BodyKind,
            "body",
            "not JSON".into(),
            "JSON".into(),
        )),
        (Some(_), None) => out.push(diff(
            DiffKind::BodyKind,
            "body",
            "present".into(),
            "empty".into(),
        )),
        (None, Some(_)) => out.push(diff(
            DiffKind::BodyKind,
            "body",
            "empty".into(),
            "present".into(),
        )),
        _ => {}
    }
}

fn or_root(p: &str) -> &str {
    if p.is_empty() {
        "/"
    } else {
        p
    }
}

fn round(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    format!("{r}")
}

/// `x-ratelimit-limit` → `X-RateLimit-Limit` as the contract writes it.
fn canonical_name(lower: &str) -> String {
    match lower {
        "x-api-version" => "X-API-Version".into(),
        "x-request-id" => "X-Request-ID".into(),
        "x-ratelimit-limit" => "X-RateLimit-Limit".into(),
        "x-ratelimit-remaining" => "X-RateLimit-Remaining".into(),
        "x-ratelimit-reset" => "X-RateLimit-Reset".into(),
        other => other
            .split('-')
            .map(|p| {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

fn normalise(name: &str, v: &str) -> String {
    match name {
        "content-type" => v
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
        "allow" => {
            let mut m: Vec<String> = v
                .split(',')
                .map(|m| m.trim().to_ascii_uppercase())
                .collect();
            m.sort();
            m.join(", ")
        }
        _ => v.trim().to_string(),
    }
}

/// Headers of a webhook delivery that are compared by presence.
fn webhook_header_names(w: &WebhookRecord) -> BTreeSet<String> {
    w.headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .filter(|n| n.starts_with("x-webhook-") || n.starts_with("webhook-") || n == "content-type")
        .collect()
}

/// One record per event: the first of each event type and id (a redelivery, the same event delivered
/// to another subscription of the run, or a record two steps both kept, is not another
/// event). Records without an id each count.
fn first_attempts(ws: &[WebhookRecord]) -> Vec<&WebhookRecord> {
    let mut seen = BTreeSet::new();
    ws.iter()
        .filter(|w| {
            w.event_id
                .as_deref()
                .is_none_or(|id| seen.insert((event(w), id)))
        })
        .collect()
}

fn event(w: &WebhookRecord) -> &str {
    w.event_type.as_deref().unwrap_or("(no event type)")
}

/// Event types a scenario's steps waited for (checks `webhook <event>`), met or not.
fn awaited(sc: &ScenarioResult) -> BTreeSet<&str> {
    sc.steps
        .iter()
        .flat_map(|st| &st.checks)
        .filter_map(|c| c.check.strip_prefix("webhook "))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect()
}

fn compare_webhooks(
    ls: &ScenarioResult,
    rs: &ScenarioResult,
    rules: &ParityRules,
    out: &mut Vec<Difference>,
) {
    let (mut l, mut r) = (first_attempts(&ls.webhooks), first_attempts(&rs.webhooks));
    // A scenario that stopped early saw only the deliveries before its failure: then only
    // the events both sides reached a step waiting for are compared.
    if ls.outcome != Outcome::Passed || rs.outcome != Outcome::Passed {
        let (la, ra) = (awaited(ls), awaited(rs));
        let both: BTreeSet<&str> = la.intersection(&ra).copied().collect();
        l.retain(|w| both.contains(event(w)));
        r.retain(|w| both.contains(event(w)));
    }
    let names = |ws: &[&WebhookRecord]| ws.iter().map(|w| event(w).to_string()).collect::<Vec<_>>();
    let (ln, rn) = (names(&l), names(&r));
    let list = |v: &[String]| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            v.join(", ")
        }
    };
    let (mut ls, mut rs) = (ln.clone(), rn.clone());
    ls.sort();
    rs.sort();
    if ls != rs {
        out.push(diff(
            DiffKind::WebhookEvents,
            "webhook events",
            list(&ln),
            list(&rn),
        ));
    } else if ln != rn {
        out.push(diff(
            DiffKind::WebhookOrder,
            "webhook order",
            list(&ln),
            list(&rn),
        ));
    }
    // Deliveries paired by event type and occurrence.
    let mut used = vec![false; r.len()];
    for lw in &l {
        let Some(j) = (0..r.len()).find(|&j| !used[j] && event(r[j]) == event(lw)) else {
            continue;
        };
        used[j] = true;
        let rw = r[j];
        let mut d = Vec::new();
        let (lh, rh) = (webhook_header_names(lw), webhook_header_names(rw));
        for h in lh.symmetric_difference(&rh) {
            if rules.ignores_header(h) {
                continue;
            }
            let (a, b) = if lh.contains(h) {
                ("present", "absent")
            } else {
                ("absent", "present")
            };
            d.push(diff(
                DiffKind::WebhookHeader,
                format!("webhook header {}", canonical_name(h)),
                a.into(),
                b.into(),
            ));
        }
        if (lw.verdict == "valid") != (rw.verdict == "valid") {
            d.push(diff(
                DiffKind::WebhookVerdict,
                "webhook verdict",
                lw.verdict.clone(),
                rw.verdict.clone(),
            ));
        }
        if let (Ok(a), Ok(b)) = (
            serde_json::from_str::<Value>(&lw.body),
            serde_json::from_str::<Value>(&rw.body),
        ) {
            let mut found = Vec::new();
            shape::compare(&a, &b, rules, &mut found);
            for s in found {
                d.push(diff(
                    DiffKind::WebhookPayload,
                    format!("webhook payload {}", or_root(&s.pointer)),
                    s.left,
                    s.right,
                ));
            }
        }
        for mut x in d {
            x.request = Some(format!("webhook {}", event(lw)));
            out.push(x);
        }
    }
}
