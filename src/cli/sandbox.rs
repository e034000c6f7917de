//! `conform sandbox` and `conform webhooks listen`.
use super::args::{ListenArgs, SandboxArgs};
use super::exit;
use conform_sandbox::{Fault, RunningSandbox, SandboxConfig, Variant};

/// Builds the sandbox configuration from flags; `--fault list` is answered by the caller.
pub fn sandbox_config(a: &SandboxArgs) -> Result<SandboxConfig, String> {
    let mut c = SandboxConfig::default();
    if let Some(t) = a.token_ttl {
        c.token_ttl = t;
    }
    if let Some(r) = a.rate_scale {
        if !(r.is_finite() && r > 0.0) {
            return Err(format!("--rate-scale must be a positive number, not {r}"));
        }
        c.rate_scale = r;
    }
    c.orders_limit = a.orders_limit;
    if let Some(s) = a.webhook_retry_scale {
        if !(s.is_finite() && s >= 0.0) {
            return Err(format!(
                "--webhook-retry-scale must be a non-negative number, not {s}"
            ));
        }
        c.webhook_retry_scale = s;
    }
    if let Some(t) = a.delivery_timeout {
        c.delivery_timeout = t;
    }
    for f in &a.faults {
        add_fault(&mut c, f)?;
    }
    for v in &a.variants {
        add_variant(&mut c, v)?;
    }
    c.controls = !a.no_controls;
    if a.single_client {
        c.clients.retain(|c| c.client_id == "sandbox-client");
    }
    Ok(c)
}

/// Switches on the fault `name`. `additive-fields` is accepted here too, though it is an
/// allowed variant (extra properties are compatible, contract §1): it switches the variant on.
pub fn add_fault(c: &mut SandboxConfig, name: &str) -> Result<(), String> {
    if name == Variant::AdditiveFields.name() {
        c.variants.0.insert(Variant::AdditiveFields);
        return Ok(());
    }
    c.faults.insert(parse_fault(name)?);
    Ok(())
}

/// Switches on the allowed variant `name`, or every one for `all`.
pub fn add_variant(c: &mut SandboxConfig, name: &str) -> Result<(), String> {
    if name == "all" {
        c.variants.0.extend(Variant::ALL.iter().copied());
        return Ok(());
    }
    let v = name.parse::<Variant>().map_err(|_| {
        format!(
            "unknown variant `{name}`; known variants: {} (or `all`)",
            Variant::names().join(", ")
        )
    })?;
    c.variants.0.insert(v);
    Ok(())
}

pub fn parse_fault(name: &str) -> Result<Fault, String> {
    name.parse::<Fault>().map_err(|_| {
        format!(
            "unknown fault `{name}`; known faults: {}",
            Fault::ALL
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

pub async fn serve(a: SandboxArgs) -> i32 {
    if a.faults.iter().any(|f| f == "list") {
        for f in Fault::ALL {
            say!("{:<34} {:<30} {}", f.name(), f.rule(), f.description());
        }
        return exit::SUCCESS;
    }
    if a.variants.iter().any(|v| v == "list") {
        for v in Variant::ALL {
            say!("{:<32} {}", v.name(), v.description());
        }
        return exit::SUCCESS;
    }
    let config = match sandbox_config(&a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let clients = config.clients.clone();
    let faults: Vec<String> = config.faults.iter().map(|f| f.name().to_string()).collect();
    let variants: Vec<&str> = config.variants.0.iter().map(|v| v.name()).collect();
    let sb = match RunningSandbox::start(config, a.listen).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: failed to listen on {}: {e}", a.listen);
            return exit::USAGE;
        }
    };
    say!("conform sandbox listening on {}", sb.url());
    say!("OpenAPI contract: {}/openapi.yaml", sb.url());
    for c in &clients {
        say!(
            "client {} / {} (scopes: {})",
            c.client_id,
            c.client_secret,
            c.scopes.join(" ")
        );
    }
    if !faults.is_empty() {
        say!("faults on: {}", faults.join(", "));
    }
    if !variants.is_empty() {
        say!("allowed variants on: {}", variants.join(", "));
    }
    say!("press Ctrl-C to stop");
    super::shutdown_signal().await;
    sb.shutdown().await;
    say!("sandbox stopped");
    exit::SUCCESS
}

pub async fn listen(a: ListenArgs) -> i32 {
    use crate::webhook::{ListenOptions, ReceiverConfig, Scheme};
    let scheme = match a.scheme.parse::<Scheme>() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut secrets = Vec::new();
    if let Some(var) = &a.secret_env {
        match std::env::var(var) {
            Ok(v) => secrets.push(crate::config::Secret::new(v)),
            Err(_) => {
                eprintln!("error: environment variable {var} (--secret-env) is not set");
                return exit::USAGE;
            }
        }
    }
    let opts = ListenOptions {
        receiver: ReceiverConfig {
            listen: a.listen,
            scheme,
            ..ReceiverConfig::default()
        },
        secrets,
        ready: None,
    };
    match crate::webhook::listen(opts, std::io::stdout(), super::shutdown_signal()).await {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
