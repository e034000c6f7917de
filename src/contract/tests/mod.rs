//! Tests against the real contract document.
use super::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub(crate) fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/contract/orders-v1.openapi.yaml")
}

pub(crate) fn contract() -> &'static Contract {
    static C: OnceLock<Contract> = OnceLock::new();
    C.get_or_init(|| Contract::load(&doc_path()).expect("the contract loads"))
}

pub(crate) fn order() -> Value {
    json!({
        "order_id": "ORD-12345678",
        "customer_id": "CUST-12345",
        "status": "pending",
        "items": [{"product_id": "SKU-001", "quantity": 2, "unit_price": 29.99}],
        "total_amount": 59.98,
        "currency": "USD",
        "created_at": "2024-01-15T10:30:00Z",
        "updated_at": "2024-01-15T10:30:00Z",
        "estimated_delivery": "2024-01-20T10:30:00Z",
        "tracking_url": "https://api.example.com/orders/ORD-12345678/track"
    })
}

pub(crate) fn api_headers() -> Vec<(String, String)> {
    [
        ("content-type", "application/json"),
        ("x-api-version", "1"),
        ("x-request-id", "7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        ("x-ratelimit-limit", "100"),
        ("x-ratelimit-remaining", "99"),
        ("x-ratelimit-reset", "1705314600"),
        ("location", "/api/v1/orders/ORD-12345678"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

fn check<'a>(v: &'a ContractVerdict, name: &str) -> &'a crate::results::CheckOutcome {
    v.checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("no check {name} in {:#?}", v.checks))
}

fn names(v: &ContractVerdict) -> Vec<&str> {
    v.checks.iter().map(|c| c.check.as_str()).collect()
}

#[test]
fn loads_the_real_document() {
    let c = contract();
    assert_eq!(c.title(), "Orders API");
    assert_eq!(c.version(), "1.0.0");
    assert_eq!(c.sha256().len(), 64);
    assert_eq!(c.operations().count(), 15);
    assert_eq!(c.error_codes.len(), 14);
    assert_eq!(
        c.webhooks.keys().collect::<Vec<_>>(),
        ["order.cancelled", "order.created", "order.updated"]
    );
}

#[test]
fn contract_is_send_and_sync() {
    fn assert<T: Send + Sync>() {}
    assert::<Contract>();
}

#[test]
fn load_errors_name_the_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "openapi: 3.1.0\ninfo:\n  title: [unclosed\n").unwrap();
    let e = Contract::load(&bad).unwrap_err().to_string();
    assert!(e.starts_with("failed to parse contract "), "{e}");
    assert!(e.contains("bad.yaml:"), "{e}");
    assert!(matches!(Contract::load(&bad), Err(ContractError::Syntax { line, .. }) if line >= 3));

    let json = dir.path().join("bad.json");
    std::fs::write(&json, "{\n  \"openapi\": \"3.1.0\",\n  oops\n}").unwrap();
    let e = Contract::load(&json).unwrap_err().to_string();
    assert!(e.contains("bad.json:3:"), "{e}");

    let missing = dir.path().join("missing.yaml");
    let e = Contract::load(&missing).unwrap_err().to_string();
    assert!(
        e.starts_with("failed to read contract ") && e.contains("missing.yaml"),
        "{e}"
    );

    let swagger = dir.path().join("swagger.yaml");
    std::fs::write(&swagger, "swagger: '2.0'\ninfo: {title: t, version: '1'}\n").unwrap();
    let e = Contract::load(&swagger).unwrap_err().to_string();
    assert!(e.contains("not an OpenAPI 3.x document"), "{e}");

    let dangling = dir.path().join("dangling.yaml");
    std::fs::write(
        &dangling,
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n",
    )
    .unwrap();
    let e = Contract::load(&dangling).unwrap_err().to_string();
    assert!(e.contains("resolves to nothing"), "{e}");
}

#[test]
fn loads_json_documents_too() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.json");
    std::fs::write(
        &p,
        json!({"openapi": "3.1.0", "info": {"title": "T", "version": "2"},
               "paths": {"/things/{id}": {"get": {"responses": {"200": {"description": "ok",
                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}}},
               "components": {"schemas": {"Thing": {"type": "object", "required": ["id"]}}}})
        .to_string(),
    )
    .unwrap();
    let c = Contract::load(&p).unwrap();
    assert_eq!((c.title(), c.version()), ("T", "2"));
    let op = c.operation("GET", "/things/1").unwrap();
    assert_eq!(op.id, "GET /things/{id}");
    let ct = vec![("Content-Type".to_string(), "application/json".to_string())];
    assert!(c
        .check_response("GET", "/things/1", 200, &ct, br#"{"id":1}"#)
        .passed());
    let v = c.check_response("GET", "/things/1", 200, &ct, b"{}");
    assert_eq!(
        check(&v, "contract body").actual,
        r#"1 violation: (root): required property "id" is missing"#
    );
}

#[test]
fn matches_operations_by_template() {
    let c = contract();
    let op = c.operation("GET", "/api/v1/orders/ORD-12345678").unwrap();
    assert_eq!(
        op,
        OperationRef {
            id: "getOrder".into(),
            method: "GET".into(),
            template: "/api/v1/orders/{order_id}".into()
        }
    );
    assert_eq!(
        c.operation("post", "/api/v1/orders?x=1").unwrap().id,
        "createOrder"
    );
    assert_eq!(
        c.operation("GET", "/api/v1/orders").unwrap().id,
        "listOrders"
    );
    assert_eq!(
        c.operation("POST", "/api/v1/orders/ORD-1/cancel")
            .unwrap()
            .id,
        "cancelOrder"
    );
    assert_eq!(
        c.operation("GET", "/api/v1/webhooks/wh_1/deliveries")
            .unwrap()
            .id,
        "listWebhookDeliveries"
    );
    assert_eq!(
        c.operation("GET", "/api/v1/search?q=SKU").unwrap().id,
        "searchOrders"
    );
    // Unknown path, wrong method, trailing slash, extra segment.
    assert_eq!(c.operation("GET", "/api/v1/nope"), None);
    assert_eq!(c.operation("PATCH", "/api/v1/orders"), None);
    assert_eq!(c.operation("DELETE", "/api/v1/orders/ORD-12345678"), None);
    assert_eq!(c.operation("GET", "/api/v1/orders/"), None);
    assert_eq!(c.operation("GET", "/api/v1/orders/ORD-1/cancel/x"), None);
}

#[test]
fn literal_path_wins_over_template() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.yaml");
    std::fs::write(
        &p,
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /orders/{id}:\n    get: {operationId: byId, responses: {'200': {description: ok}}}\n  /orders/recent:\n    get: {operationId: recent, responses: {'200': {description: ok}}}\n",
    )
    .unwrap();
    let c = Contract::load(&p).unwrap();
    assert_eq!(c.operation("GET", "/orders/recent").unwrap().id, "recent");
    assert_eq!(c.operation("GET", "/orders/ORD-1").unwrap().id, "byId");
}

#[test]
fn a_valid_order_passes_every_aspect() {
    let c = contract();
    let body = order().to_string();
    let v = c.check_response(
        "POST",
        "/api/v1/orders",
        201,
        &api_headers(),
        body.as_bytes(),
    );
    assert!(v.passed(), "{:#?}", v.checks);
    assert_eq!(v.operation.as_ref().unwrap().id, "createOrder");
    assert_eq!(
        names(&v),
        [
            "contract operation",
            "contract status",
            "contract content-type",
            "contract body",
            "contract headers"
        ]
    );
    assert_eq!(
        check(&v, "contract body").expected,
        "valid against #/components/schemas/Order"
    );
    assert_eq!(
        check(&v, "contract operation").actual,
        "createOrder (POST /api/v1/orders)"
    );
    // The sandbox-shaped GET.
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        200,
        &api_headers(),
        body.as_bytes(),
    );
    assert!(v.passed(), "{:#?}", v.checks);
}

#[test]
fn a_malformed_order_id_fails_with_pointer_value_and_rule() {
    let c = contract();
    let mut o = order();
    o["order_id"] = json!("ORD-123");
    let v = c.check_response(
        "POST",
        "/api/v1/orders",
        201,
        &api_headers(),
        o.to_string().as_bytes(),
    );
    let b = check(&v, "contract body");
    assert!(!b.passed());
    assert_eq!(
        b.actual,
        r#"1 violation: /order_id: "ORD-123" does not match "^ORD-[0-9]{8}$""#
    );
    let detail = b.detail.as_deref().unwrap();
    assert!(
        detail.starts_with("checked against operation createOrder (POST /api/v1/orders), response 201, application/json\n"),
        "{detail}"
    );
    assert!(
        detail.contains(r#"/order_id: "ORD-123" does not match "^ORD-[0-9]{8}$""#),
        "{detail}"
    );
    // The other aspects still pass.
    assert!(check(&v, "contract headers").passed());
}

#[test]
fn a_non_rfc3339_created_at_fails() {
    let c = contract();
    let mut o = order();
    o["created_at"] = json!("15/01/2024 10:30");
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        200,
        &api_headers(),
        o.to_string().as_bytes(),
    );
    let b = check(&v, "contract body");
    assert!(!b.passed());
    let detail = b.detail.as_deref().unwrap();
    assert!(
        detail.contains(r#"/created_at: "15/01/2024 10:30" is not a valid "date-time""#),
        "{detail}"
    );
    assert!(
        detail.contains(r#"/created_at: "15/01/2024 10:30" does not match "^[0-9]{4}-"#),
        "{detail}"
    );
    assert!(
        detail.contains("operation getOrder (GET /api/v1/orders/{order_id}), response 200"),
        "{detail}"
    );
}

#[test]
fn several_violations_are_all_listed() {
    let c = contract();
    let mut o = order();
    o["currency"] = json!("EUR");
    o["extra"] = json!(true);
    o.as_object_mut().unwrap().remove("tracking_url");
    o["items"][0]["quantity"] = json!(0);
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        200,
        &api_headers(),
        o.to_string().as_bytes(),
    );
    let b = check(&v, "contract body");
    let detail = b.detail.as_deref().unwrap();
    assert!(b.actual.starts_with("3 violations: "), "{}", b.actual);
    for line in [
        r#"/currency: "EUR" is not "USD" (const)"#,
        r#"(root): required property "tracking_url" is missing"#,
        "/items/0/quantity: 0 is less than the minimum of 1",
    ] {
        assert!(detail.contains(line), "{line} not in {detail}");
    }
    // An extra property is not a violation (contract §1), but it is named.
    let named: Vec<&str> = v.undocumented.iter().map(|u| u.pointer.as_str()).collect();
    assert_eq!(named, ["/extra"]);
}

#[test]
fn undocumented_properties_pass_validation_and_are_named() {
    let c = contract();
    let mut o = order();
    o["links"] = json!({"self": "/api/v1/orders/ORD-12345678"});
    o["items"][0]["metadata"] = json!({});
    o["shipping_address"] = json!({"street": "1 Main St", "city": "Springfield",
        "postal_code": "12345", "country": "US", "geo": [1, 2]});
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        200,
        &api_headers(),
        o.to_string().as_bytes(),
    );
    assert!(v.passed(), "{:?}", v.checks);
    let mut named: Vec<&str> = v.undocumented.iter().map(|u| u.pointer.as_str()).collect();
    named.sort();
    assert_eq!(
        named,
        ["/items/0/metadata", "/links", "/shipping_address/geo"]
    );
    assert!(
        v.undocumented[0]
            .context
            .contains("operation getOrder (GET /api/v1/orders/{order_id}), response 200"),
        "{:?}",
        v.undocumented
    );
    assert!(v.undocumented[0]
        .context
        .contains("#/components/schemas/Order"));

    // The documented body has none.
    let plain = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        200,
        &api_headers(),
        order().to_string().as_bytes(),
    );
    assert!(plain.undocumented.is_empty(), "{:?}", plain.undocumented);

    // Error bodies: documented fields of the if/then branches count as documented.
    let err = json!({"error_code": "DUPLICATE_ORDER", "message": "m", "existing_order_id": "ORD-12345678",
        "request_id": "r", "timestamp": "2024-01-15T10:30:00Z", "documentation_url": "https://x"});
    let v = c.check_response(
        "POST",
        "/api/v1/orders",
        409,
        &api_headers(),
        err.to_string().as_bytes(),
    );
    assert!(v.passed(), "{:?}", v.checks);
    let named: Vec<&str> = v.undocumented.iter().map(|u| u.pointer.as_str()).collect();
    assert_eq!(named, ["/documentation_url"]);
}

#[test]
fn in_flight_conflict_is_a_documented_409_of_create() {
    let c = contract();
    let err = json!({"error_code": "CONFLICT", "message": "retry later",
        "request_id": "r", "timestamp": "2024-01-15T10:30:00Z"});
    let v = c.check_response(
        "POST",
        "/api/v1/orders",
        409,
        &api_headers(),
        err.to_string().as_bytes(),
    );
    assert!(v.passed(), "{:?}", v.checks);
}

#[test]
fn an_undocumented_status_fails() {
    let c = contract();
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        418,
        &api_headers(),
        b"{}",
    );
    let s = check(&v, "contract status");
    assert!(!s.passed());
    assert_eq!(s.actual, "418");
    assert_eq!(s.expected, "one of 200, 400, 401, 403, 404, 429, 500, 503");
    assert!(s.detail.as_deref().unwrap().contains("getOrder"));
    assert_eq!(names(&v), ["contract operation", "contract status"]);
}

#[test]
fn a_missing_required_header_fails() {
    let c = contract();
    let body = order().to_string();
    let h = without(&api_headers(), "x-request-id");
    let v = c.check_response("POST", "/api/v1/orders", 201, &h, body.as_bytes());
    let hc = check(&v, "contract headers");
    assert!(!hc.passed());
    assert_eq!(hc.actual, "X-Request-ID: missing (required)");
    assert_eq!(
        hc.expected,
        "required Location, X-API-Version, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-ID"
    );
    assert!(check(&v, "contract body").passed());

    // Present but wrong: X-API-Version is const "1", X-Request-ID on a 2xx is a uuid,
    // the rate-limit headers are integers.
    let mut h = without(&api_headers(), "x-api-version");
    h.push(("X-API-Version".into(), "2".into()));
    h.retain(|(n, _)| n != "x-request-id" && n != "x-ratelimit-remaining");
    h.push(("X-Request-ID".into(), "abc".into()));
    h.push(("X-RateLimit-Remaining".into(), "lots".into()));
    let v = c.check_response("POST", "/api/v1/orders", 201, &h, body.as_bytes());
    let hc = check(&v, "contract headers");
    assert_eq!(
        hc.actual,
        r#"X-API-Version: "2" is not "1" (const); X-RateLimit-Remaining: "lots" is not of type "integer"; X-Request-ID: "abc" is not a valid "uuid""#
    );
}

#[test]
fn optional_headers_may_be_absent() {
    // 401 has no rate-limit headers and an optional WWW-Authenticate.
    let c = contract();
    let h = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("X-API-Version".to_string(), "1".to_string()),
        ("X-Request-ID".to_string(), "not-a-uuid".to_string()),
    ];
    let body = json!({"error_code": "UNAUTHORIZED", "message": "no", "request_id": "not-a-uuid", "timestamp": "2024-01-15T10:30:00Z"});
    let v = c.check_response(
        "GET",
        "/api/v1/orders",
        401,
        &h,
        body.to_string().as_bytes(),
    );
    assert!(v.passed(), "{:#?}", v.checks);
    // The same body on a 404 is the wrong error code for the status.
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-1",
        404,
        &api_headers(),
        body.to_string().as_bytes(),
    );
    assert_eq!(
        check(&v, "contract body").actual,
        r#"1 violation: /error_code: "UNAUTHORIZED" is not "NOT_FOUND" (const)"#
    );
}

#[test]
fn a_wrong_content_type_fails() {
    let c = contract();
    let body = order().to_string();
    let mut h = without(&api_headers(), "content-type");
    h.push(("Content-Type".into(), "text/html; charset=utf-8".into()));
    let v = c.check_response("POST", "/api/v1/orders", 201, &h, body.as_bytes());
    let ct = check(&v, "contract content-type");
    assert!(!ct.passed());
    assert_eq!(
        (ct.expected.as_str(), ct.actual.as_str()),
        ("application/json", "text/html; charset=utf-8")
    );
    assert!(v.checks.iter().all(|c| c.check != "contract body"));

    let h = without(&api_headers(), "content-type");
    let v = c.check_response("POST", "/api/v1/orders", 201, &h, body.as_bytes());
    assert_eq!(
        check(&v, "contract content-type").actual,
        "no Content-Type header"
    );

    // Parameters are ignored; a body that is not JSON fails.
    let mut h = without(&api_headers(), "content-type");
    h.push((
        "Content-Type".into(),
        "application/json; charset=utf-8".into(),
    ));
    let v = c.check_response("POST", "/api/v1/orders", 201, &h, b"<html>");
    assert!(check(&v, "contract content-type").passed());
    assert!(check(&v, "contract body").actual.starts_with("not JSON: "));
}

#[test]
fn no_content_responses_must_have_no_body() {
    let c = contract();
    let h = without(&api_headers(), "content-type");
    let v = c.check_response("DELETE", "/api/v1/webhooks/wh_1", 204, &h, b"");
    assert!(v.passed(), "{:#?}", v.checks);
    let v = c.check_response("DELETE", "/api/v1/webhooks/wh_1", 204, &h, b"{}");
    assert!(!check(&v, "contract body").passed());
}

#[test]
fn undocumented_operations_fail_unless_answered_as_the_api_wide_404_or_405() {
    let c = contract();
    let v = c.check_response("GET", "/api/v1/nope", 200, &api_headers(), b"{}");
    assert!(v.operation.is_none());
    let op = check(&v, "contract operation");
    assert!(!op.passed());
    assert_eq!(op.actual, "undocumented operation");
    assert_eq!(
        op.detail.as_deref(),
        Some("GET /api/v1/nope: no path of the contract matches")
    );

    let v = c.check_response("PATCH", "/api/v1/orders", 200, &api_headers(), b"{}");
    let op = check(&v, "contract operation");
    assert!(!op.passed());
    assert_eq!(
        op.detail.as_deref(),
        Some("PATCH /api/v1/orders: path /api/v1/orders documents GET, POST only")
    );

    // x-global-responses: the 404 of an unknown path is documented, and checked.
    let err = json!({"error_code": "NOT_FOUND", "message": "no", "request_id": "r", "timestamp": "2024-01-15T10:30:00Z"});
    let v = c.check_response(
        "GET",
        "/api/v1/nope",
        404,
        &api_headers(),
        err.to_string().as_bytes(),
    );
    assert!(v.passed(), "{:#?}", v.checks);
    assert!(v.operation.is_none());
    let wrong = json!({"error_code": "VALIDATION_ERROR", "message": "no", "request_id": "r", "timestamp": "2024-01-15T10:30:00Z"});
    let v = c.check_response(
        "GET",
        "/api/v1/nope",
        404,
        &api_headers(),
        wrong.to_string().as_bytes(),
    );
    assert!(!check(&v, "contract body").passed());
    // 405 needs Allow.
    let err = json!({"error_code": "METHOD_NOT_ALLOWED", "message": "no", "request_id": "r", "timestamp": "2024-01-15T10:30:00Z"});
    let v = c.check_response(
        "PATCH",
        "/api/v1/orders",
        405,
        &api_headers(),
        err.to_string().as_bytes(),
    );
    assert_eq!(
        check(&v, "contract headers").actual,
        "Allow: missing (required)"
    );
    let mut h = api_headers();
    h.push(("Allow".into(), "GET, POST".into()));
    let v = c.check_response(
        "PATCH",
        "/api/v1/orders",
        405,
        &h,
        err.to_string().as_bytes(),
    );
    assert!(v.passed(), "{:#?}", v.checks);
    assert_eq!(check(&v, "contract allow").expected, "GET, POST");
    let mut h = api_headers();
    h.push(("Allow".into(), "GET, POST, DELETE".into()));
    let v = c.check_response(
        "PATCH",
        "/api/v1/orders",
        405,
        &h,
        err.to_string().as_bytes(),
    );
    let allow = check(&v, "contract allow");
    assert!(!allow.passed());
    assert_eq!(allow.actual, "GET, POST, DELETE");
}

#[test]
fn oneof_bodies_explain_each_alternative() {
    let c = contract();
    let body = json!({"error_code": "DUPLICATE_ORDER", "message": "dup", "request_id": "r", "timestamp": "2024-01-15T10:30:00Z"});
    let v = c.check_response(
        "POST",
        "/api/v1/orders",
        409,
        &api_headers(),
        body.to_string().as_bytes(),
    );
    let b = check(&v, "contract body");
    assert!(!b.passed());
    assert!(
        b.actual.contains("matches none of the oneOf alternatives"),
        "{}",
        b.actual
    );
    assert!(
        b.actual
            .contains(r#"required property "existing_order_id" is missing"#),
        "{}",
        b.actual
    );
}

#[test]
fn money_multiple_of_is_exact() {
    let c = contract();
    let mut o = order();
    o["items"][0]["unit_price"] = json!(0.07);
    o["total_amount"] = json!(1199.6);
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        200,
        &api_headers(),
        o.to_string().as_bytes(),
    );
    assert!(check(&v, "contract body").passed(), "{:#?}", v.checks);
    o["total_amount"] = json!(1.005);
    let v = c.check_response(
        "GET",
        "/api/v1/orders/ORD-12345678",
        200,
        &api_headers(),
        o.to_string().as_bytes(),
    );
    assert!(!check(&v, "contract body").passed());
}

#[test]
fn webhook_payloads_are_checked_by_event_type() {
    let c = contract();
    let payload = json!({
        "event_id": "evt_1", "event_type": "order.created", "timestamp": "2024-01-15T10:30:00Z",
        "data": {"object_type": "order", "object_id": "ORD-12345678", "order_id": "ORD-12345678",
                 "customer_id": "CUST-12345", "total_amount": 59.98, "created_at": "2024-01-15T10:30:00Z",
                 "items": [{"product_id": "SKU-001", "quantity": 2, "unit_price": 29.99}]}
    });
    let checks = c.check_webhook("order.created", &payload);
    assert_eq!(checks.len(), 2);
    assert!(checks.iter().all(|c| c.passed()), "{checks:#?}");
    assert_eq!(
        checks[1].expected,
        "valid against #/components/schemas/OrderCreatedEvent"
    );

    let mut bad = payload.clone();
    bad["data"]["order_id"] = json!("ORD-1");
    let checks = c.check_webhook("order.created", &bad);
    assert!(!checks[1].passed());
    assert_eq!(
        checks[1].actual,
        r#"1 violation: /data/order_id: "ORD-1" does not match "^ORD-[0-9]{8}$""#
    );
    assert!(checks[1]
        .detail
        .as_deref()
        .unwrap()
        .contains("webhook order.created (orderCreatedEvent)"));

    // A payload of one event checked as another.
    let checks = c.check_webhook("order.updated", &payload);
    assert!(!checks[1].passed());

    let checks = c.check_webhook("order.deleted", &payload);
    assert_eq!(checks.len(), 1);
    assert!(!checks[0].passed());
    assert_eq!(
        checks[0].actual,
        r#"undocumented webhook event "order.deleted""#
    );
    assert_eq!(
        checks[0].expected,
        "one of order.cancelled, order.created, order.updated"
    );
}

#[test]
fn the_document_examples_conform() {
    // Every response example of the document validates against its own schema.
    let c = contract();
    let doc = &c.doc;
    let mut checked = 0;
    for op in &c.operations {
        for r in &op.responses {
            for m in &r.content {
                let Some(schema) = &m.schema else { continue };
                let media_ptr = schema.trim_end_matches("/schema");
                let Some(examples) = doc
                    .pointer(&format!("{media_ptr}/examples"))
                    .and_then(Value::as_object)
                else {
                    continue;
                };
                for (name, ex) in examples {
                    let ex = match ex.get("$ref").and_then(Value::as_str) {
                        Some(r) => doc.pointer(&r[1..]).unwrap(),
                        None => ex,
                    };
                    let value = &ex["value"];
                    let v = c.schemas.violations(schema, value).unwrap();
                    assert!(v.is_empty(), "{} {} {name}: {v:?}", op.op.id, r.key);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 30, "{checked}");
}

mod coverage;
