//! Headers, request ids, content types, 404/405/413 (contract §1, §3).

use crate::common::*;
use reqwest::Method;

#[tokio::test]
async fn version_and_request_id_are_echoed() {
    let sb = start_default().await;
    let id = rid();
    let r = sb
        .raw(
            sb.http
                .get(sb.url("/api/v1/orders"))
                .bearer_auth(&sb.token)
                .header("X-Request-ID", &id),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-api-version"), Some("1"));
    assert_eq!(r.header("x-request-id"), Some(id.as_str()));
    assert_eq!(r.body["data"], serde_json::json!([]));
    assert!(r.body["next_cursor"].is_null());
    sb.shutdown().await;
}

#[tokio::test]
async fn missing_or_bad_request_id_is_400() {
    let sb = start_default().await;
    let r = sb
        .raw(sb.http.get(sb.url("/api/v1/orders")).bearer_auth(&sb.token))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error_code"], "VALIDATION_ERROR");
    assert_eq!(r.fields(), ["headers.X-Request-ID"]);
    let generated = r.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok());
    assert_eq!(r.body["request_id"], generated);
    assert!(r.body["timestamp"].as_str().unwrap().ends_with('Z'));

    let r = sb
        .raw(
            sb.http
                .get(sb.url("/api/v1/orders"))
                .bearer_auth(&sb.token)
                .header("X-Request-ID", "not-a-uuid"),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["headers.X-Request-ID"]);
    assert_eq!(r.header("x-request-id"), Some("not-a-uuid"));
    assert_eq!(r.body["request_id"], "not-a-uuid");
    sb.shutdown().await;
}

#[tokio::test]
async fn content_type_must_be_json() {
    let sb = start_default().await;
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/api/v1/orders"))
                .bearer_auth(&sb.token)
                .header("X-Request-ID", rid())
                .header("Content-Type", "text/plain")
                .body(order_body(1).to_string()),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["headers.Content-Type"]);
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/api/v1/webhooks"))
                .bearer_auth(&sb.token)
                .header("X-Request-ID", rid())
                .body("{}"),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["headers.Content-Type"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_path_405_and_413() {
    let sb = start_default().await;
    let r = sb.call(Method::GET, "/api/v1/nothing/here", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "NOT_FOUND");
    assert!(r.body["request_id"].is_string());
    assert_eq!(r.header("x-api-version"), Some("1"));

    let r = sb.call(Method::DELETE, "/api/v1/orders", None).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.body["error_code"], "METHOD_NOT_ALLOWED");
    let allow = r.header("allow").unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert!(r.body["request_id"].is_string());

    let big = format!(
        "{{\"customer_id\":\"CUST-12345\",\"pad\":\"{}\",\"items\":[]}}",
        "x".repeat(1024 * 1024 + 10)
    );
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/api/v1/orders"))
                .bearer_auth(&sb.token)
                .header("X-Request-ID", rid())
                .header("Content-Type", "application/json")
                .body(big),
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.body["error_code"], "PAYLOAD_TOO_LARGE");
    assert!(r.body["request_id"].is_string());

    let r = sb.call(Method::GET, "/api/v1/orders/%FF%FE", None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error_code"], "VALIDATION_ERROR");
    assert_eq!(r.fields(), ["path"]);

    let r = sb.raw(sb.http.get(sb.url("/no/such/thing"))).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error_code"], "NOT_FOUND");
    sb.shutdown().await;
}

#[tokio::test]
async fn openapi_document_is_served() {
    let sb = start_default().await;
    let r = sb.http.get(sb.url("/openapi.yaml")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("openapi: 3.1"));
    sb.shutdown().await;
}

/// An answer decided before the body is read (401, 413) still lets the client finish sending:
/// it gets the answer, not a broken pipe, and the next request on the same client works.
#[tokio::test]
async fn early_answers_to_large_bodies_keep_the_client_healthy() {
    let sb = start_default().await;
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    for _ in 0..10 {
        let r = sb
            .raw(
                sb.http
                    .post(sb.url("/api/v1/orders"))
                    .header("X-Request-ID", rid())
                    .header("Content-Type", "application/json")
                    .body(big.clone()),
            )
            .await;
        assert_eq!(r.status, 401, "authentication is decided first");
        let r = sb
            .raw(
                sb.http
                    .post(sb.url("/api/v1/orders"))
                    .bearer_auth(&sb.token)
                    .header("X-Request-ID", rid())
                    .header("Content-Type", "application/json")
                    .body(big.clone()),
            )
            .await;
        assert_eq!(r.status, 413);
        let r = sb.call(Method::GET, "/api/v1/orders", None).await;
        assert_eq!(r.status, 200, "the connection is still good");
    }
    sb.shutdown().await;
}
