//! The embedded receiver end to end: real HTTP on 127.0.0.1, ephemeral ports.
use conform::config::Secret;
use conform::webhook::{
    sign_seed, sign_standard, Delivery, Receiver, ReceiverConfig, Scheme, Verdict,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "whsec-conform-test";

async fn receiver(cfg: ReceiverConfig) -> Receiver {
    let r = Receiver::start(cfg).await.expect("receiver starts");
    r.add_secret(Secret::new(SECRET));
    r
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn event(id: &str) -> Vec<u8> {
    format!(r#"{{"event_id":"{id}","event_type":"order.created","timestamp":"2026-01-01T00:00:00Z","data":{{"object_type":"order","object_id":"ord_1"}}}}"#)
        .into_bytes()
}

/// A seed-scheme delivery as the contract describes it; returns the status.
async fn deliver(
    client: &reqwest::Client,
    url: &url::Url,
    id: &str,
    body: Vec<u8>,
    secret: &str,
    ts: i64,
) -> u16 {
    client
        .post(url.clone())
        .header("content-type", "application/json")
        .header("x-webhook-signature", sign_seed(secret.as_bytes(), &body))
        .header("x-webhook-timestamp", ts.to_string())
        .header("x-webhook-event-id", id)
        .body(body)
        .send()
        .await
        .expect("delivery sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn valid_delivery_is_accepted_and_recorded() {
    let r = receiver(ReceiverConfig::default()).await;
    assert_eq!(r.local_url().host_str(), Some("127.0.0.1"));
    assert_eq!(r.url(), r.local_url());
    let client = reqwest::Client::new();
    let url = r.url().join("hooks/orders").unwrap();
    assert_eq!(
        deliver(&client, &url, "evt_1", event("evt_1"), SECRET, now()).await,
        200
    );

    let got = r.inbox().snapshot();
    assert_eq!(got.len(), 1);
    let d = &got[0];
    assert_eq!(d.verdict, Verdict::Valid);
    assert_eq!((d.answered, d.attempt), (200, 1));
    assert_eq!(d.event_id.as_deref(), Some("evt_1"));
    assert_eq!(d.event_type.as_deref(), Some("order.created"));
    assert_eq!(d.body.as_ref(), event("evt_1").as_slice());
    assert_eq!(d.json.as_ref().unwrap()["data"]["object_id"], "ord_1");
    assert_eq!(d.header("X-Webhook-Event-ID"), Some("evt_1"));
    assert!((time::OffsetDateTime::now_utc() - d.received_at).whole_seconds() < 5);

    let record = conform::webhook::to_record(d, &|s: &str| s.to_owned());
    assert_eq!((record.verdict.as_str(), record.answered), ("valid", 200));
    r.shutdown().await;
}

#[tokio::test]
async fn any_registered_secret_verifies_and_public_url_is_reported() {
    let public: url::Url = "https://hooks.example.test/in".parse().unwrap();
    let r = receiver(ReceiverConfig {
        public_url: Some(public.clone()),
        ..Default::default()
    })
    .await;
    r.add_secret(Secret::new("second-subscription"));
    assert_eq!(r.url(), public);
    let client = reqwest::Client::new();
    let url = r.local_url();
    assert_eq!(
        deliver(&client, &url, "a", event("a"), SECRET, now()).await,
        200
    );
    assert_eq!(
        deliver(&client, &url, "b", event("b"), "second-subscription", now()).await,
        200
    );
    assert_eq!(
        deliver(&client, &url, "c", event("c"), "third", now()).await,
        401
    );
    r.shutdown().await;
}

/// A target may deliver with a new subscription's secret before the answer naming that secret
/// reaches conform (and to every subscription sharing the receiver's URL): while the secret is
/// expected, such a delivery is held and judged once it is known, not refused as forged.
#[tokio::test]
async fn a_delivery_racing_its_subscription_answer_is_judged_with_the_new_secret() {
    let r = receiver(ReceiverConfig::default()).await;
    let client = reqwest::Client::new();
    let url = r.local_url();
    // Without a subscription in progress, an unknown secret is refused at once.
    assert_eq!(
        deliver(
            &client,
            &url,
            "early",
            event("early"),
            "not-yet-known",
            now()
        )
        .await,
        401
    );
    let pending = r.expect_secret();
    let sent = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move {
            deliver(
                &client,
                &url,
                "raced",
                event("raced"),
                "not-yet-known",
                now(),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !sent.is_finished(),
        "the delivery was judged before the secret was known"
    );
    r.add_secret(Secret::new("not-yet-known"));
    drop(pending);
    assert_eq!(sent.await.expect("delivery task"), 200);
    // A forgery is still refused once the subscription is done (the wait is only for secrets
    // on their way).
    let pending = r.expect_secret();
    let forged = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move { deliver(&client, &url, "forged", event("forged"), "forger", now()).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(pending);
    assert_eq!(forged.await.expect("delivery task"), 401);
    let verdicts: Vec<(String, Verdict)> = r
        .inbox()
        .snapshot()
        .iter()
        .map(|d| (d.event_id.clone().unwrap_or_default(), d.verdict))
        .collect();
    assert!(
        verdicts.contains(&("raced".to_string(), Verdict::Valid)),
        "{verdicts:?}"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn invalid_deliveries_get_their_verdict_and_status() {
    let r = receiver(ReceiverConfig::default()).await;
    let client = reqwest::Client::new();
    let url = r.local_url();
    let body = event("evt_x");
    let sig = sign_seed(SECRET.as_bytes(), &body);
    let send = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let mut req = client.post(url.clone()).body(body);
        for (n, v) in headers {
            req = req.header(n, v);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let ts = || ("x-webhook-timestamp", now().to_string());
    let id = |v: &str| ("x-webhook-event-id", v.to_owned());

    // Forged: signed with another secret.
    let forged = sign_seed(b"not-the-secret", &body);
    assert_eq!(
        send(
            vec![("x-webhook-signature", forged), ts(), id("evt_x")],
            body.clone()
        )
        .await,
        401
    );
    // Uppercase hex of the right signature (rejected like the vectors' negative).
    let upper = format!("sha256={}", sig["sha256=".len()..].to_uppercase());
    assert_eq!(
        send(
            vec![("x-webhook-signature", upper), ts(), id("evt_x")],
            body.clone()
        )
        .await,
        401
    );
    assert_eq!(send(vec![ts(), id("evt_x")], body.clone()).await, 401);
    let stale = ("x-webhook-timestamp", (now() - 400).to_string());
    assert_eq!(
        send(
            vec![("x-webhook-signature", sig.clone()), stale, id("evt_x")],
            body.clone()
        )
        .await,
        401
    );
    let future = ("x-webhook-timestamp", (now() + 1000).to_string());
    assert_eq!(
        send(
            vec![("x-webhook-signature", sig.clone()), future, id("evt_x")],
            body.clone()
        )
        .await,
        401
    );
    assert_eq!(
        send(
            vec![("x-webhook-signature", sig.clone()), id("evt_x")],
            body.clone()
        )
        .await,
        401
    );
    let text = b"order created".to_vec();
    let text_sig = sign_seed(SECRET.as_bytes(), &text);
    assert_eq!(
        send(
            vec![("x-webhook-signature", text_sig), ts(), id("evt_x")],
            text
        )
        .await,
        400
    );
    assert_eq!(
        send(
            vec![("x-webhook-signature", sig.clone()), ts(), id("evt_other")],
            body.clone()
        )
        .await,
        400
    );
    assert_eq!(
        send(
            vec![("x-webhook-signature", sig.clone()), ts()],
            body.clone()
        )
        .await,
        400
    );
    // Still fine within the tolerance.
    let skewed = ("x-webhook-timestamp", (now() - 250).to_string());
    assert_eq!(
        send(
            vec![("x-webhook-signature", sig), skewed, id("evt_x")],
            body
        )
        .await,
        200
    );

    let verdicts: Vec<Verdict> = r.inbox().snapshot().iter().map(|d| d.verdict).collect();
    assert_eq!(verdicts.len(), 10, "every POST is recorded: {verdicts:?}");
    assert_eq!(
        &verdicts[..3],
        &[
            Verdict::BadSignature,
            Verdict::BadSignature,
            Verdict::MissingSignature
        ]
    );
    assert!(
        matches!(verdicts[3], Verdict::StaleTimestamp { skew_secs } if (399..=402).contains(&skew_secs))
    );
    assert!(
        matches!(verdicts[4], Verdict::StaleTimestamp { skew_secs } if (-1001..=-998).contains(&skew_secs))
    );
    assert_eq!(
        &verdicts[5..],
        &[
            Verdict::MissingTimestamp,
            Verdict::NotJson,
            Verdict::EventIdMismatch,
            Verdict::EventIdMismatch,
            Verdict::Valid
        ]
    );
    let snapshot = r.inbox().snapshot();
    assert_eq!(snapshot[0].verdict.to_string(), "bad signature");
    assert_eq!(
        snapshot[6].event_id.as_deref(),
        Some("evt_x"),
        "the header names a non-JSON delivery"
    );
    // Attempts count per event id: the header's id when sent (the 8th names evt_other), else the
    // body's.
    let attempts: Vec<u32> = snapshot.iter().map(|d| d.attempt).collect();
    assert_eq!(attempts, [1, 2, 3, 4, 5, 6, 7, 1, 8, 9]);
    r.shutdown().await;
}

#[tokio::test]
async fn over_one_mib_is_answered_413_and_recorded() {
    let r = receiver(ReceiverConfig::default()).await;
    let client = reqwest::Client::new();
    let mut big = br#"{"event_id":"evt_big","pad":""#.to_vec();
    big.resize(1024 * 1024 + 10, b'x');
    big.extend_from_slice(b"\"}");
    assert_eq!(
        deliver(&client, &r.local_url(), "evt_big", big, SECRET, now()).await,
        413
    );
    // Exactly at the limit is fine (as far as size goes).
    let mut at_limit = event("evt_fit");
    at_limit.resize(1024 * 1024, b' ');
    assert_eq!(
        deliver(&client, &r.local_url(), "evt_fit", at_limit, SECRET, now()).await,
        200
    );
    let got = r.inbox().snapshot();
    assert_eq!(got[0].verdict, Verdict::TooLarge);
    assert_eq!((got[0].answered, got[0].body.len()), (413, 0));
    assert_eq!(got[0].event_id.as_deref(), Some("evt_big"));
    assert_eq!(got[1].verdict, Verdict::Valid);
    r.shutdown().await;
}

#[tokio::test]
async fn reply_rule_answers_500_twice_then_200() {
    let r = receiver(ReceiverConfig::default()).await;
    let inbox = r.inbox();
    inbox.add_reply_rule(
        Arc::new(|d: &Delivery| d.event_id.as_deref() == Some("evt_r")),
        500,
        2,
        Duration::ZERO,
    );
    let client = reqwest::Client::new();
    let url = r.local_url();
    let mut statuses = vec![];
    for _ in 0..3 {
        statuses.push(deliver(&client, &url, "evt_r", event("evt_r"), SECRET, now()).await);
    }
    assert_eq!(statuses, [500, 500, 200]);
    // Other events are not affected.
    assert_eq!(
        deliver(&client, &url, "evt_o", event("evt_o"), SECRET, now()).await,
        200
    );
    let got = inbox.snapshot();
    let seen: Vec<(u32, u16, Verdict)> = got
        .iter()
        .map(|d| (d.attempt, d.answered, d.verdict))
        .collect();
    assert_eq!(
        seen,
        [
            (1, 500, Verdict::Valid),
            (2, 500, Verdict::Valid),
            (3, 200, Verdict::Valid),
            (1, 200, Verdict::Valid)
        ]
    );
    let distinct: std::collections::HashSet<_> =
        got.iter().filter_map(|d| d.event_id.clone()).collect();
    assert_eq!(distinct.len(), 2);
    r.shutdown().await;
}

#[tokio::test]
async fn reply_rule_delay_holds_the_answer_but_not_the_record() {
    let r = receiver(ReceiverConfig::default()).await;
    let inbox = r.inbox();
    inbox.add_reply_rule(
        Arc::new(|_: &Delivery| true),
        503,
        1,
        Duration::from_millis(400),
    );
    let url = r.local_url();
    let sender = tokio::spawn(async move {
        let started = Instant::now();
        let status = deliver(
            &reqwest::Client::new(),
            &url,
            "evt_d",
            event("evt_d"),
            SECRET,
            now(),
        )
        .await;
        (status, started.elapsed())
    });
    let got = inbox
        .wait_until(&|_| true, &|m| !m.is_empty(), Duration::from_secs(5))
        .await;
    assert_eq!(
        got[0].answered, 503,
        "recorded on arrival with the answer to come"
    );
    let (status, took) = sender.await.unwrap();
    assert_eq!(status, 503);
    assert!(took >= Duration::from_millis(400), "{took:?}");
    r.shutdown().await;
}

#[tokio::test]
async fn wait_until_wakes_on_arrival() {
    let r = receiver(ReceiverConfig::default()).await;
    let inbox = r.inbox();
    let url = r.local_url();
    let waiter = {
        let inbox = inbox.clone();
        tokio::spawn(async move {
            let matches = |d: &Delivery| d.event_type.as_deref() == Some("order.created");
            let got = inbox
                .wait_until(&matches, &|m| m.len() >= 2, Duration::from_secs(30))
                .await;
            (got, Instant::now())
        })
    };
    tokio::task::yield_now().await;
    let client = reqwest::Client::new();
    // A delivery the waiter does not match, then two it does.
    let other = br#"{"event_id":"evt_u","event_type":"order.updated"}"#.to_vec();
    assert_eq!(
        deliver(&client, &url, "evt_u", other, SECRET, now()).await,
        200
    );
    assert_eq!(
        deliver(&client, &url, "evt_1", event("evt_1"), SECRET, now()).await,
        200
    );
    assert!(!waiter.is_finished());
    // An invalid one matches too: waiters see every attempt.
    assert_eq!(
        deliver(&client, &url, "evt_2", event("evt_2"), "forged", now()).await,
        401
    );
    let sent = Instant::now();
    let (got, woke) = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("woke up")
        .unwrap();
    assert!(woke.saturating_duration_since(sent) < Duration::from_secs(1));
    let ids: Vec<_> = got
        .iter()
        .map(|d| (d.event_id.clone().unwrap(), d.verdict))
        .collect();
    assert_eq!(
        ids,
        [
            ("evt_1".to_string(), Verdict::Valid),
            ("evt_2".to_string(), Verdict::BadSignature)
        ]
    );

    // Already satisfied: returns at once; never satisfied: returns what matched at the deadline.
    let started = Instant::now();
    assert_eq!(
        inbox
            .wait_until(&|_| true, &|m| m.len() == 3, Duration::from_secs(30))
            .await
            .len(),
        3
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    let started = Instant::now();
    let partial = inbox
        .wait_until(&|_| true, &|m| m.len() > 3, Duration::from_millis(200))
        .await;
    assert_eq!(partial.len(), 3);
    assert!(started.elapsed() >= Duration::from_millis(200));
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_deliveries_from_fifty_concurrent_senders_are_all_recorded() {
    let r = receiver(ReceiverConfig::default()).await;
    let url = r.local_url();
    let mut senders = tokio::task::JoinSet::new();
    for s in 0..50 {
        let url = url.clone();
        senders.spawn(async move {
            // One client (its own connections) per sender.
            let client = reqwest::Client::new();
            let mut statuses = Vec::new();
            for i in 0..20 {
                let id = format!("evt_{s}_{i}");
                statuses.push(deliver(&client, &url, &id, event(&id), SECRET, now()).await);
            }
            statuses
        });
    }
    let inbox = r.inbox();
    let all = inbox
        .wait_until(&|_| true, &|m| m.len() >= 1000, Duration::from_secs(60))
        .await;
    let mut statuses = Vec::new();
    while let Some(s) = senders.join_next().await {
        statuses.extend(s.unwrap());
    }
    assert_eq!(statuses.len(), 1000);
    assert!(statuses.iter().all(|s| *s == 200));
    assert_eq!(all.len(), 1000);
    assert_eq!(inbox.len(), 1000);
    let ids: std::collections::HashSet<_> = all.iter().filter_map(|d| d.event_id.clone()).collect();
    assert_eq!(ids.len(), 1000);
    assert!(all
        .iter()
        .all(|d| d.verdict == Verdict::Valid && d.attempt == 1));
    r.shutdown().await;
}

#[tokio::test]
async fn a_slow_sender_does_not_block_others_and_is_cut_off() {
    let cfg = ReceiverConfig {
        read_timeout: Duration::from_millis(500),
        ..Default::default()
    };
    let r = receiver(cfg).await;
    let addr = format!(
        "{}:{}",
        r.local_url().host_str().unwrap(),
        r.local_url().port().unwrap()
    );

    // Sends its headers, then stalls before the body.
    let mut stalled_body = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled_body
        .write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ev")
        .await
        .unwrap();
    // Stalls in the middle of its headers.
    let mut stalled_head = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled_head
        .write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Le")
        .await
        .unwrap();
    // Connects and sends nothing at all.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let started = Instant::now();

    let client = reqwest::Client::new();
    assert_eq!(
        deliver(
            &client,
            &r.local_url(),
            "evt_fast",
            event("evt_fast"),
            SECRET,
            now()
        )
        .await,
        200
    );
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "others are served meanwhile"
    );

    let mut answer = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(3),
        stalled_body.read_to_end(&mut answer),
    )
    .await
    .expect("cut off by the body timeout")
    .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), stalled_head.read_to_end(&mut rest))
        .await
        .expect("cut off by the header timeout");
    // hyper answers 408 or just closes; either way the connection ends.
    assert!(
        read.is_err() || rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        read
    );
    let mut nothing = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), silent.read_to_end(&mut nothing))
        .await
        .expect("an idle connection is closed by the header timeout");
    assert!(read.is_err() || nothing.is_empty() || nothing.starts_with(b"HTTP/1.1 408"));
    assert!(started.elapsed() >= Duration::from_millis(450));

    // Incomplete deliveries are not recorded.
    let got = r.inbox().snapshot();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].event_id.as_deref(), Some("evt_fast"));
    r.shutdown().await;
}

#[tokio::test]
async fn other_methods_and_paths() {
    let r = receiver(ReceiverConfig::default()).await;
    let client = reqwest::Client::new();
    let get = client
        .get(r.local_url().join("anything").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 200);
    let put = client.put(r.local_url()).body("{}").send().await.unwrap();
    assert_eq!(put.status().as_u16(), 405);
    assert!(r.inbox().is_empty(), "only POSTs are deliveries");
    let deep = r.local_url().join("a/b/c?x=1").unwrap();
    assert_eq!(
        deliver(&client, &deep, "evt_p", event("evt_p"), SECRET, now()).await,
        200
    );
    assert_eq!(r.inbox().len(), 1);
    r.shutdown().await;
}

#[tokio::test]
async fn standard_webhooks_scheme() {
    let whsec = "whsec_d2hzZWMtY29uZm9ybS10ZXN0";
    let r = Receiver::start(ReceiverConfig {
        scheme: Scheme::StandardWebhooks,
        ..Default::default()
    })
    .await
    .unwrap();
    r.add_secret(Secret::new(whsec));
    assert_eq!(r.scheme(), Scheme::StandardWebhooks);
    let client = reqwest::Client::new();
    let body = br#"{"type":"order.created","timestamp":"2026-01-01T00:00:00Z","data":{}}"#.to_vec();
    let send = |id: &'static str, ts: i64, sig: String| {
        client
            .post(r.local_url())
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sig)
            .body(body.clone())
            .send()
    };
    let t = now();
    let good = sign_standard(whsec, "msg_1", t, &body).unwrap();
    assert_eq!(
        send("msg_1", t, format!("v1,Zm9yZ2Vk {good}"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        send("msg_2", t, good.clone()).await.unwrap().status(),
        401,
        "id is signed"
    );
    let old = sign_standard(whsec, "msg_3", t - 600, &body).unwrap();
    assert_eq!(send("msg_3", t - 600, old).await.unwrap().status(), 401);
    let got = r.inbox().snapshot();
    assert_eq!(got[0].verdict, Verdict::Valid);
    assert_eq!(got[0].event_id.as_deref(), Some("msg_1"));
    assert_eq!(got[0].event_type.as_deref(), Some("order.created"));
    assert_eq!(got[1].verdict, Verdict::BadSignature);
    assert!(matches!(got[2].verdict, Verdict::StaleTimestamp { .. }));
    r.shutdown().await;
}

#[tokio::test]
async fn shutdown_frees_the_port_and_a_dropped_receiver_stops() {
    let r = receiver(ReceiverConfig::default()).await;
    let url = r.local_url();
    let clone = r.clone();
    r.shutdown().await;
    let err = reqwest::Client::new()
        .post(url.clone())
        .body("{}")
        .send()
        .await;
    assert!(err.is_err(), "nothing listens after shutdown");
    drop(clone);

    let r = receiver(ReceiverConfig::default()).await;
    let url = r.local_url();
    drop(r);
    // Stopping is asynchronous after a drop; wait for the listener to go, by event (a refused
    // connect), within a bound.
    let gone = async {
        loop {
            if tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
                .await
                .is_err()
            {
                break;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), gone)
        .await
        .expect("listener closed after drop");
}

#[tokio::test]
async fn bind_errors_are_reported() {
    let r = receiver(ReceiverConfig::default()).await;
    let taken: std::net::SocketAddr = format!("127.0.0.1:{}", r.local_url().port().unwrap())
        .parse()
        .unwrap();
    let err = Receiver::start(ReceiverConfig {
        listen: taken,
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("failed to bind the webhook receiver to {taken}")
    );
    let missing = std::path::PathBuf::from("/nonexistent/cert.pem");
    let err = Receiver::start(ReceiverConfig {
        tls: Some((missing.clone(), missing)),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to read the receiver's TLS certificate from /nonexistent/cert.pem"
    );
    r.shutdown().await;
}
