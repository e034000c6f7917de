//! Orders: create, validation, inventory, payment, get, list, search, cancel, advance.

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn is_order_id(s: &str) -> bool {
    s.len() == 12 && s.starts_with("ORD-") && s[4..].bytes().all(|b| b.is_ascii_digit())
}

fn parse(t: &Value) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(
        t.as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

#[tokio::test]
async fn create_returns_the_order_object() {
    let sb = start_default().await;
    let body = json!({
        "customer_id": "CUST-12345",
        "items": [
            {"product_id": "SKU-001", "quantity": 3},
            {"product_id": "SKU-002", "quantity": 2, "unit_price": 9.99}
        ],
        "shipping_address": {"street": "1 Main St", "city": "Springfield",
                             "postal_code": "12345", "country": "US"}
    });
    let r = sb.create_order(&body, None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let o = &r.body;
    let id = o["order_id"].as_str().unwrap();
    assert!(is_order_id(id), "{id}");
    assert_eq!(
        r.header("location").unwrap(),
        format!("/api/v1/orders/{id}")
    );
    assert_eq!(o["status"], "pending");
    assert_eq!(o["customer_id"], "CUST-12345");
    assert_eq!(o["currency"], "USD");
    assert_eq!(o["total_amount"], json!(109.95)); // 3 × 29.99 + 2 × 9.99
    assert_eq!(o["items"][0]["unit_price"], json!(29.99));
    assert_eq!(o["items"][1]["unit_price"], json!(9.99));
    assert_eq!(o["shipping_address"]["postal_code"], "12345");
    let created = parse(&o["created_at"]);
    assert_eq!(
        parse(&o["estimated_delivery"]) - created,
        time::Duration::days(5)
    );
    assert!(o["created_at"].as_str().unwrap().ends_with('Z'));
    parse(&o["updated_at"]);
    let tracking = o["tracking_url"].as_str().unwrap();
    assert!(tracking.starts_with("http://127.0.0.1:"), "{tracking}");
    assert!(tracking.ends_with(&format!("/orders/{id}/track")));

    let p = sb.product("SKU-001").await;
    assert_eq!(p["reserved"], 3);
    assert_eq!(p["available"], 997);
    assert_eq!(p["stock"], 1000);

    let g = sb
        .call(Method::GET, &format!("/api/v1/orders/{id}"), None)
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(&g.body, o);
    sb.shutdown().await;
}

#[tokio::test]
async fn validation_lists_every_failure_with_its_path() {
    let sb = start_default().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"items": [{"product_id": "SKU-001", "quantity": 1}]}),
            vec!["customer_id"],
        ),
        (
            json!({"customer_id": "CUST 1", "items": [{"product_id": "SKU-001", "quantity": 1}]}),
            vec!["customer_id"],
        ),
        (json!({"customer_id": "CUST-12345"}), vec!["items"]),
        (
            json!({"customer_id": "CUST-12345", "items": []}),
            vec!["items"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": 0}]}),
            vec!["items[0].quantity"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": 1}, {"product_id": "SKU-001", "quantity": 1000}]}),
            vec!["items[1].quantity"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": null}]}),
            vec!["items[0].quantity"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-NOPE", "quantity": 1}]}),
            vec!["items[0].product_id"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"quantity": 1}]}),
            vec!["items[0].product_id"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": 1, "unit_price": 1.999}]}),
            vec!["items[0].unit_price"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": 1, "unit_price": -1}]}),
            vec!["items[0].unit_price"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": 1}],
                "shipping_address": {"street": "s", "city": "c", "postal_code": "1234", "country": "US"}}),
            vec!["shipping_address.postal_code"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": 1}],
                "shipping_address": {"street": "s", "city": "c", "postal_code": "12345", "country": "XX"}}),
            vec!["shipping_address.country"],
        ),
        (
            json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-001", "quantity": 1}],
                "shipping_address": {"city": "c", "postal_code": "12345", "country": "US"}}),
            vec!["shipping_address.street"],
        ),
        (
            json!({"customer_id": "", "items": [{"product_id": "SKU-001", "quantity": 0}],
                "shipping_address": {"street": "s", "city": "c", "postal_code": "1", "country": "us"}}),
            vec![
                "customer_id",
                "items[0].quantity",
                "shipping_address.postal_code",
                "shipping_address.country",
            ],
        ),
    ];
    for (body, fields) in cases {
        let r = sb.create_order(&body, None).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body["error_code"], "VALIDATION_ERROR");
        assert_eq!(r.fields(), fields, "{body}");
        assert!(r.body["request_id"].is_string());
    }
    // Malformed JSON.
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/api/v1/orders"))
                .bearer_auth(&sb.token)
                .header("X-Request-ID", rid())
                .header("Content-Type", "application/json")
                .body("{\"customer_id\": "),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["body"]);
    // Nothing was reserved by any of them.
    assert_eq!(sb.product("SKU-001").await["reserved"], 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn invalid_customer() {
    let sb = start_default().await;
    for c in ["CUST-INACTIVE", "CUST-UNKNOWN"] {
        let mut b = order_body(1);
        b["customer_id"] = json!(c);
        let r = sb.create_order(&b, None).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.body["error_code"], "INVALID_CUSTOMER");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn insufficient_inventory_reserves_nothing() {
    let sb = start_default().await;
    let body = json!({"customer_id": "CUST-12345", "items": [
        {"product_id": "SKU-001", "quantity": 5},
        {"product_id": "SKU-OUT", "quantity": 1},
        {"product_id": "SKU-002", "quantity": 2}
    ]});
    let r = sb.create_order(&body, None).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["error_code"], "INSUFFICIENT_INVENTORY");
    assert_eq!(r.fields(), ["items[1].quantity"]);
    assert_eq!(sb.product("SKU-001").await["reserved"], 0);
    assert_eq!(sb.product("SKU-002").await["reserved"], 0);

    // After restocking it works.
    let r = sb
        .control(
            Method::PUT,
            "/sandbox/v1/products/SKU-OUT",
            Some(&json!({"stock": 1})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["available"], 1);
    assert_eq!(r.body["price"], json!(5.0));
    let r = sb.create_order(&body, None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(sb.product("SKU-OUT").await["available"], 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn declined_payment_releases_the_reservation() {
    let sb = start_default().await;
    let mut body = order_body(7);
    body["customer_id"] = json!("CUST-DECLINE");
    let r = sb.create_order(&body, None).await;
    assert_eq!(r.status, 402);
    assert_eq!(r.body["error_code"], "PAYMENT_FAILED");
    let p = sb.product("SKU-001").await;
    assert_eq!(p["reserved"], 0);
    assert_eq!(p["available"], 1000);
    let l = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(l.body["data"], json!([]));

    // A customer switched to decline by the control, and back.
    let r = sb
        .control(
            Method::PUT,
            "/sandbox/v1/customers/CUST-NEW",
            Some(&json!({"payment": "decline"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({"customer_id": "CUST-NEW", "status": "active", "payment": "decline"})
    );
    body["customer_id"] = json!("CUST-NEW");
    assert_eq!(sb.create_order(&body, None).await.status, 402);
    sb.control(
        Method::PUT,
        "/sandbox/v1/customers/CUST-NEW",
        Some(&json!({"payment": "approve"})),
    )
    .await;
    assert_eq!(sb.create_order(&body, None).await.status, 201);
    sb.shutdown().await;
}

#[tokio::test]
async fn orders_of_another_client_are_not_found() {
    let sb = start(conform_sandbox::SandboxConfig {
        clients: vec![
            conform_sandbox::ClientSpec::new(
                "sandbox-client",
                "sandbox-secret",
                &["read", "write"],
            ),
            conform_sandbox::ClientSpec::new("other", "sandbox-secret", &["read", "write"]),
        ],
        ..Default::default()
    })
    .await;
    let id = sb.create_order(&order_body(1), None).await.body["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = sb.token_for("other", None).await;
    let r = sb
        .call_as(
            &other,
            Method::GET,
            &format!("/api/v1/orders/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "NOT_FOUND");
    let r = sb
        .call_as(&other, Method::GET, "/api/v1/orders", None, &[])
        .await;
    assert_eq!(r.body["data"], json!([]));
    let r = sb
        .call(Method::GET, "/api/v1/orders/ORD-00000000", None)
        .await;
    assert_eq!(r.status, 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn list_pages_newest_first_with_filters() {
    let sb = start_default().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut b = order_body(1);
        if i % 2 == 1 {
            b["items"][0]["product_id"] = json!("SKU-002");
        }
        ids.push(
            sb.create_order(&b, None).await.body["order_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/orders?limit=2".to_owned();
    loop {
        let r = sb.call(Method::GET, &path, None).await;
        assert_eq!(r.status, 200);
        let data = r.body["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(
            data.iter()
                .map(|o| o["order_id"].as_str().unwrap().to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/orders?limit=2&cursor={c}"),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // Filters.
    sb.call(
        Method::POST,
        &format!("/api/v1/orders/{}/cancel", ids[0]),
        None,
    )
    .await;
    let r = sb
        .call(Method::GET, "/api/v1/orders?status=cancelled", None)
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1);
    let r = sb
        .call(
            Method::GET,
            "/api/v1/orders?customer_id=CUST-12345&status=pending",
            None,
        )
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 4);
    let r = sb
        .call(Method::GET, "/api/v1/orders?customer_id=CUST-OTHER", None)
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 0);

    // Bad parameters.
    for (q, field) in [
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("limit=abc", "query.limit"),
        ("status=lost", "query.status"),
        ("cursor=%%%", "query.cursor"),
    ] {
        let r = sb
            .call(Method::GET, &format!("/api/v1/orders?{q}"), None)
            .await;
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.fields(), [field], "{q}");
    }

    // Search.
    let r = sb.call(Method::GET, "/api/v1/search?q=SKU-002", None).await;
    assert_eq!(r.status, 200);
    let found: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(found, [ids[3].as_str(), ids[1].as_str()]);
    let r = sb
        .call(
            Method::GET,
            &format!("/api/v1/search?q={}", &ids[2][4..]),
            None,
        )
        .await;
    assert_eq!(r.body["data"][0]["order_id"], ids[2]);
    let r = sb.call(Method::GET, "/api/v1/search?q=sku-002", None).await;
    assert_eq!(r.body["data"], json!([]));
    let r = sb
        .call(Method::GET, "/api/v1/search?q=CUST&limit=3", None)
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 3);
    assert!(r.body["next_cursor"].is_string());
    for q in ["", "q="] {
        let r = sb
            .call(Method::GET, &format!("/api/v1/search?{q}"), None)
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.fields(), ["query.q"]);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn cancel_and_advance_move_inventory() {
    let sb = start_default().await;
    let a = sb.create_order(&order_body(10), None).await.body;
    let b = sb.create_order(&order_body(20), None).await.body;
    let (a, b) = (
        a["order_id"].as_str().unwrap(),
        b["order_id"].as_str().unwrap(),
    );
    assert_eq!(sb.product("SKU-001").await["reserved"], 30);

    let r = sb
        .call(Method::POST, &format!("/api/v1/orders/{a}/cancel"), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(sb.product("SKU-001").await["reserved"], 20);
    let r = sb
        .call(Method::POST, &format!("/api/v1/orders/{a}/cancel"), None)
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["error_code"], "CONFLICT");

    let r = sb
        .control(
            Method::POST,
            &format!("/sandbox/v1/orders/{b}/advance"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "shipped");
    let p = sb.product("SKU-001").await;
    assert_eq!(
        (
            p["stock"].as_u64(),
            p["reserved"].as_u64(),
            p["available"].as_u64()
        ),
        (Some(980), Some(0), Some(980))
    );
    let r = sb
        .call(Method::POST, &format!("/api/v1/orders/{b}/cancel"), None)
        .await;
    assert_eq!(r.status, 409);
    let r = sb
        .control(
            Method::POST,
            &format!("/sandbox/v1/orders/{b}/advance"),
            None,
        )
        .await;
    assert_eq!(r.body["status"], "delivered");
    let r = sb
        .control(
            Method::POST,
            &format!("/sandbox/v1/orders/{b}/advance"),
            None,
        )
        .await;
    assert_eq!(r.status, 409);
    let r = sb
        .control(
            Method::POST,
            "/sandbox/v1/orders/ORD-00000000/advance",
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn concurrent_orders_never_oversell() {
    let sb = start_default().await;
    sb.control(
        Method::PUT,
        "/sandbox/v1/products/SKU-RACE",
        Some(&json!({"stock": 50, "price": 1.25})),
    )
    .await;
    let sb = std::sync::Arc::new(sb);
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let sb = sb.clone();
        tasks.push(tokio::spawn(async move {
            let b = json!({"customer_id": "CUST-12345", "items": [{"product_id": "SKU-RACE", "quantity": 3}]});
            sb.create_order(&b, None).await.status
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            201 => created += 1,
            409 => {}
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!(created, 16);
    let p = sb.product("SKU-RACE").await;
    assert_eq!(p["reserved"], 48);
    assert_eq!(p["available"], 2);
}

#[tokio::test]
async fn product_controls_are_partial_and_checked() {
    let sb = start_default().await;
    sb.create_order(&order_body(10), None).await;
    // Stock set below what pending orders hold: available goes negative, nothing else moves.
    let r = sb
        .control(
            Method::PUT,
            "/sandbox/v1/products/SKU-001",
            Some(&json!({"stock": 4})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({"product_id": "SKU-001", "stock": 4, "reserved": 10, "available": -6, "price": 29.99})
    );
    assert_eq!(sb.create_order(&order_body(1), None).await.status, 409);
    // A new product from a price alone.
    let r = sb
        .control(
            Method::PUT,
            "/sandbox/v1/products/SKU-NEW",
            Some(&json!({"price": 2.5})),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"product_id": "SKU-NEW", "stock": 0, "reserved": 0, "available": 0, "price": 2.5})
    );
    for bad in [
        json!({"stock": -1}),
        json!({"price": 1.234}),
        json!({"stock": "3"}),
    ] {
        let r = sb
            .control(Method::PUT, "/sandbox/v1/products/SKU-NEW", Some(&bad))
            .await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.body["error_code"], "VALIDATION_ERROR");
    }
    let r = sb
        .raw(
            sb.http
                .put(sb.url("/sandbox/v1/products/SKU-NEW"))
                .bearer_auth(&sb.token)
                .header("Content-Type", "text/plain")
                .body("{\"stock\": 1}"),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["headers.Content-Type"]);
    let r = sb
        .control(Method::GET, "/sandbox/v1/products/SKU-NONE", None)
        .await;
    assert_eq!(r.status, 404);
    let r = sb
        .control(
            Method::PUT,
            "/sandbox/v1/customers/CUST-12345",
            Some(&json!({"status": "gone"})),
        )
        .await;
    assert_eq!(r.status, 400);
    sb.shutdown().await;
}
