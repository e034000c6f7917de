//! The in-memory world of a sandbox: clients, tokens, customers, products, orders,
//! idempotency keys, rate-limit buckets and webhook subscriptions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::config::SandboxConfig;
use crate::fault::Fault;
use crate::ratelimit::Limiter;
use crate::webhooks::Hooks;

/// Locks a std mutex, recovering from poisoning (state stays usable after a panic
/// elsewhere; every critical section leaves it consistent).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomerStatus {
    Active,
    Inactive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Payment {
    Approve,
    Decline,
}

#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub customer_id: String,
    pub status: CustomerStatus,
    pub payment: Payment,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub stock: u64,
    pub reserved: u64,
    pub price_cents: i64,
}

impl Product {
    /// `stock − reserved`; negative when a control set the stock below what pending
    /// orders hold.
    pub fn available(&self) -> i64 {
        i64::try_from(self.stock).unwrap_or(i64::MAX)
            - i64::try_from(self.reserved).unwrap_or(i64::MAX)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        match s {
            "pending" => Some(OrderStatus::Pending),
            "shipped" => Some(OrderStatus::Shipped),
            "delivered" => Some(OrderStatus::Delivered),
            "cancelled" => Some(OrderStatus::Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderItem {
    pub product_id: String,
    pub quantity: u32,
    pub unit_price: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
}

/// The order object of contract §4.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub order_id: String,
    pub customer_id: String,
    pub status: OrderStatus,
    pub items: Vec<OrderItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    pub total_amount: f64,
    pub currency: &'static str,
    pub created_at: String,
    pub updated_at: String,
    /// Absent, and `estimated_delivery_date` present instead, under the `property-renamed` fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_delivery: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_delivery_date: Option<String>,
    pub tracking_url: String,
}

#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub order: Order,
    /// The order as created (what the stale-cache faults answer).
    pub created: Order,
    pub client_id: String,
    /// Creation sequence: newest first means highest first.
    pub seq: u64,
}

/// Customers, products and orders: one lock, so that reserve-charge-create is atomic.
#[derive(Debug, Default)]
pub struct World {
    pub customers: HashMap<String, Customer>,
    pub products: HashMap<String, Product>,
    pub orders: HashMap<String, OrderRecord>,
    pub next_seq: u64,
}

impl World {
    pub fn seeded(config: &SandboxConfig) -> World {
        let mut w = World::default();
        for (id, status, payment) in [
            ("CUST-12345", CustomerStatus::Active, Payment::Approve),
            ("CUST-INACTIVE", CustomerStatus::Inactive, Payment::Approve),
            ("CUST-DECLINE", CustomerStatus::Active, Payment::Decline),
        ] {
            w.customers.insert(
                id.to_owned(),
                Customer {
                    customer_id: id.to_owned(),
                    status,
                    payment,
                },
            );
        }
        let sku_002_cents = if config.has(Fault::SeedPriceRounded) {
            900
        } else {
            950
        };
        let out_stock = if config.has(Fault::SeedOutStocked) {
            10
        } else {
            0
        };
        for (id, stock, price_cents) in [
            ("SKU-001", 1000, 2999),
            ("SKU-002", 1000, sku_002_cents),
            ("SKU-OUT", out_stock, 500),
        ] {
            w.products.insert(
                id.to_owned(),
                Product {
                    stock,
                    reserved: 0,
                    price_cents,
                },
            );
        }
        w
    }
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: Instant,
}

/// What an idempotency key remembers: the request body and the order it created.
#[derive(Debug, Clone)]
pub struct IdemRecord {
    pub body: Value,
    /// The body as sent (the `idempotency-byte-compare` fault compares these).
    pub raw: Vec<u8>,
    pub order_id: String,
    /// A stored failure (only under the `idempotency-stores-failures` fault).
    pub failure: Option<crate::error::ApiError>,
    pub stored_at: Instant,
}

pub type IdemSlot = Arc<tokio::sync::Mutex<Option<IdemRecord>>>;

/// Counters shown by `GET /sandbox/v1/stats`.
#[derive(Debug, Default)]
pub struct Stats {
    pub token_requests: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub orders_created: AtomicU64,
    pub rate_limited: AtomicU64,
    pub webhook_events: AtomicU64,
    pub webhook_attempts: AtomicU64,
    pub webhook_successes: AtomicU64,
}

impl Stats {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn to_json(&self) -> Value {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        serde_json::json!({
            "token_requests": g(&self.token_requests),
            "tokens_issued": g(&self.tokens_issued),
            "orders_created": g(&self.orders_created),
            "rate_limited": g(&self.rate_limited),
            "webhook_events": g(&self.webhook_events),
            "webhook_attempts": g(&self.webhook_attempts),
            "webhook_successes": g(&self.webhook_successes),
        })
    }
}

pub(crate) struct Inner {
    pub config: SandboxConfig,
    pub tokens: Mutex<HashMap<String, TokenInfo>>,
    pub stats: Stats,
    pub world: Mutex<World>,
    pub idem: Mutex<HashMap<(String, String), IdemSlot>>,
    pub limiter: Limiter,
    pub hooks: Mutex<Hooks>,
    pub http: reqwest::Client,
    pub shutdown: watch::Sender<bool>,
}

/// Shared state of one sandbox; cheap to clone.
#[derive(Clone)]
pub struct SandboxState {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    pub fn new(config: SandboxConfig) -> SandboxState {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let limiter = Limiter::new(config.rate_scale, config.orders_limit)
            .with_burst(if config.has(Fault::RatelimitNoBurst) {
                1.0
            } else if config.has(Fault::RatelimitBurstDouble) {
                2.0
            } else {
                1.5
            })
            .with_slow_refill(config.has(Fault::RatelimitSlowRefill))
            .with_daily_as_rate(config.has(Fault::RatelimitDailyAsRate));
        let (shutdown, _) = watch::channel(false);
        let world = World::seeded(&config);
        SandboxState {
            inner: Arc::new(Inner {
                config,
                tokens: Mutex::new(HashMap::new()),
                stats: Stats::default(),
                world: Mutex::new(world),
                idem: Mutex::new(HashMap::new()),
                limiter,
                hooks: Mutex::new(Hooks::default()),
                http,
                shutdown,
            }),
        }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    pub(crate) fn has(&self, fault: Fault) -> bool {
        self.inner.config.has(fault)
    }

    pub(crate) fn variant(&self, variant: crate::variant::Variant) -> bool {
        self.inner.config.variant(variant)
    }

    pub(crate) fn variants(&self) -> &crate::variant::Variants {
        &self.inner.config.variants
    }

    /// Stops background work (webhook deliveries and retries).
    pub fn stop_background(&self) {
        self.inner.shutdown.send_replace(true);
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }
}
