//! `conform webhooks listen`: the receiver alone, printing one line per delivery as it arrives.
use super::error::WebhookError;
use super::inbox::{Arrival, InboxLimits};
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
    // Listening prints each arrival and keeps nothing else: memory stays flat whatever is sent.
    let mut cfg = opts.receiver;
    cfg.limits = InboxLimits {
        max_deliveries: 0,
        rejected_samples: 0,
        ..cfg.limits
    };
    let receiver = Receiver::start(cfg).await?;
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
    let mut seen: u64 = 0;
    let mut ids = HashSet::new();
    let mut print_new = |out: &mut dyn Write, seen: &mut u64| -> Result<(), WebhookError> {
        let (fresh, missed) = inbox.arrivals_since(*seen);
        if missed > 0 {
            write(
                out,
                format!("… {missed} deliveries arrived faster than they could be printed"),
            )
            .map_err(WebhookError::Output)?;
        }
        *seen += missed;
        for d in &fresh {
            *seen = d.seq + 1;
            // Anyone can send made-up ids: the set is bounded.
            if let Some(id) = &d.event_id {
                if ids.len() < MAX_DISTINCT_IDS {
                    ids.insert(id.clone());
                }
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

/// Event ids counted for the closing line.
const MAX_DISTINCT_IDS: usize = 100_000;

/// Longest event type or id printed (in characters).
const MAX_FIELD_CHARS: usize = 200;

/// One delivery as a line.
pub fn line(d: &Arrival) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    let utc = d.received_at.to_offset(time::UtcOffset::UTC);
    let time = utc.format(format).unwrap_or_else(|_| utc.to_string());
    // The event type and id come from whoever sent the POST, signed or not: escaped, so a
    // newline or an escape code cannot forge or erase a line.
    format!(
        "{time} {} {} attempt {} {} -> {}",
        crate::source::escape::one_line(d.event_type.as_deref().unwrap_or("-"), MAX_FIELD_CHARS),
        crate::source::escape::one_line(d.event_id.as_deref().unwrap_or("-"), MAX_FIELD_CHARS),
        d.attempt,
        d.verdict,
        d.answered
    )
}
