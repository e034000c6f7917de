//! The order operations of contract §4.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use crate::auth::Ctx;
use crate::error::{ApiError, Detail};
use crate::fault::Fault;
use crate::state::{
    lock, IdemRecord, Order, OrderItem, OrderRecord, OrderStatus, Payment, SandboxState, Stats,
    World,
};
use crate::validate::{validate_order, NewOrder};

pub const MAX_BODY: usize = 1024 * 1024;
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// The body, at most [`MAX_BODY`] bytes. A longer one is read to its end and thrown away
/// (up to [`crate::util::DRAIN_CAP`]) before the 413, so the client sees the answer.
pub async fn read_capped(body: Body) -> Result<Vec<u8>, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::validation("body", format!("unreadable body: {e}")))?;
        if let Some(data) = frame.data_ref() {
            if out.len() + data.len() > MAX_BODY {
                let seen = out.len() + data.len();
                drop(out);
                let drained =
                    crate::util::drain(body, crate::util::DRAIN_CAP.saturating_sub(seen)).await;
                return Err(if drained {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::PayloadTooLargeClose
                });
            }
            out.extend_from_slice(data);
        }
    }
    Ok(out)
}

/// Checks `Content-Type: application/json`, reads at most 1 MiB and parses it.
pub async fn read_json(headers: &HeaderMap, body: Body) -> Result<Value, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::validation(
            "headers.Content-Type",
            "must be application/json",
        ));
    }
    let bytes = read_capped(body).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::validation("body", format!("malformed JSON: {e}")))
}

/// Query parameters (last one wins; empty values count as absent) and `limit`.
pub fn page_params(
    uri: &Uri,
    default_limit: usize,
) -> Result<(HashMap<String, String>, usize), ApiError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|_| ApiError::validation("query", "malformed query string"))?;
    let params: HashMap<String, String> =
        pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let limit = match params.get("limit") {
        None => default_limit,
        Some(l) => match l.parse::<usize>() {
            Ok(n @ 1..=100) => n,
            _ => {
                return Err(ApiError::validation(
                    "query.limit",
                    "must be an integer between 1 and 100",
                ))
            }
        },
    };
    Ok((params, limit))
}

fn order_response(order: &Order, status: StatusCode, with_location: bool) -> Response {
    let mut resp = (status, Json(order)).into_response();
    if with_location {
        if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/orders/{}", order.order_id)) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    resp
}

/// `POST /api/v1/orders`.
pub async fn create(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    ctx.require(&state, "write")?;
    let key = match headers.get("x-idempotency-key") {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if (1..=255).contains(&k.len()) => Some(k.to_owned()),
            _ => {
                return Err(ApiError::validation(
                    "headers.X-Idempotency-Key",
                    "must be 1-255 visible ASCII characters",
                ))
            }
        },
    };
    let body = read_json(&headers, body).await?;
    let new = {
        let world = lock(&state.inner.world);
        validate_order(&body, |p| world.products.contains_key(p)).map_err(ApiError::Validation)?
    };
    let with_location = !state.has(Fault::LocationMissing);
    let created_status = if state.has(Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };

    let Some(key) = key.filter(|_| !state.has(Fault::IdempotencyIgnored)) else {
        let order = place(&state, &ctx, new)?;
        return Ok(order_response(&order, created_status, with_location));
    };

    // One lock per (client, key): concurrent requests with one key are serialized,
    // so exactly one of them creates the order.
    let slot = {
        let mut idem = lock(&state.inner.idem);
        let now = Instant::now();
        if idem.len() > 10_000 {
            idem.retain(|_, s| {
                s.try_lock()
                    .map(|r| {
                        r.as_ref()
                            .is_none_or(|r| now - r.stored_at < IDEMPOTENCY_TTL)
                    })
                    .unwrap_or(true)
            });
        }
        idem.entry((ctx.caller.client_id.clone(), key))
            .or_default()
            .clone()
    };
    let mut guard = crate::variant::claim_key(&state, &slot).await?;
    if let Some(rec) = guard
        .as_ref()
        .filter(|r| r.stored_at.elapsed() < IDEMPOTENCY_TTL)
    {
        if rec.body == body || state.has(Fault::IdempotencyConflictIgnored) {
            let world = lock(&state.inner.world);
            return match world.orders.get(&rec.order_id) {
                Some(r) => Ok(order_response(&r.order, StatusCode::OK, true)),
                None => Err(ApiError::Internal),
            };
        }
        return Err(ApiError::DuplicateOrder {
            existing_order_id: rec.order_id.clone(),
        });
    }
    let order = place(&state, &ctx, new)?;
    *guard = Some(IdemRecord {
        body,
        order_id: order.order_id.clone(),
        stored_at: Instant::now(),
    });
    drop(guard);
    Ok(order_response(&order, created_status, with_location))
}

fn new_order_id(state: &SandboxState, world: &World) -> String {
    if state.has(Fault::SchemaOrderId) {
        return format!("ORD-{}", 100 + world.next_seq);
    }
    loop {
        let id = format!("ORD-{:08}", rand::random_range(0..100_000_000u32));
        if !world.orders.contains_key(&id) {
            return id;
        }
    }
}

/// customer → reserve → charge → create, atomically under the world lock.
fn place(state: &SandboxState, ctx: &Ctx, new: NewOrder) -> Result<Order, ApiError> {
    let order = {
        let mut world = lock(&state.inner.world);
        let payment = match world.customers.get(&new.customer_id) {
            Some(c) if c.status == crate::state::CustomerStatus::Active => c.payment,
            _ => return Err(ApiError::InvalidCustomer(new.customer_id)),
        };

        // Reserve: every item, counting repeated products together.
        let mut need: HashMap<&str, u64> = HashMap::new();
        let mut short = Vec::new();
        for (i, item) in new.items.iter().enumerate() {
            let available = world
                .products
                .get(&item.product_id)
                .map_or(0, |p| u64::try_from(p.available()).unwrap_or(0));
            let total = need.entry(item.product_id.as_str()).or_insert(0);
            *total += u64::from(item.quantity);
            if *total > available {
                short.push(Detail::new(
                    format!("items[{i}].quantity"),
                    format!(
                        "requested {}, only {} available",
                        item.quantity,
                        available.saturating_sub(*total - u64::from(item.quantity))
                    ),
                ));
            }
        }
        if !short.is_empty() {
            return Err(ApiError::InsufficientInventory(short));
        }
        let mut items = Vec::with_capacity(new.items.len());
        let mut total_cents: i64 = 0;
        for item in &new.items {
            let Some(p) = world.products.get_mut(&item.product_id) else {
                return Err(ApiError::Internal);
            };
            p.reserved += u64::from(item.quantity);
            let price = item.unit_price_cents.unwrap_or(p.price_cents);
            total_cents =
                total_cents.saturating_add(price.saturating_mul(i64::from(item.quantity)));
            items.push(OrderItem {
                product_id: item.product_id.clone(),
                quantity: item.quantity,
                unit_price: crate::util::money(price),
            });
        }

        // Charge.
        if payment == Payment::Decline {
            if !state.has(Fault::InventoryNotReleased) {
                for item in &new.items {
                    if let Some(p) = world.products.get_mut(&item.product_id) {
                        p.reserved = p.reserved.saturating_sub(u64::from(item.quantity));
                    }
                }
            }
            return Err(ApiError::PaymentFailed);
        }

        // Create.
        let now = crate::util::now();
        let created_at = if state.has(Fault::SchemaCreatedAt) {
            crate::util::slashed(now)
        } else {
            crate::util::rfc3339(now)
        };
        let order_id = new_order_id(state, &world);
        let delivery = crate::util::rfc3339(now + time::Duration::days(5));
        let renamed = state.has(Fault::PropertyRenamed);
        let host = ctx.host.as_deref().unwrap_or("localhost");
        let order = Order {
            tracking_url: format!("http://{host}/orders/{order_id}/track"),
            order_id: order_id.clone(),
            customer_id: new.customer_id,
            status: OrderStatus::Pending,
            items,
            shipping_address: new.shipping_address,
            total_amount: crate::util::money(total_cents),
            currency: "USD",
            created_at,
            updated_at: crate::util::rfc3339(now),
            estimated_delivery: (!renamed).then(|| delivery.clone()),
            estimated_delivery_date: renamed.then_some(delivery),
        };
        let seq = world.next_seq;
        world.next_seq += 1;
        world.orders.insert(
            order_id,
            OrderRecord {
                order: order.clone(),
                client_id: ctx.caller.client_id.clone(),
                seq,
            },
        );
        order
    };
    Stats::bump(&state.inner.stats.orders_created);
    if !state.has(Fault::WebhookMissing) {
        state.emit(
            &ctx.caller.client_id,
            "order.created",
            crate::webhooks::created_data(&order),
        );
    }
    Ok(order)
}

fn order_not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("Order {id} not found"))
}

/// `GET /api/v1/orders/{order_id}`.
pub async fn get(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    ctx.require(&state, "read")?;
    let world = lock(&state.inner.world);
    match world.orders.get(&id) {
        Some(r) if r.client_id == ctx.caller.client_id || state.has(Fault::CrossClientRead) => {
            Ok(Json(&r.order).into_response())
        }
        None if state.has(Fault::NotFoundAsEmpty) => Ok(Json(json!({})).into_response()),
        _ => Err(order_not_found(&id)),
    }
}

/// Newest first, after `cursor`, at most `limit`, of the caller's orders that `keep`.
fn page(
    world: &World,
    client_id: &str,
    params: &HashMap<String, String>,
    limit: usize,
    keep: impl Fn(&Order) -> bool,
) -> Result<Value, ApiError> {
    let before = match params.get("cursor") {
        Some(c) => Some(
            crate::util::decode_cursor("orders", c)
                .ok_or_else(|| ApiError::validation("query.cursor", "is not a valid cursor"))?,
        ),
        None => None,
    };
    let mut matching: Vec<&OrderRecord> = world
        .orders
        .values()
        .filter(|r| r.client_id == client_id)
        .filter(|r| before.is_none_or(|b| r.seq < b))
        .filter(|r| keep(&r.order))
        .collect();
    matching.sort_by_key(|r| std::cmp::Reverse(r.seq));
    let more = matching.len() > limit;
    matching.truncate(limit);
    let next = match matching.last() {
        Some(last) if more => Some(crate::util::encode_cursor("orders", last.seq)),
        _ => None,
    };
    let data: Vec<&Order> = matching.iter().map(|r| &r.order).collect();
    Ok(json!({"data": data, "next_cursor": next}))
}

/// `GET /api/v1/orders`.
pub async fn list(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    ctx.require(&state, "read")?;
    let (params, limit) = page_params(&uri, 20)?;
    let status = match params.get("status") {
        None => None,
        Some(s) => Some(OrderStatus::parse(s).ok_or_else(|| {
            ApiError::validation(
                "query.status",
                "must be one of pending, shipped, delivered, cancelled",
            )
        })?),
    };
    let customer = params.get("customer_id").cloned();
    let world = lock(&state.inner.world);
    let body = page(&world, &ctx.caller.client_id, &params, limit, |o| {
        status.is_none_or(|s| o.status == s)
            && customer.as_deref().is_none_or(|c| o.customer_id == c)
    })?;
    Ok(Json(body))
}

/// `GET /api/v1/search?q=`.
pub async fn search(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    ctx.require(&state, "read")?;
    let (params, limit) = page_params(&uri, 20)?;
    let q = params
        .get("q")
        .cloned()
        .ok_or_else(|| ApiError::validation("query.q", "is required and must not be empty"))?;
    let world = lock(&state.inner.world);
    let body = page(&world, &ctx.caller.client_id, &params, limit, |o| {
        o.order_id.contains(&q)
            || o.customer_id.contains(&q)
            || o.items.iter().any(|i| i.product_id.contains(&q))
    })?;
    Ok(Json(body))
}

/// `POST /api/v1/orders/{order_id}/cancel`.
pub async fn cancel(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    ctx.require(&state, "write")?;
    let (order, client_id) = {
        let mut guard = lock(&state.inner.world);
        let world = &mut *guard;
        let rec = match world.orders.get_mut(&id) {
            Some(r) if r.client_id == ctx.caller.client_id => r,
            _ => return Err(order_not_found(&id)),
        };
        if rec.order.status != OrderStatus::Pending {
            if state.has(Fault::CancelAnyStatus) {
                return Ok(Json(rec.order.clone()));
            }
            return Err(ApiError::Conflict(format!(
                "Order {id} is {} and cannot be cancelled",
                rec.order.status.as_str()
            )));
        }
        rec.order.status = OrderStatus::Cancelled;
        rec.order.updated_at = crate::util::rfc3339_now();
        for item in &rec.order.items {
            if let Some(p) = world.products.get_mut(&item.product_id) {
                p.reserved = p.reserved.saturating_sub(u64::from(item.quantity));
            }
        }
        (rec.order.clone(), rec.client_id.clone())
    };
    let data = crate::webhooks::status_data(&order, OrderStatus::Pending);
    state.emit(&client_id, "order.cancelled", data.clone());
    state.emit(&client_id, "order.updated", data);
    Ok(Json(order))
}

/// Moves a pending order to shipped, a shipped one to delivered (sandbox control).
pub fn advance(state: &SandboxState, id: &str) -> Result<Order, ApiError> {
    let (order, previous, client_id) = {
        let mut guard = lock(&state.inner.world);
        let world = &mut *guard;
        let rec = world
            .orders
            .get_mut(id)
            .ok_or_else(|| order_not_found(id))?;
        let previous = rec.order.status;
        match previous {
            OrderStatus::Pending => {
                for item in &rec.order.items {
                    if let Some(p) = world.products.get_mut(&item.product_id) {
                        let q = u64::from(item.quantity);
                        p.stock = p.stock.saturating_sub(q);
                        p.reserved = p.reserved.saturating_sub(q);
                    }
                }
                rec.order.status = OrderStatus::Shipped;
            }
            OrderStatus::Shipped => rec.order.status = OrderStatus::Delivered,
            other => {
                return Err(ApiError::Conflict(format!(
                    "Order {id} is {} and cannot advance",
                    other.as_str()
                )))
            }
        }
        rec.order.updated_at = crate::util::rfc3339_now();
        (rec.order.clone(), previous, rec.client_id.clone())
    };
    state.emit(
        &client_id,
        "order.updated",
        crate::webhooks::status_data(&order, previous),
    );
    Ok(order)
}
