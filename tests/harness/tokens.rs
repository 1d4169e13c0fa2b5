//! A small token server for a registry's bearer-token flow: it checks the client's basic
//! credentials (a GET) or its refresh token (an OAuth2 `refresh_token` grant POSTed, what
//! docker's identity tokens are) and grants what the `scope` asks, as a JWT signed RS256 by a
//! key made with openssl, its certificate in the `x5c` header (the registry trusts it).

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
    /// Tokens granted for the refresh token.
    pub refreshed: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl TokenServer {
    /// Serves tokens to clients presenting `user:password`, or the refresh token `refresh`.
    pub fn start(user: &str, password: &str, refresh: &str) -> TokenServer {
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
        let (issued, refreshed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (count, refresh_count) = (issued.clone(), refreshed.clone());
        let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
        let grant = format!("refresh_token={refresh}");
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let request = read_request(&mut stream);
                let (head, body) = request.split_once("\r\n\r\n").unwrap_or((&request, ""));
                let refreshing = head.starts_with("POST") && body.split('&').any(|kv| kv == "grant_type=refresh_token");
                let authorized = match refreshing {
                    true => body.split('&').any(|kv| kv == grant),
                    false => head.lines().any(|l| l.to_ascii_lowercase().starts_with("authorization:") && l[14..].trim() == expected),
                };
                if authorized && refreshing {
                    refresh_count.fetch_add(1, Ordering::SeqCst);
                }
                let scopes = match refreshing {
                    true => body,
                    false => head.split_whitespace().nth(1).and_then(|p| p.split_once('?')).map_or("", |(_, q)| q),
                };
                let reply = if authorized {
                    count.fetch_add(1, Ordering::SeqCst);
                    let body = format!(r#"{{"token":"{0}","access_token":"{0}","expires_in":300}}"#, token(&key, &cert_der, scopes));
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
        TokenServer { port, cert: d.join("cert.pem"), issued, refreshed, _dir: dir }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    pub fn cert(&self) -> &Path {
        &self.cert
    }
}

/// One HTTP request, its body read whole (by Content-Length).
fn read_request(stream: &mut std::net::TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        bytes.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            if n == 0 {
                return text;
            }
            continue;
        };
        let length = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()))
            .unwrap_or(0);
        if n == 0 || body.len() >= length {
            return text;
        }
    }
}

/// A JWT granting every `scope=repository:NAME:ACTIONS` of a query string or form body.
fn token(key: &ring::signature::RsaKeyPair, cert_der: &[u8], query: &str) -> String {
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
