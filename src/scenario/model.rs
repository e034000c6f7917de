//! The scenario format as data: what a YAML scenario file deserializes into.
//!
//! Every node a diagnostic may point at is wrapped in [`Spanned`], so errors found after
//! parsing (validation, templates, failed expectations) can name `file:line:column`.
//! Polymorphic shorthands (`status: 201 | [200, 201] | "2xx"`, `capture: $.id | {header: X}`)
//! have hand-written visitors instead of `#[serde(untagged)]`, which would lose the error.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::time::Duration;

pub use crate::source::{DurationTemplate, DurationValue, Spanned};

/// One YAML file: shared metadata plus one or more scenarios.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFileDoc {
    /// Suite name; defaults to the file stem.
    #[serde(default)]
    pub suite: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Tags applied to every scenario of the file.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Capabilities every scenario of the file requires.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub requires: Vec<Spanned<String>>,
    /// Variables visible to every scenario of the file.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Value>")]
    pub vars: IndexMap<String, Spanned<Value>>,
    #[schemars(with = "Vec<Scenario>")]
    pub scenarios: Vec<Spanned<Scenario>>,
    /// The file's text, for showing a run error at its line (set by the loader).
    #[serde(skip)]
    #[schemars(skip)]
    pub source: Option<std::sync::Arc<str>>,
}

impl ScenarioFileDoc {
    /// Drops the spare capacity the parser leaves in every list (a list of two steps is
    /// allocated for four): the model of every file stays in memory until its scenarios run.
    pub fn compact(&mut self) {
        self.tags.shrink_to_fit();
        self.requires.shrink_to_fit();
        self.scenarios.shrink_to_fit();
        for s in &mut self.scenarios {
            let s = &mut s.value;
            s.tags.shrink_to_fit();
            s.requires.shrink_to_fit();
            s.covers.shrink_to_fit();
            for list in [&mut s.setup, &mut s.steps, &mut s.teardown] {
                compact_steps(list);
            }
        }
    }
}

fn compact_steps(steps: &mut Vec<Spanned<Step>>) {
    steps.shrink_to_fit();
    for step in steps {
        let step = &mut step.value;
        step.assert.shrink_to_fit();
        if let Some(e) = &mut step.expect {
            e.value.body.shrink_to_fit();
        }
        if let Some(g) = &mut step.group {
            compact_steps(g);
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Capabilities of the environment this scenario needs; unmet ones skip it.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub requires: Vec<Spanned<String>>,
    /// Ids of the contract rules this scenario checks.
    #[serde(default)]
    pub covers: Vec<String>,
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Value>")]
    pub vars: IndexMap<String, Spanned<Value>>,
    #[serde(default)]
    #[schemars(with = "Vec<Step>")]
    pub setup: Vec<Spanned<Step>>,
    #[serde(default)]
    #[schemars(with = "Vec<Step>")]
    pub steps: Vec<Spanned<Step>>,
    /// Always runs, also after a failure or an error.
    #[serde(default)]
    #[schemars(with = "Vec<Step>")]
    pub teardown: Vec<Spanned<Step>>,
    /// Whole-scenario deadline; defaults to the environment's scenario timeout.
    #[serde(default)]
    #[schemars(with = "Option<DurationValue>")]
    pub timeout: Option<Spanned<DurationValue>>,
    /// `false`: exempt from the environment's client-side pacing (a scenario that means to
    /// trip the target's rate limiter).
    #[serde(default)]
    pub pacing: Option<bool>,
}

/// A step does exactly one thing (the actions are boxed: a step is small when it holds one) (validated after parsing): a `request`, a `group` of
/// requests sent at the same moment, a `wait`, an `assert` on variables, or a webhook action.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<Request>")]
    pub request: Option<Box<Spanned<Request>>>,
    #[serde(default)]
    #[schemars(with = "Option<Expect>")]
    pub expect: Option<Box<Spanned<Expect>>>,
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Capture>")]
    pub capture: IndexMap<String, Spanned<Capture>>,
    /// Send the request repeatedly (optionally until an expectation holds).
    #[serde(default)]
    #[schemars(with = "Option<Repeat>")]
    pub repeat: Option<Box<Spanned<Repeat>>>,
    /// Re-send the request until `expect` passes or the timeout expires.
    #[serde(default)]
    #[schemars(with = "Option<Poll>")]
    pub poll: Option<Box<Spanned<Poll>>>,
    /// Requests sent at the same moment, each with its own expect and capture.
    #[serde(default)]
    #[schemars(with = "Option<Vec<Step>>")]
    pub group: Option<Vec<Spanned<Step>>>,
    /// Pause: a duration, or `retry_after` (the previous response's `Retry-After`).
    #[serde(default)]
    #[schemars(with = "Option<Wait>")]
    pub wait: Option<Box<Spanned<Wait>>>,
    /// Checks on variables (e.g. two captured ids are equal).
    #[serde(default)]
    #[schemars(with = "Vec<Check>")]
    pub assert: Vec<Spanned<Check>>,
    /// Register the run's webhook receiver with the target (removed after the scenario).
    #[serde(default)]
    #[schemars(with = "Option<WebhookSubscribe>")]
    pub subscribe_webhooks: Option<Box<Spanned<WebhookSubscribe>>>,
    /// Wait for webhook deliveries that match.
    #[serde(default)]
    #[schemars(with = "Option<WebhookExpect>")]
    pub expect_webhook: Option<Box<Spanned<WebhookExpect>>>,
    /// Make the receiver answer matching deliveries with a failure (retry tests).
    #[serde(default)]
    #[schemars(with = "Option<WebhookReply>")]
    pub webhook_reply: Option<Box<Spanned<WebhookReply>>>,
    /// `off` disables the automatic OpenAPI contract check for this step.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub contract: Option<Box<Spanned<bool>>>,
    /// Per-step timeout (each request attempt).
    #[serde(default)]
    #[schemars(with = "Option<DurationValue>")]
    pub timeout: Option<Box<Spanned<DurationValue>>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[schemars(with = "String")]
    pub method: Spanned<String>,
    /// Path relative to the environment's base URL (or an absolute URL); a template.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Value>")]
    pub query: IndexMap<String, Spanned<Value>>,
    /// Header values are templates; `null` removes a default header (e.g. `X-Request-ID`).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Option<String>>")]
    pub headers: IndexMap<String, Spanned<Option<String>>>,
    /// `none`, a named client of the environment (default `default`), `invalid` or `expired`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub auth: Option<Box<Spanned<String>>>,
    /// Inline JSON body (a template: strings are rendered, types kept).
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub json: Option<Spanned<Value>>,
    /// JSON body read from the fixtures folder.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub fixture: Option<Box<Spanned<String>>>,
    /// RFC 7396 JSON merge patch applied to `fixture` or `json`.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub patch: Option<Box<Spanned<Value>>>,
    /// `application/x-www-form-urlencoded` body.
    #[serde(default)]
    #[schemars(with = "Option<IndexMap<String, Value>>")]
    pub form: Option<Box<IndexMap<String, Spanned<Value>>>>,
    /// Raw text body, sent as is (e.g. malformed JSON).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub body: Option<Box<Spanned<String>>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    #[schemars(with = "Option<StatusExpect>")]
    pub status: Option<Spanned<StatusExpect>>,
    #[serde(default)]
    #[schemars(with = "IndexMap<String, HeaderExpect>")]
    pub headers: IndexMap<String, Spanned<HeaderExpect>>,
    /// JSONPath (RFC 9535) checks on the response body.
    #[serde(default)]
    #[schemars(with = "Vec<Check>")]
    pub body: Vec<Spanned<Check>>,
    /// The body must contain this JSON as a subset (objects: keys present and matching,
    /// arrays: same length and element-wise subset, scalars: equal).
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub json: Option<Box<Spanned<Value>>>,
    /// JSON Schema file (relative to the fixtures folder) the body must satisfy.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub schema: Option<Box<Spanned<String>>>,
    /// Upper bound on the response time.
    #[serde(default)]
    #[schemars(with = "Option<DurationValue>")]
    pub latency: Option<Box<Spanned<DurationValue>>>,
    /// The typed form, compiled once (see [`super::expectation::typed_expect`]).
    #[serde(skip)]
    #[schemars(skip)]
    pub typed: super::expectation::Compiled,
}

/// One check: on a JSONPath of a body (`path`, in `expect.body` and webhook `where`), or on a
/// template value (`value`, in `assert` steps). Several operators may be combined; operand
/// values are templates.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    // Operands are boxed: a check uses one or two of them, and a scenario model of inline
    // `Spanned` values cost about 1 KB per check (bench/README.md).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub value: Option<Box<Spanned<Value>>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub equals: Option<Box<Spanned<Value>>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub not_equals: Option<Box<Spanned<Value>>>,
    /// Regular expression the (string) value must match.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub matches: Option<Box<Spanned<String>>>,
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub exists: Option<Box<Spanned<bool>>>,
    /// `string`, `number`, `integer`, `boolean`, `array`, `object` or `null` (an unquoted
    /// YAML `null` here means the type name, not "no type").
    #[serde(default, rename = "type", deserialize_with = "type_name")]
    #[schemars(with = "Option<String>")]
    pub type_: Option<Box<Spanned<String>>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub length: Option<Box<Spanned<Value>>>,
    /// String: substring; array: an element equal to it; object: a key.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub contains: Option<Box<Spanned<Value>>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub lt: Option<Box<Spanned<Value>>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub lte: Option<Box<Spanned<Value>>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub gt: Option<Box<Spanned<Value>>>,
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub gte: Option<Box<Spanned<Value>>>,
    /// How many nodes the JSONPath selected (a singular path selects 0 or 1).
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub count: Option<Box<Spanned<Value>>>,
    /// Every element of the list (a nodelist, or an array value) passes these operators.
    #[serde(default)]
    #[schemars(with = "Option<Box<Check>>")]
    pub all: Option<Box<Spanned<Check>>>,
    /// At least one element of the list passes these operators.
    #[serde(default)]
    #[schemars(with = "Option<Box<Check>>")]
    pub any: Option<Box<Spanned<Check>>>,
    /// The typed form, compiled once (see [`super::check::typed_check`]).
    #[serde(skip)]
    #[schemars(skip)]
    pub typed: super::check::Compiled,
}

/// `status: 201`, `status: [200, 201]`, `status: 4xx`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StatusExpect {
    Code(u16),
    AnyOf(Vec<u16>),
    /// A class: 1–5 for `1xx`…`5xx`.
    Class(u8),
}

/// `X-API-Version: "1"` (equals) or `{present|absent|equals|matches}`.
#[derive(Debug, Clone, Default)]
pub struct HeaderExpect {
    pub present: Option<bool>,
    pub absent: Option<bool>,
    pub equals: Option<String>,
    pub matches: Option<String>,
}

/// `order_id: $.order_id` (JSONPath into the body) or `{header: Location}` or
/// `{path: $.x}` / `{header: X, regex: "ORD-\\d+"}` (first capture group, else whole match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub source: CaptureSource,
    pub regex: Option<String>,
    /// `expect_webhook` only: capture from this attempt (1 = the first delivery, as the
    /// receiver counts them per event id) instead of the first matching delivery.
    pub attempt: Option<u32>,
    /// `regex` compiled on first use and kept (not part of what the capture says).
    pub compiled: CompiledRegex,
}

/// A regex compiled once, beside the text it was compiled from.
#[derive(Debug, Clone, Default)]
pub struct CompiledRegex(std::sync::OnceLock<Result<regex::Regex, super::check::CompileError>>);

impl CompiledRegex {
    pub fn get(&self, text: &str) -> Result<&regex::Regex, &super::check::CompileError> {
        self.0
            .get_or_init(|| super::check::compile_regex(text))
            .as_ref()
    }
}

/// A cache: two captures are equal by what they say.
impl PartialEq for CompiledRegex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for CompiledRegex {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureSource {
    JsonPath(String),
    Header(String),
    Status,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// How many times to send (the maximum when `until` is given): a number, or a template
    /// rendered when the step runs, to size it from what the target said
    /// (`"{{ (limit | int) * 2 }}"`).
    #[schemars(with = "RepeatTimes")]
    pub times: Spanned<RepeatTimes>,
    /// Stop as soon as a response satisfies this; `expect` then applies to that response.
    #[serde(default)]
    #[schemars(with = "Option<Expect>")]
    pub until: Option<Spanned<Expect>>,
    /// Requests in flight at once (default 1).
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// Checks every attempt must pass.
    #[serde(default)]
    #[schemars(with = "Option<Expect>")]
    pub each: Option<Spanned<Expect>>,
}

/// `repeat.times`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepeatTimes {
    Count(u32),
    /// Rendered when the step runs; must give a whole number of at least 1.
    Template(String),
}

impl<'de> Deserialize<'de> for RepeatTimes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RepeatTimes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative integer or a template")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                u32::try_from(v)
                    .map(RepeatTimes::Count)
                    .map_err(|_| E::custom(format!("{v} is too many repetitions")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("expected a non-negative integer or a template"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if let Ok(n) = v.trim().parse::<u32>() {
                    return Ok(RepeatTimes::Count(n));
                }
                if v.contains("{{") {
                    return Ok(RepeatTimes::Template(v.to_string()));
                }
                Err(E::custom(
                    "expected a non-negative integer or a template such as `{{ (limit | int) * 2 }}`",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    #[schemars(with = "DurationValue")]
    pub timeout: Spanned<DurationValue>,
    #[serde(default)]
    #[schemars(with = "Option<DurationValue>")]
    pub interval: Option<Spanned<DurationValue>>,
}

/// `wait: 2s` or `wait: retry_after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    For(Duration),
    RetryAfter,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSubscribe {
    pub events: Vec<String>,
    /// Variable that receives the subscription id (default `webhook_id`).
    #[serde(default)]
    pub capture_id: Option<String>,
    /// The named OAuth client of the environment that owns the subscription (default
    /// `default`); it also deletes it after the scenario.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub auth: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookExpect {
    #[schemars(with = "String")]
    pub event: Spanned<String>,
    /// JSONPath conditions on the payload.
    #[serde(default, rename = "where")]
    #[schemars(with = "Vec<Check>")]
    pub where_: Vec<Spanned<Check>>,
    /// How long to wait (default 10 s); a duration or a template rendered when the step runs
    /// (`"{{ webhook_delivery_timeout }} 5s"`).
    #[serde(default)]
    #[schemars(with = "Option<DurationTemplate>")]
    pub within: Option<Spanned<DurationTemplate>>,
    /// Exactly N distinct events (default 1); `0` asserts that none arrive within `within`.
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub at_least: Option<u32>,
    /// Expect redeliveries of the same event id: at least this many attempts in total.
    #[serde(default)]
    pub attempts: Option<u32>,
    /// No more than this many attempts of one event id may arrive; the step then waits the
    /// whole `within` window to be sure.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Expected gaps between consecutive attempts of one event id (the retry schedule,
    /// scaled for sandboxes), checked within `tolerance`.
    #[serde(default)]
    pub schedule: Option<Vec<DurationValue>>,
    /// Multiplies every `schedule` gap (a template, e.g. `"{{ webhook_retry_scale }}"`, so
    /// one scenario states the contract's schedule and runs against scaled sandboxes too).
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub schedule_scale: Option<Spanned<Value>>,
    /// Allowed deviation from each (scaled) `schedule` gap either way (default: early by half the gap plus 200 ms, late by half the gap plus 1 s).
    #[serde(default)]
    pub tolerance: Option<DurationValue>,
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Capture>")]
    pub capture: IndexMap<String, Spanned<Capture>>,
    /// Only deliveries sent to this subscription of the scenario (a template naming the id a
    /// `subscribe_webhooks` step captured, e.g. `"{{ webhook_id }}"`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub subscription: Option<Spanned<String>>,
    /// The retries have stopped: no attempt may arrive after the previous step ended. The
    /// step waits until the next attempt the `schedule` would make is overdue.
    #[serde(default)]
    pub retries_stopped: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookReply {
    #[schemars(with = "String")]
    pub event: Spanned<String>,
    #[serde(default, rename = "where")]
    #[schemars(with = "Vec<Check>")]
    pub where_: Vec<Spanned<Check>>,
    /// Status the receiver answers (default 500).
    #[serde(default)]
    pub status: Option<u16>,
    /// How many deliveries get this answer before the receiver accepts again.
    pub times: u32,
    /// Stall this long before answering (past the target's delivery timeout): a duration or
    /// a template rendered when the step runs (`"{{ webhook_delivery_timeout }} 1s"`).
    #[serde(default)]
    #[schemars(with = "Option<DurationTemplate>")]
    pub delay: Option<Spanned<DurationTemplate>>,
    /// Only deliveries sent to this subscription of the scenario (as in `expect_webhook`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub subscription: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for StatusExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn code<E: de::Error>(v: u64) -> Result<u16, E> {
            if (100..=599).contains(&v) {
                Ok(v as u16)
            } else {
                Err(E::custom(format!(
                    "status {v} is not an HTTP status (100-599)"
                )))
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = StatusExpect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code (201), a list of codes ([200, 201]) or a class (`4xx`)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                code(v).map(StatusExpect::Code)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                code(u64::try_from(v).unwrap_or(0)).map(StatusExpect::Code)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                if let Ok(n) = t.parse::<u64>() {
                    return code(n).map(StatusExpect::Code);
                }
                let b = t.as_bytes();
                if b.len() == 3
                    && (b'1'..=b'5').contains(&b[0])
                    && t[1..].eq_ignore_ascii_case("xx")
                {
                    return Ok(StatusExpect::Class(b[0] - b'0'));
                }
                Err(E::custom(format!(
                    "invalid status `{v}`: use a code like 201 or a class like 4xx"
                )))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut codes = Vec::new();
                while let Some(c) = seq.next_element::<u64>()? {
                    codes.push(code(c)?);
                }
                if codes.is_empty() {
                    return Err(de::Error::custom("the list of statuses is empty"));
                }
                Ok(StatusExpect::AnyOf(codes))
            }
        }
        d.deserialize_any(V)
    }
}

impl StatusExpect {
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusExpect::Code(c) => *c == status,
            StatusExpect::AnyOf(cs) => cs.contains(&status),
            StatusExpect::Class(k) => status / 100 == u16::from(*k),
        }
    }
}

impl fmt::Display for StatusExpect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusExpect::Code(c) => write!(f, "{c}"),
            StatusExpect::AnyOf(cs) => {
                let s: Vec<String> = cs.iter().map(u16::to_string).collect();
                write!(f, "one of [{}]", s.join(", "))
            }
            StatusExpect::Class(k) => write!(f, "{k}xx"),
        }
    }
}

impl<'de> Deserialize<'de> for Capture {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Capture;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSONPath (`$.order_id`) or a map with `path`, `header` or `status`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim_start().starts_with('$') {
                    Ok(Capture {
                        source: CaptureSource::JsonPath(v.to_string()),
                        regex: None,
                        attempt: None,
                        compiled: CompiledRegex::default(),
                    })
                } else {
                    Err(E::custom(format!(
                        "capture `{v}` is not a JSONPath (it must start with `$`); for a header write `{{header: {v}}}`"
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut source = None;
                let mut regex = None;
                let mut attempt = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "path" => source = Some(CaptureSource::JsonPath(map.next_value()?)),
                        "header" => source = Some(CaptureSource::Header(map.next_value()?)),
                        "status" => {
                            let _: Value = map.next_value()?;
                            source = Some(CaptureSource::Status)
                        }
                        "regex" => regex = Some(map.next_value()?),
                        "attempt" => attempt = Some(map.next_value::<u32>()?),
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["path", "header", "status", "regex", "attempt"],
                            ))
                        }
                    }
                }
                let source = source.ok_or_else(|| {
                    de::Error::custom("a capture needs `path`, `header` or `status`")
                })?;
                Ok(Capture {
                    source,
                    regex,
                    attempt,
                    compiled: CompiledRegex::default(),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `type: null` names the JSON type `null`; YAML would read it as "absent".
fn type_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Spanned<String>>>, D::Error> {
    let s = Spanned::<Option<String>>::deserialize(d)?;
    Ok(Some(Box::new(Spanned::new(
        s.value.unwrap_or_else(|| "null".to_string()),
        s.referenced,
        s.defined,
    ))))
}

impl<'de> Deserialize<'de> for Wait {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Wait;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration (`2s`) or `retry_after`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Wait::For(Duration::from_secs(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Duration::try_from_secs_f64(v)
                    .map(Wait::For)
                    .map_err(|_| E::custom("invalid number of seconds"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim() == "retry_after" {
                    return Ok(Wait::RetryAfter);
                }
                humantime::parse_duration(v.trim())
                    .map(Wait::For)
                    .map_err(|e| {
                        E::custom(format!(
                            "invalid wait `{v}`: {e} (use a duration or `retry_after`)"
                        ))
                    })
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for HeaderExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderExpect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header value (equals) or a map with `present`, `absent`, `equals` or `matches`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(HeaderExpect {
                    equals: Some(v.to_string()),
                    ..HeaderExpect::default()
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut h = HeaderExpect::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "present" => h.present = Some(map.next_value()?),
                        "absent" => h.absent = Some(map.next_value()?),
                        "equals" => {
                            h.equals = Some(map.next_value::<Value>().map(|v| match v {
                                Value::String(s) => s,
                                other => other.to_string(),
                            })?)
                        }
                        "matches" => h.matches = Some(map.next_value()?),
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["present", "absent", "equals", "matches"],
                            ))
                        }
                    }
                }
                Ok(h)
            }
        }
        d.deserialize_any(V)
    }
}
