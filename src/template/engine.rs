//! The template engine: minijinja with strict undefined and the harness's generators.
//!
//! One engine is built per run; it is shared by every scenario (it is `Send + Sync`), so the
//! `unique()` counter is unique across the whole run.

use minijinja::value::{Value as JValue, ValueKind};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde_json::{Map, Number, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Names every template may use without defining them.
pub const BUILTIN_NAMES: &[&str] = &["env", "uuid", "now", "now_unix", "unique", "run_id"];

/// A template could not be parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("invalid template `{template}`: {cause}")]
    Syntax { template: String, cause: String },
    #[error("failed to render template `{template}`: undefined variable `{name}`")]
    Undefined { template: String, name: String },
    #[error("failed to render template `{template}`: {cause}")]
    Render { template: String, cause: String },
}

impl TemplateError {
    /// The cause alone, without the template (for diagnostics that already point at it).
    pub fn cause(&self) -> String {
        match self {
            TemplateError::Syntax { cause, .. } | TemplateError::Render { cause, .. } => {
                cause.clone()
            }
            TemplateError::Undefined { name, .. } => format!("undefined variable `{name}`"),
        }
    }
}

/// The prefix of the names under which [`TemplateEngine`] caches its compiled templates: the
/// environment's loader serves a name with this prefix as the template whose source is the rest
/// (any other name, such as a scenario's `{% include "x" %}`, is not found, as without a loader).
const CACHED: &str = "\u{0}conform-template:";

/// Renders templates (`{{ order_id }}`, `{{ unique("user") }}`) against variables.
///
/// A template is compiled once per run and kept: a scenario's templates are rendered again for
/// every scenario, repeat and retry. A rendering is given the variables the template names
/// (converting every variable of the scenario into a template value for each rendering cost
/// more than the rendering); should it still find one undefined, it is rendered again with all
/// of them, so the outcome is the same either way.
pub struct TemplateEngine {
    env: Environment<'static>,
    run_id: String,
    globals: BTreeSet<String>,
    /// The top-level names each template or expression reads, by its source.
    reads: RwLock<HashMap<String, Arc<[String]>>>,
}

impl std::fmt::Debug for TemplateEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateEngine")
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl TemplateEngine {
    /// `run_id` is a short suffix unique to the run; `unique(p)` yields `p-<run_id>-<n>`.
    pub fn new(run_id: &str) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_loader(|name| Ok(name.strip_prefix(CACHED).map(str::to_owned)));
        // Body templates such as `body: "...\n"` must keep their final newline.
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.add_global("run_id", run_id.to_string());
        env.add_function("uuid", || uuid::Uuid::new_v4().to_string());
        // `{{ (client_id ~ ":" ~ client_secret) | b64encode }}`: an HTTP Basic credential.
        env.add_filter("b64encode", |s: String| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
        });
        env.add_function("now", || -> Result<String, minijinja::Error> {
            let now = time::OffsetDateTime::now_utc();
            let now = now.replace_nanosecond(0).unwrap_or(now);
            now.format(&time::format_description::well_known::Rfc3339)
                .map_err(|e| {
                    minijinja::Error::new(
                        ErrorKind::InvalidOperation,
                        format!("failed to format time: {e}"),
                    )
                })
        });
        env.add_function("now_unix", || {
            time::OffsetDateTime::now_utc().unix_timestamp()
        });
        let counter = Arc::new(AtomicU64::new(0));
        let rid = run_id.to_string();
        env.add_function("unique", move |prefix: String| {
            let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
            format!("{prefix}-{rid}-{n}")
        });
        env.add_function(
            "env",
            |name: String, default: Option<String>| -> Result<String, minijinja::Error> {
                match (std::env::var(&name), default) {
                    (Ok(v), _) => Ok(v),
                    (Err(_), Some(d)) => Ok(d),
                    (Err(_), None) => Err(minijinja::Error::new(
                        ErrorKind::InvalidOperation,
                        format!("environment variable `{name}` is not set"),
                    )),
                }
            },
        );
        let globals = env.globals().map(|(k, _)| k.to_string()).collect();
        TemplateEngine {
            env,
            run_id: run_id.to_string(),
            globals,
            reads: RwLock::default(),
        }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Renders a template to a string. Strings without template markup are returned as is.
    pub fn render_str(
        &self,
        template: &str,
        vars: &Map<String, Value>,
    ) -> Result<String, TemplateError> {
        if !has_markup(template) {
            return Ok(template.to_string());
        }
        let tmpl = self
            .env
            .get_template(&format!("{CACHED}{template}"))
            .map_err(|e| syntax(template, &e))?;
        let reads = self.reads_of(template, || tmpl.undeclared_variables(false));
        match tmpl.render(context_of(vars, &reads)) {
            Err(e) if e.kind() == ErrorKind::UndefinedError => tmpl.render(context(vars)),
            done => done,
        }
        .map_err(|e| self.render_error(template, &e, || tmpl.undeclared_variables(false), vars))
    }

    /// The top-level names `source` reads (`names` lists them the first time it is seen).
    fn reads_of(
        &self,
        source: &str,
        names: impl FnOnce() -> std::collections::HashSet<String>,
    ) -> Arc<[String]> {
        let known = self.reads.read().ok().and_then(|m| m.get(source).cloned());
        if let Some(reads) = known {
            return reads;
        }
        let reads: Arc<[String]> = names().into_iter().collect();
        if let Ok(mut m) = self.reads.write() {
            m.insert(source.to_string(), Arc::clone(&reads));
        }
        reads
    }

    /// Type-preserving rendering: a string that is exactly one `{{ expr }}` yields the
    /// expression's value as JSON; other strings render to strings; objects (keys too) and
    /// arrays are rendered recursively.
    pub fn render_value(
        &self,
        value: &Value,
        vars: &Map<String, Value>,
    ) -> Result<Value, TemplateError> {
        match value {
            Value::String(s) => match single_expression(s) {
                Some(expr) => {
                    let compiled = self
                        .env
                        .compile_expression(expr)
                        .map_err(|e| syntax(s, &e))?;
                    let reads = self.reads_of(s, || compiled.undeclared_variables(false));
                    let out = match compiled.eval(context_of(vars, &reads)) {
                        Ok(v) if !v.is_undefined() => Ok(v),
                        Err(e) if e.kind() != ErrorKind::UndefinedError => Err(e),
                        // Something the names did not show: again with every variable.
                        _ => compiled.eval(context(vars)),
                    }
                    .map_err(|e| {
                        self.render_error(s, &e, || compiled.undeclared_variables(false), vars)
                    })?;
                    if out.is_undefined() {
                        let err = minijinja::Error::from(ErrorKind::UndefinedError);
                        return Err(self.render_error(
                            s,
                            &err,
                            || compiled.undeclared_variables(false),
                            vars,
                        ));
                    }
                    to_json(&out).map_err(|cause| TemplateError::Render {
                        template: s.clone(),
                        cause,
                    })
                }
                None => self.render_str(s, vars).map(Value::String),
            },
            Value::Array(items) => items
                .iter()
                .map(|v| self.render_value(v, vars))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(self.render_str(k, vars)?, self.render_value(v, vars)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Variable names a template reads, builtins (`env`, `uuid`, `run_id`, ...) excluded;
    /// errors on bad syntax.
    pub fn referenced_vars(&self, template: &str) -> Result<BTreeSet<String>, TemplateError> {
        if !has_markup(template) {
            return Ok(BTreeSet::new());
        }
        let names = match single_expression(template) {
            Some(expr) => self
                .env
                .compile_expression(expr)
                .map_err(|e| syntax(template, &e))?
                .undeclared_variables(false),
            // Through the run's cache: the template is compiled once, here, and rendered from
            // the same compiled form later.
            None => self
                .env
                .get_template(&format!("{CACHED}{template}"))
                .map_err(|e| syntax(template, &e))?
                .undeclared_variables(false),
        };
        Ok(names
            .into_iter()
            .filter(|n| !self.globals.contains(n))
            .collect())
    }

    /// Variables of every string (and key) inside a JSON value.
    pub fn referenced_vars_in_value(
        &self,
        value: &Value,
    ) -> Result<BTreeSet<String>, TemplateError> {
        let mut out = BTreeSet::new();
        self.collect_value_vars(value, &mut out)?;
        Ok(out)
    }

    fn collect_value_vars(
        &self,
        value: &Value,
        out: &mut BTreeSet<String>,
    ) -> Result<(), TemplateError> {
        match value {
            Value::String(s) => out.extend(self.referenced_vars(s)?),
            Value::Array(items) => {
                for v in items {
                    self.collect_value_vars(v, out)?;
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    out.extend(self.referenced_vars(k)?);
                    self.collect_value_vars(v, out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Strict undefined in minijinja reports "undefined value" without the name; name the
    /// first variable the template reads that is not defined (`| default(..)` still works,
    /// since this only runs after rendering failed).
    fn render_error(
        &self,
        template: &str,
        e: &minijinja::Error,
        names: impl FnOnce() -> std::collections::HashSet<String>,
        vars: &Map<String, Value>,
    ) -> TemplateError {
        if e.kind() == ErrorKind::UndefinedError {
            let missing = names()
                .into_iter()
                .filter(|n| !vars.contains_key(n) && !self.globals.contains(n))
                .min();
            if let Some(name) = missing {
                return TemplateError::Undefined {
                    template: template.to_string(),
                    name,
                };
            }
        }
        render(template, e)
    }
}

/// Whether a string contains template markup at all.
pub fn has_markup(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// `{{ expr }}` (whole string, surrounding whitespace allowed) → `expr`.
pub fn single_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    let inner = t.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    if inner.contains("{{") || inner.contains("}}") || inner.contains("{%") || inner.contains("{#")
    {
        return None;
    }
    Some(inner.trim())
}

fn cause_of(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

fn syntax(template: &str, e: &minijinja::Error) -> TemplateError {
    TemplateError::Syntax {
        template: template.to_string(),
        cause: cause_of(e),
    }
}

fn render(template: &str, e: &minijinja::Error) -> TemplateError {
    TemplateError::Render {
        template: template.to_string(),
        cause: cause_of(e),
    }
}

/// The template values of the variables among `names` (the rest are not read).
fn context_of(vars: &Map<String, Value>, names: &[String]) -> JValue {
    let map: BTreeMap<&str, JValue> = names
        .iter()
        .filter_map(|n| vars.get(n).map(|v| (n.as_str(), from_json(v))))
        .collect();
    JValue::from(map)
}

fn context(vars: &Map<String, Value>) -> JValue {
    let map: BTreeMap<&str, JValue> = vars
        .iter()
        .map(|(k, v)| (k.as_str(), from_json(v)))
        .collect();
    JValue::from(map)
}

/// JSON → template value.
pub fn from_json(v: &Value) -> JValue {
    match v {
        Value::Null => JValue::from(()),
        Value::Bool(b) => JValue::from(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                JValue::from(i)
            } else if let Some(u) = n.as_u64() {
                JValue::from(u)
            } else {
                JValue::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => JValue::from(s.as_str()),
        Value::Array(items) => JValue::from(items.iter().map(from_json).collect::<Vec<_>>()),
        Value::Object(map) => JValue::from(
            map.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<BTreeMap<String, JValue>>(),
        ),
    }
}

/// Template value → JSON; an undefined value is an error.
pub fn to_json(v: &JValue) -> Result<Value, String> {
    Ok(match v.kind() {
        ValueKind::Undefined => return Err("the expression is undefined".to_string()),
        ValueKind::Invalid => return Err(format!("invalid value: {v}")),
        ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(v.is_true()),
        ValueKind::Number => {
            if v.is_integer() {
                match v.as_i64() {
                    Some(i) => Value::from(i),
                    None => match u64::try_from(v.clone()) {
                        Ok(u) => Value::from(u),
                        Err(_) => return Err(format!("integer {v} is out of range")),
                    },
                }
            } else {
                let f = f64::try_from(v.clone()).map_err(|e| e.to_string())?;
                Value::Number(
                    Number::from_f64(f).ok_or_else(|| format!("{f} is not a JSON number"))?,
                )
            }
        }
        ValueKind::String => Value::String(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Bytes => {
            Value::String(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned())
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let iter = v.try_iter().map_err(|e| cause_of(&e))?;
            Value::Array(iter.map(|item| to_json(&item)).collect::<Result<_, _>>()?)
        }
        ValueKind::Map => {
            let mut out = Map::new();
            for key in v.try_iter().map_err(|e| cause_of(&e))? {
                let item = v.get_item(&key).map_err(|e| cause_of(&e))?;
                let key = match key.as_str() {
                    Some(s) => s.to_string(),
                    None => key.to_string(),
                };
                out.insert(key, to_json(&item)?);
            }
            Value::Object(out)
        }
        _ => Value::String(v.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// A rendering is given only the variables the template names; whatever the template does
    /// with them (loops, `set`, slices, tests, defaults, a variable named like a builtin), the
    /// outcome is the one with every variable.
    #[test]
    fn a_rendering_given_the_variables_it_names_renders_as_with_all_of_them() {
        let t = TemplateEngine::new("r1");
        let v = vars(json!({
            "items": [1, 2, 3], "name": "Ada", "o": {"k": "v"}, "unused": {"big": [1, 2, 3]},
            "run_id": "mine", "flag": true
        }));
        let cases = [
            ("{% for i in items %}{{ i }},{% endfor %}", "1,2,3,"),
            ("{% set x = name ~ '!' %}{{ x }}", "Ada!"),
            ("{{ name[1:] }}", "da"),
            ("{{ o.k }}/{{ o['k'] }}", "v/v"),
            (
                "{% if missing is defined %}yes{% else %}no{% endif %}",
                "no",
            ),
            ("{{ missing | default('d') }}", "d"),
            ("{{ run_id }}", "mine"),
            ("{% if flag %}{{ items | length }}{% endif %}", "3"),
        ];
        for (template, want) in cases {
            for _ in 0..2 {
                assert_eq!(t.render_str(template, &v).unwrap(), want, "{template}");
            }
        }
        assert_eq!(
            t.render_value(&json!("{{ items | sum }}"), &v).unwrap(),
            json!(6)
        );
        assert_eq!(
            t.render_value(&json!("{{ o }}"), &v).unwrap(),
            json!({"k": "v"})
        );
        let e = t.render_str("{{ nope }}", &v).unwrap_err();
        assert!(e.to_string().contains("undefined variable `nope`"), "{e}");
        let e = t.render_value(&json!("{{ nope }}"), &v).unwrap_err();
        assert!(e.to_string().contains("undefined variable `nope`"), "{e}");
    }

    #[test]
    fn a_compiled_template_is_rendered_again_with_the_variables_of_the_time() {
        let t = TemplateEngine::new("r1");
        let mut v = Map::new();
        for (id, n) in [("ORD-1", 1), ("ORD-2", 2)] {
            v.insert("order_id".into(), json!(id));
            v.insert("n".into(), json!(n));
            v.insert("o".into(), json!({"b": n * 10}));
            assert_eq!(
                t.render_str("/orders/{{ order_id }}?n={{ n }}&b={{ o.b }}", &v)
                    .unwrap(),
                format!("/orders/{id}?n={n}&b={}", n * 10)
            );
            assert_eq!(
                t.render_value(&json!("{{ n + 1 }}"), &v).unwrap(),
                json!(n + 1)
            );
        }
        // Every variable reaches the template, also those static analysis does not see.
        v.insert("customer".into(), json!("CUST-9"));
        assert_eq!(t.render_str("{{ customer[1:] }}", &v).unwrap(), "UST-9");
        assert_eq!(
            t.render_str("{{ customer[1:] | default('none') }}", &v)
                .unwrap(),
            "UST-9"
        );
        // A variable set later is seen; one removed is undefined again, named.
        v.remove("n");
        assert_eq!(
            t.render_str("{{ n }}", &v).unwrap_err(),
            TemplateError::Undefined {
                template: "{{ n }}".into(),
                name: "n".into()
            }
        );
        // The cache is not a way to reach other templates by name.
        assert!(t.render_str("{% include 'x' %}", &v).is_err());
        assert!(t.render_str("{% include '{{ n }}' %}", &v).is_err());
    }

    #[test]
    fn renders_strings_with_variables() {
        let t = TemplateEngine::new("r1");
        let v = vars(json!({"order_id": "ORD-1", "n": 3}));
        assert_eq!(
            t.render_str("/orders/{{ order_id }}?n={{ n }}", &v)
                .unwrap(),
            "/orders/ORD-1?n=3"
        );
        assert_eq!(t.render_str("no markup", &v).unwrap(), "no markup");
        assert_eq!(t.render_str("{{ order_id | lower }}", &v).unwrap(), "ord-1");
        assert_eq!(
            t.render_str("{{ missing | default('d') }}", &v).unwrap(),
            "d"
        );
    }

    #[test]
    fn render_value_preserves_types() {
        let t = TemplateEngine::new("r1");
        let v = vars(
            json!({"n": 3, "f": 1.5, "b": true, "o": {"a": [1, "x"]}, "s": "str", "nul": null}),
        );
        let input = json!({
            "count": "{{ n }}",
            "ratio": "{{f}}",
            "flag": "{{ b }}",
            "obj": "{{ o }}",
            "nothing": "{{ nul }}",
            "text": "n={{ n }}",
            "sum": "{{ n + 1 }}",
            "{{ s }}_key": ["{{ s }}", 7, null],
        });
        let out = t.render_value(&input, &v).unwrap();
        assert_eq!(
            out,
            json!({
                "count": 3,
                "ratio": 1.5,
                "flag": true,
                "obj": {"a": [1, "x"]},
                "nothing": null,
                "text": "n=3",
                "sum": 4,
                "str_key": ["str", 7, null],
            })
        );
    }

    #[test]
    fn strict_undefined_is_an_error_naming_the_variable() {
        let t = TemplateEngine::new("r1");
        let err = t
            .render_str("/orders/{{ order_id }}", &Map::new())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to render template `/orders/{{ order_id }}`: undefined variable `order_id`"
        );
        let err = t
            .render_value(&json!("{{ missing }}"), &Map::new())
            .unwrap_err();
        assert_eq!(err.cause(), "undefined variable `missing`");
        // Attribute access on a defined variable that lacks the key also fails.
        let v = vars(json!({"o": {"a": 1}}));
        assert!(t.render_str("{{ o.b }}", &v).is_err());
    }

    #[test]
    fn syntax_errors_are_typed() {
        let t = TemplateEngine::new("r1");
        let err = t.render_str("{{ order_id ", &Map::new()).unwrap_err();
        assert!(matches!(err, TemplateError::Syntax { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("invalid template `{{ order_id `: syntax error"),
            "{err}"
        );
        assert!(t.referenced_vars("{% if %}").is_err());
    }

    #[test]
    fn unique_is_unique_within_the_run_and_thread_safe() {
        let t = Arc::new(TemplateEngine::new("ab12"));
        assert_eq!(
            t.render_str("{{ unique('user') }}", &Map::new()).unwrap(),
            "user-ab12-1"
        );
        assert_eq!(
            t.render_str("{{ unique('user') }}", &Map::new()).unwrap(),
            "user-ab12-2"
        );
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let t = Arc::clone(&t);
                std::thread::spawn(move || {
                    (0..50)
                        .map(|_| t.render_str("{{ unique('x') }}", &Map::new()).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = BTreeSet::new();
        for h in handles {
            for v in h.join().unwrap() {
                assert!(all.insert(v), "duplicate unique value");
            }
        }
        assert_eq!(all.len(), 200);
    }

    #[test]
    fn generators() {
        let t = TemplateEngine::new("ab12");
        let m = Map::new();
        let id = t.render_str("{{ uuid() }}", &m).unwrap();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let now = t.render_str("{{ now() }}", &m).unwrap();
        assert!(
            time::OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339)
                .is_ok()
                && now.ends_with('Z'),
            "{now}"
        );
        assert!(!now.contains('.'), "seconds precision: {now}");
        assert!(t
            .render_value(&json!("{{ now_unix() }}"), &m)
            .unwrap()
            .is_i64());
        assert_eq!(t.render_str("{{ run_id }}", &m).unwrap(), "ab12");
        assert_eq!(
            t.render_str("{{ env('CONFORM_TEST_SURELY_UNSET_VAR', 'dflt') }}", &m)
                .unwrap(),
            "dflt"
        );
        let err = t
            .render_str("{{ env('CONFORM_TEST_SURELY_UNSET_VAR') }}", &m)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("environment variable `CONFORM_TEST_SURELY_UNSET_VAR` is not set"),
            "{err}"
        );
        let path = t.render_str("{{ env('PATH') }}", &m).unwrap();
        assert_eq!(path, std::env::var("PATH").unwrap_or_default());
    }

    #[test]
    fn referenced_vars_excludes_builtins() {
        let t = TemplateEngine::new("r");
        let names = t
            .referenced_vars(
                "{{ a }}-{{ b.c | upper }}-{{ unique('p') }}-{{ run_id }}-{{ env('X') }}",
            )
            .unwrap();
        assert_eq!(names, BTreeSet::from(["a".to_string(), "b".to_string()]));
        assert!(t.referenced_vars("plain").unwrap().is_empty());
        let v = t
            .referenced_vars_in_value(&json!({"{{ k }}": ["{{ x }}", 1]}))
            .unwrap();
        assert_eq!(v, BTreeSet::from(["k".to_string(), "x".to_string()]));
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<TemplateEngine>();
    }
}

#[cfg(test)]
mod b64_tests {
    use super::*;

    #[test]
    fn b64encode_builds_a_basic_credential() {
        let t = TemplateEngine::new("r1");
        let mut vars = Map::new();
        vars.insert("id".into(), Value::String("sandbox-client".into()));
        vars.insert("secret".into(), Value::String("sandbox-secret".into()));
        let got = t
            .render_str("Basic {{ (id ~ ':' ~ secret) | b64encode }}", &vars)
            .expect("renders");
        assert_eq!(got, "Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ=");
    }
}
