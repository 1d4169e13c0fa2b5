//! A fault-injecting HTTP proxy in front of a real registry. It makes every request its own
//! connection (it adds `Connection: close`), so faults are per request: forward, answer 503,
//! reset, delay, or kill the registry process at the Nth request.

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
}

/// A running proxy; its thread lives as long as the test process.
pub struct Proxy {
    pub port: u16,
    pub faults: Arc<Mutex<Faults>>,
    pub connections: Arc<AtomicUsize>,
}

impl Proxy {
    pub fn start(upstream: u16, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let port = listener.local_addr().expect("proxy addr").port();
        let faults = Arc::new(Mutex::new(faults));
        let connections = Arc::new(AtomicUsize::new(0));
        let (f, c) = (faults.clone(), connections.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                let faults = f.lock().map(|g| g.clone()).unwrap_or_default();
                std::thread::spawn(move || serve(client, upstream, n, &faults));
            }
        });
        Proxy { port, faults, connections }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn set(&self, faults: Faults) {
        if let Ok(mut f) = self.faults.lock() {
            *f = faults;
        }
    }
}

fn serve(mut client: TcpStream, upstream: u16, n: usize, faults: &Faults) {
    if let Some((at, pid)) = faults.kill_at
        && n == at
    {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    let failing = faults.fail_every > 0 && n % faults.fail_every == 3 % faults.fail_every;
    if failing && (n / faults.fail_every).is_multiple_of(2) {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Some((head, rest)) = read_head(&mut client) else { return };
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
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut server_write);
    });
    let _ = std::io::copy(&mut server, &mut client);
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
}

/// The request head (up to the blank line, without it) and the body bytes read past it.
fn read_head(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = client.read(&mut chunk).ok()?;
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
