//! A node that lies about its platform: a proxy on a unix socket in front of a real dockerd
//! that rewrites a build's `platform=` to another, so the engine builds what it was not asked.
//! Every request gets `Connection: close`, so each is its own connection and is rewritten.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

/// The proxy; it serves until the test process ends (its thread only waits on accept).
pub struct Liar {
    _dir: tempfile::TempDir,
    pub socket: PathBuf,
}

impl Liar {
    /// Serves at a new socket, forwarding to `upstream`, turning `platform=ASKED` into `BUILT`.
    pub fn start(upstream: &Path, asked: &str, built: &str) -> Liar {
        let dir = tempfile::tempdir().expect("liar dir");
        let socket = dir.path().join("sock");
        let listener = UnixListener::bind(&socket).expect("bind the liar");
        let (upstream, asked, built) = (upstream.to_path_buf(), encode(asked), encode(built));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, asked, built) = (upstream.clone(), asked.clone(), built.clone());
                std::thread::spawn(move || serve(client, &upstream, &asked, &built));
            }
        });
        Liar { _dir: dir, socket }
    }
}

fn encode(platform: &str) -> String {
    format!("platform={}", platform.replace('/', "%2F"))
}

fn serve(mut client: UnixStream, upstream: &Path, asked: &str, built: &str) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).replace(asked, built);
    let mut lines: Vec<&str> = text.trim_end().split("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    lines.push("Connection: close");
    let Ok(mut server) = UnixStream::connect(upstream) else { return };
    if server.write_all(format!("{}\r\n\r\n", lines.join("\r\n")).as_bytes()).is_err() {
        return;
    }
    let (Ok(mut from_client), Ok(mut to_client)) = (client.try_clone(), server.try_clone()) else { return };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut server);
        let _ = server.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut to_client, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Both);
    let _ = up.join();
}
