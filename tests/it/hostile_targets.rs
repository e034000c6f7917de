//! End to end: the real binary against targets that misbehave on purpose — a refused
//! connection, a reset in the middle of a body, a stall after the headers, a 10 MB body,
//! invalid JSON, a wrong content type, a redirect loop, TLS signed by an unknown CA and a
//! 5xx storm. Each must end as an error (or a failed check) on the step naming the cause,
//! the next scenario must still run, teardowns must run, and both reports must be written.
use crate::common::Project;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A raw HTTP/1.1 server that answers each path with a misbehaviour. One request per
/// connection (`Connection: close`), on 127.0.0.1 with an ephemeral port; stopped on drop.
struct Hostile {
    addr: SocketAddr,
    _server: crate::common::OnThread,
}

impl Hostile {
    fn start(tls: Option<tokio_rustls::TlsAcceptor>) -> Hostile {
        let server = crate::common::on_thread(move |listener, stopped| async move {
            let accept = async {
                loop {
                    let Ok((sock, _)) = listener.accept().await else {
                        continue;
                    };
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            // The client refuses the certificate: the handshake fails here.
                            Some(acceptor) => {
                                if let Ok(mut s) = acceptor.accept(sock).await {
                                    let _ = serve(&mut s).await;
                                }
                            }
                            None => {
                                let mut sock = sock;
                                if let Ok(Ending::Reset) = serve(&mut sock).await {
                                    // Zero linger: dropping the socket sends a RST.
                                    let _ = sock.set_zero_linger();
                                }
                            }
                        }
                    });
                }
            };
            tokio::select! {
                _ = accept => {}
                _ = stopped => {}
            }
        });
        Hostile {
            addr: server.addr,
            _server: server,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

const HEAD_LIMIT: usize = 64 * 1024;

async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while buf.len() < HEAD_LIMIT {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            return Some(String::from_utf8_lossy(&buf).into_owned());
        }
    }
    None
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

pub const BIG_BODY: usize = 10 * 1024 * 1024;

/// How a connection ends after `serve`.
enum Ending {
    Close,
    Reset,
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S) -> std::io::Result<Ending> {
    let Some(head) = read_head(s).await else {
        return Ok(Ending::Close);
    };
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    match path.as_str() {
        "/ok" => {
            s.write_all(&response(
                "200 OK",
                &[("Content-Type", "application/json")],
                br#"{"ok":true}"#,
            ))
            .await?;
        }
        "/reset" => {
            // Headers and 100 of the 1000 promised bytes, then a reset.
            s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
            )
            .await?;
            s.write_all(&[b' '; 100]).await?;
            s.flush().await?;
            // Give the client time to read what was sent before the reset discards it.
            tokio::time::sleep(Duration::from_millis(200)).await;
            return Ok(Ending::Reset);
        }
        "/stall" => {
            s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":",
            )
            .await?;
            s.flush().await?;
            tokio::time::sleep(Duration::from_secs(20)).await;
        }
        "/big" => {
            s.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {BIG_BODY}\r\n\r\n"
                )
                .as_bytes(),
            )
            .await?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < BIG_BODY {
                // The client stops reading at its cap and closes: the write fails, we stop.
                s.write_all(&chunk).await?;
                sent += chunk.len();
            }
        }
        "/invalid-json" => {
            s.write_all(&response(
                "200 OK",
                &[("Content-Type", "application/json")],
                br#"{"order_id": "ORD-1", "status": "#,
            ))
            .await?;
        }
        "/wrong-type" => {
            s.write_all(&response(
                "200 OK",
                &[("Content-Type", "text/html; charset=utf-8")],
                b"<html><body>maintenance</body></html>",
            ))
            .await?;
        }
        "/loop" => {
            s.write_all(&response("302 Found", &[("Location", "/loop")], b""))
                .await?;
        }
        _ if path.starts_with("/storm") => {
            s.write_all(&response(
                "503 Service Unavailable",
                &[("Content-Type", "text/plain"), ("Retry-After", "1")],
                b"overloaded",
            ))
            .await?;
        }
        _ => {
            s.write_all(&response("404 Not Found", &[], b"")).await?;
        }
    }
    s.shutdown().await?;
    Ok(Ending::Close)
}

/// The hostile scenario, then a healthy one: the run must go on to it.
fn suite(hostile_step: &str) -> String {
    format!(
        r#"scenarios:
  - name: hostile
    steps:
{hostile_step}
    teardown:
      - name: cleanup
        request: {{method: DELETE, path: /ok}}
        expect: {{status: 200}}
  - name: healthy afterwards
    steps:
      - request: {{method: GET, path: /ok}}
        expect: {{status: 200, body: [{{path: $.ok, equals: true}}]}}
"#
    )
}

struct Outcome {
    results: Value,
    junit: String,
}

impl Outcome {
    fn scenario(&self, name: &str) -> Value {
        self.results["scenarios"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == name).cloned())
            .unwrap_or(Value::Null)
    }
    fn hostile_step(&self) -> Value {
        self.scenario("hostile")["steps"][0].clone()
    }
}

/// Runs the suite, checks what every hostile case shares, returns the reports.
fn run(project: &Project, want_outcome: &str) -> Outcome {
    let out = project.run(&["run", "--jobs", "1"]);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let results = project.results();
    let junit = project.read("reports/junit.xml");
    let o = Outcome { results, junit };
    let hostile = o.scenario("hostile");
    assert_eq!(hostile["outcome"], want_outcome, "{hostile:#}");
    let steps = hostile["steps"].as_array().expect("steps");
    let teardown = steps
        .iter()
        .find(|s| s["phase"] == "teardown")
        .unwrap_or_else(|| panic!("the teardown ran: {hostile:#}"));
    assert_eq!(teardown["outcome"], "passed", "{teardown:#}");
    let healthy = o.scenario("healthy afterwards");
    assert_eq!(healthy["outcome"], "passed", "the run went on: {healthy:#}");
    let element = if want_outcome == "errored" {
        "<error"
    } else {
        "<failure"
    };
    assert!(o.junit.contains(element), "{}", o.junit);
    assert!(o.junit.contains("healthy afterwards"), "{}", o.junit);
    o
}

/// The hostile step's run error, checked to be shown like a diagnostic at the step (line 4 of
/// the file, that line, a caret); returns what the exchange said (after `failed to send GET
/// <url>: `).
fn step_error(o: &Outcome) -> String {
    let error = o.hostile_step()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let lines: Vec<&str> = error.lines().collect();
    assert_eq!(lines.len(), 4, "{error}");
    let head = lines[0]
        .strip_prefix("scenarios/h.yaml:4:")
        .and_then(|rest| rest.split_once(": error: failed to send GET "))
        .map(|(_, url_and_cause)| url_and_cause)
        .unwrap_or_else(|| panic!("{error}"));
    assert!(lines[2].starts_with("4 |       - request: "), "{error}");
    assert!(lines[3].trim_end().ends_with('^'), "{error}");
    head.split_once(": ")
        .map(|(_url, cause)| cause.to_string())
        .unwrap_or_else(|| panic!("{error}"))
}

#[test]
fn connection_refused() {
    let server = Hostile::start(None);
    // A port that was just free: bind, read it, release it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let p = Project::new(&server.url());
    p.file(
        "scenarios/h.yaml",
        &suite(&format!(
            "      - request: {{method: GET, path: \"http://{closed}/x\"}}\n        expect: {{status: 200}}"
        )),
    );
    let o = run(&p, "errored");
    assert_eq!(
        step_error(&o),
        format!("failed to connect to {closed}: connection refused")
    );
}

#[test]
fn reset_in_the_middle_of_a_body() {
    let server = Hostile::start(None);
    let p = Project::new(&server.url());
    p.file(
        "scenarios/h.yaml",
        &suite("      - request: {method: GET, path: /reset}\n        expect: {status: 200}"),
    );
    let o = run(&p, "errored");
    let host = server.addr;
    assert_eq!(
        step_error(&o),
        format!(
            "failed to read the response body from {host}: the connection was reset after 100 of 1000 bytes"
        )
    );
}

#[test]
fn headers_then_a_stall_hits_the_step_timeout() {
    let server = Hostile::start(None);
    let p = Project::new(&server.url());
    p.file(
        "scenarios/h.yaml",
        &suite("      - request: {method: GET, path: /stall}\n        timeout: 300ms\n        expect: {status: 200}"),
    );
    let o = run(&p, "errored");
    assert_eq!(
        step_error(&o),
        format!(
            "timed out after 300ms reading the response body from {} (status 200, 5 of 100 bytes received)",
            server.addr
        )
    );
}

#[test]
fn a_10_mb_body_is_kept_up_to_the_cap_and_marked_truncated() {
    let server = Hostile::start(None);
    let p = Project::new(&server.url());
    p.file(
        "scenarios/h.yaml",
        &suite("      - request: {method: GET, path: /big}\n        expect: {status: 200, body: [{path: $.a, exists: true}]}"),
    );
    let o = run(&p, "failed");
    let step = o.hostile_step();
    let response = &step["exchanges"][0]["response"];
    assert_eq!(response["status"], 200, "{step:#}");
    assert_eq!(response["truncated"], true, "{step:#}");
    let kept = response["body"].as_str().unwrap_or_default();
    assert!(
        kept.len() < 20 * 1024,
        "report bodies are clipped: {}",
        kept.len()
    );
    let check = step["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["passed"] == false).cloned())
        .expect("a failed check");
    assert_eq!(
        check["actual"],
        "the body is longer than max_body_bytes (1048576 bytes kept), so it is not read as JSON",
        "{check:#}"
    );
    let size = std::fs::metadata(p.dir.path().join("reports/results.json"))
        .expect("results.json")
        .len();
    assert!(size < 256 * 1024, "results.json stays small: {size} bytes");
}

#[test]
fn invalid_json_with_a_json_content_type_is_a_failed_check() {
    let server = Hostile::start(None);
    let p = Project::new(&server.url());
    p.file(
        "scenarios/h.yaml",
        &suite("      - request: {method: GET, path: /invalid-json}\n        expect: {status: 200, body: [{path: $.status, equals: pending}]}"),
    );
    let o = run(&p, "failed");
    let check = &o.hostile_step()["checks"];
    let failed = check
        .as_array()
        .and_then(|c| c.iter().find(|c| c["passed"] == false).cloned())
        .expect("a failed check");
    assert_eq!(failed["check"], "body $.status", "{failed:#}");
    assert!(
        failed["actual"].as_str().is_some_and(|a| a.starts_with(
            "the body is not valid JSON although the content type is `application/json`: EOF"
        )),
        "{failed:#}"
    );
}

#[test]
fn a_wrong_content_type_is_a_failed_check() {
    let server = Hostile::start(None);
    let p = Project::new(&server.url());
    p.file(
        "scenarios/h.yaml",
        &suite("      - request: {method: GET, path: /wrong-type}\n        expect:\n          status: 200\n          headers: {Content-Type: {matches: '^application/json'}}\n          body: [{path: $.status, exists: true}]"),
    );
    let o = run(&p, "failed");
    let checks = o.hostile_step()["checks"].clone();
    let failed: Vec<&Value> = checks
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 2, "{checks:#}");
    assert_eq!(
        failed[0]["actual"], "\"text/html; charset=utf-8\"",
        "{checks:#}"
    );
    assert_eq!(
        failed[1]["actual"], "the body is not JSON (content type `text/html; charset=utf-8`)",
        "{checks:#}"
    );
}

#[test]
fn a_redirect_loop_is_a_clear_error() {
    let server = Hostile::start(None);
    let p = Project::new(&server.url());
    p.file(
        "scenarios/h.yaml",
        &suite("      - request: {method: GET, path: /loop}\n        expect: {status: 200}"),
    );
    let o = run(&p, "errored");
    let url = format!("{}/loop", server.url());
    assert_eq!(
        step_error(&o),
        format!(
            "too many redirects from {url}: gave up after 10, the last to {url} (a redirect loop)"
        )
    );
}

#[test]
fn a_5xx_storm_fails_every_scenario_and_the_run_goes_on() {
    let server = Hostile::start(None);
    let p = Project::new(&server.url());
    let mut yaml = String::from("scenarios:\n");
    for i in 0..6 {
        yaml.push_str(&format!(
            "  - name: storm {i}\n    steps:\n      - request: {{method: GET, path: /storm/{i}}}\n        expect: {{status: 200}}\n      - request: {{method: GET, path: /ok}}\n    teardown:\n      - request: {{method: DELETE, path: /storm/{i}}}\n"
        ));
    }
    yaml.push_str("  - name: healthy afterwards\n    steps:\n      - request: {method: GET, path: /ok}\n        expect: {status: 200}\n");
    p.file("scenarios/storm.yaml", &yaml);
    let out = p.run(&["run", "--jobs", "2"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = p.results();
    let scenarios = r["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 7);
    for s in &scenarios[..6] {
        assert_eq!(s["outcome"], "failed", "{s:#}");
        let name = s["name"].as_str().unwrap_or_default();
        let i = name.trim_start_matches("storm ");
        assert_eq!(
            s["reason"],
            format!("step `GET /storm/{i}`: status: expected 200, got 503"),
            "{s:#}"
        );
        let steps = s["steps"].as_array().expect("steps");
        assert_eq!(
            steps.len(),
            2,
            "the step after the failure is skipped, the teardown runs: {s:#}"
        );
        assert_eq!(steps[1]["phase"], "teardown");
    }
    assert_eq!(scenarios[6]["outcome"], "passed");
    assert_eq!(r["summary"]["failed"], 6, "{:#}", r["summary"]);
    let junit = p.read("reports/junit.xml");
    assert_eq!(junit.matches("<failure").count(), 6, "{junit}");
}

/// A server certificate for localhost/127.0.0.1 signed by a fresh CA; returns the acceptor
/// and the CA's PEM.
fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "conform hostile test CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");
    let key = rcgen::KeyPair::generate().expect("key");
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("params");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let cert = params.signed_by(&key, &issuer).expect("cert");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca.pem())
}

#[test]
fn tls_with_an_unknown_ca_names_the_host() {
    let (acceptor, _ca_pem) = tls_acceptor();
    let tls = Hostile::start(Some(acceptor));
    let plain = Hostile::start(None);
    let p = Project::new(&plain.url());
    let url = format!("https://localhost:{}/ok", tls.addr.port());
    p.file(
        "scenarios/h.yaml",
        &suite(&format!(
            "      - request: {{method: GET, path: \"{url}\"}}\n        expect: {{status: 200}}"
        )),
    );
    let o = run(&p, "errored");
    assert_eq!(
        step_error(&o),
        format!(
            "failed to connect to localhost:{}: TLS handshake failed: the server's certificate is not signed by a trusted CA (invalid peer certificate: UnknownIssuer)",
            tls.addr.port()
        )
    );
}

/// A private CA: `auth.mtls.ca` alone makes conform trust the host, without a client
/// certificate.
#[test]
fn the_same_server_is_trusted_with_its_ca_in_auth_mtls() {
    let (acceptor, ca_pem) = tls_acceptor();
    let tls = Hostile::start(Some(acceptor));
    let p = Project::new("http://127.0.0.1:9");
    p.file("certs/ca.pem", &ca_pem);
    p.file(
        "conform.yaml",
        &format!(
            "default_env: test\nenvironments:\n  test:\n    base_url: \"https://localhost:{}\"\n    timeouts: {{request: 2s, connect: 1s, scenario: 20s}}\n    auth:\n      mtls:\n        ca: {{file: certs/ca.pem}}\n",
            tls.addr.port()
        ),
    );
    p.file(
        "scenarios/h.yaml",
        "scenarios:\n  - name: trusted\n    steps:\n      - request: {method: GET, path: /ok}\n        expect: {status: 200, body: [{path: $.ok, equals: true}]}\n",
    );
    let out = p.run(&["run"]);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
}
