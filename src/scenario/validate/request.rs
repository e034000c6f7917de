//! Requests: method, path, bodies, fixtures; repetition.
use super::{join_and, Validator, METHODS};
use crate::scenario::check::list_or;
use crate::scenario::load::display_path;
use crate::scenario::model::*;
use crate::source::yaml::did_you_mean;
use crate::template::has_markup;
use serde_json::Value;
use serde_saphyr::Location;

impl Validator<'_> {
    pub(super) fn request(&mut self, req: &Spanned<Request>) {
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
    pub(super) fn json_file(&mut self, rel: &str, at: &Location, what: &str) -> Option<Value> {
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

    pub(super) fn repeat(&mut self, r: &Spanned<Repeat>) {
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
}
