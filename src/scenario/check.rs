//! A check as the run sees it: a subject and the operators applied to it, typed and compiled
//! once. The serde [`Check`] mirrors the YAML (a map of optional operands); [`typed_check`]
//! turns it into a [`TypedCheck`] — JSONPaths parsed, regexes compiled, type names resolved —
//! and keeps it beside the node, so the validator and the runner share one compilation and
//! the evaluator (the `check` stage) `match`es [`Op`] exhaustively. Adding an operator is one
//! variant, one arm in [`compile`] and one evaluation arm.
use super::jsonpath::Query;
use super::model::{Check, Spanned};
use crate::source::yaml::did_you_mean;
use crate::template::{has_markup, TemplateError};
use regex::Regex;
use serde_json::Value;
use serde_saphyr::Location;
use std::sync::{Arc, OnceLock};

/// The YAML keys of every operator, in the order messages list them.
pub const OPERATORS: &[&str] = &[
    "equals",
    "not_equals",
    "matches",
    "exists",
    "type",
    "length",
    "contains",
    "lt",
    "lte",
    "gt",
    "gte",
    "count",
    "all",
    "any",
];

/// Where a check stands, which decides its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMode {
    /// `expect.body`, webhook `where`: `path` required.
    Path,
    /// `assert`: `value` required.
    Value,
    /// Inside `all`/`any`: operators only, applied to each element.
    Element,
}

/// A validated check: what it looks at and what must hold of it.
#[derive(Debug)]
pub struct TypedCheck {
    pub subject: Subject,
    /// In evaluation order; never empty.
    pub ops: Vec<Operator>,
    /// Where the check is written.
    pub at: Location,
}

/// What a check looks at.
#[derive(Debug)]
pub enum Subject {
    /// `path:` — what a JSONPath selects from a body or a webhook payload.
    Path {
        text: String,
        query: PathQuery,
        at: Location,
    },
    /// `value:` — a template rendered against the scenario's variables (`assert`).
    Value { template: Value, at: Location },
    /// Inside `all`/`any`: each element of the list.
    Element,
}

/// Renders a template operand.
pub type Render<'a> = dyn Fn(&Value) -> Result<Value, TemplateError> + 'a;

/// Why [`TypedCheck::rendered`] failed.
#[derive(Debug)]
pub enum RenderFailure {
    Template(TemplateError),
    /// The rendered JSONPath or regex is not valid.
    Invalid(String),
}

impl TypedCheck {
    /// This check with every template rendered now — operands, templated regexes and paths
    /// (then compiled) — so it can be evaluated later without the variables (webhook
    /// matchers). The error is where the template is written and why it failed.
    pub fn rendered(&self, render: &Render<'_>) -> Result<TypedCheck, (Location, RenderFailure)> {
        use RenderFailure::{Invalid, Template};
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let subject = match &self.subject {
            Subject::Path { text: t, query, at } => {
                let query = match query {
                    PathQuery::Compiled(q) => PathQuery::Compiled(q.clone()),
                    PathQuery::Template => {
                        let r =
                            render(&Value::String(t.clone())).map_err(|e| (*at, Template(e)))?;
                        match json_path(&text(&r)).map_err(|e| (*at, Invalid(e.to_string())))? {
                            PathQuery::Template => {
                                return Err((
                                    *at,
                                    Invalid(format!(
                                        "`{}` is still a template once rendered",
                                        text(&r)
                                    )),
                                ))
                            }
                            compiled => compiled,
                        }
                    }
                };
                Subject::Path {
                    text: t.clone(),
                    query,
                    at: *at,
                }
            }
            Subject::Value { template, at } => Subject::Value {
                template: render(template).map_err(|e| (*at, Template(e)))?,
                at: *at,
            },
            Subject::Element => Subject::Element,
        };
        let mut ops = Vec::with_capacity(self.ops.len());
        for o in &self.ops {
            let at = o.at;
            let value = |v: &Value| render(v).map_err(|e| (at, Template(e)));
            let op = match &o.op {
                Op::Equals(v) => Op::Equals(value(v)?),
                Op::NotEquals(v) => Op::NotEquals(value(v)?),
                Op::Length(v) => Op::Length(value(v)?),
                Op::Contains(v) => Op::Contains(value(v)?),
                Op::LessThan(v) => Op::LessThan(value(v)?),
                Op::AtMost(v) => Op::AtMost(value(v)?),
                Op::GreaterThan(v) => Op::GreaterThan(value(v)?),
                Op::AtLeast(v) => Op::AtLeast(value(v)?),
                Op::Count(v) => Op::Count(value(v)?),
                Op::Matches(Pattern::Compiled(rx)) => Op::Matches(Pattern::Compiled(rx.clone())),
                Op::Matches(Pattern::Template(t)) => {
                    let r = value(&Value::String(t.clone()))?;
                    Op::Matches(Pattern::Compiled(
                        compile_regex(&text(&r)).map_err(|e| (at, Invalid(e.to_string())))?,
                    ))
                }
                Op::Exists(b) => Op::Exists(*b),
                Op::Type(t) => Op::Type(*t),
                Op::All(inner) => Op::All(Box::new(inner.rendered(render)?)),
                Op::Any(inner) => Op::Any(Box::new(inner.rendered(render)?)),
            };
            ops.push(Operator { op, at });
        }
        Ok(TypedCheck {
            subject,
            ops,
            at: self.at,
        })
    }
}

/// A JSONPath parsed once, or a templated one only known once rendered.
#[derive(Debug)]
pub enum PathQuery {
    Compiled(Query),
    Template,
}

/// One operator with where it is written.
#[derive(Debug)]
pub struct Operator {
    pub op: Op,
    pub at: Location,
}

/// What must hold of the subject. Operands that are JSON values are templates, rendered
/// when the check is evaluated.
#[derive(Debug)]
pub enum Op {
    Equals(Value),
    NotEquals(Value),
    /// String, array or object length.
    Length(Value),
    /// String: substring; array: an element equal to it; object: a key.
    Contains(Value),
    LessThan(Value),
    AtMost(Value),
    GreaterThan(Value),
    AtLeast(Value),
    /// The (string) value matches the regex.
    Matches(Pattern),
    Exists(bool),
    Type(JsonType),
    /// How many nodes the JSONPath selected.
    Count(Value),
    /// Every element of the list passes the nested check.
    All(Box<TypedCheck>),
    /// At least one element of the list passes the nested check.
    Any(Box<TypedCheck>),
}

impl Op {
    /// The YAML key of the operator.
    pub fn key(&self) -> &'static str {
        match self {
            Op::Equals(_) => "equals",
            Op::NotEquals(_) => "not_equals",
            Op::Length(_) => "length",
            Op::Contains(_) => "contains",
            Op::LessThan(_) => "lt",
            Op::AtMost(_) => "lte",
            Op::GreaterThan(_) => "gt",
            Op::AtLeast(_) => "gte",
            Op::Matches(_) => "matches",
            Op::Exists(_) => "exists",
            Op::Type(_) => "type",
            Op::Count(_) => "count",
            Op::All(_) => "all",
            Op::Any(_) => "any",
        }
    }
}

/// A regular expression compiled once, or a templated one compiled after rendering.
#[derive(Debug)]
pub enum Pattern {
    Compiled(Regex),
    Template(String),
}

impl Pattern {
    /// Compiles `text` unless it is a template.
    pub fn new(text: &str) -> Result<Pattern, CompileError> {
        if has_markup(text) {
            Ok(Pattern::Template(text.to_string()))
        } else {
            compile_regex(text).map(Pattern::Compiled)
        }
    }
}

/// The JSON type names of `type:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    pub const NAMES: &'static [&'static str] = &[
        "string", "number", "integer", "boolean", "array", "object", "null",
    ];

    pub fn from_name(name: &str) -> Option<JsonType> {
        Some(match name {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        }
    }
}

/// A regex or a JSONPath that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("invalid regex `{pattern}`: {cause}")]
    Regex { pattern: String, cause: String },
    #[error("invalid JSONPath `{path}`: {cause}")]
    JsonPath { path: String, cause: String },
}

/// Why a check could not be typed: every problem, each where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckProblems(pub Vec<(Location, String)>);

impl std::fmt::Display for CheckProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let msgs: Vec<&str> = self.0.iter().map(|(_, m)| m.as_str()).collect();
        write!(f, "invalid check: {}", msgs.join("; "))
    }
}

impl std::error::Error for CheckProblems {}

/// The compiled form kept beside a serde [`Check`].
pub type Compiled = OnceLock<Result<Arc<TypedCheck>, CheckProblems>>;

/// The typed form of `c` in `mode`, compiled on first use (by the validator, normally) and
/// kept: every later call, from any thread, gets the same compilation.
pub fn typed_check(
    c: &Spanned<Check>,
    mode: CheckMode,
) -> Result<&Arc<TypedCheck>, &CheckProblems> {
    c.value
        .typed
        .get_or_init(|| compile(c, mode).map(Arc::new))
        .as_ref()
}

/// Types `c` in `mode` (see [`typed_check`], which keeps the result).
pub fn compile(c: &Spanned<Check>, mode: CheckMode) -> Result<TypedCheck, CheckProblems> {
    let mut problems = Vec::new();
    let check = compile_into(c, mode, &mut problems);
    if problems.is_empty() {
        Ok(check)
    } else {
        Err(CheckProblems(problems))
    }
}

fn compile_into(
    c: &Spanned<Check>,
    mode: CheckMode,
    problems: &mut Vec<(Location, String)>,
) -> TypedCheck {
    let ch = &c.value;
    let at = c.referenced;
    let mut problem = |l: Location, m: String| problems.push((l, m));
    if let (CheckMode::Value, Some(n)) = (mode, &ch.count) {
        problem(
            n.referenced,
            "`count` counts the nodes a JSONPath selects; in `assert` use `length`".into(),
        );
    }
    let subject = match mode {
        CheckMode::Element => {
            for (name, given) in [("path", ch.path.is_some()), ("value", ch.value.is_some())] {
                if given {
                    problem(
                        at,
                        format!("`{name}` is not allowed inside `all`/`any`: their operators apply to each element"),
                    );
                }
            }
            if let Some(n) = &ch.count {
                problem(
                    n.referenced,
                    "`count` is not allowed inside `all`/`any`".into(),
                );
            }
            Subject::Element
        }
        CheckMode::Path => {
            if let Some(v) = &ch.value {
                problem(
                    v.referenced,
                    "`value` is only allowed in `assert`; here use `path`".into(),
                );
            }
            match &ch.path {
                None => {
                    problem(
                        at,
                        "this check needs `path` (a JSONPath such as `$.id`)".into(),
                    );
                    Subject::Element
                }
                Some(p) => {
                    let query = match json_path(&p.value) {
                        Ok(q) => q,
                        Err(m) => {
                            problem(p.referenced, m.to_string());
                            PathQuery::Template
                        }
                    };
                    Subject::Path {
                        text: p.value.clone(),
                        query,
                        at: p.referenced,
                    }
                }
            }
        }
        CheckMode::Value => {
            if let Some(p) = &ch.path {
                problem(
                    p.referenced,
                    "`path` is not allowed in `assert`; check a variable with `value`".into(),
                );
            }
            match &ch.value {
                None => {
                    problem(
                        at,
                        "an `assert` check needs `value` (such as `\"{{ order_id }}\"`)".into(),
                    );
                    Subject::Element
                }
                Some(v) => Subject::Value {
                    template: v.value.clone(),
                    at: v.referenced,
                },
            }
        }
    };

    let mut ops = Vec::new();
    let mut push = |op: Op, at: Location| ops.push(Operator { op, at });
    let value_ops = [
        (&ch.equals, Op::Equals as fn(Value) -> Op),
        (&ch.not_equals, Op::NotEquals),
        (&ch.length, Op::Length),
        (&ch.contains, Op::Contains),
        (&ch.lt, Op::LessThan),
        (&ch.lte, Op::AtMost),
        (&ch.gt, Op::GreaterThan),
        (&ch.gte, Op::AtLeast),
    ];
    for (operand, make) in value_ops {
        if let Some(o) = operand {
            push(make(o.value.clone()), o.referenced);
        }
    }
    if let Some(m) = &ch.matches {
        match Pattern::new(&m.value) {
            Ok(p) => push(Op::Matches(p), m.referenced),
            Err(e) => problems.push((m.referenced, e.to_string())),
        }
    }
    if let Some(e) = &ch.exists {
        push(Op::Exists(e.value), e.referenced);
    }
    if let Some(t) = &ch.type_ {
        match JsonType::from_name(&t.value) {
            Some(ty) => push(Op::Type(ty), t.referenced),
            None => {
                let msg = match did_you_mean(&t.value, JsonType::NAMES) {
                    Some(s) => format!("unknown type `{}`, did you mean `{s}`?", t.value),
                    None => format!(
                        "unknown type `{}`, expected one of {}",
                        t.value,
                        list_or(JsonType::NAMES)
                    ),
                };
                problems.push((t.referenced, msg));
            }
        }
    }
    if let Some(n) = &ch.count {
        if mode == CheckMode::Path {
            push(Op::Count(n.value.clone()), n.referenced);
        }
    }
    let nested = [
        (&ch.all, Op::All as fn(Box<TypedCheck>) -> Op),
        (&ch.any, Op::Any),
    ];
    for (given, make) in nested {
        if let Some(n) = given {
            let inner = compile_into(n, CheckMode::Element, problems);
            ops.push(Operator {
                op: make(Box::new(inner)),
                at: n.referenced,
            });
        }
    }
    let has_operator =
        !ops.is_empty() || ch.matches.is_some() || ch.type_.is_some() || ch.count.is_some();
    if !has_operator {
        problems.push((
            at,
            format!("a check needs an operator: {}", list_or(OPERATORS)),
        ));
    }
    TypedCheck { subject, ops, at }
}

/// Parses a JSONPath, or leaves a templated one for when it is rendered.
pub fn json_path(path: &str) -> Result<PathQuery, CompileError> {
    if has_markup(path) {
        return Ok(PathQuery::Template);
    }
    Query::parse(path).map(PathQuery::Compiled).map_err(|e| {
        let cause = if path.trim_start().starts_with('$') {
            e.to_string()
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        } else {
            format!(
                "a path starts with `$` (the root), e.g. `$.{}`",
                path.trim_start().trim_start_matches('.')
            )
        };
        CompileError::JsonPath {
            path: path.to_string(),
            cause,
        }
    })
}

/// Compiles a regex; the cause is the regex crate's last line, without its `error: ` prefix.
pub fn compile_regex(re: &str) -> Result<Regex, CompileError> {
    Regex::new(re).map_err(|e| {
        let msg = match e {
            regex::Error::Syntax(s) => s
                .lines()
                .last()
                .unwrap_or("syntax error")
                .trim()
                .to_string(),
            other => other.to_string(),
        };
        CompileError::Regex {
            pattern: re.to_string(),
            cause: msg.strip_prefix("error: ").unwrap_or(&msg).to_string(),
        }
    })
}

/// `` `a`, `b` or `c` ``.
pub fn list_or(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Spanned<Check> {
        serde_saphyr::from_str(yaml).expect("test yaml")
    }

    fn problems(yaml: &str, mode: CheckMode) -> Vec<String> {
        match compile(&check(yaml), mode) {
            Ok(_) => Vec::new(),
            Err(p) => {
                p.0.iter()
                    .map(|(l, m)| format!("{}:{}: {m}", l.line(), l.column()))
                    .collect()
            }
        }
    }

    #[test]
    fn operators_become_variants_in_evaluation_order() {
        let c = check(
            "path: $.a[*]\nmatches: '^A'\ngt: 1\nequals: 2\nall: {type: integer}\ncount: 2\n",
        );
        let typed = compile(&c, CheckMode::Path).expect("valid");
        let keys: Vec<&str> = typed.ops.iter().map(|o| o.op.key()).collect();
        assert_eq!(keys, ["equals", "gt", "matches", "count", "all"]);
        assert!(matches!(
            &typed.subject,
            Subject::Path { query: PathQuery::Compiled(q), .. } if !q.is_singular()
        ));
        let Some(Op::All(inner)) = typed.ops.last().map(|o| &o.op) else {
            panic!("all: {typed:?}");
        };
        assert!(matches!(inner.subject, Subject::Element));
        assert!(matches!(inner.ops[0].op, Op::Type(JsonType::Integer)));
        // Every operator key is listed in messages.
        for o in &typed.ops {
            assert!(OPERATORS.contains(&o.op.key()));
        }
    }

    #[test]
    fn a_regex_is_compiled_once_and_kept() {
        let c = check("path: $.id\nmatches: '^ORD-\\d+$'\n");
        let first = typed_check(&c, CheckMode::Path).expect("valid");
        let again = typed_check(&c, CheckMode::Path).expect("valid");
        assert!(Arc::ptr_eq(first, again), "compiled twice");
        let Op::Matches(Pattern::Compiled(rx)) = &first.ops[0].op else {
            panic!("not compiled: {first:?}");
        };
        assert!(rx.is_match("ORD-12"));
        // A templated regex waits for its variables.
        let c = check("path: $.id\nmatches: '^{{ prefix }}'\n");
        let typed = typed_check(&c, CheckMode::Path).expect("valid");
        assert!(
            matches!(&typed.ops[0].op, Op::Matches(Pattern::Template(t)) if t == "^{{ prefix }}")
        );
    }

    #[test]
    fn an_invalid_regex_is_a_problem_at_its_place() {
        assert_eq!(
            problems("path: $.id\nmatches: '('\n", CheckMode::Path),
            ["2:10: invalid regex `(`: unclosed group"]
        );
        let c = check("path: $.id\nmatches: '('\n");
        assert!(typed_check(&c, CheckMode::Path).is_err());
    }

    #[test]
    fn modes_decide_the_subject() {
        assert_eq!(
            problems("equals: 1\n", CheckMode::Path),
            ["1:1: this check needs `path` (a JSONPath such as `$.id`)"]
        );
        assert_eq!(
            problems("value: 1\ncount: 1\n", CheckMode::Value),
            ["2:8: `count` counts the nodes a JSONPath selects; in `assert` use `length`"]
        );
        assert_eq!(
            problems("path: $.a\n", CheckMode::Path),
            ["1:1: a check needs an operator: `equals`, `not_equals`, `matches`, `exists`, `type`, `length`, `contains`, `lt`, `lte`, `gt`, `gte`, `count`, `all` or `any`"]
        );
        assert_eq!(
            problems("path: $.a\ntype: date\n", CheckMode::Path),
            ["2:7: unknown type `date`, expected one of `string`, `number`, `integer`, `boolean`, `array`, `object` or `null`"]
        );
        let typed =
            compile(&check("value: '{{ x }}'\nexists: true\n"), CheckMode::Value).expect("valid");
        assert!(matches!(typed.subject, Subject::Value { .. }));
        assert!(matches!(typed.ops[0].op, Op::Exists(true)));
    }

    #[test]
    fn rendering_fills_every_template_and_compiles_it() {
        let c = check("path: \"$[?@.id == '{{ id }}']\"\nequals: ['{{ id }}']\nmatches: '^{{ id }}$'\nall: {contains: '{{ id }}'}\n");
        let typed = compile(&c, CheckMode::Path).expect("valid");
        let render = |v: &Value| -> Result<Value, TemplateError> {
            Ok(match v {
                Value::String(s) => Value::String(s.replace("{{ id }}", "A-1")),
                Value::Array(a) => Value::Array(
                    a.iter()
                        .map(|x| Value::String(x.as_str().unwrap_or("").replace("{{ id }}", "A-1")))
                        .collect(),
                ),
                other => other.clone(),
            })
        };
        let r = typed.rendered(&render).expect("renders");
        assert!(matches!(
            &r.subject,
            Subject::Path {
                query: PathQuery::Compiled(_),
                ..
            }
        ));
        assert!(matches!(&r.ops[0].op, Op::Equals(v) if v == &serde_json::json!(["A-1"])));
        assert!(
            matches!(&r.ops[1].op, Op::Matches(Pattern::Compiled(rx)) if rx.as_str() == "^A-1$")
        );
        assert!(
            matches!(&r.ops[2].op, Op::All(inner) if matches!(&inner.ops[0].op, Op::Contains(v) if v == "A-1"))
        );
        let failing = |_: &Value| -> Result<Value, TemplateError> {
            Err(TemplateError::Undefined {
                template: "{{ id }}".into(),
                name: "id".into(),
            })
        };
        let (at, why) = typed.rendered(&failing).expect_err("fails");
        assert!(
            at.line() == 1
                && matches!(&why, RenderFailure::Template(e) if e.cause() == "undefined variable `id`"),
            "{why:?}"
        );
    }
}
