//! What a scenario would change on its target: the basis of the production guard.
//!
//! A scenario is read-only when every request it sends (setup, steps, teardown, groups) uses
//! a safe method (`GET`, `HEAD`, `OPTIONS`) outside the sandbox controls, and it subscribes no
//! webhooks. A method written as a template cannot be known before the run: it counts as
//! unsafe.
use super::model::{Scenario, Step};
use serde_saphyr::Spanned;

/// The tag a scenario uses to say it changes nothing; checked against what it does.
pub const READ_ONLY_TAG: &str = "read-only";
/// The tag that marks a scenario destructive whatever it sends.
pub const DESTRUCTIVE_TAG: &str = "destructive";
/// Paths of the sandbox's test controls (contract §7).
pub const SANDBOX_CONTROLS_PREFIX: &str = "/sandbox/";

/// One thing a scenario does that may change its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeAction {
    /// `POST /api/v1/orders`, `subscribe_webhooks`, ...
    pub what: String,
    pub line: u64,
    pub column: u64,
}

/// A tag as compared: trimmed, lowercase, `_` and space read as `-`.
pub fn normalize_tag(tag: &str) -> String {
    tag.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

pub fn is_safe_method(method: &str) -> bool {
    matches!(
        method.trim().to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "OPTIONS"
    )
}

/// Every request or action of `s` that may change the target, in file order.
pub fn unsafe_actions(s: &Scenario) -> Vec<UnsafeAction> {
    let mut out = Vec::new();
    for step in s.setup.iter().chain(&s.steps).chain(&s.teardown) {
        visit(step, &mut out);
    }
    out
}

fn visit(step: &Spanned<Step>, out: &mut Vec<UnsafeAction>) {
    let at = |what: String, s: &serde_saphyr::Location| UnsafeAction {
        what,
        line: s.line(),
        column: s.column(),
    };
    let st = &step.value;
    if let Some(r) = &st.request {
        let written = r.value.method.value.trim();
        let method = if written.contains("{{") {
            written.to_string()
        } else {
            written.to_ascii_uppercase()
        };
        let path = r.value.path.value.trim();
        let controls = path.contains(SANDBOX_CONTROLS_PREFIX);
        if !is_safe_method(&method) || controls {
            let what = if controls {
                format!("{method} {path} (a sandbox control)")
            } else {
                format!("{method} {path}")
            };
            out.push(at(what, &r.referenced));
        }
    }
    if let Some(sub) = &st.subscribe_webhooks {
        out.push(at(
            "subscribe_webhooks (POST /api/v1/webhooks)".into(),
            &sub.referenced,
        ));
    }
    for s in st.group.iter().flatten() {
        visit(s, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(y: &str) -> Scenario {
        serde_saphyr::from_str(y).expect("yaml")
    }

    #[test]
    fn finds_every_unsafe_request_in_every_phase() {
        let s = scenario(
            "name: s\nsetup:\n  - request: {method: post, path: /api/v1/orders}\nsteps:\n  - request: {method: GET, path: /api/v1/orders}\n  - group:\n      - request: {method: '{{ m }}', path: /x}\n  - request: {method: GET, path: /sandbox/v1/products/p}\nteardown:\n  - request: {method: DELETE, path: /api/v1/orders/1}\n",
        );
        let what: Vec<String> = unsafe_actions(&s).into_iter().map(|a| a.what).collect();
        assert_eq!(
            what,
            [
                "POST /api/v1/orders",
                "{{ m }} /x",
                "GET /sandbox/v1/products/p (a sandbox control)",
                "DELETE /api/v1/orders/1"
            ]
        );
        let ro = scenario("name: r\nsteps:\n  - request: {method: HEAD, path: /api/v1/orders}\n");
        assert!(unsafe_actions(&ro).is_empty());
        assert_eq!(normalize_tag(" Destructive "), "destructive");
        assert_eq!(normalize_tag("read_only"), READ_ONLY_TAG);
    }
}
