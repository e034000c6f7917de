//! An `expect:` block as the run sees it: one typed check per thing it says (status, each
//! header, each body check, the JSON subset, the schema, the latency bound), compiled once
//! and kept beside the serde [`Expect`], like [`super::check::typed_check`] for one check.
use super::check::{typed_check, CheckMode, CheckProblems, Pattern, TypedCheck};
use super::model::{Expect, StatusExpect};
use serde_json::Value;
use serde_saphyr::Location;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A validated `expect:`; its checks in evaluation order.
#[derive(Debug)]
pub struct TypedExpect {
    pub checks: Vec<ExpectCheck>,
}

/// One thing an `expect:` says of a response.
#[derive(Debug)]
pub enum ExpectCheck {
    Status {
        want: StatusExpect,
        at: Location,
    },
    /// A header and what must hold of it (in the order `present`, `absent`, `equals`,
    /// `matches`).
    Header {
        name: String,
        ops: Vec<HeaderOp>,
        at: Location,
    },
    /// A check on what a JSONPath selects from the body.
    Body(Arc<TypedCheck>),
    /// The body contains this JSON (a template) as a subset.
    JsonSubset {
        want: Value,
        at: Location,
    },
    /// The body satisfies a JSON Schema.
    Schema {
        schema: SchemaRef,
        at: Location,
    },
    /// The response came within this time.
    Latency {
        max: Duration,
        at: Location,
    },
}

#[derive(Debug)]
pub enum HeaderOp {
    Present(bool),
    Absent,
    /// A template rendered when the check is evaluated.
    Equals(String),
    Matches(Pattern),
}

/// Where a `schema:` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaRef {
    /// `#/components/schemas/Order`: a schema of the contract (the pointer after `#`).
    Contract(String),
    /// A file below the fixtures folder.
    File(String),
}

impl SchemaRef {
    pub fn parse(text: &str) -> SchemaRef {
        match text.strip_prefix('#') {
            Some(pointer) => SchemaRef::Contract(pointer.to_string()),
            None => SchemaRef::File(text.to_string()),
        }
    }

    /// As written in the scenario.
    pub fn as_written(&self) -> String {
        match self {
            SchemaRef::Contract(p) => format!("#{p}"),
            SchemaRef::File(f) => f.clone(),
        }
    }
}

/// The compiled form kept beside a serde [`Expect`].
pub type Compiled = OnceLock<Result<Arc<TypedExpect>, CheckProblems>>;

/// The typed form of `e`, compiled on first use and kept.
pub fn typed_expect(e: &Expect) -> Result<&Arc<TypedExpect>, &CheckProblems> {
    e.typed.get_or_init(|| compile(e).map(Arc::new)).as_ref()
}

/// Types `e` (see [`typed_expect`], which keeps the result).
pub fn compile(e: &Expect) -> Result<TypedExpect, CheckProblems> {
    let mut problems = Vec::new();
    let mut checks = Vec::new();
    if let Some(s) = &e.status {
        checks.push(ExpectCheck::Status {
            want: s.value.clone(),
            at: s.referenced,
        });
    }
    for (name, h) in &e.headers {
        let he = &h.value;
        let mut ops = Vec::new();
        if let Some(p) = he.present {
            ops.push(HeaderOp::Present(p));
        }
        if he.absent == Some(true) {
            ops.push(HeaderOp::Absent);
        }
        if let Some(eq) = &he.equals {
            ops.push(HeaderOp::Equals(eq.clone()));
        }
        if let Some(m) = &he.matches {
            match Pattern::new(m) {
                Ok(p) => ops.push(HeaderOp::Matches(p)),
                Err(e) => problems.push((h.referenced, e.to_string())),
            }
        }
        if he.present.is_none()
            && he.absent.is_none()
            && he.equals.is_none()
            && he.matches.is_none()
        {
            problems.push((
                h.referenced,
                "a header check needs one of `present`, `absent`, `equals` or `matches`".into(),
            ));
        }
        checks.push(ExpectCheck::Header {
            name: name.clone(),
            ops,
            at: h.referenced,
        });
    }
    for c in &e.body {
        match typed_check(c, CheckMode::Path) {
            Ok(t) => checks.push(ExpectCheck::Body(Arc::clone(t))),
            Err(p) => problems.extend(p.0.iter().cloned()),
        }
    }
    if let Some(j) = &e.json {
        checks.push(ExpectCheck::JsonSubset {
            want: j.value.clone(),
            at: j.referenced,
        });
    }
    if let Some(s) = &e.schema {
        checks.push(ExpectCheck::Schema {
            schema: SchemaRef::parse(&s.value),
            at: s.referenced,
        });
    }
    if let Some(l) = &e.latency {
        checks.push(ExpectCheck::Latency {
            max: l.value.0,
            at: l.referenced,
        });
    }
    if problems.is_empty() {
        Ok(TypedExpect { checks })
    } else {
        Err(CheckProblems(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(yaml: &str) -> Expect {
        serde_saphyr::from_str(yaml).expect("test yaml")
    }

    #[test]
    fn every_part_becomes_a_typed_check() {
        let e = expect("status: 201\nheaders:\n  Location: {present: true, matches: '^/orders/'}\nbody:\n  - {path: $.id, exists: true}\njson: {a: 1}\nschema: '#/components/schemas/Order'\nlatency: 2s\n");
        let typed = typed_expect(&e).expect("valid");
        let kinds: Vec<&str> = typed
            .checks
            .iter()
            .map(|c| match c {
                ExpectCheck::Status { .. } => "status",
                ExpectCheck::Header { .. } => "header",
                ExpectCheck::Body(_) => "body",
                ExpectCheck::JsonSubset { .. } => "json",
                ExpectCheck::Schema { .. } => "schema",
                ExpectCheck::Latency { .. } => "latency",
            })
            .collect();
        assert_eq!(
            kinds,
            ["status", "header", "body", "json", "schema", "latency"]
        );
        let ExpectCheck::Header { ops, .. } = &typed.checks[1] else {
            panic!("{typed:?}");
        };
        assert!(
            matches!(&ops[1], HeaderOp::Matches(Pattern::Compiled(rx)) if rx.is_match("/orders/1"))
        );
        assert!(
            matches!(&typed.checks[4], ExpectCheck::Schema { schema: SchemaRef::Contract(p), .. } if p == "/components/schemas/Order")
        );
        assert!(Arc::ptr_eq(typed_expect(&e).expect("valid"), typed));
    }

    #[test]
    fn problems_of_headers_and_body_checks() {
        let e = expect("headers:\n  X-A: {matches: '['}\n  X-B: {}\nbody:\n  - {path: $.id}\n");
        let p = typed_expect(&e).expect_err("invalid");
        let msgs: Vec<String> =
            p.0.iter()
                .map(|(l, m)| format!("{}:{}: {m}", l.line(), l.column()))
                .collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].starts_with("2:8: invalid regex `[`"), "{msgs:?}");
        assert!(
            msgs[1].starts_with("3:8: a header check needs one of"),
            "{msgs:?}"
        );
        assert!(
            msgs[2].starts_with("5:5: a check needs an operator"),
            "{msgs:?}"
        );
    }
}
