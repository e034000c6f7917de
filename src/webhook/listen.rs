//! `conform webhooks listen`: the receiver alone, printing one line per delivery as it arrives.
use super::delivery::Delivery;
use super::error::WebhookError;
use super::receiver::{Receiver, ReceiverConfig};
use crate::config::Secret;
use std::collections::HashSet;
use std::future::Future;
use std::io::Write;
use std::time::Duration;
use time::macros::format_description;
use tokio::sync::oneshot;
use url::Url;

#[derive(Debug, Default)]
pub struct ListenOptions {
    pub receiver: ReceiverConfig,
    /// Secrets deliveries are verified against. With none, every signed delivery shows as
    /// `bad signature` (the first line says so).
    pub secrets: Vec<Secret>,
    /// Told the receiver's URL once it is listening (useful with port 0).
    pub ready: Option<oneshot::Sender<Url>>,
}

/// Runs a receiver until `shutdown` resolves (the CLI passes Ctrl-C), writing to `out`:
/// a `listening on URL ...` line, then one line per delivery
/// (`<UTC time, ms> <event type> <event id> attempt <n> <verdict> -> <status>`), then a summary line.
pub async fn listen(
    opts: ListenOptions,
    mut out: impl Write + Send,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), WebhookError> {
    let scheme = opts.receiver.scheme;
    let receiver = Receiver::start(opts.receiver).await?;
    let n_secrets = opts.secrets.len();
    for secret in opts.secrets {
        receiver.add_secret(secret);
    }
    let note = match n_secrets {
        0 => "no secret: signatures cannot be verified".to_owned(),
        1 => "1 secret".to_owned(),
        n => format!("{n} secrets"),
    };
    let write =
        |out: &mut dyn Write, line: String| writeln!(out, "{line}").and_then(|_| out.flush());
    write(
        &mut out,
        format!(
            "listening on {} (scheme {scheme}, {note}); Ctrl-C to stop",
            receiver.url()
        ),
    )
    .map_err(WebhookError::Output)?;
    if let Some(ready) = opts.ready {
        let _ = ready.send(receiver.local_url());
    }

    let inbox = receiver.inbox();
    let mut seen = 0;
    let mut ids = HashSet::new();
    let mut print_new = |out: &mut dyn Write, seen: &mut usize| -> Result<(), WebhookError> {
        let fresh = inbox.since(*seen);
        *seen += fresh.len();
        for d in &fresh {
            if let Some(id) = &d.event_id {
                ids.insert(id.clone());
            }
            write(out, line(d)).map_err(WebhookError::Output)?;
        }
        Ok(())
    };
    let waiter = receiver.inbox();
    tokio::pin!(shutdown);
    let result = loop {
        tokio::select! {
            _ = &mut shutdown => break Ok(()),
            _ = waiter.wait_for_count(seen + 1, Duration::from_secs(3600)) => {
                if let Err(e) = print_new(&mut out, &mut seen) {
                    break Err(e);
                }
            }
        }
    };
    receiver.shutdown().await;
    result?;
    // Deliveries that arrived while shutting down still get their line.
    print_new(&mut out, &mut seen)?;
    write(
        &mut out,
        format!(
            "stopped: {seen} deliveries, {} distinct event ids",
            ids.len()
        ),
    )
    .map_err(WebhookError::Output)
}

/// One delivery as a line.
pub fn line(d: &Delivery) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    let utc = d.received_at.to_offset(time::UtcOffset::UTC);
    let time = utc.format(format).unwrap_or_else(|_| utc.to_string());
    format!(
        "{time} {} {} attempt {} {} -> {}",
        d.event_type.as_deref().unwrap_or("-"),
        d.event_id.as_deref().unwrap_or("-"),
        d.attempt,
        d.verdict,
        d.answered
    )
}
