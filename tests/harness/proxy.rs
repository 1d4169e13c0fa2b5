//! A fault-injecting HTTP proxy in front of a real registry. It makes every request its own
//! connection (it adds `Connection: close`), so faults are per request: forward, answer 503,
//! reset, delay, cut a blob transfer short, or kill the registry process at the Nth request.
//! It keeps each request's first line and Range headers, for tests to check what was asked.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does to connections; changeable while it runs.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// One request in every N fails (0: none), alternately answered `503 Service Unavailable`
    /// and closed unanswered (a reset); failures are N requests apart, so a retry can succeed.
    pub fail_every: usize,
    /// Each request waits this long before being forwarded.
    pub delay: Duration,
    /// At this request, `kill -9` this process (the registry).
    pub kill_at: Option<(usize, u32)>,
    /// Blob bodies (a `GET` of a blob, a `PATCH` of an upload) are cut off after this many
    /// bytes: the connection is reset there.
    pub cut_blobs_after: Option<usize>,
    /// Once upload chunks (`PATCH`es) that went through whole carried this many bytes, every
    /// later request is answered `503` (a registry that went away mid-upload).
    pub refuse_after_chunk_bytes: Option<usize>,
    /// Answers to manifest `PUT`s lose their `Location` header (as AWS ECR sends them).
    pub no_manifest_location: bool,
    /// Blob bodies (a `GET` of a blob) trickle: one byte, then this pause, and so on.
    pub drip_blobs: Option<Duration>,
}

/// A running proxy; its thread lives as long as the test process.
pub struct Proxy {
    pub port: u16,
    pub faults: Arc<Mutex<Faults>>,
    pub connections: Arc<AtomicUsize>,
    /// Each request's first line, with its `Range`/`Content-Range` header if it had one.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// Bytes of upload chunks that went through whole.
    pub chunk_bytes: Arc<AtomicUsize>,
}

impl Proxy {
    pub fn start(upstream: u16, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let port = listener.local_addr().expect("proxy addr").port();
        let faults = Arc::new(Mutex::new(faults));
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let chunk_bytes = Arc::new(AtomicUsize::new(0));
        let (f, c, r, k) = (faults.clone(), connections.clone(), requests.clone(), chunk_bytes.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                let faults = f.lock().map(|g| g.clone()).unwrap_or_default();
                let (requests, chunk_bytes) = (r.clone(), k.clone());
                std::thread::spawn(move || serve(client, upstream, n, &faults, &requests, chunk_bytes));
            }
        });
        Proxy { port, faults, connections, requests, chunk_bytes }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn set(&self, faults: Faults) {
        if let Ok(mut f) = self.faults.lock() {
            *f = faults;
        }
    }

    /// The requests seen so far (first line and range header).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn serve(mut client: TcpStream, upstream: u16, n: usize, faults: &Faults, requests: &Mutex<Vec<String>>, chunk_bytes: Arc<AtomicUsize>) {
    if let Some((at, pid)) = faults.kill_at
        && n == at
    {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    let refused = faults.refuse_after_chunk_bytes.is_some_and(|n| chunk_bytes.load(Ordering::SeqCst) >= n);
    let failing = refused || faults.fail_every > 0 && n % faults.fail_every == 3 % faults.fail_every;
    if failing && !refused && (n / faults.fail_every).is_multiple_of(2) {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Some((head, rest)) = read_head(&mut client) else { return };
    let first = head.lines().next().unwrap_or_default().to_string();
    let range = head.lines().find(|l| l.to_ascii_lowercase().starts_with("range:") || l.to_ascii_lowercase().starts_with("content-range:"));
    if let Ok(mut requests) = requests.lock() {
        requests.push(range.map_or(first.clone(), |r| format!("{first} | {}", r.trim())));
    }
    let cut_download = faults.cut_blobs_after.filter(|_| first.starts_with("GET ") && first.contains("/blobs/sha256:"));
    let cut_upload = faults.cut_blobs_after.filter(|_| first.starts_with("PATCH ") && first.contains("/blobs/uploads/"));
    if failing {
        let _ = client.write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    std::thread::sleep(faults.delay);
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    // one request per connection: the registry closes after answering
    let head: String = head.lines().filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).map(|l| format!("{l}\r\n")).collect();
    let head = format!("{head}Connection: close\r\n\r\n");
    if server.write_all(head.as_bytes()).and_then(|_| server.write_all(&rest)).is_err() {
        return;
    }
    let (Ok(mut client_read), Ok(mut server_write)) = (client.try_clone(), server.try_clone()) else { return };
    let body_sent = rest.len();
    let is_chunk = first.starts_with("PATCH ");
    let upload = std::thread::spawn(move || {
        // the request body is cut: both sides see the connection end mid-body
        let allowed = cut_upload.map_or(u64::MAX, |limit| limit.saturating_sub(body_sent) as u64);
        let copied = std::io::copy(&mut (&mut client_read).take(allowed), &mut server_write).unwrap_or(0);
        if copied == allowed {
            let _ = server_write.shutdown(Shutdown::Both);
            let _ = client_read.shutdown(Shutdown::Both);
        } else if is_chunk {
            chunk_bytes.fetch_add(body_sent + copied as usize, Ordering::SeqCst);
        }
    });
    let manifest_put = first.starts_with("PUT ") && first.contains("/manifests/");
    let drip = faults.drip_blobs.filter(|_| first.starts_with("GET ") && first.contains("/blobs/sha256:"));
    match (cut_download, drip) {
        (Some(limit), _) => copy_cut(&mut server, &mut client, limit),
        (None, Some(pause)) => copy_dripping(&mut server, &mut client, pause),
        (None, None) if faults.no_manifest_location && manifest_put => copy_without_location(&mut server, &mut client),
        (None, None) => {
            let _ = std::io::copy(&mut server, &mut client);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
    let _ = upload.join();
}

/// Copies a response, its head whole and at most `limit` bytes of its body.
fn copy_cut(server: &mut TcpStream, client: &mut TcpStream, limit: usize) {
    let Some((head, rest)) = read_head(server) else { return };
    if client.write_all(format!("{head}\r\n\r\n").as_bytes()).is_err() {
        return;
    }
    let first = rest.len().min(limit);
    if client.write_all(&rest[..first]).is_err() {
        return;
    }
    let _ = std::io::copy(&mut server.take((limit - first) as u64), client);
}

/// Copies a response without its `Location` header.
fn copy_without_location(server: &mut TcpStream, client: &mut TcpStream) {
    let Some((head, rest)) = read_head(server) else { return };
    let head: String = head.lines().filter(|l| !l.to_ascii_lowercase().starts_with("location:")).map(|l| format!("{l}\r\n")).collect();
    if client.write_all(format!("{head}\r\n").as_bytes()).and_then(|_| client.write_all(&rest)).is_ok() {
        let _ = std::io::copy(server, client);
    }
}

/// Copies a response's head whole and its body one byte per `pause`.
fn copy_dripping(server: &mut TcpStream, client: &mut TcpStream, pause: Duration) {
    let Some((head, rest)) = read_head(server) else { return };
    if client.write_all(format!("{head}\r\n\r\n").as_bytes()).is_err() {
        return;
    }
    let mut body = rest;
    let _ = server.read_to_end(&mut body);
    for byte in body {
        if client.write_all(&[byte]).is_err() {
            return;
        }
        std::thread::sleep(pause);
    }
}

/// The request head (up to the blank line, without it) and the body bytes read past it.
fn read_head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            return Some((head, buf[end + 4..].to_vec()));
        }
    }
}
