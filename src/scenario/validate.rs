//! Validation after parsing: everything that can be known before a request is sent.
//!
//! Every problem is collected (not only the first), each at its `file:line:column`.

use super::action::{Action, Sending};
use super::load::{discover, display_path, parse_file, LoadedFile};
use super::model::*;
use crate::source::yaml::did_you_mean;
use crate::source::Diagnostic;
use crate::source::SourceLocation;
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
    /// Names another environment of the configuration defines but this one does not: a
    /// scenario may use them, and then needs them (see [`LoadedFile::needs`]); it is
    /// skipped where they are missing instead of refusing the whole run.
    pub optional_vars: BTreeSet<String>,
    pub templates: &'a TemplateEngine,
}

pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
pub const CHECK_TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];
const OPERATORS: &str =
    "`equals`, `not_equals`, `matches`, `exists`, `type`, `length`, `contains`, `lt`, `lte`, `gt`, `gte`, `count`, `all` or `any`";

/// Finds, reads, parses and validates scenario files. Returns the files that parsed (also
/// when validation found problems in them) and every problem of every file.
pub fn load_and_validate(
    paths: &[PathBuf],
    ctx: &ValidationContext,
) -> (Vec<LoadedFile>, Vec<Diagnostic>) {
    // Discovery in order; then every file is read, parsed and validated on its own, on as many
    // threads as there are cores (files do not depend on each other), and the results are put
    // back in discovery order, so the output is the same as one file after the other.
    enum Item {
        Missing(Diagnostic),
        File(PathBuf),
    }
    let mut items = Vec::new();
    for given in paths {
        match discover(std::slice::from_ref(given)) {
            Ok(found) => items.extend(found.into_iter().map(Item::File)),
            Err(e) => items.push(Item::Missing(Diagnostic::error(
                whole_file(&display_path(given)),
                e.to_string(),
            ))),
        }
    }
    let files_only: Vec<&PathBuf> = items
        .iter()
        .filter_map(|i| match i {
            Item::File(p) => Some(p),
            Item::Missing(_) => None,
        })
        .collect();
    let mut done = parallel_map(&files_only, |path| load_one(path, ctx)).into_iter();
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for item in items {
        match item {
            Item::Missing(d) => diags.push(d),
            Item::File(_) => {
                if let Some((file, mut file_diags)) = done.next() {
                    diags.append(&mut file_diags);
                    files.extend(file);
                }
            }
        }
    }
    (files, diags)
}

/// Reads, parses and validates one scenario file.
fn load_one(path: &Path, ctx: &ValidationContext) -> (Option<LoadedFile>, Vec<Diagnostic>) {
    let file = display_path(path);
    // Regular files only (a FIFO would block, a link to /dev/zero never end), and the cap is
    // enforced while reading: the size in the metadata is not trusted.
    let source: Arc<str> =
        match crate::source::input::read_text(path, crate::source::yaml::MAX_FILE_BYTES) {
            Ok(s) => Arc::from(s),
            Err(crate::source::input::InputError::TooLarge { max, .. }) => {
                let why = format!("scenario files over {max} bytes are refused");
                return (None, vec![Diagnostic::error(whole_file(&file), why)]);
            }
            Err(e) => {
                let at = match e.position() {
                    Some((line, column)) => SourceLocation {
                        file: file.clone(),
                        line,
                        column,
                    },
                    None => whole_file(&file),
                };
                return (None, vec![Diagnostic::error(at, e.cause())]);
            }
        };
    let (doc, mut diags) = parse_file(&file, &source);
    let Some(doc) = doc else {
        return (None, diags);
    };
    let (more, needs) = validate_doc_with_needs(&file, &source, &doc, ctx);
    diags.extend(more);
    let loaded = LoadedFile {
        path: path.to_path_buf(),
        source,
        doc,
        needs,
    };
    (Some(loaded), diags)
}

/// `f` over `items` on up to one thread per core, results in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            out.push((i, f(item)));
        }
        out
    };
    // The calling thread is one of the workers.
    let mut parts: Vec<(usize, R)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut parts = work();
        for h in helpers {
            // A panic in a helper is a bug: it goes on unwinding here, as it would have
            // without threads.
            parts.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        parts
    });
    parts.sort_by_key(|(i, _)| *i);
    parts.into_iter().map(|(_, r)| r).collect()
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
    validate_doc_with_needs(file, source, doc, ctx).0
}

/// [`validate_doc`], and for each scenario (in file order) the optional variables
/// ([`ValidationContext::optional_vars`]) it uses, its file's included.
pub fn validate_doc_with_needs(
    file: &str,
    source: &str,
    doc: &ScenarioFileDoc,
    ctx: &ValidationContext,
) -> (Vec<Diagnostic>, Vec<BTreeSet<String>>) {
    let mut v = Validator {
        file,
        ctx,
        diags: Vec::new(),
        defined: BTreeSet::new(),
        later: BTreeMap::new(),
        needs: BTreeSet::new(),
        scenario_needs: Vec::new(),
    };
    v.doc(source, doc);
    read_only_claims(file, doc, &mut v.diags);
    v.diags.sort_by(|a, b| {
        (a.location.line, a.location.column).cmp(&(b.location.line, b.location.column))
    });
    (v.diags, v.scenario_needs)
}

/// A scenario may call itself `read-only` (and so run on production) only if it is.
fn read_only_claims(file: &str, doc: &ScenarioFileDoc, diags: &mut Vec<Diagnostic>) {
    use super::safety::{normalize_tag, unsafe_actions, READ_ONLY_TAG};
    for sc in &doc.scenarios {
        let s = &sc.value;
        if !doc
            .tags
            .iter()
            .chain(&s.tags)
            .any(|t| normalize_tag(t) == READ_ONLY_TAG)
        {
            continue;
        }
        for a in unsafe_actions(s) {
            let at = SourceLocation {
                file: file.to_string(),
                line: a.line.max(1),
                column: a.column.max(1),
            };
            diags.push(Diagnostic::error(
                at,
                format!(
                    "scenario `{}` is tagged `{READ_ONLY_TAG}` but sends {}: only GET, HEAD and OPTIONS outside the sandbox controls are read-only",
                    s.name.value, a.what
                ),
            ));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CheckMode {
    /// `expect.body`, webhook `where`: `path` required.
    Path,
    /// `assert`: `value` required.
    Value,
    /// Inside `all`/`any`: operators only, applied to each element.
    Element,
}

struct Validator<'a> {
    file: &'a str,
    ctx: &'a ValidationContext<'a>,
    diags: Vec<Diagnostic>,
    /// Variables defined at the current point of the scenario.
    defined: BTreeSet<String>,
    /// Variables the current scenario defines somewhere (captures), with where.
    later: BTreeMap<String, Location>,
    /// Optional variables used so far (the file's, then the current scenario's).
    needs: BTreeSet<String>,
    /// Per scenario, its optional variables.
    scenario_needs: Vec<BTreeSet<String>>,
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
        let file_needs = self.needs.clone();

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
            self.needs = file_needs.clone();
            self.scenario(sc);
            self.scenario_needs.push(std::mem::take(&mut self.needs));
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
        let actions: Vec<&str> = step.actions().iter().map(Action::key).collect();
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
                    list_or(Action::KEYS)
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

        for action in step.actions() {
            match action {
                Action::Request { request, sending } => {
                    self.request(request);
                    if let Sending::Repeat(r) = sending {
                        self.repeat(r);
                    }
                    if let Some(e) = &step.expect {
                        self.expect(&e.value);
                    }
                    self.captures(&step.capture);
                }
                Action::Group(group) => self.group(group, &at),
                Action::Wait(_) => {}
                Action::Assert(checks) => {
                    for check in checks {
                        self.check(check, CheckMode::Value);
                    }
                }
                Action::SubscribeWebhooks(sub) => self.subscribe_webhooks(sub),
                Action::ExpectWebhook(we) => self.expect_webhook(we),
                Action::WebhookReply(wr) => self.webhook_reply(wr),
            }
        }
    }

    fn group(&mut self, group: &[Spanned<Step>], at: &Location) {
        if group.is_empty() {
            self.error(
                at,
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

    fn subscribe_webhooks(&mut self, sub: &Spanned<WebhookSubscribe>) {
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

    fn expect_webhook(&mut self, we: &Spanned<WebhookExpect>) {
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

    fn webhook_reply(&mut self, wr: &Spanned<WebhookReply>) {
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
        let text = match crate::source::input::read_text(&full, crate::source::input::MAX_TEXT_FILE)
        {
            Ok(t) => t,
            Err(crate::source::input::InputError::Io { source: e, .. })
                if e.kind() == std::io::ErrorKind::NotFound =>
            {
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
        match &rep.times.value {
            RepeatTimes::Count(0) => {
                self.error(&rep.times.referenced, "`repeat.times` must be at least 1");
            }
            RepeatTimes::Count(_) => {}
            RepeatTimes::Template(t) => self.template(t, &rep.times.referenced),
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
        if let Some(s) = e.schema.as_ref().filter(|s| !s.value.starts_with('#')) {
            self.json_file(&s.value, &s.referenced, "schema");
        }
    }

    fn check(&mut self, c: &Spanned<Check>, mode: CheckMode) {
        let ch = &c.value;
        let at = c.referenced;
        if let (CheckMode::Value, Some(n)) = (mode, &ch.count) {
            self.error(
                &n.referenced,
                "`count` counts the nodes a JSONPath selects; in `assert` use `length`",
            );
        }
        match mode {
            CheckMode::Element => {
                for (name, given) in [("path", ch.path.is_some()), ("value", ch.value.is_some())] {
                    if given {
                        self.error(
                            &at,
                            format!(
                                "`{name}` is not allowed inside `all`/`any`: their operators apply to each element"
                            ),
                        );
                    }
                }
                if let Some(n) = &ch.count {
                    self.error(&n.referenced, "`count` is not allowed inside `all`/`any`");
                }
            }
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
            || ch.type_.is_some()
            || ch.count.is_some()
            || ch.all.is_some()
            || ch.any.is_some();
        if !has_operator {
            self.error(&at, format!("a check needs an operator: {OPERATORS}"));
        }
        for o in operands.into_iter().chain([&ch.count]).flatten() {
            self.value_templates(&o.value, &o.referenced);
        }
        for nested in [&ch.all, &ch.any].into_iter().flatten() {
            self.check(nested, CheckMode::Element);
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
                if path.trim_start().starts_with('$') {
                    format!("invalid JSONPath `{path}`: {}", first_line(&e.to_string()))
                } else {
                    format!(
                        "invalid JSONPath `{path}`: a path starts with `$` (the root), e.g. `$.{}`",
                        path.trim_start().trim_start_matches('.')
                    )
                },
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
                    if self.ctx.optional_vars.contains(&name) {
                        self.needs.insert(name);
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
    for action in step.actions() {
        match action {
            Action::Group(members) => {
                for member in members {
                    out.extend(step_defines(&member.value));
                }
            }
            Action::SubscribeWebhooks(sub) => {
                let id = sub
                    .value
                    .capture_id
                    .clone()
                    .unwrap_or_else(|| "webhook_id".to_string());
                out.push((id, Some(sub.referenced)));
                out.push(("webhook_secret".to_string(), Some(sub.referenced)));
            }
            Action::ExpectWebhook(we) => out.extend(
                we.value
                    .capture
                    .iter()
                    .map(|(k, v)| (k.clone(), Some(v.referenced))),
            ),
            Action::Request { .. }
            | Action::Wait(_)
            | Action::Assert(_)
            | Action::WebhookReply(_) => {}
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// A fixtures folder shared by the tests: `orders/valid.json`, `broken.json`, `order.schema.json`.
    fn fixtures() -> &'static Path {
        static DIR: OnceLock<PathBuf> = OnceLock::new();
        DIR.get_or_init(|| {
            let dir =
                std::env::temp_dir().join(format!("conform-scenario-tests-{}", std::process::id()));
            std::fs::create_dir_all(dir.join("orders")).expect("create fixtures dir");
            std::fs::write(
                dir.join("orders/valid.json"),
                r#"{"customer_id": "c1", "ref": "{{ unique('o') }}"}"#,
            )
            .expect("write fixture");
            std::fs::write(
                dir.join("orders/needs_var.json"),
                r#"{"customer_id": "{{ customer }}"}"#,
            )
            .expect("write");
            std::fs::write(dir.join("broken.json"), "{not json").expect("write fixture");
            std::fs::write(dir.join("order.schema.json"), r#"{"type": "object"}"#)
                .expect("write schema");
            std::fs::create_dir_all(dir.join("schemas")).expect("create fixtures dir");
            std::fs::write(dir.join("schemas/order.json"), r#"{"type": "object"}"#)
                .expect("write schema");
            dir
        })
    }

    fn engine() -> &'static TemplateEngine {
        static T: OnceLock<TemplateEngine> = OnceLock::new();
        T.get_or_init(|| TemplateEngine::new("test"))
    }

    #[test]
    fn optional_variables_are_needs_not_errors() {
        let y = "vars:\n  f: \"{{ file_need }}\"\nscenarios:\n  - name: a\n    steps:\n      - assert: [{value: \"{{ ro_id }}\", equals: x}]\n  - name: b\n    vars: {ro_id: own}\n    steps:\n      - assert: [{value: \"{{ ro_id }} {{ nope }}\", equals: x}]\n";
        let ctx = ValidationContext {
            fixtures_dir: fixtures(),
            known_vars: BTreeSet::new(),
            optional_vars: BTreeSet::from(["ro_id".to_string(), "file_need".to_string()]),
            templates: engine(),
        };
        let (doc, diags) = parse_file("t.yaml", y);
        assert!(diags.is_empty());
        let doc = doc.expect("parses");
        let (diags, needs) = validate_doc_with_needs("t.yaml", y, &doc, &ctx);
        let msgs: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        assert_eq!(msgs, ["undefined variable `nope`"]);
        assert_eq!(
            needs,
            [
                BTreeSet::from(["file_need".to_string(), "ro_id".to_string()]),
                BTreeSet::from(["file_need".to_string()]),
            ]
        );
    }

    /// All diagnostics of one file as `line:col: severity: message`.
    fn check(yaml: &str) -> Vec<String> {
        let ctx = ValidationContext {
            fixtures_dir: fixtures(),
            known_vars: BTreeSet::from(["api_key".to_string()]),
            optional_vars: BTreeSet::new(),
            templates: engine(),
        };
        let (doc, mut diags) = parse_file("t.yaml", yaml);
        if let Some(doc) = doc {
            diags.extend(validate_doc("t.yaml", yaml, &doc, &ctx));
        }
        diags
            .iter()
            .map(|d| {
                format!(
                    "{}:{}: {}: {}",
                    d.location.line,
                    d.location.column,
                    d.severity.as_str(),
                    d.message
                )
            })
            .collect()
    }

    fn ok(yaml: &str) {
        let d = check(yaml);
        assert!(d.is_empty(), "expected no diagnostics, got {d:#?}");
    }

    /// Wraps steps (already indented by 6) in a file with one scenario.
    fn steps(body: &str) -> String {
        format!("scenarios:\n  - name: s\n    steps:\n{body}")
    }

    #[test]
    fn accepts_a_complete_file() {
        ok(r#"suite: orders
vars:
  customer: c-1
scenarios:
  - name: create and read
    requires: [orders]
    covers: [ORD-1]
    vars:
      amount: 10
    setup:
      - subscribe_webhooks: {events: [order.created]}
    steps:
      - name: create
        request:
          method: POST
          path: /orders
          headers: {X-Request-ID: null, X-Trace: "{{ uuid() }}", Authorization: "Key {{ api_key }}"}
          fixture: orders/valid.json
          patch: {customer_id: "{{ customer }}", amount: "{{ amount }}"}
        expect:
          status: 201
          headers: {Location: {matches: "^/orders/"}}
          body:
            - {path: $.id, type: string}
            - {path: "$.items[?@.qty > 1]", exists: true}
          schema: order.schema.json
          latency: 2s
        capture:
          order_id: $.id
          loc: {header: Location}
          code: {status: true}
      - group:
          - request: {method: GET, path: "/orders/{{ order_id }}"}
            capture: {a: $.id}
          - request: {method: GET, path: "/orders/{{ order_id }}"}
            capture: {b: $.id}
      - assert:
          - {value: "{{ a }}", equals: "{{ b }}"}
      - request: {method: GET, path: /limited}
        repeat: {times: 50, until: {status: 429}, concurrency: 5}
        expect: {status: 429}
      - wait: retry_after
      - request: {method: GET, path: "/orders/{{ order_id }}"}
        poll: {timeout: 10s, interval: 500ms}
        expect: {body: [{path: $.status, equals: shipped}]}
      - expect_webhook:
          event: order.created
          where: [{path: $.data.id, equals: "{{ order_id }}"}]
          capture: {event_id: $.id}
      - webhook_reply: {event: order.created, status: 503, times: 2}
      - request: {method: DELETE, path: "/webhooks/{{ webhook_id }}", auth: none}
        contract: false
        timeout: 5s
    teardown:
      - request: {method: DELETE, path: "/orders/{{ order_id }}?e={{ event_id }}&s={{ webhook_secret }}"}
"#);
    }

    #[test]
    fn yaml_syntax_error() {
        assert_eq!(
            check("scenarios:\n  - name: x\n  steps: 1\n"),
            ["3:3: error: while parsing a block collection, did not find expected '-' indicator (at `scenarios`)"]
        );
    }

    #[test]
    fn unknown_field_with_suggestion_and_key_path() {
        let y = steps("      - request: {method: GET, path: /a}\n        expcet: {status: 200}\n");
        assert_eq!(check(&y), ["5:9: error: unknown field `expcet`, did you mean `expect`? (at `scenarios[0].steps[0]`)"]);
        assert_eq!(
            check("scenarios: []\nzzz: 1\n"),
            ["2:1: error: unknown field `zzz`, expected one of `suite`, `description`, `tags`, `requires`, `vars`, `scenarios`"]
        );
    }

    #[test]
    fn reports_every_broken_scenario_and_step() {
        let y = "scenarios:\n  - name: a\n    steps:\n      - requets: {}\n      - wait: 1s\n      - wiat: 2s\n  - name: b\n    tagz: []\n";
        assert_eq!(
            check(y),
            [
                "4:9: error: unknown field `requets`, did you mean `request`? (at `scenarios[0].steps[0]`)",
                "6:9: error: unknown field `wiat`, did you mean `wait`? (at `scenarios[0].steps[2]`)",
                "8:5: error: unknown field `tagz`, did you mean `tags`? (at `scenarios[1]`)",
            ]
        );
    }

    #[test]
    fn wrong_types() {
        let y = steps("      - request: {method: GET, path: /a}\n        repeat: {times: lots}\n");
        assert_eq!(
            check(&y),
            ["5:25: error: expected a non-negative integer or a template such as `{{ (limit | int) * 2 }}` (at `scenarios[0].steps[0].repeat.times`)"]
        );
        let y = steps("      - request: {method: GET, path: /a}\n        expect: {status: 99}\n");
        assert_eq!(check(&y), ["5:26: error: status 99 is not an HTTP status (100-599) (at `scenarios[0].steps[0].expect.status`)"]);
    }

    #[test]
    fn step_must_do_exactly_one_thing() {
        let y = steps("      - name: nothing\n");
        assert_eq!(
            check(&y),
            ["4:9: error: a step must do exactly one of `request`, `group`, `wait`, `assert`, `subscribe_webhooks`, `expect_webhook` or `webhook_reply`"]
        );
        let y = steps("      - request: {method: GET, path: /a}\n        wait: 1s\n");
        assert_eq!(
            check(&y),
            ["4:9: error: a step must do exactly one thing, but this one has `request` and `wait`; split it into several steps"]
        );
        let y = steps("      - wait: 1s\n        expect: {status: 200}\n");
        assert_eq!(
            check(&y),
            ["5:17: error: `expect` is only allowed in a step with a `request`"]
        );
        let y = steps("      - request: {method: GET, path: /a}\n        repeat: {times: 2}\n        poll: {timeout: 1s}\n");
        assert_eq!(
            check(&y),
            ["6:15: error: `repeat` and `poll` cannot be combined in one step"]
        );
    }

    #[test]
    fn group_members_must_be_requests() {
        let y = steps(
            "      - group:\n          - wait: 1s\n          - request: {method: GET, path: /a}\n",
        );
        assert_eq!(check(&y), ["5:13: error: each `group` member must be a step with a `request` (and nothing else)"]);
        let y = steps("      - group: []\n");
        assert_eq!(
            check(&y),
            ["4:9: error: `group` is empty: list the requests to send at the same moment"]
        );
    }

    #[test]
    fn group_members_do_not_see_each_others_captures() {
        let y = steps(
            "      - group:\n          - request: {method: GET, path: /a}\n            capture: {a: $.id}\n          - request: {method: GET, path: \"/b/{{ a }}\"}\n",
        );
        assert_eq!(
            check(&y),
            ["7:42: error: variable `a` is used before it is defined (it is captured at line 6)"]
        );
    }

    #[test]
    fn http_methods() {
        let y = steps("      - request: {method: PSOT, path: /a}\n");
        assert_eq!(
            check(&y),
            ["4:27: error: unknown HTTP method `PSOT`, did you mean `POST`?"]
        );
        let y = steps("      - request: {method: get, path: /a}\n");
        assert_eq!(
            check(&y),
            ["4:27: error: unknown HTTP method `get`, did you mean `GET`?"]
        );
        let y = steps("      - request: {method: BREW, path: /a}\n");
        assert_eq!(
            check(&y),
            ["4:27: error: unknown HTTP method `BREW`, expected one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`"]
        );
        for m in METHODS {
            ok(&steps(&format!(
                "      - request: {{method: {m}, path: /a}}\n"
            )));
        }
    }

    #[test]
    fn request_bodies() {
        let y = steps("      - request:\n          method: POST\n          path: /a\n          json: {a: 1}\n          body: \"x\"\n");
        assert_eq!(
            check(&y),
            ["8:17: error: a request has at most one body, but this one has `json` and `body` (use one of `json`, `fixture`, `body`, `form`)"]
        );
        let y = steps("      - request:\n          method: POST\n          path: /a\n          body: \"x\"\n          patch: {a: 1}\n");
        assert_eq!(
            check(&y),
            ["8:18: error: `patch` needs a `json` or `fixture` body to apply to"]
        );
        ok(&steps("      - request:\n          method: POST\n          path: /a\n          json: {a: 1}\n          patch: {a: null}\n"));
        ok(&steps("      - request:\n          method: POST\n          path: /a\n          form: {a: \"{{ api_key }}\"}\n"));
    }

    #[test]
    fn request_paths() {
        let y = steps("      - request: {method: GET, path: orders}\n");
        assert_eq!(
            check(&y),
            ["4:38: error: request path `orders` must start with `/` (relative to the base URL) or be an absolute URL"]
        );
        ok(&steps(
            "      - request: {method: GET, path: \"https://other.example/x\"}\n",
        ));
    }

    #[test]
    fn invalid_regexes() {
        let y = steps("      - request: {method: GET, path: /a}\n        expect:\n          body: [{path: $.a, matches: \"(\"}]\n          headers: {X-A: {matches: \"[\"}}\n        capture: {c: {header: X, regex: \"a)\"}}\n");
        assert_eq!(
            check(&y),
            [
                "6:39: error: invalid regex `(`: unclosed group",
                "7:26: error: invalid regex `[`: unclosed character class",
                "8:22: error: invalid regex `a)`: unopened group",
            ]
        );
    }

    #[test]
    fn invalid_json_paths() {
        let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.a[\", exists: true}]}\n        capture: {c: \"$..[\"}\n");
        let d = check(&y);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(
            d[0].starts_with("5:32: error: invalid JSONPath `$.a[`: "),
            "{}",
            d[0]
        );
        assert!(
            d[1].starts_with("6:22: error: invalid JSONPath `$..[`: "),
            "{}",
            d[1]
        );
        // Templated paths are checked for their variables only.
        ok(&steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.items[?@.id == '{{ api_key }}']\", exists: true}]}\n"));
    }

    #[test]
    fn a_json_path_without_its_root_says_so() {
        let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"validation[*].code\", exists: true}]}\n");
        assert_eq!(
            check(&y),
            ["5:32: error: invalid JSONPath `validation[*].code`: a path starts with `$` (the root), e.g. `$.validation[*].code`"]
        );
    }

    #[test]
    fn check_path_or_value_and_operators() {
        let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{equals: 1}, {path: $.a}, {path: $.b, value: 1, exists: true}]}\n");
        assert_eq!(
            check(&y),
            [
                "5:25: error: this check needs `path` (a JSONPath such as `$.id`)",
                "5:38: error: a check needs an operator: `equals`, `not_equals`, `matches`, `exists`, `type`, `length`, `contains`, `lt`, `lte`, `gt`, `gte`, `count`, `all` or `any`",
                "5:70: error: `value` is only allowed in `assert`; here use `path`",
            ]
        );
        let y = steps("      - assert:\n          - {path: $.a, equals: 1}\n");
        assert_eq!(
            check(&y),
            [
                "5:13: error: an `assert` check needs `value` (such as `\"{{ order_id }}\"`)",
                "5:20: error: `path` is not allowed in `assert`; check a variable with `value`",
            ]
        );
        let y = steps("      - expect_webhook: {event: e, where: [{value: 1, equals: 1}]}\n");
        assert_eq!(
            check(&y),
            [
                "4:44: error: this check needs `path` (a JSONPath such as `$.id`)",
                "4:52: error: `value` is only allowed in `assert`; here use `path`"
            ]
        );
    }

    #[test]
    fn nodelist_operators() {
        ok(&steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.a[*]\", count: 2, all: {type: integer}, any: {gt: 1}}]}\n"));
        let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.a[*]\", all: {path: $.b, equals: 1}, any: {count: 1}}]}\n");
        let got = check(&y);
        assert_eq!(
            got,
            [
                "5:47: error: `path` is not allowed inside `all`/`any`: their operators apply to each element",
                "5:84: error: `count` is not allowed inside `all`/`any`",
            ]
        );
        let y = steps("      - assert:\n          - {value: 1, count: 1}\n");
        assert_eq!(
            check(&y),
            ["5:31: error: `count` counts the nodes a JSONPath selects; in `assert` use `length`"]
        );
    }

    #[test]
    fn check_types() {
        let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: $.a, type: str}, {path: $.b, type: date}]}\n");
        assert_eq!(
            check(&y),
            [
                "5:43: error: unknown type `str`, did you mean `string`?",
                "5:67: error: unknown type `date`, expected one of `string`, `number`, `integer`, `boolean`, `array`, `object` or `null`",
            ]
        );
        for t in CHECK_TYPES {
            ok(&steps(&format!("      - request: {{method: GET, path: /a}}\n        expect: {{body: [{{path: $.a, type: {t}}}]}}\n")));
        }
    }

    #[test]
    fn fixture_and_schema_files() {
        let y = steps("      - request: {method: POST, path: /a, fixture: orders/missing.json}\n        expect: {schema: nope.json}\n");
        let dir = display_path(fixtures());
        assert_eq!(
            check(&y),
            [
                format!(
                    "4:52: error: fixture file `orders/missing.json` not found (looked in `{dir}`)"
                ),
                format!("5:26: error: schema file `nope.json` not found (looked in `{dir}`)"),
            ]
        );
        let y = steps("      - request: {method: POST, path: /a, fixture: broken.json}\n");
        assert_eq!(
            check(&y),
            ["4:52: error: fixture file `broken.json` is not valid JSON: key must be a string at line 1 column 2"]
        );
        // A fixture's own templates must be defined where it is used.
        let y =
            steps("      - request: {method: POST, path: /a, fixture: orders/needs_var.json}\n");
        assert_eq!(check(&y), ["4:52: error: undefined variable `customer`"]);
    }

    #[test]
    fn template_syntax_errors() {
        let y = steps("      - request: {method: GET, path: \"/a/{{ x\"}\n");
        let d = check(&y);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0].starts_with("4:38: error: invalid template `/a/{{ x`: syntax error: "),
            "{}",
            d[0]
        );
        let y = steps("      - assert: [{value: \"{{ 1 + }}\", equals: 1}]\n");
        let d = check(&y);
        assert!(
            d.len() == 1 && d[0].starts_with("4:26: error: invalid template `{{ 1 + }}`"),
            "{d:#?}"
        );
    }

    #[test]
    fn variables_used_before_defined() {
        let y = steps(
            "      - request: {method: GET, path: \"/o/{{ order_id }}\"}\n      - request: {method: POST, path: /o}\n        capture: {order_id: $.id}\n      - request: {method: GET, path: \"/o/{{ ordr_id }}\"}\n      - assert: [{value: \"{{ nope }}\", exists: true}]\n",
        );
        assert_eq!(
            check(&y),
            [
                "4:38: error: variable `order_id` is used before it is defined (it is captured at line 6)",
                "7:38: error: undefined variable `ordr_id`, did you mean `order_id`?",
                "8:26: error: undefined variable `nope`",
            ]
        );
        // File vars, scenario vars (in order), known vars and builtins.
        ok("vars: {a: \"{{ api_key }}\"}\nscenarios:\n  - name: s\n    vars: {b: \"{{ a }}\", c: \"{{ b }}-{{ run_id }}\"}\n    steps:\n      - request: {method: GET, path: \"/{{ c }}/{{ env('HOME', 'x') }}/{{ now() }}/{{ now_unix() }}/{{ unique('u') }}\"}\n");
        let y = "scenarios:\n  - name: s\n    vars: {b: \"{{ c }}\", c: 1}\n    steps:\n      - wait: 1s\n";
        assert_eq!(check(y), ["3:15: error: undefined variable `c`"]);
    }

    #[test]
    fn webhook_steps_define_variables() {
        ok(&steps("      - subscribe_webhooks: {events: [a], capture_id: sub}\n      - request: {method: DELETE, path: \"/w/{{ sub }}?s={{ webhook_secret }}\"}\n"));
        let y = steps("      - request: {method: DELETE, path: \"/w/{{ webhook_id }}\"}\n      - subscribe_webhooks: {events: []}\n");
        assert_eq!(
            check(&y),
            [
                "4:41: error: variable `webhook_id` is used before it is defined (it is captured at line 5)",
                "5:29: error: `subscribe_webhooks.events` is empty: list the events to receive",
            ]
        );
        let y = steps("      - expect_webhook: {event: e, count: 1, at_least: 2}\n      - webhook_reply: {event: e, times: 0, status: 42}\n");
        assert_eq!(
            check(&y),
            [
                "4:25: error: `count` and `at_least` cannot be combined",
                "5:24: error: status 42 is not an HTTP status (100-599)",
                "5:24: error: `webhook_reply.times` must be at least 1",
            ]
        );
    }

    #[test]
    fn teardown_sees_captures_of_steps() {
        let y = "scenarios:\n  - name: s\n    setup:\n      - request: {method: GET, path: \"/{{ late }}\"}\n    steps:\n      - request: {method: POST, path: /o}\n        capture: {late: $.id}\n    teardown:\n      - request: {method: DELETE, path: \"/{{ late }}\"}\n";
        assert_eq!(check(y), ["4:38: error: variable `late` is used before it is defined (it is captured at line 7)"]);
    }

    #[test]
    fn duplicate_and_empty_scenarios() {
        let y = "scenarios:\n  - name: a\n    steps: [{wait: 1s}]\n  - name: a\n    steps: [{wait: 1s}]\n";
        assert_eq!(
            check(y),
            ["4:11: error: duplicate scenario name `a` (first defined at line 2)"]
        );
        assert_eq!(
            check("suite: x\nscenarios: []\n"),
            ["2:1: error: `scenarios` is empty: a file needs at least one scenario"]
        );
        assert_eq!(
            check("scenarios:\n  - name: a\n"),
            ["2:11: warning: scenario `a` has no steps"]
        );
        assert_eq!(
            check(""),
            ["1:1: error: the file is empty: expected a mapping with `scenarios`"]
        );
    }

    #[test]
    fn capture_names_must_be_identifiers() {
        let y =
            steps("      - request: {method: GET, path: /a}\n        capture: {order-id: $.id}\n");
        assert_eq!(check(&y), ["5:29: error: capture name `order-id` is not a valid identifier (use letters, digits and `_`)"]);
    }

    #[test]
    fn load_and_validate_reads_files_and_dirs() {
        let dir =
            std::env::temp_dir().join(format!("conform-scenario-load-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        std::fs::write(
            dir.join("b.yaml"),
            "scenarios:\n  - name: b\n    steps: [{wait: 1s}]\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("sub/a.yml"),
            "scenarios:\n  - name: a\n    steps: [{wiat: 1s}]\n",
        )
        .expect("write");
        std::fs::write(dir.join("notes.txt"), "not a scenario").expect("write");
        let found = discover(std::slice::from_ref(&dir)).expect("discover");
        assert_eq!(found, vec![dir.join("b.yaml"), dir.join("sub/a.yml")]);
        let ctx = ValidationContext {
            fixtures_dir: fixtures(),
            known_vars: BTreeSet::new(),
            optional_vars: BTreeSet::new(),
            templates: engine(),
        };
        let missing = dir.join("missing.yaml");
        let (files, diags) = load_and_validate(&[dir.clone(), missing.clone()], &ctx);
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0].scenario_id("b"),
            format!("{}::b", display_path(&dir.join("b.yaml")))
        );
        let rendered: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            rendered,
            [
                format!(
                    "{}:3:14: error: unknown field `wiat`, did you mean `wait`? (at `scenarios[0].steps`)",
                    display_path(&dir.join("sub/a.yml"))
                ),
                format!(
                    "{}: error: failed to find scenarios: `{}` does not exist",
                    display_path(&missing),
                    missing.display()
                ),
            ]
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Every example in `docs/scenarios.md` is valid (apart from variables a fragment
    /// takes from context it does not show).
    #[test]
    fn documentation_examples_validate() {
        let doc = include_str!("../../docs/scenarios.md");
        let mut checked = 0;
        for block in doc.split("```yaml\n").skip(1) {
            let Some((yaml, _)) = block.split_once("```") else {
                continue;
            };
            let indent = |s: &str, n: usize| -> String {
                s.lines()
                    .map(|l| format!("{}{l}\n", " ".repeat(n)))
                    .collect()
            };
            let wrapped = if yaml.starts_with("scenarios:") || yaml.starts_with("suite:") {
                yaml.to_string()
            } else if yaml.starts_with("- ") {
                steps(&indent(yaml, 6))
            } else if yaml.starts_with("expect:") || yaml.starts_with("capture:") {
                steps(&format!(
                    "      - request: {{method: GET, path: /x}}\n{}",
                    indent(yaml, 8)
                ))
            } else if yaml.starts_with("body:") {
                steps(&format!(
                    "      - request: {{method: GET, path: /x}}\n        expect:\n{}",
                    indent(yaml, 10)
                ))
            } else {
                continue;
            };
            checked += 1;
            let problems: Vec<String> = check(&wrapped)
                .into_iter()
                .filter(|d| {
                    !d.contains("undefined variable") && !d.contains("used before it is defined")
                })
                .collect();
            assert!(
                problems.is_empty(),
                "example:\n{wrapped}\nproblems: {problems:#?}"
            );
        }
        assert!(checked >= 15, "only {checked} examples checked");
    }

    /// The shipped suite validates against the shipped fixtures and the variables of the
    /// shipped `local` environment.
    #[test]
    fn shipped_suite_validates() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = crate::config::Config::load(&root.join("conform.yaml")).expect("conform.yaml");
        let mut known: BTreeSet<String> = config
            .doc
            .environments
            .get("local")
            .map(|e| e.value.vars.keys().cloned().collect())
            .unwrap_or_default();
        known.extend(["base_url".to_string(), "env_name".to_string()]);
        let optional = config
            .environment_names()
            .into_keys()
            .filter(|n| !known.contains(n))
            .collect();
        let ctx = ValidationContext {
            fixtures_dir: &root.join("fixtures"),
            known_vars: known,
            optional_vars: optional,
            templates: engine(),
        };
        let (files, diags) = load_and_validate(&[root.join("scenarios")], &ctx);
        let sources: BTreeMap<String, Arc<str>> = files
            .iter()
            .map(|f| (f.display_path(), f.source.clone()))
            .collect();
        let out = crate::scenario::render_diagnostics(&diags, &|f| sources.get(f).cloned(), false);
        assert!(diags.is_empty(), "{out}");
    }
}
