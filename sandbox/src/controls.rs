//! `/sandbox/v1`: the controls a test uses to set the world up (contract §7).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::fault::Fault;
use crate::state::{lock, Customer, CustomerStatus, Payment, Product, SandboxState};

/// The optional JSON body of a control: empty means `{}`; a body needs
/// `Content-Type: application/json`.
async fn body_json(
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    let bytes = crate::orders::read_capped(body, crate::orders::MAX_BODY).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
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
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::validation("body", "must be a JSON object")),
        Err(e) => Err(ApiError::validation("body", format!("malformed JSON: {e}"))),
    }
}

/// `PUT /sandbox/v1/customers/{customer_id}` `{"status"?, "payment"?}`.
pub async fn put_customer(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Customer>, ApiError> {
    let body = body_json(&headers, body).await?;
    let mut errs = Vec::new();
    let status = match body.get("status").map(|v| v.as_str()) {
        None => None,
        Some(Some("active")) => Some(CustomerStatus::Active),
        Some(Some("inactive")) => Some(CustomerStatus::Inactive),
        Some(_) => {
            errs.push(crate::error::Detail::new(
                "status",
                "must be active or inactive",
            ));
            None
        }
    };
    let payment = match body.get("payment").map(|v| v.as_str()) {
        None => None,
        Some(Some("approve")) => Some(Payment::Approve),
        Some(Some("decline")) => Some(Payment::Decline),
        Some(_) => {
            errs.push(crate::error::Detail::new(
                "payment",
                "must be approve or decline",
            ));
            None
        }
    };
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    let mut world = lock(&state.inner.world);
    let c = world.customers.entry(id.clone()).or_insert(Customer {
        customer_id: id,
        status: CustomerStatus::Active,
        payment: Payment::Approve,
    });
    if state.has(Fault::CustomerPutNotPartial) {
        c.status = CustomerStatus::Active;
        c.payment = Payment::Approve;
    }
    if let Some(s) = status {
        c.status = s;
    }
    if let Some(p) = payment {
        c.payment = p;
    }
    Ok(Json(c.clone()))
}

fn product_json(state: &SandboxState, id: &str, p: &Product) -> Value {
    let available = if state.has(Fault::ProductAvailableIsStock) {
        i64::try_from(p.stock).unwrap_or(i64::MAX)
    } else {
        p.available()
    };
    json!({
        "product_id": id,
        "stock": p.stock,
        "reserved": p.reserved,
        "available": available,
        "price": crate::util::money(p.price_cents),
    })
}

/// `PUT /sandbox/v1/products/{product_id}` `{"stock"?, "price"?}`.
pub async fn put_product(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let body = body_json(&headers, body).await?;
    let mut errs = Vec::new();
    let stock = match body.get("stock") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(n) => Some(n),
            None => {
                errs.push(crate::error::Detail::new(
                    "stock",
                    "must be an integer >= 0",
                ));
                None
            }
        },
    };
    let price = match body.get("price") {
        None => None,
        Some(v) => match v
            .as_f64()
            .filter(|p| *p >= 0.0)
            .and_then(crate::util::cents)
        {
            Some(c) => Some(c),
            None => {
                errs.push(crate::error::Detail::new(
                    "price",
                    "must be a number >= 0 with at most 2 decimals",
                ));
                None
            }
        },
    };
    if !errs.is_empty() {
        return Err(ApiError::Validation(errs));
    }
    let mut world = lock(&state.inner.world);
    let p = world.products.entry(id.clone()).or_insert(Product {
        stock: 0,
        reserved: 0,
        price_cents: 0,
    });
    if let Some(s) = stock {
        p.stock = s;
        if state.has(Fault::ProductPutResetsReserved) {
            p.reserved = 0;
        }
    }
    if let Some(c) = price {
        p.price_cents = c;
    }
    Ok(Json(product_json(&state, &id, p)))
}

/// `GET /sandbox/v1/products/{product_id}`.
pub async fn get_product(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = lock(&state.inner.world);
    match world.products.get(&id) {
        Some(p) => Ok(Json(product_json(&state, &id, p))),
        None => Err(ApiError::NotFound(format!("Product {id} not found"))),
    }
}

/// `POST /sandbox/v1/orders/{order_id}/advance`.
pub async fn advance(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    crate::orders::advance(&state, &id).map(Json)
}

/// `GET /sandbox/v1/stats`.
pub async fn stats(State(state): State<SandboxState>) -> Json<Value> {
    Json(state.inner.stats.to_json())
}
