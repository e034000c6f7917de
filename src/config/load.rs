//! Reading `conform.yaml` and resolving one named environment.
use super::model::*;
use super::secret::Secret;
use crate::source::SourceLocation;
use crate::source::Spanned;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// A configuration problem, at its place in the file when it has one.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Input(crate::source::input::InputError),
    #[error("{location}: {message}")]
    At {
        location: SourceLocation,
        message: String,
    },
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

impl ConfigError {
    pub fn location(&self) -> Option<&SourceLocation> {
        match self {
            ConfigError::At { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// The loaded configuration file.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// Folder the config lives in; relative paths in it are resolved from here.
    pub root: PathBuf,
    pub source: Arc<str>,
    pub doc: ConfigDoc,
}

/// Where configuration values come from: the process environment, plus values the CLI
/// injects (the embedded sandbox's generated credentials) which take precedence.
#[derive(Debug, Clone, Default)]
pub struct ValueLookup {
    pub overlay: HashMap<String, String>,
    /// Base folder for `{file: PATH}` values.
    pub root: PathBuf,
}

impl ValueLookup {
    pub fn resolve(&self, v: &ValueSource) -> Result<String, String> {
        match v {
            ValueSource::Literal(s) => Ok(s.clone()),
            ValueSource::Env { name, default, .. } => match self.overlay.get(name) {
                Some(v) => Ok(v.clone()),
                None => match std::env::var(name) {
                    Ok(v) => Ok(v),
                    Err(_) => default
                        .clone()
                        .ok_or_else(|| format!("environment variable {name} is not set")),
                },
            },
            ValueSource::File(p) => {
                let path = self.root.join(p);
                crate::source::input::read_text(&path, crate::source::input::MAX_VALUE_FILE)
                    .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// What a name an environment gives to scenarios is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// `vars:`
    Var,
    /// `test_data:`
    TestData,
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub request: Duration,
    pub connect: Duration,
    pub scenario: Duration,
}

/// One environment, resolved: every reference read, ready to run against.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub description: Option<String>,
    /// `None` until the embedded sandbox has started (then the CLI sets it).
    pub base_url: Option<Url>,
    pub embedded_sandbox: Option<EmbeddedSandboxDoc>,
    pub production: bool,
    pub capabilities: BTreeSet<String>,
    pub headers: Vec<(String, Secret)>,
    /// Default headers of conform's that the environment removes (`X-Request-ID: null`).
    pub removed_headers: Vec<String>,
    /// The values of this environment known to be secret, redacted from every output: those
    /// marked `secret: true` or read from a `file:`, and, unless marked `secret: false`, the
    /// values of headers and variables whose names say they are credentials (`Authorization`,
    /// `X-API-Key`, `client_secret`, ...). Nothing else: `Accept: application/json` is not.
    pub secrets: Vec<Secret>,
    pub timeouts: Timeouts,
    pub auth: Option<AuthDoc>,
    pub webhooks: WebhooksDoc,
    /// Variables and named test data whose values could be read.
    pub vars: Map<String, Value>,
    /// Variables and test data the environment names but whose value cannot be read, with
    /// why (e.g. `environment variable X is not set`): scenarios using them are skipped.
    pub unavailable: BTreeMap<String, String>,
    /// Names of the environment's `test_data` (also in `vars` when available).
    pub test_data: BTreeSet<String>,
    pub sla: Option<SlaDoc>,
    pub max_body_bytes: u64,
    pub pacing: Option<PacingDoc>,
    pub contract: Option<PathBuf>,
    /// Undocumented properties: warnings (default) or failures (`--strict`).
    pub unknown_properties: UnknownProperties,
    pub fixtures_dir: PathBuf,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let text = crate::source::input::read_text(path, crate::source::input::MAX_TEXT_FILE)
            .map_err(|e| match e.position() {
                Some((line, column)) => ConfigError::At {
                    location: SourceLocation {
                        file: display.clone(),
                        line,
                        column,
                    },
                    message: e.cause(),
                },
                None => ConfigError::Input(e),
            })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let doc: ConfigDoc = crate::source::yaml::from_yaml(text).map_err(|e| {
            let message = crate::source::yaml::yaml_message(&e);
            match e.location() {
                Some(l) if l.line() > 0 => ConfigError::At {
                    location: SourceLocation {
                        file: display.clone(),
                        line: l.line(),
                        column: l.column(),
                    },
                    message,
                },
                _ => ConfigError::File {
                    path: display.clone(),
                    message,
                },
            }
        })?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Config {
            path: path.to_path_buf(),
            root,
            source: Arc::from(text),
            doc,
        })
    }

    fn at<T>(&self, s: &Spanned<T>, message: String) -> ConfigError {
        ConfigError::At {
            location: SourceLocation {
                file: self.path.display().to_string(),
                line: s.referenced.line(),
                column: s.referenced.column(),
            },
            message,
        }
    }

    /// Every variable and test-data name some environment of the file defines, and whether
    /// it is test data. A scenario may use these even when the selected environment lacks
    /// them: it is then skipped, not refused.
    pub fn environment_names(&self) -> BTreeMap<String, NameKind> {
        let mut out = BTreeMap::new();
        for env in self.doc.environments.values() {
            for k in env.value.vars.keys() {
                out.entry(k.clone()).or_insert(NameKind::Var);
            }
            for k in env.value.test_data.keys() {
                out.insert(k.clone(), NameKind::TestData);
            }
        }
        out
    }

    /// The name of a production environment whose base URL has the origin (scheme, host,
    /// port) of `url`. Base URLs that cannot be resolved here are not compared.
    pub fn production_environment_at(&self, url: &Url, lookup: &ValueLookup) -> Option<String> {
        self.doc.environments.iter().find_map(|(name, def)| {
            let d = &def.value;
            let b = d.base_url.as_ref().filter(|_| d.production)?;
            let base = Url::parse(&lookup.resolve(&b.value).ok()?).ok()?;
            (base.origin() == url.origin()).then(|| name.clone())
        })
    }

    pub fn default_env(&self) -> &str {
        self.doc.default_env.as_deref().unwrap_or("local")
    }

    pub fn fixtures_dir(&self) -> PathBuf {
        self.root.join(
            self.doc
                .fixtures
                .as_ref()
                .map_or("fixtures", |f| f.value.as_str()),
        )
    }

    pub fn contract_path(&self) -> Option<PathBuf> {
        self.doc.contract.as_ref().map(|c| self.root.join(&c.value))
    }

    /// Resolves environment `name`. `base_url` overrides the configured URL (and replaces an
    /// embedded sandbox: the run then targets that host instead).
    pub fn environment(
        &self,
        name: &str,
        base_url: Option<&str>,
        lookup: &ValueLookup,
    ) -> Result<Environment, ConfigError> {
        let Some(def) = self.doc.environments.get(name) else {
            let names: Vec<&str> = self.doc.environments.keys().map(String::as_str).collect();
            let hint = crate::source::yaml::did_you_mean(name, &names)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(ConfigError::File {
                path: self.path.display().to_string(),
                message: format!(
                    "unknown environment `{name}` (known: {}){hint}",
                    names.join(", ")
                ),
            });
        };
        let d = &def.value;
        let resolve = |s: &Spanned<ValueSource>, what: &str| -> Result<String, ConfigError> {
            lookup
                .resolve(&s.value)
                .map_err(|e| self.at(s, format!("{e} (needed for environments.{name}.{what})")))
        };
        let base = match (base_url, &d.base_url, &d.embedded_sandbox) {
            (Some(u), _, _) => Some(Url::parse(u).map_err(|e| ConfigError::File {
                path: "--base-url".into(),
                message: format!("invalid URL `{u}`: {e}"),
            })?),
            (None, Some(b), _) => {
                let raw = resolve(b, "base_url")?;
                Some(
                    Url::parse(&raw)
                        .map_err(|e| self.at(b, format!("invalid base_url `{raw}`: {e}")))?,
                )
            }
            (None, None, Some(_)) => None,
            (None, None, None) => {
                return Err(self.at(
                    def,
                    format!("environment `{name}` needs `base_url` or `embedded_sandbox`"),
                ));
            }
        };
        let embedded = if base_url.is_some() {
            None
        } else {
            d.embedded_sandbox.as_ref().map(|e| e.value.clone())
        };
        let mut headers = Vec::new();
        let mut removed_headers = Vec::new();
        let mut secrets = Vec::new();
        for (k, v) in &d.headers {
            match &v.value {
                Some(source) => {
                    let node = Spanned::new(source.clone(), v.referenced, v.defined);
                    let value = resolve(&node, &format!("headers.{k}"))?;
                    if source
                        .secret_marker()
                        .unwrap_or_else(|| super::secret::is_credential_header(k))
                    {
                        secrets.push(Secret::new(value.clone()));
                    }
                    headers.push((k.clone(), Secret::new(value)));
                }
                None => removed_headers.push(k.clone()),
            }
        }
        let mut vars = Map::new();
        let mut unavailable = BTreeMap::new();
        for (k, v) in &d.test_data {
            if d.vars.contains_key(k) {
                return Err(self.at(
                    v,
                    format!("`{k}` is both a variable and test data of environment `{name}`; use one name for one thing"),
                ));
            }
        }
        // A value that cannot be read only makes the scenarios that use it skip.
        for (k, v) in d.vars.iter().chain(&d.test_data) {
            match lookup.resolve(&v.value) {
                Ok(value) => {
                    if v.value
                        .secret_marker()
                        .unwrap_or_else(|| super::secret::is_secret_name(k))
                    {
                        secrets.push(Secret::new(value.clone()));
                    }
                    vars.insert(k.clone(), Value::String(value));
                }
                Err(why) => {
                    unavailable.insert(k.clone(), why);
                }
            }
        }
        // Unreadable, it is reported where the receiver needs it.
        if let Some(w) = &d.webhooks {
            if let Some(Ok(s)) = w.value.secret.as_ref().map(|s| lookup.resolve(&s.value)) {
                secrets.push(Secret::new(s));
            }
        }
        let t = d.timeouts;
        Ok(Environment {
            name: name.to_string(),
            description: d.description.clone(),
            base_url: base,
            embedded_sandbox: embedded,
            production: d.production,
            capabilities: d.capabilities.iter().cloned().collect(),
            headers,
            removed_headers,
            secrets,
            timeouts: Timeouts {
                request: t.request.map_or(Duration::from_secs(30), |x| x.0),
                connect: t.connect.map_or(Duration::from_secs(10), |x| x.0),
                scenario: t.scenario.map_or(Duration::from_secs(120), |x| x.0),
            },
            auth: d.auth.as_ref().map(|a| a.value.clone()),
            webhooks: d
                .webhooks
                .as_ref()
                .map(|w| w.value.clone())
                .unwrap_or_default(),
            vars,
            unavailable,
            test_data: d.test_data.keys().cloned().collect(),
            sla: d.sla,
            max_body_bytes: d.max_body_bytes.unwrap_or(1024 * 1024),
            pacing: d.pacing,
            contract: self.contract_path(),
            unknown_properties: d
                .contract
                .and_then(|c| c.unknown_properties)
                .unwrap_or_default(),
            fixtures_dir: self.fixtures_dir(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_located_and_suggested() {
        let y = "environments:\n  local:\n    embedded_sandbox: {}\n    capabilites: [webhooks]\n";
        let e = Config::parse(Path::new("conform.yaml"), y).unwrap_err();
        assert_eq!(
            e.to_string(),
            "conform.yaml:4:5: unknown field `capabilites`, did you mean `capabilities`?"
        );
    }

    #[test]
    fn secrets_come_from_the_environment_and_name_the_variable() {
        let y = "environments:\n  staging:\n    base_url: https://api-staging.example.com\n    headers:\n      X-Key: {env: CONFORM_TEST_UNSET_VAR_1}\n";
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let e = c
            .environment("staging", None, &ValueLookup::default())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.yaml:5:14: environment variable CONFORM_TEST_UNSET_VAR_1 is not set (needed for environments.staging.headers.X-Key)"
        );
        let mut lookup = ValueLookup::default();
        lookup
            .overlay
            .insert("CONFORM_TEST_UNSET_VAR_1".into(), "s3cret".into());
        let env = c.environment("staging", None, &lookup).expect("resolves");
        assert_eq!(env.headers[0].1.expose(), "s3cret");
        assert_eq!(format!("{:?}", env.headers), "[(\"X-Key\", ***)]");
    }

    #[test]
    fn an_unreadable_variable_is_unavailable_not_an_error() {
        let y = "environments:\n  staging:\n    base_url: https://x\n    vars:\n      ro: {env: CONFORM_TEST_UNSET_VAR_2}\n      a: literal\n    test_data:\n      declining_customer: CUST-D\n  other:\n    base_url: https://y\n    test_data: {a_product: SKU-1}\n";
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let env = c
            .environment("staging", None, &ValueLookup::default())
            .expect("resolves");
        assert_eq!(
            env.unavailable.get("ro").map(String::as_str),
            Some("environment variable CONFORM_TEST_UNSET_VAR_2 is not set")
        );
        assert!(!env.vars.contains_key("ro"));
        assert_eq!(env.vars["declining_customer"], "CUST-D");
        assert!(env.test_data.contains("declining_customer"));
        let names = c.environment_names();
        assert_eq!(names.get("a_product"), Some(&NameKind::TestData));
        assert_eq!(names.get("ro"), Some(&NameKind::Var));
    }

    #[test]
    fn a_name_is_either_a_variable_or_test_data() {
        let y = "environments:\n  s:\n    base_url: https://x\n    vars: {c: x}\n    test_data: {c: y}\n";
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let e = c
            .environment("s", None, &ValueLookup::default())
            .unwrap_err();
        assert!(e.to_string().starts_with("c.yaml:5:20: `c` is both"), "{e}");
    }

    #[test]
    fn a_null_header_removes_a_default() {
        let y = "environments:\n  dev:\n    base_url: https://x\n    headers:\n      X-Request-ID: null\n      Accept: application/xml\n";
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let env = c
            .environment("dev", None, &ValueLookup::default())
            .expect("resolves");
        assert_eq!(env.removed_headers, ["X-Request-ID"]);
        assert_eq!(env.headers.len(), 1);
        assert_eq!(env.headers[0].1.expose(), "application/xml");
    }

    #[test]
    fn only_values_known_to_be_secret_are_secrets() {
        let y = "environments:\n  e:\n    base_url: https://x\n    headers:\n      Accept: application/json\n      X-Client: conform-qa\n      X-Api-Key: literal-key\n      X-Partner: {env: V_PARTNER, secret: true}\n      X-Tenant: {env: V_TENANT}\n    vars:\n      client_id: {env: V_TENANT}\n      client_secret: {env: V_SECRET}\n      api_token: {env: V_NOT, secret: false}\n";
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let mut lookup = ValueLookup::default();
        for (k, v) in [
            ("V_PARTNER", "partner-value"),
            ("V_TENANT", "tenant-value"),
            ("V_SECRET", "secret-value"),
            ("V_NOT", "not-a-secret"),
        ] {
            lookup.overlay.insert(k.into(), v.into());
        }
        let env = c.environment("e", None, &lookup).expect("resolves");
        let secrets: Vec<&str> = env.secrets.iter().map(Secret::expose).collect();
        assert_eq!(secrets, ["literal-key", "partner-value", "secret-value"]);
        let e = Config::parse(
            Path::new("c.yaml"),
            "environments:\n  e:\n    base_url: https://x\n    headers:\n      X: {file: f, secret: false}\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("a `file:` value is always secret"),
            "{e}"
        );
    }

    #[test]
    fn unknown_environment_suggests() {
        let y = "environments:\n  staging:\n    base_url: https://x\n";
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let e = c
            .environment("stagin", None, &ValueLookup::default())
            .unwrap_err();
        assert!(e.to_string().contains("did you mean `staging`?"), "{e}");
    }

    #[test]
    fn base_url_override_replaces_embedded_sandbox() {
        let y = "environments:\n  local:\n    embedded_sandbox: {}\n";
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let env = c
            .environment("local", Some("http://127.0.0.1:9"), &ValueLookup::default())
            .expect("ok");
        assert!(env.embedded_sandbox.is_none());
        assert_eq!(
            env.base_url.map(|u| u.to_string()).as_deref(),
            Some("http://127.0.0.1:9/")
        );
    }
}
