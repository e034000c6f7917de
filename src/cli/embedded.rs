//! The embedded sandbox of `conform run`: the reference sandbox crate, started for an
//! environment with `embedded_sandbox:` settings. The CLI injects it into the library's
//! session ([`crate::session::EmbeddedProvider`]); the library never imports the sandbox.
use crate::config::EmbeddedSandboxDoc;
use crate::session::{EmbeddedCredentials, EmbeddedError, EmbeddedProvider, EmbeddedServer};
use conform_sandbox::{ClientSpec, RunningSandbox, SandboxConfig};
use futures::future::BoxFuture;
use std::thread::JoinHandle;

/// Starts the reference sandbox on 127.0.0.1 with an ephemeral port, on a thread of its own.
pub struct SandboxProvider;

impl EmbeddedProvider for SandboxProvider {
    fn start<'a>(
        &'a self,
        settings: &'a EmbeddedSandboxDoc,
        credentials: &'a EmbeddedCredentials,
    ) -> BoxFuture<'a, Result<Box<dyn EmbeddedServer>, EmbeddedError>> {
        Box::pin(async move {
            let config =
                sandbox_config_from(settings, credentials).map_err(EmbeddedError::Settings)?;
            let sb = EmbeddedSandbox::start(config)
                .await
                .map_err(EmbeddedError::Start)?;
            Ok(Box::new(sb) as Box<dyn EmbeddedServer>)
        })
    }
}

/// The sandbox's settings from the environment's `embedded_sandbox:` and the run's clients.
fn sandbox_config_from(
    doc: &EmbeddedSandboxDoc,
    creds: &EmbeddedCredentials,
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
    c.clients = vec![ClientSpec {
        client_id: creds.client_id.clone(),
        client_secret: creds.client_secret.expose().to_string(),
        scopes: vec!["read".into(), "write".into()],
    }];
    match doc.clients.as_deref() {
        None | Some("seeded") => c.clients.extend([
            ClientSpec {
                client_id: creds.readonly_id.clone(),
                client_secret: creds.readonly_secret.expose().to_string(),
                scopes: vec!["read".into()],
            },
            ClientSpec {
                client_id: creds.other_id.clone(),
                client_secret: creds.other_secret.expose().to_string(),
                scopes: vec!["read".into(), "write".into()],
            },
        ]),
        Some("single") => {}
        Some(other) => {
            return Err(format!(
                "clients: `{other}` is neither `seeded` nor `single`"
            ))
        }
    }
    Ok(c)
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
}

impl EmbeddedServer for EmbeddedSandbox {
    fn base_url(&self) -> String {
        self.url.clone()
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        let EmbeddedSandbox { stop, thread, .. } = *self;
        Box::pin(async move {
            let _ = stop.send(());
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_s_clients_and_settings_reach_the_sandbox() {
        let creds = EmbeddedCredentials::generate();
        let fault = conform_sandbox::Fault::ALL[0].name();
        let doc: EmbeddedSandboxDoc = serde_json::from_value(serde_json::json!({
            "faults": [fault],
            "clients": "single"
        }))
        .unwrap_or_default();
        let c = sandbox_config_from(&doc, &creds);
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.clients.len(), 1, "`single`: the read-write client only");
        assert_eq!(c.clients[0].client_id, "sandbox-client");
        assert_eq!(c.clients[0].client_secret, creds.client_secret.expose());
        assert_eq!(c.faults.len(), 1);
        let seeded = sandbox_config_from(&EmbeddedSandboxDoc::default(), &creds);
        let seeded = seeded.unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = seeded
            .clients
            .iter()
            .map(|c| c.client_id.as_str())
            .collect();
        assert_eq!(ids, ["sandbox-client", "sandbox-readonly", "sandbox-other"]);
        let other = &seeded.clients[2];
        assert_eq!(other.client_secret, creds.other_secret.expose());
        assert_eq!(
            other.scopes,
            ["read", "write"],
            "a second client that may write"
        );
        let bad: EmbeddedSandboxDoc =
            serde_json::from_value(serde_json::json!({"clients": "many"})).unwrap_or_default();
        let e = sandbox_config_from(&bad, &creds).err().unwrap_or_default();
        assert!(e.contains("neither `seeded` nor `single`"), "{e}");
    }
}
