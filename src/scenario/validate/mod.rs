//! Validation after parsing: everything that can be known before a request is sent.
//!
//! Every problem is collected (not only the first), each at its `file:line:column`. The
//! checks are typed here once ([`super::check`], [`super::expectation`]) and the typed form is
//! kept for the run. Finding and reading the files is in `files.rs`; requests, fixtures and
//! repetition in `request.rs`; expectations, checks, captures, webhooks and templates in
//! `checks.rs`.
mod checks;
mod files;
mod request;
#[cfg(test)]
mod tests;

pub use files::load_and_validate;

use super::action::{Action, Sending};
use super::check::{list_or, CheckMode, JsonType};
use super::model::*;
use crate::source::Diagnostic;
use crate::source::SourceLocation;
use crate::template::{TemplateEngine, BUILTIN_NAMES};
use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::Location;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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
/// The JSON type names a `type:` check accepts.
pub const CHECK_TYPES: &[&str] = JsonType::NAMES;

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
                    self.captures(&step.capture, false);
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

fn join_and(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}
