//! clap types only. They are converted into library options in the command modules; the
//! library itself knows nothing of clap.
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "conform",
    version = crate::VERSION,
    about = "Prove, repeatably, whether a live HTTP API honours its contract",
    long_about = "conform runs declarative YAML scenarios against a named environment, checks every \
response, captures webhooks on an embedded receiver and writes JUnit XML and results.json.\n\n\
Without --env it targets the config's `default_env` (`local` when the config sets none; \
in the shipped conform.yaml, the reference sandbox started inside the run).",
    after_help = "Examples:\n  conform run                                  # the whole suite against the embedded sandbox\n  conform run --env staging --tag orders       # one area against staging\n  conform run scenarios/auth --fail-fast\n  conform list --tag webhooks\n  conform validate scenarios/\n  conform parity --env sandbox --env staging   # every behavioural difference\n  conform sandbox --listen 127.0.0.1:8080 --fault webhook-bad-signature\n  conform init --contract openapi.yaml --base-url http://localhost:4010   # your own API\n\nExit codes: 0 all selected scenarios passed (skips allowed); 1 a scenario failed or errored;\n2 usage, config or scenario-file errors (nothing ran); 130 interrupted."
)]
pub struct Cli {
    /// Configuration file [default: conform.yaml]
    #[arg(long, global = true, env = "CONFORM_CONFIG")]
    pub config: Option<PathBuf>,
    /// When to color output
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios against an environment
    #[command(
        after_help = "Examples:\n  conform run\n  conform run --env staging --tag orders --jobs 4\n  conform run scenarios/idempotency.yaml --var customer=CUST-1\n  conform run --env local --base-url http://127.0.0.1:8080   # a server you started yourself"
    )]
    Run(RunArgs),
    /// List the selected scenarios with tags and requirements, without running anything
    #[command(
        after_help = "Examples:\n  conform list\n  conform list --tag webhooks --env production"
    )]
    List(ListArgs),
    /// Check scenario files and report every problem at file:line:column
    #[command(
        after_help = "Examples:\n  conform validate\n  conform validate scenarios/orders.yaml"
    )]
    Validate(ValidateArgs),
    /// Serve the reference sandbox (the contract, implemented) until Ctrl-C
    #[command(
        after_help = "Examples:\n  conform sandbox\n  conform sandbox --listen 127.0.0.1:0 --token-ttl 30s --fault schema-order-id\n  conform sandbox --variant additive-fields --variant in-flight-conflict\n  conform sandbox --variant list"
    )]
    Sandbox(SandboxArgs),
    /// Webhook tools
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Run the same scenarios against two environments at once and report every
    /// behavioural difference between them
    #[command(
        after_help = "Examples:\n  conform parity --env sandbox --env staging\n  conform parity --env sandbox --env staging scenarios/orders.yaml --tag orders\n  conform report parity sandbox/results.json staging/results.json   # two saved runs\n\nExpected differences are declared under `parity:` in conform.yaml (docs/parity.md).\nExit codes: 0 no difference; 1 a difference; 2 usage or config errors; 130 interrupted."
    )]
    Parity(ParityArgs),
    /// Reports from saved results: merge shards, render again, compare two runs
    #[command(subcommand)]
    Report(ReportCommand),
    /// Start a suite for your own API: a conform.yaml and a smoke scenario per operation
    #[command(
        after_help = "Examples:\n  conform init --contract openapi.yaml\n  conform init --contract api/openapi.json --base-url http://localhost:4010 --dir qa\n\nWrites DIR/conform.yaml and DIR/scenarios/<tag>.yaml (one file per tag of the contract);\nrefuses to overwrite any file."
    )]
    Init(InitArgs),
    /// Print the JSON Schema of conform.yaml (`config`) or of scenario files (`scenario`)
    #[command(
        after_help = "Examples:\n  conform schema config > conform.schema.json\n  conform schema scenario\n\nEditors with the YAML language server pick a schema up from a first-line comment:\n  # yaml-language-server: $schema=schemas/scenario.schema.json"
    )]
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  conform completions bash > ~/.local/share/bash-completion/completions/conform\n  conform completions zsh > ~/.zfunc/_conform\n  conform completions fish > ~/.config/fish/completions/conform.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(after_help = "Examples:\n  conform man > conform.1 && man ./conform.1")]
    Man,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// conform.yaml
    Config,
    /// a scenario file
    Scenario,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The OpenAPI 3.x document of your API (YAML or JSON)
    #[arg(long, value_name = "FILE")]
    pub contract: PathBuf,
    /// Base URL of the environment the config names [default: read from CONFORM_BASE_URL]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Folder to write conform.yaml and scenarios/ into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ParityArgs {
    /// Scenario files or folders [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// The two environments to compare, in order: `--env A --env B`
    #[arg(long = "env", value_name = "NAME", required = true, num_args = 1)]
    pub envs: Vec<String>,
    /// Only scenarios with this tag (repeatable: any of them)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Leave out scenarios with this tag (repeatable)
    #[arg(long = "exclude-tag", value_name = "TAG")]
    pub exclude_tags: Vec<String>,
    /// Only scenarios whose id (file::name) contains TEXT (case-insensitive)
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Only scenarios that cover this contract rule id, as their `covers:` lists it
    /// (repeatable: any of them; case-insensitive)
    #[arg(long = "covers", value_name = "RULE")]
    pub covers: Vec<String>,
    /// Run scenarios that production environments refuse (destructive, sandbox controls)
    #[arg(long)]
    pub allow_destructive: bool,
    /// Scenarios run at once in each environment [default: 8]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Set a variable for every scenario (repeatable); VALUE is JSON if it parses, else a string
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
    /// Folder for the parity reports; each environment's own reports go in a sub-folder
    #[arg(long, value_name = "DIR", default_value = "reports/parity")]
    pub report_dir: PathBuf,
    /// Also list the scenarios that are the same and those not compared
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the results.json of sharded runs into one set of reports
    #[command(
        after_help = "Examples:\n  conform report merge shard1/results.json shard2/results.json --out reports"
    )]
    Merge {
        /// results.json files of the shards
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Folder for the merged reports
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Report formats (default: junit, json, html)
        #[arg(long = "reporter", value_name = "KIND", value_delimiter = ',')]
        reporters: Vec<crate::report::ReporterKind>,
    },
    /// Render every report format again from a saved results.json, without a target
    #[command(
        after_help = "Examples:\n  conform report render reports/results.json --out /tmp/again"
    )]
    Render {
        input: PathBuf,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        #[arg(long = "reporter", value_name = "KIND", value_delimiter = ',')]
        reporters: Vec<crate::report::ReporterKind>,
    },
    /// Compare two saved runs (results.json) for environment parity, as `conform parity` does
    #[command(
        after_help = "Examples:\n  conform report parity sandbox/results.json staging/results.json --out reports/parity\n\nThe `parity:` section of the config (--config, else ./conform.yaml when present) declares\nthe expected differences. Exit codes: 0 no difference; 1 a difference; 2 unreadable input."
    )]
    Parity {
        /// results.json of the first run
        left: PathBuf,
        /// results.json of the second run
        right: PathBuf,
        /// Folder for parity.json, parity-junit.xml and parity.html
        #[arg(long, default_value = "reports/parity")]
        out: PathBuf,
        /// Also list the scenarios that are the same and those not compared
        #[arg(long, short = 'v')]
        verbose: bool,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Scenario files or folders [default: scenarios/]
    pub paths: Vec<PathBuf>,
    /// Only scenarios with this tag (repeatable: any of them)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Leave out scenarios with this tag (repeatable)
    #[arg(long = "exclude-tag", value_name = "TAG")]
    pub exclude_tags: Vec<String>,
    /// Only scenarios whose id (file::name) contains TEXT (case-insensitive)
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Only scenarios that cover this contract rule id, as their `covers:` lists it
    /// (repeatable: any of them; case-insensitive)
    #[arg(long = "covers", value_name = "RULE")]
    pub covers: Vec<String>,
    /// Environment from the config [default: the config's default_env, else `local`]
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Run scenarios that production environments refuse (destructive, sandbox controls)
    #[arg(long)]
    pub allow_destructive: bool,
    /// Only shard K of N (1-based): a stable partition by scenario id, for CI matrices
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
}

fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 2/4")?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: K must be between 1 and N"));
    }
    Ok((k, n))
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Scenarios run at once [default: 8]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Stop starting scenarios after the first failure or error
    #[arg(long)]
    pub fail_fast: bool,
    /// A closed contract: properties the contract does not document in a response or webhook
    /// payload fail the step (default: they are warnings; per environment:
    /// `contract: {unknown_properties: fail}`)
    #[arg(long)]
    pub strict: bool,
    /// Folder for the report files
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Set a variable for every scenario (repeatable); VALUE is JSON if it parses, else a string
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
    /// Point the environment at another host (replaces an embedded sandbox)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Print every exchange, not only failures
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Fail the run when contract coverage (documented responses, error codes and webhook
    /// events exercised) is below P percent. With --shard K/N (N > 1) P is recorded and
    /// `conform report merge` judges the merged coverage
    #[arg(long, value_name = "P")]
    pub min_coverage: Option<f64>,
    /// Report formats, comma separated or repeated: console, junit, json, html, github, tap
    /// [default: console, junit, json, html]
    #[arg(long = "reporter", value_name = "KIND", value_delimiter = ',')]
    pub reporters: Vec<crate::report::ReporterKind>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: SelectArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files or folders [default: scenarios/]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to serve on (port 0: any free port)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Lifetime of issued tokens
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub token_ttl: Option<std::time::Duration>,
    /// Multiply every rate limit (e.g. 1000 to get them out of the way)
    #[arg(long, value_name = "F")]
    pub rate_scale: Option<f64>,
    /// Per-minute limit of POST /api/v1/orders
    #[arg(long, value_name = "N")]
    pub orders_limit: Option<u32>,
    /// Multiply the webhook retry schedule (0.01: seconds instead of minutes)
    #[arg(long, value_name = "F")]
    pub webhook_retry_scale: Option<f64>,
    /// How long one webhook delivery attempt may wait for an answer (default 30s)
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub delivery_timeout: Option<std::time::Duration>,
    /// Switch on a deliberate contract violation (repeatable); `--fault list` lists them
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Serve no sandbox controls (/sandbox/v1 is 404), like a staging system
    #[arg(long)]
    pub no_controls: bool,
    /// Accept only the read/write client `sandbox-client` (no `sandbox-readonly`, no `sandbox-other`)
    #[arg(long)]
    pub single_client: bool,
    /// Switch on an allowed variant: another answer the contract leaves free (repeatable;
    /// `all` for every one); `--variant list` lists them
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Run the webhook receiver alone and print each delivery with its verdict
    #[command(
        after_help = "Examples:\n  WEBHOOK_SECRET=s3cret conform webhooks listen --listen 127.0.0.1:9000 --secret-env WEBHOOK_SECRET"
    )]
    Listen(ListenArgs),
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: std::net::SocketAddr,
    /// Environment variable holding the signing secret
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Signature scheme: seed (X-Webhook-Signature) or standard (Standard Webhooks)
    #[arg(long, default_value = "seed")]
    pub scheme: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The `--jobs` help of every command that has it names the default the run really uses.
    #[test]
    fn the_jobs_help_names_the_default_in_use() {
        let cli = Cli::command();
        let want = format!("[default: {}]", crate::run::DEFAULT_JOBS);
        let mut seen = 0;
        for sub in cli.get_subcommands() {
            if let Some(arg) = sub.get_arguments().find(|a| a.get_id() == "jobs") {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                assert!(help.contains(&want), "{}: {help}", sub.get_name());
                seen += 1;
            }
        }
        assert!(seen >= 2, "run and parity take --jobs");
    }
}
