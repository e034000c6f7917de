//! Allowed variants (`sandbox/src/variant.rs`) really change the answers, each in the way the
//! contract allows, and nothing else: the same JSON values, the same statuses.

use crate::common::*;
use conform_sandbox::{SandboxConfig, Variant, Variants};
use reqwest::Method;

fn with(variants: &[Variant]) -> SandboxConfig {
    SandboxConfig {
        variants: Variants(variants.iter().copied().collect()),
        ..SandboxConfig::default()
    }
}

/// The raw answer: status, headers, body text.
async fn raw_get(sb: &Sb, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = sb
        .http
        .get(sb.url(path))
        .bearer_auth(&sb.token)
        .header("X-Request-ID", rid())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

#[tokio::test]
async fn additive_fields_add_properties_and_keep_the_documented_ones() {
    let sb = start(with(&[Variant::AdditiveFields])).await;
    let r = sb.create_order(&order_body(2), None).await;
    assert_eq!(r.status, 201);
    let id = r.body["order_id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["object"], "order");
    assert_eq!(r.body["links"]["self"], format!("/api/v1/orders/{id}"));
    assert_eq!(r.body["items"][0]["metadata"], serde_json::json!({}));
    assert_eq!(r.body["items"][0]["quantity"], 2);
    assert_eq!(r.body["status"], "pending");

    let list = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(list.body["object"], "list");
    assert!(list.body["has_more"].is_boolean());
    assert_eq!(list.body["data"][0]["object"], "order");

    let missing = sb
        .call(Method::GET, "/api/v1/orders/ORD-00000000", None)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error_code"], "NOT_FOUND");
    assert!(missing.body["documentation_url"].is_string());
    sb.shutdown().await;
}

#[tokio::test]
async fn key_order_number_format_and_time_format_write_the_same_values() {
    let plain = start_default().await;
    let sb = start(with(&[
        Variant::KeyOrder,
        Variant::NumberFormat,
        Variant::TimeFormat,
    ]))
    .await;
    let body = serde_json::json!({"customer_id": "CUST-12345",
        "items": [{"product_id": "SKU-002", "quantity": 1}]});
    let r = sb.create_order(&body, None).await;
    assert_eq!(r.status, 201);
    let id = r.body["order_id"].as_str().unwrap().to_owned();
    let (_, _, text) = raw_get(&sb, &format!("/api/v1/orders/{id}")).await;
    assert!(text.contains(r#""total_amount":9.50"#), "{text}");
    assert!(text.contains(r#""unit_price":9.50"#), "{text}");
    // Reverse alphabetical: `updated_at` before `order_id` before `created_at`.
    let pos = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(pos("updated_at") < pos("order_id") && pos("order_id") < pos("created_at"));
    assert!(
        text.contains(".000+00:00\""),
        "times with milliseconds and +00:00: {text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["total_amount"], 9.5);

    // The reference writes whole seconds with `Z` and the shortest number.
    let r = plain.create_order(&body, None).await;
    let id = r.body["order_id"].as_str().unwrap().to_owned();
    let (_, _, text) = raw_get(&plain, &format!("/api/v1/orders/{id}")).await;
    assert!(
        text.contains(r#""total_amount":9.5"#) && !text.contains("9.50"),
        "{text}"
    );
    assert!(text.contains(r#"Z""#), "{text}");
    sb.shutdown().await;
    plain.shutdown().await;
}

#[tokio::test]
async fn chunked_extra_headers_and_absolute_location() {
    let sb = start(with(&[
        Variant::Chunked,
        Variant::ExtraHeaders,
        Variant::AbsoluteLocation,
    ]))
    .await;
    let r = sb.create_order(&order_body(1), None).await;
    assert_eq!(r.status, 201);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:") && location.contains("/api/v1/orders/ORD-"),
        "{location}"
    );
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert!(r.header("content-length").is_none());
    assert!(r.header("x-trace-id").is_some());
    assert_eq!(r.header("x-api-version"), Some("1"));
    sb.shutdown().await;
}

#[tokio::test]
async fn message_wording_and_id_shapes() {
    let sb = start(with(&[Variant::MessageWording, Variant::IdShapes])).await;
    assert!(
        uuid::Uuid::parse_str(&sb.token).is_err() && sb.token.len() == 64,
        "{}",
        sb.token
    );
    let r = sb
        .call(Method::GET, "/api/v1/orders/ORD-00000000", None)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "NOT_FOUND");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("The request was refused"),
        "{}",
        r.body
    );
    let hook = sb
        .subscribe("http://127.0.0.1:9/x", &["order.created"], None)
        .await;
    let id = hook["webhook_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    sb.shutdown().await;
}

#[tokio::test]
async fn in_flight_conflict_answers_409_and_still_creates_one_order() {
    let sb = start(with(&[Variant::InFlightConflict])).await;
    let body = order_body(3);
    let (a, b) = tokio::join!(
        sb.create_order(&body, Some("race-1")),
        sb.create_order(&body, Some("race-1"))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.body, b.body);
    let conflict = if a.status == 409 { &a } else { &b };
    assert_eq!(conflict.body["error_code"], "CONFLICT");
    assert_eq!(sb.product("SKU-001").await["reserved"], 3);
    // Once the first is done, the same key replays.
    let again = sb.create_order(&order_body(3), Some("race-1")).await;
    assert_eq!(again.status, 200);
    sb.shutdown().await;
}

#[test]
fn every_variant_has_a_name_and_description() {
    assert!(Variant::ALL.len() >= 8);
    for v in Variant::ALL {
        assert_eq!(v.name().parse::<Variant>(), Ok(*v));
        assert!(!v.description().is_empty());
    }
}
