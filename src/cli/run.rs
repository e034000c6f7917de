//! `conform run`, `conform list`, `conform validate`: load → resolve → (start the embedded
//! sandbox) → execute → report.
use super::args::{ListArgs, RunArgs, SelectArgs, ValidateArgs};
use super::exit;
use super::receiver::{for_terminal, report_receiver, start_receiver};
use crate::auth::{AuthManager, AuthSettings, Redactor};
use crate::config::{Config, Environment, Secret, ValueLookup};
use crate::report::{ConsoleReporter, ReportOptions, TermContext};
use crate::results::EnvironmentInfo;
use crate::run::{PlannedScenario, RunOptions, Selection, Target};
use crate::scenario::{self, ValidationContext};
use crate::template::TemplateEngine;
use conform_sandbox::{ClientSpec, RunningSandbox, SandboxConfig};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Variables an `embedded_sandbox` environment can reference for its generated credentials.
pub const EMBEDDED_CLIENT_ID: &str = "EMBEDDED_SANDBOX_CLIENT_ID";
pub const EMBEDDED_CLIENT_SECRET: &str = "EMBEDDED_SANDBOX_CLIENT_SECRET";
pub const EMBEDDED_READONLY_ID: &str = "EMBEDDED_SANDBOX_READONLY_CLIENT_ID";
pub const EMBEDDED_READONLY_SECRET: &str = "EMBEDDED_SANDBOX_READONLY_CLIENT_SECRET";

fn random_token(n: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

pub(crate) fn load_config(path: Option<&Path>) -> Result<Config, String> {
    let p = path.map_or_else(|| PathBuf::from("conform.yaml"), Path::to_path_buf);
    if path.is_none() && !p.exists() {
        return Err(
            "no conform.yaml in this folder (pass --config FILE or set CONFORM_CONFIG)".into(),
        );
    }
    Config::load(&p).map_err(|e| e.to_string())
}

/// The config, the resolved environment and the scenarios, or exit code 2 with every problem printed.
struct Loaded {
    config: Config,
    env: Environment,
    lookup: ValueLookup,
    templates: TemplateEngine,
    files: Vec<scenario::LoadedFile>,
}

fn load_all(
    config_path: Option<&Path>,
    select: &SelectArgs,
    base_url: Option<&str>,
    cli_vars: &Map<String, Value>,
    term: &TermContext,
) -> Result<Loaded, i32> {
    let config = load_config(config_path).map_err(|e| {
        eprintln!("error: {e}");
        exit::USAGE
    })?;
    let name = select
        .env
        .clone()
        .unwrap_or_else(|| config.default_env().to_string());
    let mut lookup = ValueLookup {
        overlay: Default::default(),
        root: config.root.clone(),
    };
    let embedded = base_url.is_none()
        && config
            .doc
            .environments
            .get(&name)
            .is_some_and(|e| e.value.embedded_sandbox.is_some());
    let overridden_embedded = base_url.is_some()
        && config
            .doc
            .environments
            .get(&name)
            .is_some_and(|e| e.value.embedded_sandbox.is_some());
    if overridden_embedded {
        // `--base-url` in place of the embedded sandbox: most likely `conform sandbox`, whose
        // seeded clients (contract §7) are the default unless the variables say otherwise.
        for (var, value) in [
            (EMBEDDED_CLIENT_ID, "sandbox-client"),
            (EMBEDDED_CLIENT_SECRET, "sandbox-secret"),
            (EMBEDDED_READONLY_ID, "sandbox-readonly"),
            (EMBEDDED_READONLY_SECRET, "sandbox-secret"),
        ] {
            if std::env::var_os(var).is_none() {
                lookup.overlay.insert(var.into(), value.into());
            }
        }
    }
    if embedded {
        lookup
            .overlay
            .insert(EMBEDDED_CLIENT_ID.into(), "sandbox-client".into());
        lookup.overlay.insert(
            EMBEDDED_CLIENT_SECRET.into(),
            format!("sbx-{}", random_token(24)),
        );
        lookup
            .overlay
            .insert(EMBEDDED_READONLY_ID.into(), "sandbox-readonly".into());
        lookup.overlay.insert(
            EMBEDDED_READONLY_SECRET.into(),
            format!("sbx-{}", random_token(24)),
        );
    }
    let mut env = config.environment(&name, base_url, &lookup).map_err(|e| {
        eprintln!("error: {e}");
        exit::USAGE
    })?;
    // `--base-url` cannot turn a production environment into a non-production one: pointing
    // any environment at a production environment's host makes the run a production run.
    if let (false, Some(_), Some(url)) = (env.production, base_url, env.base_url.as_ref()) {
        if let Some(prod) = config.production_environment_at(url, &lookup) {
            env.production = true;
            eprintln!(
                "note: {} is the base URL of production environment `{prod}`: the production guard applies",
                url.origin().ascii_serialization()
            );
        }
    }
    let run_id = random_token(6).to_lowercase();
    let templates = TemplateEngine::new(&run_id);
    let mut known: BTreeSet<String> = env.vars.keys().cloned().collect();
    known.extend(cli_vars.keys().cloned());
    known.extend(["base_url".to_string(), "env_name".to_string()]);
    // Names only other environments define: scenarios using them are skipped here.
    let optional: BTreeSet<String> = config
        .environment_names()
        .into_keys()
        .filter(|n| !known.contains(n))
        .collect();
    // Everything the config names resolves from the config's folder, `scenarios/` included;
    // paths given on the command line are the user's own, from the working directory.
    let paths = if select.paths.is_empty() {
        vec![config.root.join("scenarios")]
    } else {
        select.paths.clone()
    };
    let fixtures = env.fixtures_dir.clone();
    let ctx = ValidationContext {
        fixtures_dir: &fixtures,
        known_vars: known,
        optional_vars: optional,
        templates: &templates,
    };
    let (files, diags) = scenario::load_and_validate(&paths, &ctx);
    if !diags.is_empty() {
        let sources = |f: &str| {
            files
                .iter()
                .find(|l| l.display_path() == f)
                .map(|l| l.source.clone())
                .or_else(|| {
                    crate::source::input::read_text(
                        Path::new(f),
                        crate::source::input::MAX_TEXT_FILE,
                    )
                    .ok()
                    .map(Arc::from)
                })
        };
        eprint!(
            "{}",
            scenario::render_diagnostics(&diags, &sources, term.color)
        );
        if scenario::has_errors(&diags) {
            let n = diags
                .iter()
                .filter(|d| d.severity == scenario::Severity::Error)
                .count();
            eprintln!("error: {n} problem(s) in scenario files; nothing ran");
            return Err(exit::USAGE);
        }
    }
    Ok(Loaded {
        config,
        env,
        lookup,
        templates,
        files,
    })
}

fn selection(select: &SelectArgs) -> Selection {
    Selection {
        tags: select.tags.clone(),
        exclude_tags: select.exclude_tags.clone(),
        filter: select.filter.clone(),
        shard: select.shard,
        allow_destructive: select.allow_destructive,
    }
}

/// Plans the loaded files; the parsed files move into the plan (they are not kept twice).
fn make_plan(l: &mut Loaded, select: &SelectArgs) -> Vec<PlannedScenario> {
    let root = l.config.root.clone();
    let files: Vec<crate::run::plan::PlanFile> = std::mem::take(&mut l.files)
        .into_iter()
        .map(|f| (id_path(&root, &f.path), f.doc, f.needs))
        .collect();
    let traits = crate::run::needs::target_traits(&l.env, &l.config.environment_names(), &l.lookup);
    crate::run::plan(files, &selection(select), &traits)
}

/// The file part of scenario ids: relative to the config's folder, so ids (and `--filter`,
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

fn parse_vars(vars: &[String]) -> Result<Map<String, Value>, String> {
    let mut m = Map::new();
    for v in vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| format!("--var `{v}` is not KEY=VALUE"))?;
        let val = serde_json::from_str(val).unwrap_or_else(|_| Value::String(val.to_string()));
        m.insert(k.trim().to_string(), val);
    }
    Ok(m)
}

pub async fn validate(config: Option<&Path>, a: ValidateArgs, term: TermContext) -> i32 {
    let select = SelectArgs {
        paths: a.paths,
        ..SelectArgs::default()
    };
    match load_all(config, &select, None, &Map::new(), &term) {
        Ok(l) => {
            let n: usize = l.files.iter().map(|f| f.doc.scenarios.len()).sum();
            say!("{} file(s), {n} scenario(s): no problems", l.files.len());
            exit::SUCCESS
        }
        Err(code) => code,
    }
}

pub async fn list(config: Option<&Path>, a: ListArgs, term: TermContext) -> i32 {
    let mut l = match load_all(config, &a.select, None, &Map::new(), &term) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let plan = make_plan(&mut l, &a.select);
    for p in &plan {
        let tags = if p.tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", p.tags.join(", "))
        };
        let req = if p.requires.is_empty() {
            String::new()
        } else {
            format!("  requires: {}", p.requires.join(", "))
        };
        let skip = p
            .skip
            .as_ref()
            .map(|s| format!("  (skipped: {s})"))
            .unwrap_or_default();
        say!("{}{tags}{req}{skip}", p.id);
    }
    let skipped = plan.iter().filter(|p| p.skip.is_some()).count();
    say!(
        "{} scenario(s) selected for environment `{}`, {skipped} would be skipped",
        plan.len(),
        l.env.name
    );
    exit::SUCCESS
}

fn sandbox_config_from(
    doc: &crate::config::EmbeddedSandboxDoc,
    lookup: &ValueLookup,
) -> Result<SandboxConfig, String> {
    let mut c = SandboxConfig::default();
    if let Some(t) = doc.token_ttl {
        c.token_ttl = t.0;
    }
    if let Some(r) = doc.rate_scale {
        c.rate_scale = r;
    }
    c.orders_limit = doc.orders_limit;
    if let Some(s) = doc.webhook_retry_scale {
        c.webhook_retry_scale = s;
    }
    if let Some(d) = doc.delivery_timeout {
        c.delivery_timeout = d.0;
    }
    if let Some(d) = doc.latency {
        c.latency = d.0;
    }
    for f in &doc.faults {
        super::sandbox::add_fault(&mut c, f)?;
    }
    for v in &doc.variants {
        super::sandbox::add_variant(&mut c, v)?;
    }
    if let Some(on) = doc.controls {
        c.controls = on;
    }
    let get = |k: &str| lookup.overlay.get(k).cloned().unwrap_or_default();
    c.clients = vec![ClientSpec {
        client_id: get(EMBEDDED_CLIENT_ID),
        client_secret: get(EMBEDDED_CLIENT_SECRET),
        scopes: vec!["read".into(), "write".into()],
    }];
    match doc.clients.as_deref() {
        None | Some("seeded") => c.clients.push(ClientSpec {
            client_id: get(EMBEDDED_READONLY_ID),
            client_secret: get(EMBEDDED_READONLY_SECRET),
            scopes: vec!["read".into()],
        }),
        Some("single") => {}
        Some(other) => {
            return Err(format!(
                "clients: `{other}` is neither `seeded` nor `single`"
            ))
        }
    }
    Ok(c)
}

pub async fn run(config: Option<&Path>, a: RunArgs, term: TermContext) -> i32 {
    // First of all: from here on Ctrl-C or SIGTERM interrupts the run (nothing new starts,
    // reports are written, exit 130) instead of killing the process, whatever phase it is in.
    let mut signals = super::Signals::install();
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let signal = tokio::spawn(async move {
        signals.recv().await;
        let _ = cancel_tx.send(true);
        eprintln!("interrupted: no new scenarios start; press Ctrl-C again to exit at once");
        signals.recv().await;
        std::process::exit(exit::INTERRUPTED);
    });
    let report_opts = ReportOptions {
        dir: a.report_dir.clone(),
        kinds: a.reporters.clone(),
        ..ReportOptions::default()
    };
    // Claimed before anything runs, held until the reports are written: a second run on the
    // same folder is refused now rather than mixing its files with this run's.
    let writes_files = [
        crate::report::ReporterKind::Junit,
        crate::report::ReporterKind::Json,
        crate::report::ReporterKind::Html,
        crate::report::ReporterKind::Tap,
    ]
    .into_iter()
    .any(|k| report_opts.wants(k));
    let _lock = if writes_files {
        match crate::report::ReportDirLock::acquire(&report_opts.dir) {
            Ok(lock) => Some(lock),
            Err(e) => {
                signal.abort();
                eprintln!("error: {}", super::error_chain(&e));
                return exit::USAGE;
            }
        }
    } else {
        None
    };
    let console_on = a.reporters.is_empty()
        || a.reporters
            .iter()
            .any(|k| matches!(k, crate::report::ReporterKind::Console));
    let mut console = ConsoleReporter::new(std::io::stdout(), term, a.verbose);
    let mut quiet = QuietSink;
    let sink: &mut dyn crate::run::EventSink = if console_on { &mut console } else { &mut quiet };
    let result = execute_run(config, &a, &term, sink, cancel_rx).await;
    signal.abort();
    let result = match result {
        Ok(r) => r,
        Err(code) => return code,
    };
    match crate::report::write_reports(&result, &report_opts) {
        Ok(paths) => {
            for p in paths {
                say!("report: {}", p.display());
            }
        }
        Err(e) => {
            eprintln!("error: {}", super::error_chain(&e));
            return exit::FAILURES;
        }
    }
    if result.interrupted {
        exit::INTERRUPTED
    } else if result.success() {
        exit::SUCCESS
    } else {
        exit::FAILURES
    }
}

/// One run, from the config to its results (no report written): `conform run`, and each side
/// of `conform parity`. Problems before anything ran are printed and give the exit code.
pub(crate) async fn execute_run(
    config: Option<&Path>,
    a: &RunArgs,
    term: &TermContext,
    sink: &mut dyn crate::run::EventSink,
    cancel_rx: tokio::sync::watch::Receiver<bool>,
) -> Result<crate::results::RunResult, i32> {
    let cli_vars = match parse_vars(&a.vars) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(exit::USAGE);
        }
    };
    let mut l = load_all(config, &a.select, a.base_url.as_deref(), &cli_vars, term)?;
    let plan = make_plan(&mut l, &a.select);
    let mut env = l.env.clone();
    if a.strict {
        env.unknown_properties = crate::config::UnknownProperties::Fail;
    }

    // The embedded sandbox: started inside this process on an ephemeral port.
    let mut sandbox = None;
    if let Some(doc) = &env.embedded_sandbox {
        let sc = match sandbox_config_from(doc, &l.lookup) {
            Ok(c) => c,
            Err(e) => {
                eprintln!(
                    "error: {}: environments.{}.embedded_sandbox: {e}",
                    l.config.path.display(),
                    env.name
                );
                return Err(exit::USAGE);
            }
        };
        match EmbeddedSandbox::start(sc).await {
            Ok(sb) => {
                match url::Url::parse(&sb.url) {
                    Ok(u) => env.base_url = Some(u),
                    Err(e) => {
                        eprintln!("error: the embedded sandbox reported an invalid URL: {e}");
                        return Err(exit::USAGE);
                    }
                }
                sandbox = Some(sb);
            }
            Err(e) => {
                eprintln!("error: failed to start the embedded sandbox: {e}");
                return Err(exit::USAGE);
            }
        }
    }
    let Some(base_url) = env.base_url.clone() else {
        eprintln!("error: environment `{}` has no base URL", env.name);
        return Err(exit::USAGE);
    };

    let lookup = l.lookup.clone();
    let resolve = move |v: &crate::config::ValueSource| lookup.resolve(v);
    let auth_settings = match env
        .auth
        .as_ref()
        .map(|d| AuthSettings::resolve(d, &resolve))
        .transpose()
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: {}: environments.{}.auth: {e}",
                l.config.path.display(),
                env.name
            );
            return Err(exit::USAGE);
        }
    };
    let mut builder = reqwest::Client::builder()
        .connect_timeout(env.timeouts.connect)
        .redirect(reqwest::redirect::Policy::limited(
            crate::run::http::MAX_REDIRECTS,
        ))
        .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")));
    if let Some(s) = &auth_settings {
        builder = match s.configure_client(builder) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: environments.{}.auth: {e}", env.name);
                return Err(exit::USAGE);
            }
        };
    }
    let http = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: failed to build the HTTP client: {e}");
            return Err(exit::USAGE);
        }
    };
    // Exactly the values known to be secret: the environment's secret values (never its
    // literals), the embedded sandbox's generated credentials, the auth settings' secrets.
    let mut secrets: Vec<Secret> = env.secrets.clone();
    secrets.extend(
        l.lookup
            .overlay
            .values()
            .map(|v| Secret::new(v.clone()))
            .filter(|s| s.expose().starts_with("sbx-")),
    );
    let auth = auth_settings.map(|s| AuthManager::new(&env.name, s, http.clone(), &base_url));
    // One redactor for the run, shared with the auth manager: a token is known the moment it
    // is issued.
    let redactor = auth
        .as_ref()
        .map_or_else(Redactor::default, AuthManager::redactor);
    for s in secrets {
        redactor.add(s);
    }

    // The webhook receiver, when the environment delivers webhooks.
    let mut receiver = None;
    if env.capabilities.contains("webhooks")
        && crate::run::needs::webhooks_unmet(&env, &l.lookup).is_none()
    {
        match start_receiver(&env, &l.lookup).await {
            Ok(r) => receiver = Some(r),
            Err(e) => {
                eprintln!("error: environments.{}.webhooks: {e}", env.name);
                return Err(exit::USAGE);
            }
        }
    }

    let info = EnvironmentInfo {
        name: env.name.clone(),
        base_url: base_url.to_string(),
        production: env.production,
        capabilities: env.capabilities.iter().cloned().collect(),
        note: sandbox
            .as_ref()
            .map(|_| crate::results::EMBEDDED_SANDBOX_NOTE.to_string()),
    };
    let contract = match &env.contract {
        Some(path) => match crate::contract::Contract::load(path).and_then(|c| {
            match l
                .config
                .doc
                .contract_options
                .as_ref()
                .and_then(|o| o.error_code.as_deref())
            {
                Some(pointer) => c.with_error_code(pointer),
                None => Ok(c),
            }
        }) {
            Ok(c) => Some(Arc::new(c)),
            Err(e) => {
                eprintln!("error: {e}");
                return Err(exit::USAGE);
            }
        },
        None => None,
    };
    let sla = crate::contract::Sla {
        p95: env.sla.and_then(|s| s.p95).map(|d| d.0),
        p99: env.sla.and_then(|s| s.p99).map(|d| d.0),
    };
    let fixtures_dir = env.fixtures_dir.clone();
    let pacer = env
        .pacing
        .and_then(|p| crate::run::target::Pacer::new(p.rps, p.burst.unwrap_or(p.rps)));
    let target = Arc::new(Target {
        env,
        base_url,
        http,
        auth,
        receiver: receiver.clone(),
        redactor,
        templates: l.templates,
        fixtures_dir,
        cli_vars,
        pacer,
        contract: contract.clone(),
        rate_limits: crate::run::ratelimit::RateLimits::new(Some(hold_notice())),
    });

    // One subscription for the whole run, unless the target was registered out of band.
    let mut subscription = None;
    if let Some(r) = &receiver {
        if target.env.webhooks.secret.is_none()
            && plan.iter().any(|p| p.skip.is_none())
            && !*cancel_rx.borrow()
        {
            // A slow target (or token endpoint) can hold this for minutes: a signal ends it,
            // and the run then reports every scenario as not run.
            let mut cancelled = cancel_rx.clone();
            tokio::select! {
                subscribed = crate::run::webhooks::subscribe(&target, r) => match subscribed {
                    Ok(id) => subscription = Some(id),
                    Err(e) => eprintln!(
                        "warning: failed to subscribe the webhook receiver: {}; webhook scenarios will fail",
                        for_terminal(&target, &e)
                    ),
                },
                _ = cancelled.wait_for(|c| *c) => {}
            }
        }
    }

    let post: crate::run::executor::PostRun = {
        let contract = contract.clone();
        let gate = crate::run::verdicts::CoverageGate::for_run(a.min_coverage, a.select.shard);
        Arc::new(move |r: &mut crate::results::RunResult| {
            crate::run::verdicts::finish(r, contract.as_deref(), &sla, gate)
        })
    };
    let opts = RunOptions {
        jobs: a.jobs.unwrap_or_else(|| RunOptions::default().jobs),
        fail_fast: a.fail_fast,
        cancel: Some(cancel_rx),
        post: Some(post),
    };
    let mut result = crate::run::execute(plan, target.clone(), info, opts, sink).await;

    if let (Some(id), Some(_)) = (subscription, &receiver) {
        let unsubscribed = tokio::time::timeout(
            target.env.timeouts.request,
            crate::run::webhooks::unsubscribe(&target, &id),
        )
        .await
        .unwrap_or_else(|_| Err("the target did not answer in time".into()));
        if let Err(e) = unsubscribed {
            eprintln!(
                "warning: failed to delete webhook subscription {}: {}",
                for_terminal(&target, &id),
                for_terminal(&target, &e)
            );
        }
    }
    if let Some(r) = receiver {
        let stats = r.inbox().stats();
        report_receiver(&stats, &mut result);
        r.shutdown().await;
    }
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    Ok(result)
}

/// Tells the console, at most once every few seconds per bucket, that the run waits for the
/// target's rate limits (so a slow run does not look stuck).
fn hold_notice() -> crate::run::ratelimit::HoldObserver {
    use std::collections::HashMap;
    use std::time::{Duration, Instant};
    let last: std::sync::Mutex<HashMap<crate::run::ratelimit::BucketKey, Instant>> =
        Default::default();
    Arc::new(move |h: &crate::run::ratelimit::Hold| {
        let Ok(mut last) = last.lock() else { return };
        let now = Instant::now();
        if last
            .get(&h.key)
            .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(5))
        {
            return;
        }
        last.insert(h.key.clone(), now);
        eprintln!(
            "waiting for the target's rate limit: {} allows {}/min; next request in {:.1} s",
            h.key,
            h.limit,
            h.wait.as_secs_f64()
        );
    })
}

/// The event sink when the console reporter is not selected.
pub(crate) struct QuietSink;

impl crate::run::EventSink for QuietSink {
    fn on_event(&mut self, _event: &crate::run::RunEvent<'_>) {}
}

/// The embedded sandbox, served by its own runtime on its own thread: the run's client work
/// stays on the run's thread and the server gets a core of its own, as a real target would.
struct EmbeddedSandbox {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl EmbeddedSandbox {
    async fn start(config: SandboxConfig) -> Result<EmbeddedSandbox, String> {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<String, String>>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("conform-sandbox".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("conform-sandbox-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start its runtime: {e}")));
                        return;
                    }
                };
                rt.block_on(async move {
                    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                    match RunningSandbox::start(config, addr).await {
                        Ok(sb) => {
                            let _ = ready_tx.send(Ok(sb.url()));
                            // Until the run says stop (or is gone).
                            let _ = stopped.await;
                            sb.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.to_string()));
                        }
                    }
                });
            })
            .map_err(|e| format!("cannot start its thread: {e}"))?;
        match ready_rx.await {
            Ok(Ok(url)) => Ok(EmbeddedSandbox { url, stop, thread }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err("its thread ended before it started".into()),
        }
    }

    async fn shutdown(self) {
        let _ = self.stop.send(());
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}
