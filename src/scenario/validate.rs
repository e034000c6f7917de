//! Validation after parsing: everything that can be known before a request is sent.
//!
//! Every problem is collected (not only the first), each at its `file:line:column`.

use super::diagnostic::Diagnostic;
use super::load::{did_you_mean, discover, display_path, parse_file, LoadedFile};
use super::model::*;
use crate::run::result::SourceLocation;
use crate::template::{has_markup, TemplateEngine, TemplateError, BUILTIN_NAMES};
use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::Location;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What validation needs to know about the run.
pub struct ValidationContext<'a> {
    /// Fixture and schema files are looked up relative to this folder.
    pub fixtures_dir: &'a Path,
    /// Variables defined outside the scenario files (environment/config variables).
    /// The template builtins (`run_id`, `env`, `uuid`, ...) are always known.
    pub known_vars: BTreeSet<String>,
    pub templates: &'a TemplateEngine,
}

pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
pub const CHECK_TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];
pub const STEP_ACTIONS: &[&str] = &[
    "request",
    "group",
    "wait",
    "assert",
    "subscribe_webhooks",
    "expect_webhook",
    "webhook_reply",
];
const OPERATORS: &str =
    "`equals`, `not_equals`, `matches`, `exists`, `type`, `length`, `contains`, `lt`, `lte`, `gt` or `gte`";

/// Finds, reads, parses and validates scenario files. Returns the files that parsed (also
/// when validation found problems in them) and every problem of every file.
pub fn load_and_validate(
    paths: &[PathBuf],
    ctx: &ValidationContext,
) -> (Vec<LoadedFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for given in paths {
        let found = match discover(std::slice::from_ref(given)) {
            Ok(found) => found,
            Err(e) => {
                diags.push(Diagnostic::error(
                    whole_file(&display_path(given)),
                    e.to_string(),
                ));
                continue;
            }
        };
        for path in found {
            let file = display_path(&path);
            let source: Arc<str> = match std::fs::read_to_string(&path) {
                Ok(s) => Arc::from(s),
                Err(e) => {
                    diags.push(Diagnostic::error(
                        whole_file(&file),
                        format!("failed to read file: {e}"),
                    ));
                    continue;
                }
            };
            let (doc, mut parse_diags) = parse_file(&file, &source);
            diags.append(&mut parse_diags);
            if let Some(doc) = doc {
                diags.extend(validate_doc(&file, &source, &doc, ctx));
                files.push(LoadedFile { path, source, doc });
            }
        }
    }
    (files, diags)
}

fn whole_file(file: &str) -> SourceLocation {
    SourceLocation {
        file: file.to_string(),
        line: 0,
        column: 0,
    }
}

/// Validates one parsed file; `file` is the path as diagnostics print it.
pub fn validate_doc(
    file: &str,
    source: &str,
    doc: &ScenarioFileDoc,
    ctx: &ValidationContext,
) -> Vec<Diagnostic> {
    let mut v = Validator {
        file,
        ctx,
        diags: Vec::new(),
        defined: BTreeSet::new(),
        later: BTreeMap::new(),
    };
    v.doc(source, doc);
    v.diags.sort_by(|a, b| {
        (a.location.line, a.location.column).cmp(&(b.location.line, b.location.column))
    });
    v.diags
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CheckMode {
    /// `expect.body`, webhook `where`: `path` required.
    Path,
    /// `assert`: `value` required.
    Value,
}

struct Validator<'a> {
    file: &'a str,
    ctx: &'a ValidationContext<'a>,
    diags: Vec<Diagnostic>,
    /// Variables defined at the current point of the scenario.
    defined: BTreeSet<String>,
    /// Variables the current scenario defines somewhere (captures), with where.
    later: BTreeMap<String, Location>,
}

impl Validator<'_> {
    fn loc(&self, l: &Location) -> SourceLocation {
        SourceLocation {
            file: self.file.to_string(),
            line: l.line().max(1),
            column: l.column().max(1),
        }
    }

    fn error(&mut self, at: &Location, message: impl Into<String>) {
        let d = Diagnostic::error(self.loc(at), message);
        self.diags.push(d);
    }

    fn warning(&mut self, at: &Location, message: impl Into<String>) {
        let d = Diagnostic::warning(self.loc(at), message);
        self.diags.push(d);
    }

    fn doc(&mut self, source: &str, doc: &ScenarioFileDoc) {
        if doc.scenarios.is_empty() {
            let at = top_level_key(source, "scenarios");
            self.error(
                &at,
                "`scenarios` is empty: a file needs at least one scenario",
            );
        }
        let mut base: BTreeSet<String> = self.ctx.known_vars.clone();
        base.extend(BUILTIN_NAMES.iter().map(|s| s.to_string()));
        self.defined = base;
        self.later.clear();
        self.vars(&doc.vars);
        let file_defined = self.defined.clone();

        let mut names: BTreeMap<&str, Location> = BTreeMap::new();
        for sc in &doc.scenarios {
            let name = &sc.value.name;
            if name.value.trim().is_empty() {
                self.error(&name.referenced, "a scenario name cannot be empty");
            } else if let Some(first) = names.get(name.value.as_str()) {
                let msg = format!(
                    "duplicate scenario name `{}` (first defined at line {})",
                    name.value,
                    first.line()
                );
                self.error(&name.referenced, msg);
            } else {
                names.insert(&name.value, name.referenced);
            }
            self.defined = file_defined.clone();
            self.scenario(sc);
        }
    }

    fn vars(&mut self, vars: &IndexMap<String, Spanned<Value>>) {
        for (name, value) in vars {
            self.value_templates(&value.value, &value.referenced);
            self.name_is_identifier(name, &value.referenced, "variable");
            self.defined.insert(name.clone());
        }
    }

    fn name_is_identifier(&mut self, name: &str, at: &Location, what: &str) {
        let mut chars = name.chars();
        let ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            self.error(
                at,
                format!(
                    "{what} name `{name}` is not a valid identifier (use letters, digits and `_`)"
                ),
            );
        }
    }

    fn scenario(&mut self, sc: &Spanned<Scenario>) {
        let s = &sc.value;
        // Every capture of the scenario, to tell "used too early" from "never defined".
        self.later.clear();
        for step in s.setup.iter().chain(&s.steps).chain(&s.teardown) {
            for (name, at) in step_defines(&step.value) {
                self.later
                    .entry(name)
                    .or_insert(at.unwrap_or(step.referenced));
            }
        }
        self.vars(&s.vars);
        if s.setup.is_empty() && s.steps.is_empty() && s.teardown.is_empty() {
            self.warning(
                &s.name.referenced,
                format!("scenario `{}` has no steps", s.name.value),
            );
        }
        for step in s.setup.iter().chain(&s.steps).chain(&s.teardown) {
            self.step(step, false);
        }
    }

    fn step(&mut self, sp: &Spanned<Step>, in_group: bool) {
        let step = &sp.value;
        let at = sp.referenced;
        let mut actions: Vec<&str> = Vec::new();
        if step.request.is_some() {
            actions.push("request");
        }
        if step.group.is_some() {
            actions.push("group");
        }
        if step.wait.is_some() {
            actions.push("wait");
        }
        if !step.assert.is_empty() {
            actions.push("assert");
        }
        if step.subscribe_webhooks.is_some() {
            actions.push("subscribe_webhooks");
        }
        if step.expect_webhook.is_some() {
            actions.push("expect_webhook");
        }
        if step.webhook_reply.is_some() {
            actions.push("webhook_reply");
        }
        if in_group {
            if step.request.is_none() || actions.len() > 1 {
                self.error(
                    &at,
                    "each `group` member must be a step with a `request` (and nothing else)",
                );
            }
            if let Some(r) = &step.repeat {
                self.error(&r.referenced, "`repeat` is not allowed inside a `group`");
            }
            if let Some(p) = &step.poll {
                self.error(&p.referenced, "`poll` is not allowed inside a `group`");
            }
        } else if actions.is_empty() {
            let hint = if step.expect.is_some() || !step.capture.is_empty() {
                " (`expect` and `capture` need a `request` in the same step)"
            } else {
                ""
            };
            self.error(
                &at,
                format!(
                    "a step must do exactly one of {}{hint}",
                    list_or(STEP_ACTIONS)
                ),
            );
        } else if actions.len() > 1 {
            let found: Vec<String> = actions.iter().map(|a| format!("`{a}`")).collect();
            self.error(
                &at,
                format!("a step must do exactly one thing, but this one has {}; split it into several steps", join_and(&found)),
            );
        }
        if step.request.is_none() {
            if let Some(e) = &step.expect {
                self.error(
                    &e.referenced,
                    "`expect` is only allowed in a step with a `request`",
                );
            }
            if let Some((_, c)) = step.capture.first() {
                self.error(
                    &c.referenced,
                    "`capture` is only allowed in a step with a `request`",
                );
            }
            if let Some(r) = &step.repeat {
                self.error(
                    &r.referenced,
                    "`repeat` is only allowed in a step with a `request`",
                );
            }
            if let Some(p) = &step.poll {
                self.error(
                    &p.referenced,
                    "`poll` is only allowed in a step with a `request`",
                );
            }
        }
        if let (Some(_), Some(p)) = (&step.repeat, &step.poll) {
            self.error(
                &p.referenced,
                "`repeat` and `poll` cannot be combined in one step",
            );
        }

        if let Some(req) = &step.request {
            self.request(req);
            if let Some(r) = &step.repeat {
                self.repeat(r);
            }
            if let Some(e) = &step.expect {
                self.expect(&e.value);
            }
            self.captures(&step.capture);
        }
        if let Some(group) = &step.group {
            if group.is_empty() {
                self.error(
                    &at,
                    "`group` is empty: list the requests to send at the same moment",
                );
            }
            // Members are sent at once: none sees another's captures; all are defined after.
            let before = self.defined.clone();
            let mut captured = BTreeSet::new();
            for member in group {
                self.defined = before.clone();
                self.step(member, true);
                captured.extend(self.defined.difference(&before).cloned());
            }
            self.defined = before;
            self.defined.extend(captured);
        }
        for check in &step.assert {
            self.check(check, CheckMode::Value);
        }
        if let Some(sub) = &step.subscribe_webhooks {
            if sub.value.events.is_empty() {
                self.error(
                    &sub.referenced,
                    "`subscribe_webhooks.events` is empty: list the events to receive",
                );
            }
            let id = sub
                .value
                .capture_id
                .clone()
                .unwrap_or_else(|| "webhook_id".to_string());
            self.name_is_identifier(&id, &sub.referenced, "capture");
            self.defined.insert(id);
            self.defined.insert("webhook_secret".to_string());
        }
        if let Some(we) = &step.expect_webhook {
            let w = &we.value;
            self.event_name(&w.event);
            for c in &w.where_ {
                self.check(c, CheckMode::Path);
            }
            if w.count.is_some() && w.at_least.is_some() {
                self.error(&we.referenced, "`count` and `at_least` cannot be combined");
            }
            if w.count == Some(0) && !w.capture.is_empty() {
                self.error(
                    &we.referenced,
                    "`count: 0` expects no delivery, so there is nothing to `capture`",
                );
            }
            self.captures(&w.capture);
        }
        if let Some(wr) = &step.webhook_reply {
            let w = &wr.value;
            self.event_name(&w.event);
            for c in &w.where_ {
                self.check(c, CheckMode::Path);
            }
            if let Some(s) = w.status {
                if !(100..=599).contains(&s) {
                    self.error(
                        &wr.referenced,
                        format!("status {s} is not an HTTP status (100-599)"),
                    );
                }
            }
            if w.times == 0 {
                self.error(&wr.referenced, "`webhook_reply.times` must be at least 1");
            }
        }
    }

    fn event_name(&mut self, event: &Spanned<String>) {
        if event.value.trim().is_empty() {
            self.error(&event.referenced, "the webhook `event` cannot be empty");
        } else {
            self.template(&event.value, &event.referenced);
        }
    }

    fn request(&mut self, req: &Spanned<Request>) {
        let r = &req.value;
        let method = &r.method;
        if !METHODS.contains(&method.value.as_str()) {
            let upper = method.value.to_ascii_uppercase();
            let hint = if METHODS.contains(&upper.as_str()) {
                Some(upper)
            } else {
                did_you_mean(&upper, METHODS)
            };
            let msg = match hint {
                Some(h) => format!(
                    "unknown HTTP method `{}`, did you mean `{h}`?",
                    method.value
                ),
                None => format!(
                    "unknown HTTP method `{}`, expected one of {}",
                    method.value,
                    list_or(METHODS)
                ),
            };
            self.error(&method.referenced, msg);
        }
        let path = &r.path;
        let p = path.value.trim();
        if p.is_empty() {
            self.error(&path.referenced, "the request `path` is empty");
        } else if !(p.starts_with('/')
            || p.starts_with("{{")
            || p.starts_with("http://")
            || p.starts_with("https://"))
        {
            self.error(
                &path.referenced,
                format!("request path `{p}` must start with `/` (relative to the base URL) or be an absolute URL"),
            );
        }
        self.template(&path.value, &path.referenced);
        for value in r.query.values() {
            self.value_templates(&value.value, &value.referenced);
        }
        for value in r.headers.values() {
            if let Some(s) = &value.value {
                self.template(s, &value.referenced);
            }
        }
        if let Some(auth) = &r.auth {
            if auth.value.trim().is_empty() {
                self.error(
                    &auth.referenced,
                    "`auth` cannot be empty: use `none`, a client name, `invalid` or `expired`",
                );
            }
        }

        // At most one body.
        let mut bodies: Vec<(&str, Location)> = Vec::new();
        if let Some(j) = &r.json {
            bodies.push(("json", j.referenced));
        }
        if let Some(f) = &r.fixture {
            bodies.push(("fixture", f.referenced));
        }
        if let Some(b) = &r.body {
            bodies.push(("body", b.referenced));
        }
        if let Some(form) = &r.form {
            let at = form
                .values()
                .next()
                .map_or(req.referenced, |v| v.referenced);
            bodies.push(("form", at));
        }
        bodies.sort_by_key(|(_, l)| (l.line(), l.column()));
        if bodies.len() > 1 {
            let names: Vec<String> = bodies.iter().map(|(n, _)| format!("`{n}`")).collect();
            let at = bodies[1].1;
            self.error(
                &at,
                format!(
                    "a request has at most one body, but this one has {} (use one of `json`, `fixture`, `body`, `form`)",
                    join_and(&names)
                ),
            );
        }
        if let Some(patch) = &r.patch {
            if r.json.is_none() && r.fixture.is_none() {
                self.error(
                    &patch.referenced,
                    "`patch` needs a `json` or `fixture` body to apply to",
                );
            }
            self.value_templates(&patch.value, &patch.referenced);
        }
        if let Some(j) = &r.json {
            self.value_templates(&j.value, &j.referenced);
        }
        if let Some(b) = &r.body {
            self.template(&b.value, &b.referenced);
        }
        if let Some(form) = &r.form {
            for value in form.values() {
                self.value_templates(&value.value, &value.referenced);
            }
        }
        if let Some(f) = &r.fixture {
            if let Some(content) = self.json_file(&f.value, &f.referenced, "fixture") {
                // Fixtures are templates too (e.g. `"email": "{{ unique('user') }}@example.com"`).
                self.value_templates(&content, &f.referenced);
            }
        }
    }

    /// Reads a JSON file from the fixtures folder, reporting a missing or invalid one.
    fn json_file(&mut self, rel: &str, at: &Location, what: &str) -> Option<Value> {
        if has_markup(rel) {
            self.template(rel, at);
            return None;
        }
        let full = self.ctx.fixtures_dir.join(rel);
        let text = match std::fs::read_to_string(&full) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let msg = format!(
                    "{what} file `{rel}` not found (looked in `{}`)",
                    display_path(self.ctx.fixtures_dir)
                );
                self.error(at, msg);
                return None;
            }
            Err(e) => {
                self.error(at, format!("failed to read {what} file `{rel}`: {e}"));
                return None;
            }
        };
        match serde_json::from_str(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(at, format!("{what} file `{rel}` is not valid JSON: {e}"));
                None
            }
        }
    }

    fn repeat(&mut self, r: &Spanned<Repeat>) {
        let rep = &r.value;
        if rep.times.value == 0 {
            self.error(&rep.times.referenced, "`repeat.times` must be at least 1");
        }
        if rep.concurrency == Some(0) {
            self.error(&r.referenced, "`repeat.concurrency` must be at least 1");
        }
        if let Some(u) = &rep.until {
            self.expect(&u.value);
        }
        if let Some(e) = &rep.each {
            self.expect(&e.value);
        }
    }

    fn expect(&mut self, e: &Expect) {
        for h in e.headers.values() {
            let he = &h.value;
            if he.present.is_none()
                && he.absent.is_none()
                && he.equals.is_none()
                && he.matches.is_none()
            {
                self.error(
                    &h.referenced,
                    "a header check needs one of `present`, `absent`, `equals` or `matches`",
                );
            }
            if let Some(eq) = &he.equals {
                self.template(eq, &h.referenced);
            }
            if let Some(m) = &he.matches {
                self.regex(m, &h.referenced);
            }
        }
        for c in &e.body {
            self.check(c, CheckMode::Path);
        }
        if let Some(j) = &e.json {
            self.value_templates(&j.value, &j.referenced);
        }
        if let Some(s) = &e.schema {
            self.json_file(&s.value, &s.referenced, "schema");
        }
    }

    fn check(&mut self, c: &Spanned<Check>, mode: CheckMode) {
        let ch = &c.value;
        let at = c.referenced;
        match mode {
            CheckMode::Path => {
                if ch.path.is_none() {
                    self.error(&at, "this check needs `path` (a JSONPath such as `$.id`)");
                }
                if let Some(v) = &ch.value {
                    self.error(
                        &v.referenced,
                        "`value` is only allowed in `assert`; here use `path`",
                    );
                }
            }
            CheckMode::Value => {
                if ch.value.is_none() {
                    self.error(
                        &at,
                        "an `assert` check needs `value` (such as `\"{{ order_id }}\"`)",
                    );
                }
                if let Some(p) = &ch.path {
                    self.error(
                        &p.referenced,
                        "`path` is not allowed in `assert`; check a variable with `value`",
                    );
                }
            }
        }
        if let Some(p) = &ch.path {
            self.json_path(&p.value, &p.referenced);
        }
        if let Some(v) = &ch.value {
            self.value_templates(&v.value, &v.referenced);
        }
        let operands = [
            &ch.equals,
            &ch.not_equals,
            &ch.length,
            &ch.contains,
            &ch.lt,
            &ch.lte,
            &ch.gt,
            &ch.gte,
        ];
        let has_operator = operands.iter().any(|o| o.is_some())
            || ch.matches.is_some()
            || ch.exists.is_some()
            || ch.type_.is_some();
        if !has_operator {
            self.error(&at, format!("a check needs an operator: {OPERATORS}"));
        }
        for o in operands.into_iter().flatten() {
            self.value_templates(&o.value, &o.referenced);
        }
        if let Some(m) = &ch.matches {
            self.regex(&m.value, &m.referenced);
        }
        if let Some(t) = &ch.type_ {
            if !CHECK_TYPES.contains(&t.value.as_str()) {
                let msg = match did_you_mean(&t.value, CHECK_TYPES) {
                    Some(s) => format!("unknown type `{}`, did you mean `{s}`?", t.value),
                    None => format!(
                        "unknown type `{}`, expected one of {}",
                        t.value,
                        list_or(CHECK_TYPES)
                    ),
                };
                self.error(&t.referenced, msg);
            }
        }
    }

    fn captures(&mut self, caps: &IndexMap<String, Spanned<Capture>>) {
        for (name, cap) in caps {
            self.name_is_identifier(name, &cap.referenced, "capture");
            match &cap.value.source {
                CaptureSource::JsonPath(p) => self.json_path(p, &cap.referenced),
                CaptureSource::Header(h) => {
                    if h.trim().is_empty() {
                        self.error(&cap.referenced, "the capture `header` name is empty");
                    }
                }
                CaptureSource::Status => {}
            }
            if let Some(r) = &cap.value.regex {
                self.regex(r, &cap.referenced);
            }
        }
        // Defined after all of the step's templates were checked.
        self.defined.extend(caps.keys().cloned());
    }

    fn json_path(&mut self, path: &str, at: &Location) {
        if has_markup(path) {
            // Only known once rendered; its templates can still be checked.
            self.template(path, at);
            return;
        }
        if let Err(e) = serde_json_path::JsonPath::parse(path) {
            self.error(
                at,
                format!("invalid JSONPath `{path}`: {}", first_line(&e.to_string())),
            );
        }
    }

    fn regex(&mut self, re: &str, at: &Location) {
        if has_markup(re) {
            self.template(re, at);
            return;
        }
        if let Err(e) = regex::Regex::new(re) {
            let msg = match e {
                regex::Error::Syntax(s) => s
                    .lines()
                    .last()
                    .unwrap_or("syntax error")
                    .trim()
                    .to_string(),
                other => other.to_string(),
            };
            let msg = msg.strip_prefix("error: ").unwrap_or(&msg).to_string();
            self.error(at, format!("invalid regex `{re}`: {msg}"));
        }
    }

    /// Checks every string (and key) in a JSON value as a template.
    fn value_templates(&mut self, value: &Value, at: &Location) {
        match value {
            Value::String(s) => self.template(s, at),
            Value::Array(items) => {
                for v in items {
                    self.value_templates(v, at);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.template(k, at);
                    self.value_templates(v, at);
                }
            }
            _ => {}
        }
    }

    /// Template syntax, and every variable it reads defined at this point.
    fn template(&mut self, template: &str, at: &Location) {
        match self.ctx.templates.referenced_vars(template) {
            Ok(names) => {
                for name in names {
                    if self.defined.contains(&name) {
                        continue;
                    }
                    let msg = match self.later.get(&name) {
                        Some(l) => format!(
                            "variable `{name}` is used before it is defined (it is captured at line {})",
                            l.line()
                        ),
                        None => match did_you_mean(&name, &self.defined.iter().collect::<Vec<_>>()) {
                            Some(s) => format!("undefined variable `{name}`, did you mean `{s}`?"),
                            None => format!("undefined variable `{name}`"),
                        },
                    };
                    self.error(at, msg);
                }
            }
            Err(e @ TemplateError::Syntax { .. }) => self.error(at, e.to_string()),
            Err(e) => self.error(at, e.to_string()),
        }
    }
}

/// The variables a step defines, with where (for "captured at line N" hints).
fn step_defines(step: &Step) -> Vec<(String, Option<Location>)> {
    let mut out: Vec<(String, Option<Location>)> = step
        .capture
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.referenced)))
        .collect();
    for member in step.group.iter().flatten() {
        out.extend(step_defines(&member.value));
    }
    if let Some(sub) = &step.subscribe_webhooks {
        let id = sub
            .value
            .capture_id
            .clone()
            .unwrap_or_else(|| "webhook_id".to_string());
        out.push((id, Some(sub.referenced)));
        out.push(("webhook_secret".to_string(), Some(sub.referenced)));
    }
    if let Some(we) = &step.expect_webhook {
        out.extend(
            we.value
                .capture
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.referenced))),
        );
    }
    out
}

/// Where a top-level key is written (for problems about a whole list); 1:1 if not found.
fn top_level_key(source: &str, key: &str) -> Location {
    let line = source
        .lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 1);
    location_at(line as u64, 1)
}

/// A [`Location`] for a position found by hand (it has no public constructor otherwise).
fn location_at(line: u64, column: u64) -> Location {
    // Parse a tiny document whose value sits at the wanted line and column.
    let doc = format!(
        "{}{}x",
        "\n".repeat(line.saturating_sub(1) as usize),
        " ".repeat(column.saturating_sub(1) as usize)
    );
    serde_saphyr::from_str::<Spanned<String>>(&doc).map_or(Location::UNKNOWN, |s| s.referenced)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

fn list_or(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

fn join_and(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}
