//! What a step does, decided in one place. The YAML keeps serde's shape (a step is a mapping
//! with one action key); [`Step::actions`] reads that shape into the [`Action`] enum, which
//! the validator and the runner `match` exhaustively: adding a step kind is one variant here,
//! one validator arm and one runner file.
use super::model::{
    Check, Poll, Repeat, Request, Spanned, Step, Wait, WebhookExpect, WebhookReply,
    WebhookSubscribe,
};

/// One thing a step does. A valid step has exactly one.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Send a request (once, repeatedly or until it passes), then check and capture.
    Request {
        request: &'a Spanned<Request>,
        sending: Sending<'a>,
    },
    /// Requests sent at the same moment, each with its own expect and capture.
    Group(&'a [Spanned<Step>]),
    Wait(&'a Spanned<Wait>),
    /// Checks on variables.
    Assert(&'a [Spanned<Check>]),
    SubscribeWebhooks(&'a Spanned<WebhookSubscribe>),
    ExpectWebhook(&'a Spanned<WebhookExpect>),
    WebhookReply(&'a Spanned<WebhookReply>),
}

/// How a step's request is sent.
#[derive(Debug, Clone, Copy)]
pub enum Sending<'a> {
    Once,
    Repeat(&'a Spanned<Repeat>),
    Poll(&'a Spanned<Poll>),
}

impl Action<'_> {
    /// The YAML keys of every action, in the order messages list them.
    pub const KEYS: &'static [&'static str] = &[
        "request",
        "group",
        "wait",
        "assert",
        "subscribe_webhooks",
        "expect_webhook",
        "webhook_reply",
    ];

    /// The YAML key that declares this action.
    pub fn key(&self) -> &'static str {
        match self {
            Action::Request { .. } => "request",
            Action::Group(_) => "group",
            Action::Wait(_) => "wait",
            Action::Assert(_) => "assert",
            Action::SubscribeWebhooks(_) => "subscribe_webhooks",
            Action::ExpectWebhook(_) => "expect_webhook",
            Action::WebhookReply(_) => "webhook_reply",
        }
    }

    /// A short name for a step without `name:` (`POST /api/v1/orders`, `wait 2s`, ...).
    pub fn label(&self) -> String {
        match self {
            Action::Request { request, .. } => {
                format!(
                    "{} {}",
                    request.value.method.value.to_ascii_uppercase(),
                    request.value.path.value
                )
            }
            Action::Group(members) => format!("group of {} requests", members.len()),
            Action::Wait(w) => match &w.value {
                Wait::For(d) => format!("wait {}", humantime::format_duration(*d)),
                Wait::RetryAfter => "wait retry_after".into(),
            },
            Action::Assert(_) => "assert".into(),
            Action::SubscribeWebhooks(_) => "subscribe webhooks".into(),
            Action::ExpectWebhook(e) => format!("expect webhook {}", e.value.event.value),
            Action::WebhookReply(r) => format!("webhook reply {}", r.value.event.value),
        }
    }
}

impl Step {
    /// Every action this step declares (exactly one for a step that passed validation).
    pub fn actions(&self) -> Vec<Action<'_>> {
        let mut out = Vec::with_capacity(1);
        if let Some(request) = &self.request {
            let sending = match (&self.repeat, &self.poll) {
                (Some(r), _) => Sending::Repeat(r),
                (None, Some(p)) => Sending::Poll(p),
                (None, None) => Sending::Once,
            };
            out.push(Action::Request { request, sending });
        }
        if let Some(g) = &self.group {
            out.push(Action::Group(g));
        }
        if let Some(w) = &self.wait {
            out.push(Action::Wait(w));
        }
        if !self.assert.is_empty() {
            out.push(Action::Assert(&self.assert));
        }
        if let Some(s) = &self.subscribe_webhooks {
            out.push(Action::SubscribeWebhooks(s));
        }
        if let Some(e) = &self.expect_webhook {
            out.push(Action::ExpectWebhook(e));
        }
        if let Some(r) = &self.webhook_reply {
            out.push(Action::WebhookReply(r));
        }
        out
    }

    /// The step's action; `None` for a step that does nothing (validation refuses it).
    pub fn action(&self) -> Option<Action<'_>> {
        self.actions().into_iter().next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(yaml: &str) -> Step {
        serde_saphyr::from_str(yaml).expect("test yaml")
    }

    #[test]
    fn one_place_decides_what_a_step_does() {
        let s = step("request: {method: GET, path: /a}\nrepeat: {times: 3}\n");
        assert!(matches!(
            s.action(),
            Some(Action::Request {
                sending: Sending::Repeat(_),
                ..
            })
        ));
        assert_eq!(s.action().map(|a| a.label()), Some("GET /a".to_string()));
        let s = step("wait: 2s\n");
        assert_eq!(s.action().map(|a| a.label()), Some("wait 2s".to_string()));
        let s = step("expect_webhook: {event: order.created}\nwait: retry_after\n");
        let keys: Vec<&str> = s.actions().iter().map(Action::key).collect();
        assert_eq!(keys, ["wait", "expect_webhook"]);
        assert!(step("name: nothing\n").action().is_none());
        for key in keys {
            assert!(Action::KEYS.contains(&key));
        }
    }
}
