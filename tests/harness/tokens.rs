//! A small token server for a registry's bearer-token flow: it checks the client's basic
//! credentials and grants what the `scope` asks, as a JWT signed RS256 by a key made with
//! openssl, its certificate in the `x5c` header (the registry trusts that certificate).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// A running token server; its thread lives as long as the test process.
pub struct TokenServer {
    pub port: u16,
    /// The certificate the registry must trust (PEM).
    pub cert: PathBuf,
    pub issued: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl TokenServer {
    /// Serves tokens to clients presenting `user:password`.
    pub fn start(user: &str, password: &str) -> TokenServer {
        let dir = tempfile::tempdir().expect("token dir");
        let d = dir.path();
        let openssl = |args: &[&str]| super::run(Command::new("openssl").args(args).current_dir(d));
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=mpbake-token",
        ]);
        openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.der"]);
        openssl(&["x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der"]);
        let key = ring::signature::RsaKeyPair::from_pkcs8(&std::fs::read(d.join("key.der")).expect("key")).expect("rsa key");
        let cert_der = std::fs::read(d.join("cert.der")).expect("cert");
        let listener = TcpListener::bind("127.0.0.1:0").expect("token port");
        let port = listener.local_addr().expect("addr").port();
        let issued = Arc::new(AtomicUsize::new(0));
        let (count, expected) = (issued.clone(), format!("Basic {}", STANDARD.encode(format!("{user}:{password}"))));
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut buf = vec![0u8; 16384];
                let n = stream.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let authorized =
                    request.lines().any(|l| l.to_ascii_lowercase().starts_with("authorization:") && l[14..].trim() == expected);
                let reply = if authorized {
                    count.fetch_add(1, Ordering::SeqCst);
                    let body = format!(r#"{{"token":"{0}","access_token":"{0}","expires_in":300}}"#, token(&key, &cert_der, &request));
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                };
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        TokenServer { port, cert: d.join("cert.pem"), issued, _dir: dir }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    pub fn cert(&self) -> &Path {
        &self.cert
    }
}

/// A JWT granting every `scope=repository:NAME:ACTIONS` of the request.
fn token(key: &ring::signature::RsaKeyPair, cert_der: &[u8], request: &str) -> String {
    let path = request.split_whitespace().nth(1).unwrap_or("");
    let query = path.split_once('?').map_or("", |(_, q)| q);
    let access: Vec<serde_json::Value> = query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("scope="))
        .map(|s| s.replace("%3A", ":").replace("%2C", ",").replace("%2F", "/"))
        .filter_map(|s| {
            let mut parts = s.splitn(3, ':');
            let (kind, name, actions) = (parts.next()?.to_string(), parts.next()?.to_string(), parts.next()?.to_string());
            Some(serde_json::json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
        })
        .collect();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [STANDARD.encode(cert_der)]});
    let claims = serde_json::json!({"iss": "mpbake-token-issuer", "sub": "mpbake", "aud": "mpbake-registry", "exp": now + 300,
        "nbf": now - 10, "iat": now, "jti": format!("{now}-{}", access.len()), "access": access});
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature).expect("sign");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}
