//! BuildKit's progress as dockerd streams it (`moby.buildkit.trace`: a base64 protobuf
//! `StatusResponse`), decoded for the fields mpbake shows: each step's name, start, end, cache
//! and error, and its output lines.

use super::protobuf::{Value, fields, text};

/// A step as BuildKit reports it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Vertex {
    pub digest: String,
    pub name: String,
    pub cached: bool,
    /// Seconds since the epoch, with nanoseconds.
    pub started: Option<f64>,
    pub completed: Option<f64>,
    pub error: String,
}

/// Output of a step.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Log {
    pub vertex: String,
    pub message: Vec<u8>,
}

/// One `StatusResponse`: what changed since the last.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Status {
    pub vertexes: Vec<Vertex>,
    pub logs: Vec<Log>,
}

/// A `google.protobuf.Timestamp` as seconds.
fn timestamp(bytes: &[u8]) -> f64 {
    let (mut seconds, mut nanos) = (0u64, 0u64);
    for (field, value) in fields(bytes) {
        match (field, value) {
            (1, Value::Number(n)) => seconds = n,
            (2, Value::Number(n)) => nanos = n,
            _ => {}
        }
    }
    seconds as f64 + nanos as f64 / 1e9
}

fn vertex(bytes: &[u8]) -> Vertex {
    let mut v = Vertex::default();
    for (field, value) in fields(bytes) {
        match (field, value) {
            (1, Value::Bytes(b)) => v.digest = text(b),
            (3, Value::Bytes(b)) => v.name = text(b),
            (4, Value::Number(n)) => v.cached = n != 0,
            (5, Value::Bytes(b)) => v.started = Some(timestamp(b)),
            (6, Value::Bytes(b)) => v.completed = Some(timestamp(b)),
            (7, Value::Bytes(b)) => v.error = text(b),
            _ => {}
        }
    }
    v
}

fn log(bytes: &[u8]) -> Log {
    let mut l = Log::default();
    for (field, value) in fields(bytes) {
        match (field, value) {
            (1, Value::Bytes(b)) => l.vertex = text(b),
            (4, Value::Bytes(b)) => l.message = b.to_vec(),
            _ => {}
        }
    }
    l
}

/// Decodes a `StatusResponse`; fields mpbake does not show are skipped.
pub fn decode(bytes: &[u8]) -> Status {
    let mut status = Status::default();
    for (field, value) in fields(bytes) {
        match (field, value) {
            (1, Value::Bytes(b)) => status.vertexes.push(vertex(b)),
            (3, Value::Bytes(b)) => status.logs.push(log(b)),
            _ => {}
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    #[test]
    fn decodes_what_dockerd_sent() {
        // recorded from dockerd 20.10.24 building `COPY . /ctx/` over scratch
        let started = "Cn0KR3NoYTI1Njo2Zjc1MzA1ZDNmYzliNmUwYjg3M2Q0Y2MzOTIzYTJhN2RhMWY2MzY1NzlkNTAxZjcxZmViYTExMDljZTk0Nzk1GiRbaW50ZXJuYWxdIGxvYWQgcmVtb3RlIGJ1aWxkIGNvbnRleHQqDAjh5rjYBhCao6ejAQ==";
        let status = decode(&base64::engine::general_purpose::STANDARD.decode(started).unwrap());
        let v = &status.vertexes[0];
        assert_eq!(v.digest, "sha256:6f75305d3fc9b6e0b873d4cc3923a2a7da1f636579d501f71feba1109ce94795");
        assert_eq!(v.name, "[internal] load remote build context");
        assert!(v.started.is_some_and(|s| s > 1.7e9) && v.completed.is_none() && !v.cached);
        let done = "CosBCkdzaGEyNTY6NmY3NTMwNWQzZmM5YjZlMGI4NzNkNGNjMzkyM2EyYTdkYTFmNjM2NTc5ZDUwMWY3MWZlYmExMTA5Y2U5NDc5NRokW2ludGVybmFsXSBsb2FkIHJlbW90ZSBidWlsZCBjb250ZXh0KgwI4ea42AYQmqOnowEyDAjh5rjYBhCgur2lAQ==";
        let status = decode(&base64::engine::general_purpose::STANDARD.decode(done).unwrap());
        assert!(status.vertexes[0].completed.is_some());
    }

    #[test]
    fn garbage_decodes_to_nothing() {
        assert_eq!(decode(&[0xff, 0xff, 0xff]), Status::default());
        assert_eq!(decode(&[0x0a, 0x50, 0x01]), Status::default());
    }
}
