//! The webhook receiver of a session: started from the environment's settings, and what it
//! saw reported after the run.
use crate::config::{Environment, Secret, ValueLookup};
use crate::run::RunContext;

pub(crate) async fn start_receiver(
    env: &Environment,
    lookup: &ValueLookup,
) -> Result<crate::webhook::Receiver, String> {
    use crate::webhook::{Receiver, ReceiverConfig, Scheme};
    let w = &env.webhooks;
    let mut cfg = ReceiverConfig::default();
    if let Some(l) = &w.listen {
        cfg.listen = l.parse().map_err(|e| format!("listen `{l}`: {e}"))?;
    }
    if let Some(p) = &w.public_url {
        let raw = lookup.resolve(&p.value)?;
        cfg.public_url =
            Some(url::Url::parse(&raw).map_err(|e| format!("public_url `{raw}`: {e}"))?);
    }
    if let Some(s) = &w.scheme {
        cfg.scheme = s.parse::<Scheme>().map_err(|e| e.to_string())?;
    }
    if let Some(t) = w.tolerance {
        cfg.tolerance = t.0;
    }
    if let (Some(c), Some(k)) = (&w.tls_cert, &w.tls_key) {
        cfg.tls = Some((
            lookup.root.join(lookup.resolve(&c.value)?),
            lookup.root.join(lookup.resolve(&k.value)?),
        ));
    }
    let r = Receiver::start(cfg).await.map_err(|e| e.to_string())?;
    if let Some(s) = &w.secret {
        r.add_secret(Secret::new(lookup.resolve(&s.value)?));
    }
    Ok(r)
}

/// Text from the target (or holding what it sent) made fit for a terminal line: secrets
/// replaced, control characters escaped, length bounded.
pub(crate) fn for_terminal(target: &RunContext, s: &str) -> String {
    crate::source::escape::one_line(
        &target.redact_text(s),
        crate::source::escape::MAX_WARNING_CHARS,
    )
}

/// What the webhook receiver saw, into `results.json` (`webhook_receiver`), and a
/// warning (returned) when it rejected or dropped deliveries.
pub(crate) fn report_receiver(
    stats: &crate::webhook::InboxStats,
    result: &mut crate::results::RunResult,
) -> Option<String> {
    result.webhook_receiver = Some(stats.clone());
    let rejected = stats.rejected_total();
    if rejected > 0 || stats.valid_dropped > 0 {
        let by: Vec<String> = stats
            .rejected
            .iter()
            .map(|(verdict, n)| format!("{verdict}: {n}"))
            .collect();
        return Some(format!(
            "the webhook receiver got {} deliveries: {rejected} rejected ({}), {} of them kept as samples; {} valid deliveries dropped over the retention limit",
            stats.received,
            if by.is_empty() { "none".to_string() } else { by.join(", ") },
            stats.rejected_kept,
            stats.valid_dropped
        ));
    }
    None
}
