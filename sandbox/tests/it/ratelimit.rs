//! Rate limits (contract §5).

use crate::common::*;
use conform_sandbox::SandboxConfig;
use reqwest::Method;

#[tokio::test]
async fn bucket_capacity_then_429_with_headers() {
    let sb = start(SandboxConfig {
        orders_limit: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    // Capacity floor(1.5 × 2) = 3.
    for expected_remaining in [2u64, 1, 0] {
        let r = sb.create_order(&order_body(1), None).await;
        assert_eq!(r.status, 201);
        assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
        assert_eq!(
            r.header("x-ratelimit-remaining")
                .unwrap()
                .parse::<u64>()
                .unwrap(),
            expected_remaining
        );
        let reset: i64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset >= time::OffsetDateTime::now_utc().unix_timestamp());
    }
    let r = sb.create_order(&order_body(1), None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["error_code"], "RATE_LIMIT_EXCEEDED");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert_eq!(r.body["retry_after"], retry);
    assert!(r.body["message"].is_string());
    assert!(r.body["request_id"].is_string());
    assert!(r.body["timestamp"].is_string());
    assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    // Other rules have their own buckets.
    let r = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-limit"), Some("300"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("449"));
    // Controls are not limited.
    let r = sb
        .control(Method::GET, "/sandbox/v1/products/SKU-001", None)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-ratelimit-limit").is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn rate_scale_multiplies_every_rule() {
    let sb = start(SandboxConfig {
        rate_scale: 0.05,
        ..SandboxConfig::default()
    })
    .await;
    // search: 60 × 0.05 = 3/min, capacity 4.
    for _ in 0..4 {
        let r = sb.call(Method::GET, "/api/v1/search?q=x", None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
    }
    let r = sb.call(Method::GET, "/api/v1/search?q=x", None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("20"));
    let r = sb.create_order(&order_body(1), None).await;
    assert_eq!(r.header("x-ratelimit-limit"), Some("5"));
    sb.shutdown().await;
}
