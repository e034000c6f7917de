//! mTLS end to end: a local rustls server that requires a client certificate signed by a
//! test CA (all generated here with rcgen), reached through `AuthSettings::configure_client`.
use conform::auth::AuthSettings;
use conform::config::{AuthDoc, ValueSource};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Pki {
    ca_pem: String,
    server_cert: CertificateDer<'static>,
    server_key: PrivateKeyDer<'static>,
    ca_der: CertificateDer<'static>,
    client_cert_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "conform test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let mut sp = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = sp.signed_by(&server_key, &issuer).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut cp = CertificateParams::new(Vec::<String>::new()).unwrap();
    cp.distinguished_name
        .push(DnType::CommonName, "conform client");
    cp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = cp.signed_by(&client_key, &issuer).unwrap();

    Pki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        server_cert: server_cert.der().clone(),
        server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// Serves `ok` over TLS to clients with a certificate from the CA; counts refused handshakes.
async fn serve(pki: &Pki) -> (u16, Arc<AtomicUsize>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![pki.server_cert.clone()], pki.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let refused = Arc::new(AtomicUsize::new(0));
    let r = refused.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            let r = r.clone();
            tokio::spawn(async move {
                let mut tls = match acceptor.accept(tcp).await {
                    Ok(t) => t,
                    Err(_) => {
                        r.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, refused)
}

struct TempDir(PathBuf);
impl TempDir {
    fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!("conform-auth-mtls-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn write(&self, name: &str, content: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p.to_string_lossy().into_owned()
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read_source(v: &ValueSource) -> Result<String, String> {
    match v {
        ValueSource::Literal(s) => Ok(s.clone()),
        ValueSource::File(p) => std::fs::read_to_string(p).map_err(|e| e.to_string()),
        ValueSource::Env { name, .. } => Err(format!("{name} not set")),
    }
}

fn settings(yaml: &str) -> AuthSettings {
    let doc: AuthDoc = serde_saphyr::from_str(yaml).unwrap();
    AuthSettings::resolve(&doc, &read_source).unwrap()
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut c = e.source();
    while let Some(e) = c {
        s = format!("{s}: {e}");
        c = e.source();
    }
    s
}

#[tokio::test]
async fn client_certificate_opens_the_door() {
    let pki = pki();
    let (port, refused) = serve(&pki).await;
    let dir = TempDir::new();
    let cert = dir.write("client.pem", &pki.client_cert_pem);
    let key = dir.write("client.key", &pki.client_key_pem);
    let ca = dir.write("ca.pem", &pki.ca_pem);
    // A literal path, and `{file: ...}`: both read the PEM file.
    let s = settings(&format!(
        "mtls:\n  cert: \"{cert}\"\n  key: {{ file: \"{key}\" }}\n  ca: {{ file: \"{ca}\" }}\n"
    ));
    let client = s
        .configure_client(reqwest::Client::builder())
        .unwrap()
        .build()
        .unwrap();
    let resp = client
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "ok");
    assert_eq!(refused.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn without_a_client_certificate_the_handshake_fails() {
    let pki = pki();
    let (port, refused) = serve(&pki).await;
    // Trusts the server, presents no identity.
    let ca = reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let err = client
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap_err();
    let text = chain(&err);
    assert!(err.is_connect() || err.is_request(), "{text}");
    // The server refused the handshake (TLS 1.3 reports it to the client after its Finished).
    for _ in 0..100 {
        if refused.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        refused.load(Ordering::SeqCst),
        1,
        "client error was: {text}"
    );
}

#[test]
fn a_key_that_is_not_pem_is_named_in_the_error() {
    let dir = TempDir::new();
    let cert = dir.write("client.pem", &pki().client_cert_pem);
    let key = dir.write("client.key", "garbage");
    let doc: AuthDoc =
        serde_saphyr::from_str(&format!("mtls: {{ cert: \"{cert}\", key: \"{key}\" }}")).unwrap();
    let err = AuthSettings::resolve(&doc, &read_source)
        .unwrap_err()
        .to_string();
    assert!(err.contains("auth.mtls.key") && err.contains(&key), "{err}");
}
