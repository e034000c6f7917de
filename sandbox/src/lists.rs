//! The list operations of contract §4: `GET /api/v1/orders` and `GET /api/v1/search`.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::Uri;
use axum::{Extension, Json};
use serde_json::{json, Value};

use crate::auth::Ctx;
use crate::error::ApiError;
use crate::fault::Fault;
use crate::orders::render;
use crate::state::{lock, Order, OrderRecord, OrderStatus, SandboxState, World};

/// What a page of orders selects.
struct PageQuery<'a> {
    client_id: &'a str,
    all_clients: bool,
    limit: usize,
}

/// Newest first, after `cursor`, at most `limit`, of the caller's orders that `keep`.
fn page(
    state: &SandboxState,
    world: &World,
    q: &PageQuery<'_>,
    params: &HashMap<String, String>,
    keep: impl Fn(&Order) -> bool,
) -> Result<Value, ApiError> {
    let before = match params.get("cursor") {
        Some(c) => Some(
            crate::util::decode_cursor("orders", c)
                .ok_or_else(|| ApiError::validation("query.cursor", "is not a valid cursor"))?,
        ),
        None => None,
    };
    let oldest_first = state.has(Fault::ListOldestFirst);
    let repeats = state.has(Fault::CursorRepeatsLast);
    let mut matching: Vec<&OrderRecord> = world
        .orders
        .values()
        .filter(|r| q.all_clients || r.client_id == q.client_id)
        .filter(|r| {
            before.is_none_or(|b| match (oldest_first, repeats) {
                (false, false) => r.seq < b,
                (false, true) => r.seq <= b,
                (true, false) => r.seq > b,
                (true, true) => r.seq >= b,
            })
        })
        .filter(|r| keep(&r.order))
        .collect();
    if oldest_first {
        matching.sort_by_key(|r| r.seq);
    } else {
        matching.sort_by_key(|r| std::cmp::Reverse(r.seq));
    }
    let more = matching.len() > q.limit;
    matching.truncate(q.limit);
    let next = match matching.last() {
        Some(last) if more => Some(crate::util::encode_cursor("orders", last.seq)),
        _ => None,
    };
    let data: Vec<Value> = matching.iter().map(|r| render(state, &r.order)).collect();
    if next.is_none() && state.has(Fault::ListCursorOmitted) {
        return Ok(json!({ "data": data }));
    }
    Ok(json!({"data": data, "next_cursor": next}))
}

/// `limit` of the list operations, with the `LIST-LIMIT` and `LIST-BAD-PARAM` faults.
fn list_params(
    state: &SandboxState,
    uri: &Uri,
) -> Result<(HashMap<String, String>, usize), ApiError> {
    let default = if state.has(Fault::ListDefaultLimit10) {
        10
    } else {
        20
    };
    let max = if state.has(Fault::ListLimitMax99) {
        99
    } else {
        100
    };
    crate::orders::page_params_with(uri, default, max, state.has(Fault::LimitZeroDefault))
}

/// `GET /api/v1/orders`.
pub async fn list(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    ctx.require(&state, "read")?;
    let (params, limit) = list_params(&state, &uri)?;
    let mut unknown_status = false;
    let status = match params.get("status") {
        None => None,
        Some(s) => match OrderStatus::parse(s) {
            Some(s) => Some(s),
            None if state.has(Fault::BadStatusEmpty) => {
                unknown_status = true;
                None
            }
            None => {
                return Err(ApiError::validation(
                    "query.status",
                    "must be one of pending, shipped, delivered, cancelled",
                ))
            }
        },
    };
    let customer = params.get("customer_id").cloned();
    let filters_on = !(params.contains_key("cursor") && state.has(Fault::CursorDropsFilter));
    let status = status.filter(|_| filters_on && !state.has(Fault::StatusFilterIgnored));
    let customer = customer.filter(|_| filters_on);
    let prefix = state.has(Fault::CustomerFilterPrefix);
    let world = lock(&state.inner.world);
    let q = PageQuery {
        client_id: &ctx.caller.client_id,
        all_clients: state.has(Fault::ListAllClients),
        limit,
    };
    let body = page(&state, &world, &q, &params, |o| {
        !unknown_status
            && status.is_none_or(|s| o.status == s)
            && customer.as_deref().is_none_or(|c| {
                if prefix {
                    o.customer_id.starts_with(c)
                } else {
                    o.customer_id == c
                }
            })
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
    let (params, limit) = list_params(&state, &uri)?;
    let q = match params.get("q") {
        Some(q) => q.clone(),
        None if state.has(Fault::SearchEmptyQAll) => String::new(),
        None => {
            return Err(ApiError::validation(
                "query.q",
                "is required and must not be empty",
            ))
        }
    };
    let fold = state.has(Fault::SearchCaseInsensitive);
    let prefix = state.has(Fault::SearchPrefixOnly);
    let with_products = !state.has(Fault::SearchNoProductId);
    let needle = if fold { q.to_lowercase() } else { q };
    let hit = |text: &str| {
        let text = if fold {
            text.to_lowercase()
        } else {
            text.to_owned()
        };
        if prefix {
            text.starts_with(&needle)
        } else {
            text.contains(&needle)
        }
    };
    let world = lock(&state.inner.world);
    let pq = PageQuery {
        client_id: &ctx.caller.client_id,
        all_clients: state.has(Fault::SearchAllClients),
        limit: if state.has(Fault::SearchLimitIgnored) {
            usize::MAX
        } else {
            limit
        },
    };
    let body = page(&state, &world, &pq, &params, |o| {
        hit(&o.order_id)
            || hit(&o.customer_id)
            || (with_products && o.items.iter().any(|i| hit(&i.product_id)))
    })?;
    Ok(Json(body))
}
