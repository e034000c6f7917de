//! Expectations, checks, captures, webhook steps and templates. A check's structure (subject,
//! operators, regexes, JSONPaths) is typed once by [`typed_check`] / [`typed_expect`], which
//! keep the typed form for the run; here its problems become diagnostics and its templates
//! are checked against the variables defined at this point.
use super::Validator;
use crate::scenario::check::{json_path, typed_check, CheckMode};
use crate::scenario::expectation::typed_expect;
use crate::scenario::model::*;
use crate::source::yaml::did_you_mean;
use crate::template::{has_markup, TemplateError};
use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::Location;

impl Validator<'_> {
    pub(super) fn subscribe_webhooks(&mut self, sub: &Spanned<WebhookSubscribe>) {
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
        if let Some(a) = &sub.value.auth {
            // A client name, as a request's `auth` takes it (the `auth` stage reads it at run
            // time; validation comes before that stage): not one of the other selectors.
            let t = a.value.trim();
            let named = !t.is_empty()
                && !t.chars().any(char::is_whitespace)
                && !matches!(t, "none" | "invalid" | "expired");
            if !named {
                self.error(
                    &a.referenced,
                    format!(
                        "`subscribe_webhooks.auth` is `{}`: name a client of the environment (`default`, `other`, ...)",
                        a.value
                    ),
                );
            }
        }
        self.defined.insert(id);
        self.defined.insert("webhook_secret".to_string());
    }

    pub(super) fn expect_webhook(&mut self, we: &Spanned<WebhookExpect>) {
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
        if w.retries_stopped {
            if w.schedule.as_ref().is_none_or(Vec::is_empty) {
                self.error(
                    &we.referenced,
                    "`retries_stopped` needs the `schedule` it waits out (e.g. `[1m, 5m, 30m, 2h]`)",
                );
            }
            let others = [
                ("count", w.count.is_some()),
                ("at_least", w.at_least.is_some()),
                ("attempts", w.attempts.is_some()),
                ("max_attempts", w.max_attempts.is_some()),
                ("within", w.within.is_some()),
                ("capture", !w.capture.is_empty()),
            ];
            for (key, set) in others {
                if set {
                    self.error(
                        &we.referenced,
                        format!("`retries_stopped` cannot be combined with `{key}` (it expects no attempt, and waits as long as the `schedule` says)"),
                    );
                }
            }
        }
        self.subscription(w.subscription.as_ref());
        self.captures(&w.capture, true);
        self.duration_template(w.within.as_ref());
    }

    fn subscription(&mut self, s: Option<&Spanned<String>>) {
        if let Some(s) = s {
            if s.value.trim().is_empty() {
                self.error(
                    &s.referenced,
                    "`subscription` is empty: name a subscription id, e.g. `\"{{ webhook_id }}\"`",
                );
            } else {
                self.template(&s.value, &s.referenced);
            }
        }
    }

    /// A templated duration's templates are checked now; its value is read when it runs.
    fn duration_template(&mut self, d: Option<&Spanned<DurationTemplate>>) {
        if let Some(Spanned {
            value: DurationTemplate::Template(t),
            referenced,
            ..
        }) = d
        {
            self.template(t, referenced);
        }
    }

    pub(super) fn webhook_reply(&mut self, wr: &Spanned<WebhookReply>) {
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
        self.subscription(w.subscription.as_ref());
        self.duration_template(w.delay.as_ref());
    }

    pub(super) fn event_name(&mut self, event: &Spanned<String>) {
        if event.value.trim().is_empty() {
            self.error(&event.referenced, "the webhook `event` cannot be empty");
        } else {
            self.template(&event.value, &event.referenced);
        }
    }

    pub(super) fn expect(&mut self, e: &Expect) {
        if let Err(problems) = typed_expect(e) {
            for (at, msg) in &problems.0 {
                self.error(at, msg.clone());
            }
        }
        for h in e.headers.values() {
            if let Some(eq) = &h.value.equals {
                self.template(eq, &h.referenced);
            }
            if let Some(m) = h.value.matches.as_ref().filter(|m| has_markup(m)) {
                self.template(m, &h.referenced);
            }
        }
        for c in &e.body {
            self.check_templates(c);
        }
        if let Some(j) = &e.json {
            self.value_templates(&j.value, &j.referenced);
        }
        if let Some(s) = e.schema.as_ref().filter(|s| !s.value.starts_with('#')) {
            self.json_file(&s.value, &s.referenced, "schema");
        }
    }

    /// A check of `assert` or a webhook `where`: typed (problems reported), templates checked.
    pub(super) fn check(&mut self, c: &Spanned<Check>, mode: CheckMode) {
        if let Err(problems) = typed_check(c, mode) {
            for (at, msg) in &problems.0 {
                self.error(at, msg.clone());
            }
        }
        self.check_templates(c);
    }

    /// Every template of a check (subject, operands, a templated regex), nested ones included.
    pub(super) fn check_templates(&mut self, c: &Spanned<Check>) {
        let ch = &c.value;
        if let Some(p) = ch.path.as_ref().filter(|p| has_markup(&p.value)) {
            self.template(&p.value, &p.referenced);
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
            &ch.count,
        ];
        for o in operands.into_iter().flatten() {
            self.value_templates(&o.value, &o.referenced);
        }
        if let Some(m) = ch.matches.as_ref().filter(|m| has_markup(&m.value)) {
            self.template(&m.value, &m.referenced);
        }
        for nested in [&ch.all, &ch.any].into_iter().flatten() {
            self.check_templates(nested);
        }
    }

    /// `webhook`: the captures of an `expect_webhook` step, the only ones with an `attempt`.
    pub(super) fn captures(&mut self, caps: &IndexMap<String, Spanned<Capture>>, webhook: bool) {
        for (name, cap) in caps {
            self.name_is_identifier(name, &cap.referenced, "capture");
            match cap.value.attempt {
                Some(_) if !webhook => self.error(
                    &cap.referenced,
                    "a capture's `attempt` is only for `expect_webhook` (a response has no attempts)",
                ),
                Some(0) => self.error(
                    &cap.referenced,
                    "a capture's `attempt` counts from 1 (the first delivery of the event)",
                ),
                _ => {}
            }
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
                if has_markup(r) {
                    self.template(r, &cap.referenced);
                } else if let Err(e) = cap.value.compiled.get(r) {
                    // Compiled here once; the run reuses it for every response.
                    self.error(&cap.referenced, e.to_string());
                }
            }
        }
        // Defined after all of the step's templates were checked.
        self.defined.extend(caps.keys().cloned());
    }

    pub(super) fn json_path(&mut self, path: &str, at: &Location) {
        if has_markup(path) {
            // Only known once rendered; its templates can still be checked.
            self.template(path, at);
        } else if let Err(e) = json_path(path) {
            self.error(at, e.to_string());
        }
    }

    /// Checks every string (and key) in a JSON value as a template.
    pub(super) fn value_templates(&mut self, value: &Value, at: &Location) {
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
    pub(super) fn template(&mut self, template: &str, at: &Location) {
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
