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

/// The body limit, as the `ERR-413-PAYLOAD-TOO-LARGE` faults bend it.
pub fn body_limit(state: &SandboxState) -> usize {
    if state.has(Fault::PayloadLimitMb) {
        1_000_000
    } else if state.has(Fault::PayloadLimit2Mib) {
        2 * MAX_BODY
    } else {
        MAX_BODY
    }
}
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// The body, at most `limit` bytes ([`MAX_BODY`]). A longer one is read to its end and thrown
/// away (up to [`crate::util::DRAIN_CAP`]) before the 413, so the client sees the answer.
pub async fn read_capped(body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::validation("body", format!("unreadable body: {e}")))?;
        if let Some(data) = frame.data_ref() {
            if out.len() + data.len() > limit {
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

/// Checks `Content-Type: application/json` (unless `check_type` is false: a fault), reads at
/// most 1 MiB and parses it.
pub async fn read_json(
    state: &SandboxState,
    headers: &HeaderMap,
    body: Body,
    check_type: bool,
) -> Result<Value, ApiError> {
    read_json_raw(state, headers, body, check_type)
        .await
        .map(|(v, _)| v)
}

/// [`read_json`], also giving the raw bytes.
pub async fn read_json_raw(
    state: &SandboxState,
    headers: &HeaderMap,
    body: Body,
    check_type: bool,
) -> Result<(Value, Vec<u8>), ApiError> {
    let is_json = !check_type
        || headers
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
    let bytes = read_capped(body, body_limit(state)).await?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Ok((v, bytes)),
        Err(_) if state.has(Fault::MalformedJsonNoDetails) => Err(ApiError::Validation(vec![])),
        Err(e) => Err(ApiError::validation("body", format!("malformed JSON: {e}"))),
    }
}

/// Query parameters (last one wins; empty values count as absent) and `limit`.
pub fn page_params(
    uri: &Uri,
    default_limit: usize,
) -> Result<(HashMap<String, String>, usize), ApiError> {
    page_params_with(uri, default_limit, 100, false)
}

/// [`page_params`] with the faults' edges: the largest `limit`, and whether a non-positive
/// `limit` falls back to the default.
pub fn page_params_with(
    uri: &Uri,
    default_limit: usize,
    max_limit: usize,
    lenient: bool,
) -> Result<(HashMap<String, String>, usize), ApiError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|_| ApiError::validation("query", "malformed query string"))?;
    let params: HashMap<String, String> =
        pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let limit = match params.get("limit") {
        None => default_limit,
        Some(l) if lenient && l.parse::<i64>().is_ok_and(|n| n <= 0) => default_limit,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=max_limit).contains(&n) => n,
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

/// The order as answered, with the faults that bend its rendering.
pub fn render(state: &SandboxState, order: &Order) -> Value {
    let mut v = serde_json::to_value(order).unwrap_or_default();
    if state.has(Fault::StatusConfirmed) && order.status == OrderStatus::Pending {
        v["status"] = json!("confirmed");
    }
    if state.has(Fault::TimesLocalOffset) {
        for key in ["created_at", "updated_at", "estimated_delivery"] {
            if let Some(t) = v[key].as_str() {
                v[key] = json!(crate::util::plus_two_hours(t));
            }
        }
    }
    if state.has(Fault::ItemsSorted) {
        if let Some(items) = v["items"].as_array_mut() {
            items.sort_by(|a, b| {
                a["product_id"]
                    .as_str()
                    .unwrap_or_default()
                    .cmp(b["product_id"].as_str().unwrap_or_default())
            });
        }
    }
    v
}

fn order_response(
    state: &SandboxState,
    order: &Order,
    status: StatusCode,
    with_location: bool,
) -> Response {
    let mut resp = (status, Json(render(state, order))).into_response();
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
    let max_key = if state.has(Fault::IdempotencyKeyMax254) {
        254
    } else {
        255
    };
    let key = match headers.get("x-idempotency-key") {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if (1..=max_key).contains(&k.len()) => Some(k.to_owned()),
            _ => {
                return Err(ApiError::validation(
                    "headers.X-Idempotency-Key",
                    "must be 1-255 visible ASCII characters",
                ))
            }
        },
    };
    let check_type = !state.has(Fault::ContentTypeIgnored);
    let (body, raw) = read_json_raw(&state, &headers, body, check_type).await?;
    let new = {
        let world = lock(&state.inner.world);
        let has = |f: Fault| state.has(f);
        validate_order(&body, |p| world.products.contains_key(p), &has)
            .map_err(ApiError::Validation)?
    };
    let with_location = !state.has(Fault::LocationMissing);
    let created_status = if state.has(Fault::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };

    let Some(key) = key.filter(|_| !state.has(Fault::IdempotencyIgnored)) else {
        let order = place(&state, &ctx, new)?;
        return Ok(order_response(
            &state,
            &order,
            created_status,
            with_location,
        ));
    };
    if state.has(Fault::IdempotencyRace) {
        return create_racy(&state, &ctx, key, body, raw, new).await;
    }

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
        return replay(&state, &ctx, rec, &body, &raw);
    }
    let order = match place(&state, &ctx, new) {
        Ok(order) => order,
        Err(e) => {
            if state.has(Fault::IdempotencyStoresFailures) {
                *guard = Some(IdemRecord {
                    body,
                    raw,
                    order_id: String::new(),
                    failure: Some(e.clone()),
                    stored_at: Instant::now(),
                });
            }
            return Err(e);
        }
    };
    *guard = Some(IdemRecord {
        body,
        raw,
        order_id: order.order_id.clone(),
        failure: None,
        stored_at: Instant::now(),
    });
    drop(guard);
    Ok(order_response(
        &state,
        &order,
        created_status,
        with_location,
    ))
}

/// The answer to a request whose key is already stored.
fn replay(
    state: &SandboxState,
    ctx: &Ctx,
    rec: &IdemRecord,
    body: &Value,
    raw: &[u8],
) -> Result<Response, ApiError> {
    let same = if state.has(Fault::IdempotencyByteCompare) {
        rec.raw == raw
    } else {
        rec.body == *body
    };
    if let Some(failure) = &rec.failure {
        return if same {
            Err(failure.clone())
        } else {
            Err(ApiError::DuplicateOrder {
                existing_order_id: String::new(),
            })
        };
    }
    if !(same || state.has(Fault::IdempotencyConflictIgnored)) {
        return Err(ApiError::DuplicateOrder {
            existing_order_id: rec.order_id.clone(),
        });
    }
    let order = {
        let mut guard = lock(&state.inner.world);
        let world = &mut *guard;
        let Some(r) = world.orders.get(&rec.order_id) else {
            return Err(ApiError::Internal);
        };
        if state.has(Fault::IdempotencyReplayReserves) {
            let items = r.order.items.clone();
            for item in &items {
                if let Some(p) = world.products.get_mut(&item.product_id) {
                    p.reserved += u64::from(item.quantity);
                }
            }
        }
        let r = world.orders.get(&rec.order_id).ok_or(ApiError::Internal)?;
        if state.has(Fault::IdempotencyReplaySnapshot) {
            r.created.clone()
        } else {
            r.order.clone()
        }
    };
    if state.has(Fault::IdempotencyReplayWebhook) {
        state.emit(
            &ctx.caller.client_id,
            "order.created",
            crate::webhooks::created_data(state, &order),
        );
    }
    let status = if state.has(Fault::IdempotencyReplay201) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let with_location = !state.has(Fault::LocationMissingOnReplay);
    Ok(order_response(state, &order, status, with_location))
}

/// The `idempotency-race` fault: look the key up, place the order (the payment service takes
/// its time), then store the key, with nothing held in between.
async fn create_racy(
    state: &SandboxState,
    ctx: &Ctx,
    key: String,
    body: Value,
    raw: Vec<u8>,
    new: NewOrder,
) -> Result<Response, ApiError> {
    let slot = lock(&state.inner.idem)
        .entry((ctx.caller.client_id.clone(), key))
        .or_default()
        .clone();
    {
        let guard = slot.lock().await;
        if let Some(rec) = guard.as_ref() {
            return replay(state, ctx, rec, &body, &raw);
        }
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let order = place(state, ctx, new)?;
    *slot.lock().await = Some(IdemRecord {
        body,
        raw,
        order_id: order.order_id.clone(),
        failure: None,
        stored_at: Instant::now(),
    });
    Ok(order_response(state, &order, StatusCode::CREATED, true))
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
    let new = if state.has(Fault::ItemsMerged) {
        merge_items(new)
    } else {
        new
    };
    let order = {
        let mut world = lock(&state.inner.world);
        let payment = match world.customers.get(&new.customer_id) {
            Some(c) if c.status == crate::state::CustomerStatus::Active => c.payment,
            Some(c) if state.has(Fault::InactiveCustomerAccepted) => c.payment,
            None if state.has(Fault::UnknownCustomer404) => {
                return Err(ApiError::NotFound(format!(
                    "Customer {} not found",
                    new.customer_id
                )))
            }
            _ => return Err(ApiError::InvalidCustomer(new.customer_id)),
        };

        // Reserve: every item, counting repeated products together.
        let short = shortages(state, &world, &new);
        if !short.is_empty() {
            if state.has(Fault::InsufficientKeepsReservation) {
                let first_short = short.iter().map(|(i, _)| *i).min().unwrap_or(0);
                for item in new.items.iter().take(first_short) {
                    if let Some(p) = world.products.get_mut(&item.product_id) {
                        p.reserved += u64::from(item.quantity);
                    }
                }
            }
            let details = if state.has(Fault::InsufficientListsAll) {
                (0..new.items.len())
                    .map(|i| Detail::new(format!("items[{i}].quantity"), "insufficient inventory"))
                    .collect()
            } else {
                short.into_iter().map(|(_, d)| d).collect()
            };
            return Err(ApiError::InsufficientInventory(details));
        }
        let mut items = Vec::with_capacity(new.items.len());
        let mut total_cents: i64 = 0;
        let mut total_float: f64 = 0.0;
        for (i, item) in new.items.iter().enumerate() {
            let Some(p) = world.products.get_mut(&item.product_id) else {
                return Err(ApiError::Internal);
            };
            let q = u64::from(item.quantity);
            if state.has(Fault::ReserveLowersStock) {
                p.stock = p.stock.saturating_sub(q);
            } else if i == 0 || !state.has(Fault::ReserveFirstItemOnly) {
                p.reserved += q;
            }
            let catalog = if state.has(Fault::CatalogPriceZero) {
                0
            } else {
                p.price_cents
            };
            let price = item.unit_price_cents.unwrap_or(catalog);
            let quantity = if state.has(Fault::TotalIgnoresQuantity) {
                1
            } else {
                i64::from(item.quantity)
            };
            total_cents = total_cents.saturating_add(price.saturating_mul(quantity));
            total_float += crate::util::money(price) * quantity as f64;
            items.push(OrderItem {
                product_id: item.product_id.clone(),
                quantity: item.quantity,
                unit_price: crate::util::money(price),
            });
        }
        let total_amount = if state.has(Fault::TotalTruncated) {
            (total_float * 100.0).trunc() / 100.0
        } else {
            crate::util::money(total_cents)
        };

        // Charge.
        let declined = payment == Payment::Decline;
        if declined && !state.has(Fault::InventoryNotReleased) {
            for item in &new.items {
                if let Some(p) = world.products.get_mut(&item.product_id) {
                    p.reserved = p.reserved.saturating_sub(u64::from(item.quantity));
                }
            }
        }
        if declined && !state.has(Fault::DeclinedOrderStored) {
            return Err(ApiError::PaymentFailed);
        }

        // Create.
        let now = crate::util::now();
        let created_at = if state.has(Fault::SchemaCreatedAt) {
            crate::util::slashed(now)
        } else {
            crate::util::rfc3339(now)
        };
        let delivery_days = if state.has(Fault::EstimatedDelivery4Days) {
            4
        } else {
            5
        };
        let order_id = new_order_id(state, &world);
        let delivery = crate::util::rfc3339(now + time::Duration::days(delivery_days));
        let renamed = state.has(Fault::PropertyRenamed);
        let host = ctx.host.as_deref().unwrap_or("localhost");
        let tracking_url = if state.has(Fault::TrackingUrlRelative) {
            format!("/orders/{order_id}/track")
        } else {
            format!("http://{host}/orders/{order_id}/track")
        };
        let order = Order {
            tracking_url,
            order_id: order_id.clone(),
            customer_id: new.customer_id,
            status: if declined {
                OrderStatus::Cancelled
            } else {
                OrderStatus::Pending
            },
            items,
            shipping_address: new.shipping_address,
            total_amount,
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
                created: order.clone(),
                order: order.clone(),
                client_id: ctx.caller.client_id.clone(),
                seq,
            },
        );
        if declined {
            return Err(ApiError::PaymentFailed);
        }
        order
    };
    Stats::bump(&state.inner.stats.orders_created);
    if !state.has(Fault::WebhookMissing) {
        state.emit(
            &ctx.caller.client_id,
            "order.created",
            crate::webhooks::created_data(state, &order),
        );
    }
    Ok(order)
}

/// The items that cannot be reserved, by index, with their detail.
fn shortages(state: &SandboxState, world: &World, new: &NewOrder) -> Vec<(usize, Detail)> {
    let mut need: HashMap<&str, u64> = HashMap::new();
    let mut short = Vec::new();
    for (i, item) in new.items.iter().enumerate() {
        let available = world
            .products
            .get(&item.product_id)
            .map_or(0, |p| u64::try_from(p.available()).unwrap_or(0));
        let total = need.entry(item.product_id.as_str()).or_insert(0);
        if !state.has(Fault::InventoryNotSummed) {
            *total += u64::from(item.quantity);
        } else {
            *total = u64::from(item.quantity);
        }
        let is_short = if state.has(Fault::InventoryOffByOne) {
            *total >= available
        } else {
            *total > available
        };
        if is_short {
            short.push((
                i,
                Detail::new(
                    format!("items[{i}].quantity"),
                    format!(
                        "requested {}, only {} available",
                        item.quantity,
                        available.saturating_sub(*total - u64::from(item.quantity))
                    ),
                ),
            ));
        }
    }
    short
}

/// The `items-merged` fault: items of one product become one item (first price wins).
fn merge_items(mut new: NewOrder) -> NewOrder {
    let mut merged: Vec<crate::validate::NewItem> = Vec::new();
    for item in new.items {
        match merged.iter_mut().find(|m| m.product_id == item.product_id) {
            Some(m) => m.quantity += item.quantity,
            None => merged.push(item),
        }
    }
    new.items = merged;
    new
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
            let order = if state.has(Fault::GetStaleOrder) {
                &r.created
            } else {
                &r.order
            };
            let mut v = render(&state, order);
            if state.has(Fault::OrderUpdatedAtMissing) {
                if let Some(o) = v.as_object_mut() {
                    o.remove("updated_at");
                }
            }
            Ok(Json(v).into_response())
        }
        Some(_) if state.has(Fault::CrossClient403) => Err(ApiError::Forbidden("read")),
        None if state.has(Fault::NotFoundAsEmpty) => Ok(Json(json!({})).into_response()),
        None if state.has(Fault::ErrorCodeOrderNotFound) => {
            let mut resp = order_not_found(&id).into_response();
            if let Some(p) = resp
                .extensions_mut()
                .get_mut::<crate::error::ErrorPayload>()
            {
                p.fields
                    .insert("error_code".into(), json!("ORDER_NOT_FOUND"));
            }
            Ok(resp)
        }
        _ => Err(order_not_found(&id)),
    }
}

/// `POST /api/v1/orders/{order_id}/cancel`.
pub async fn cancel(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !state.has(Fault::CancelScopeNotEnforced) {
        ctx.require(&state, "write")?;
    }
    let (order, answer, client_id) = {
        let mut guard = lock(&state.inner.world);
        let world = &mut *guard;
        let rec = match world.orders.get_mut(&id) {
            Some(r) if r.client_id == ctx.caller.client_id => r,
            None if state.has(Fault::CancelUnknownConflict) => {
                return Err(ApiError::Conflict(format!(
                    "Order {id} is not pending and cannot be cancelled"
                )))
            }
            _ => return Err(order_not_found(&id)),
        };
        let status = rec.order.status;
        if status != OrderStatus::Pending {
            let tolerated = state.has(Fault::CancelAnyStatus)
                || (status == OrderStatus::Cancelled && state.has(Fault::CancelTwiceOk));
            if tolerated {
                return Ok(Json(render(&state, &rec.order)));
            }
            return Err(ApiError::Conflict(format!(
                "Order {id} is {} and cannot be cancelled",
                status.as_str()
            )));
        }
        let before = rec.order.clone();
        rec.order.status = OrderStatus::Cancelled;
        if !state.has(Fault::CancelKeepsUpdatedAt) {
            rec.order.updated_at = crate::util::rfc3339_now();
        }
        if !state.has(Fault::CancelNotReleased) {
            for item in &rec.order.items {
                if let Some(p) = world.products.get_mut(&item.product_id) {
                    let q = u64::from(item.quantity);
                    p.reserved = p.reserved.saturating_sub(q);
                    if state.has(Fault::CancelLowersStock) {
                        p.stock = p.stock.saturating_sub(q);
                    }
                }
            }
        }
        let answer = if state.has(Fault::CancelReturnsOldStatus) {
            before
        } else {
            rec.order.clone()
        };
        (rec.order.clone(), answer, rec.client_id.clone())
    };
    let data = crate::webhooks::status_data(&state, &order, OrderStatus::Pending);
    if state.has(Fault::CancelEventsReversed) {
        state.emit(&client_id, "order.updated", data.clone());
        state.emit(&client_id, "order.cancelled", data);
    } else {
        state.emit(&client_id, "order.cancelled", data.clone());
        if !state.has(Fault::CancelUpdatedMissing) {
            state.emit(&client_id, "order.updated", data);
        }
    }
    Ok(Json(render(&state, &answer)))
}

/// Moves a pending order to shipped, a shipped one to delivered (sandbox control).
pub fn advance(state: &SandboxState, id: &str) -> Result<Value, ApiError> {
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
                        if !state.has(Fault::ShipKeepsStock) {
                            p.stock = p.stock.saturating_sub(q);
                        }
                        p.reserved = p.reserved.saturating_sub(q);
                    }
                }
                rec.order.status = if state.has(Fault::AdvanceSkipsShipped) {
                    OrderStatus::Delivered
                } else {
                    OrderStatus::Shipped
                };
            }
            OrderStatus::Shipped => rec.order.status = OrderStatus::Delivered,
            OrderStatus::Delivered if state.has(Fault::AdvanceDeliveredOk) => {
                return Ok(render(state, &rec.order));
            }
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
    let silent = previous == OrderStatus::Shipped && state.has(Fault::WebhookDeliveredMissing);
    if !silent {
        state.emit(
            &client_id,
            "order.updated",
            crate::webhooks::status_data(state, &order, previous),
        );
    }
    if state.has(Fault::AdvanceReturnsPrevious) {
        let mut before = order;
        before.status = previous;
        return Ok(render(state, &before));
    }
    Ok(render(state, &order))
}
