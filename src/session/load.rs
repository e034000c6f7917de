//! Loading: the config, the resolved environment and the scenarios, checked — everything
//! before anything is started. `conform list` and `conform validate` stop here.
use super::embedded::{EmbeddedCredentials, EMBEDDED_CLIENT_ID};
use super::embedded::{
    EMBEDDED_CLIENT_SECRET, EMBEDDED_OTHER_ID, EMBEDDED_OTHER_SECRET, EMBEDDED_READONLY_ID,
    EMBEDDED_READONLY_SECRET,
};
use super::error::{Diagnostics, SetupError};
use super::options::{ConfigSource, SessionOptions};
use crate::config::{Config, Environment, ValueLookup};
use crate::contract::{Contract, ContractError};
use crate::run::PlannedScenario;
use crate::scenario::{self, ValidationContext};
use crate::template::TemplateEngine;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The config, the resolved environment and the validated scenarios.
pub struct Loaded {
    pub config: Config,
    pub env: Environment,
    pub(crate) lookup: ValueLookup,
    pub(crate) templates: TemplateEngine,
    pub files: Vec<scenario::LoadedFile>,
    /// Warnings about scenario files (errors stop the loading).
    pub diagnostics: Diagnostics,
    /// Things the caller should tell the user (`... the production guard applies`).
    pub notes: Vec<String>,
    /// The credentials generated for the embedded sandbox, when the environment runs one.
    pub(crate) embedded: Option<EmbeddedCredentials>,
    /// The environment's contract, being loaded beside the scenario files (for a run only:
    /// `Session::prepare` takes it from here).
    pub(crate) contract: Option<PendingContract>,
}

/// The contract, loaded on a thread of its own while the scenario files are read: it takes
/// as long as a few hundred of them, and neither needs the other.
pub(crate) struct PendingContract {
    path: PathBuf,
    thread: std::thread::JoinHandle<Result<Contract, ContractError>>,
}

impl PendingContract {
    fn start(path: PathBuf, error_code: Option<String>) -> PendingContract {
        let p = path.clone();
        PendingContract {
            path,
            thread: std::thread::spawn(move || load_contract(&p, error_code.as_deref())),
        }
    }

    /// The loaded contract, or why it could not be.
    pub(crate) fn wait(self) -> Result<Contract, ContractError> {
        self.thread.join().unwrap_or_else(|_| {
            Err(ContractError::invalid(
                &self.path,
                "internal error: loading the contract panicked",
            ))
        })
    }
}

/// The contract at `path`, with the configured error-code schema when there is one.
fn load_contract(path: &Path, error_code: Option<&str>) -> Result<Contract, ContractError> {
    let c = Contract::load(path)?;
    match error_code {
        Some(p) => c.with_error_code(p),
        None => Ok(c),
    }
}

/// The configuration of `source`.
pub fn load_config(source: &ConfigSource) -> Result<Config, SetupError> {
    match source {
        ConfigSource::Loaded(c) => Ok((**c).clone()),
        ConfigSource::Path(p) => Ok(Config::load(p)?),
        ConfigSource::Default => {
            let p = PathBuf::from("conform.yaml");
            if !p.exists() {
                return Err(SetupError::NoConfig {
                    dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
                });
            }
            Ok(Config::load(&p)?)
        }
    }
}

/// Reads and checks everything `options` names; scenario-file errors come back with every
/// problem ([`SetupError::Scenarios`]).
pub fn load(options: &SessionOptions) -> Result<Loaded, SetupError> {
    load_with(options, false)
}

/// [`load`]; with `preload_contract`, the environment's contract is loaded meanwhile, on a
/// thread of its own ([`Loaded::contract`]).
pub(crate) fn load_with(
    options: &SessionOptions,
    preload_contract: bool,
) -> Result<Loaded, SetupError> {
    let config = load_config(&options.config)?;
    let name = options
        .env
        .clone()
        .unwrap_or_else(|| config.default_env().to_string());
    let base_url = options.base_url.as_deref();
    let mut lookup = ValueLookup {
        overlay: Default::default(),
        root: config.root.clone(),
    };
    let has_embedded = config
        .doc
        .environments
        .get(&name)
        .is_some_and(|e| e.value.embedded_sandbox.is_some());
    let mut embedded = None;
    if has_embedded && base_url.is_some() {
        // A base URL in place of the embedded sandbox: most likely `conform sandbox`, whose
        // seeded clients (contract §7) are the default unless the variables say otherwise.
        for (var, value) in [
            (EMBEDDED_CLIENT_ID, "sandbox-client"),
            (EMBEDDED_CLIENT_SECRET, "sandbox-secret"),
            (EMBEDDED_READONLY_ID, "sandbox-readonly"),
            (EMBEDDED_READONLY_SECRET, "sandbox-secret"),
            (EMBEDDED_OTHER_ID, "sandbox-other"),
            (EMBEDDED_OTHER_SECRET, "sandbox-secret"),
        ] {
            if std::env::var_os(var).is_none() {
                lookup.overlay.insert(var.into(), value.into());
            }
        }
    } else if has_embedded {
        let creds = EmbeddedCredentials::generate();
        for (var, value) in creds.variables() {
            lookup.overlay.insert(var.into(), value.into());
        }
        embedded = Some(creds);
    }
    let mut env = config.environment(&name, base_url, &lookup)?;
    let mut notes = Vec::new();
    // A base URL cannot turn a production environment into a non-production one: pointing
    // any environment at a production environment's host makes the run a production run.
    if let (false, Some(_), Some(url)) = (env.production, base_url, env.base_url.as_ref()) {
        if let Some(prod) = config.production_environment_at(url, &lookup) {
            env.production = true;
            notes.push(format!(
                "{} is the base URL of production environment `{prod}`: the production guard applies",
                url.origin().ascii_serialization()
            ));
        }
    }
    let run_id = super::embedded::random_token(6).to_lowercase();
    let templates = TemplateEngine::new(&run_id);
    let mut known: BTreeSet<String> = env.vars.keys().cloned().collect();
    known.extend(options.vars.keys().cloned());
    known.extend(["base_url".to_string(), "env_name".to_string()]);
    // Names only other environments define: scenarios using them are skipped here.
    let optional: BTreeSet<String> = config
        .environment_names()
        .into_keys()
        .filter(|n| !known.contains(n))
        .collect();
    // Everything the config names resolves from the config's folder, `scenarios/` included;
    // paths given by the caller are the caller's own, from the working directory.
    let paths = if options.paths.is_empty() {
        vec![config.root.join("scenarios")]
    } else {
        options.paths.clone()
    };
    let fixtures = env.fixtures_dir.clone();
    let ctx = ValidationContext {
        fixtures_dir: &fixtures,
        known_vars: known,
        optional_vars: optional,
        templates: &templates,
    };
    let contract = match (&env.contract, preload_contract) {
        (Some(path), true) => Some(PendingContract::start(
            path.clone(),
            config
                .doc
                .contract_options
                .as_ref()
                .and_then(|o| o.error_code.clone()),
        )),
        _ => None,
    };
    let (files, diags) = scenario::load_and_validate(&paths, &ctx);
    let mut sources: HashMap<String, Arc<str>> = HashMap::new();
    for d in &diags {
        let f = d.location.file.clone();
        if sources.contains_key(&f) {
            continue;
        }
        let text = files
            .iter()
            .find(|l| l.display_path() == f)
            .map(|l| l.source.clone())
            .or_else(|| {
                crate::source::input::read_text(Path::new(&f), crate::source::input::MAX_TEXT_FILE)
                    .ok()
                    .map(Arc::from)
            });
        if let Some(text) = text {
            sources.insert(f, text);
        }
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == scenario::Severity::Error)
        .count();
    let diagnostics = Diagnostics::new(diags, sources);
    if errors > 0 {
        return Err(SetupError::Scenarios {
            errors,
            diagnostics,
        });
    }
    Ok(Loaded {
        config,
        env,
        lookup,
        templates,
        files,
        diagnostics,
        notes,
        embedded,
        contract,
    })
}

impl Loaded {
    /// Scenarios in the loaded files.
    pub fn scenario_count(&self) -> usize {
        self.files.iter().map(|f| f.doc.scenarios.len()).sum()
    }

    /// Plans the loaded files (select, filter, shard, skip with the reason); the parsed files
    /// move into the plan (they are not kept twice).
    pub fn plan(&mut self, selection: &crate::run::Selection) -> Vec<PlannedScenario> {
        let root = self.config.root.clone();
        let files: Vec<crate::run::plan::PlanFile> = std::mem::take(&mut self.files)
            .into_iter()
            .map(|f| (id_path(&root, &f.path), f.doc, f.needs))
            .collect();
        let traits = crate::run::needs::target_traits(
            &self.env,
            &self.config.environment_names(),
            &self.lookup,
        );
        crate::run::plan(files, selection, &traits)
    }
}

/// The file part of scenario ids: relative to the config's folder, so ids (and filters,
/// shards, reports) do not depend on where conform was started from.
fn id_path(root: &Path, file: &Path) -> String {
    if root.as_os_str().is_empty() {
        return crate::scenario::load::display_path(file);
    }
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (root, full) = (canon(root), canon(file));
    let shown = full.strip_prefix(&root).map_or(file, |rel| rel);
    crate::scenario::load::display_path(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let config = "default_env: local\nenvironments:\n  local:\n    embedded_sandbox: {}\n    vars:\n      client_secret: {env: EMBEDDED_SANDBOX_CLIENT_SECRET}\n  prod:\n    base_url: https://api.example.com\n    production: true\n  dev:\n    base_url: http://127.0.0.1:9\n";
        std::fs::write(dir.path().join("conform.yaml"), config)
            .unwrap_or_else(|e| panic!("write: {e}"));
        std::fs::create_dir_all(dir.path().join("scenarios"))
            .unwrap_or_else(|e| panic!("mkdir: {e}"));
        dir
    }

    fn options(dir: &tempfile::TempDir, env: &str, base_url: Option<&str>) -> SessionOptions {
        SessionOptions {
            config: ConfigSource::Path(dir.path().join("conform.yaml")),
            env: Some(env.into()),
            base_url: base_url.map(str::to_string),
            ..SessionOptions::default()
        }
    }

    #[test]
    fn an_embedded_environment_gets_fresh_credentials_for_each_run() {
        let dir = project();
        let a = load(&options(&dir, "local", None)).unwrap_or_else(|e| panic!("{e}"));
        let b = load(&options(&dir, "local", None)).unwrap_or_else(|e| panic!("{e}"));
        let (ca, cb) = (a.embedded.as_ref(), b.embedded.as_ref());
        let (Some(ca), Some(cb)) = (ca, cb) else {
            panic!("credentials are generated for an embedded environment")
        };
        assert_ne!(ca.client_secret.expose(), cb.client_secret.expose());
        assert_eq!(ca.client_secret.expose().len(), 24);
        assert_eq!(
            a.lookup
                .overlay
                .get(EMBEDDED_CLIENT_SECRET)
                .map(String::as_str),
            Some(ca.client_secret.expose()),
            "the config's {{env: EMBEDDED_SANDBOX_CLIENT_SECRET}} reads the generated secret"
        );
        // Secret by type: its Debug form does not show it.
        assert!(!format!("{ca:?}").contains(ca.client_secret.expose()));
    }

    #[test]
    fn a_base_url_replaces_the_embedded_sandbox_and_keeps_the_production_guard() {
        let dir = project();
        let l = load(&options(&dir, "local", Some("http://127.0.0.1:8080")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(l.embedded.is_none(), "nothing to start");
        if std::env::var_os(EMBEDDED_CLIENT_SECRET).is_none() {
            assert_eq!(
                l.lookup
                    .overlay
                    .get(EMBEDDED_CLIENT_SECRET)
                    .map(String::as_str),
                Some("sandbox-secret"),
                "`conform sandbox`'s seeded client by default"
            );
        }
        assert!(l.notes.is_empty(), "{:?}", l.notes);

        let guarded = load(&options(&dir, "dev", Some("https://api.example.com/v1")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(guarded.env.production);
        assert_eq!(
            guarded.notes,
            ["https://api.example.com is the base URL of production environment `prod`: the production guard applies"]
        );
    }

    #[test]
    fn a_missing_default_config_is_a_typed_error() {
        let e = load_config(&ConfigSource::Path("/nonexistent/conform.yaml".into()));
        assert!(matches!(e, Err(SetupError::Config(_))), "{:?}", e.err());
    }
}
