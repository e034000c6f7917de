//! The router and a running server.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::SandboxConfig;
use crate::state::SandboxState;
use crate::{auth, controls, lists, middleware, orders, variant, webhooks};

/// The contract document, served at `GET /openapi.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../../fixtures/contract/orders-v1.openapi.yaml");

async fn openapi() -> Response {
    let mut resp = OPENAPI_YAML.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/yaml"),
    );
    resp
}

/// The whole sandbox as a router.
pub fn app(state: SandboxState) -> Router {
    let api = Router::new()
        .route("/api/v1/orders", post(orders::create).get(lists::list))
        .route("/api/v1/orders/{order_id}", get(orders::get))
        .route("/api/v1/orders/{order_id}/cancel", post(orders::cancel))
        .route("/api/v1/search", get(lists::search))
        .route("/api/v1/webhooks", post(webhooks::create))
        .route(
            "/api/v1/webhooks/{webhook_id}",
            get(webhooks::get).delete(webhooks::delete),
        )
        .route(
            "/api/v1/webhooks/{webhook_id}/deliveries",
            get(webhooks::deliveries),
        )
        .route("/api/v1", any(middleware::not_found_inner))
        .route("/api/v1/", any(middleware::not_found_inner))
        .route("/api/v1/{*rest}", any(middleware::not_found_inner))
        .layer(from_fn_with_state(state.clone(), middleware::api));

    let sandbox = Router::new()
        .route(
            "/sandbox/v1/customers/{customer_id}",
            put(controls::put_customer),
        )
        .route(
            "/sandbox/v1/products/{product_id}",
            put(controls::put_product).get(controls::get_product),
        )
        .route(
            "/sandbox/v1/orders/{order_id}/advance",
            post(controls::advance),
        )
        .route("/sandbox/v1/stats", get(controls::stats))
        .route("/sandbox/v1/{*rest}", any(middleware::not_found_inner))
        .layer(from_fn_with_state(state.clone(), middleware::controls));

    let controls = state.inner.config.controls;
    let router = Router::new()
        .route("/oauth/token", post(auth::token))
        .route("/openapi.yaml", get(openapi))
        .merge(api);
    // Without controls, /sandbox/v1 falls through to the plain 404 of unknown paths.
    let router = if controls {
        router.merge(sandbox)
    } else {
        router
    };
    router
        .fallback(middleware::not_found)
        .layer(from_fn_with_state(state.clone(), variant::layer))
        .with_state(state)
}

/// A sandbox serving on a local address until `shutdown`.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    state: SandboxState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    /// Binds `bind` (use `127.0.0.1:0` for an ephemeral port) and serves in a task.
    pub async fn start(config: SandboxConfig, bind: SocketAddr) -> std::io::Result<RunningSandbox> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let state = SandboxState::new(config);
        let router = app(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(RunningSandbox {
            addr,
            state,
            stop: Some(stop),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (a wildcard bind address is shown as loopback).
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{addr}")
    }

    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// Stops accepting, lets in-flight requests finish (at most 5 s), stops webhook work.
    pub async fn shutdown(mut self) {
        self.state.stop_background();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}
