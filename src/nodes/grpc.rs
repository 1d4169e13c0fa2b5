//! gRPC's wire form on one HTTP/2 stream, as a server: length-prefixed messages in, messages
//! and a status out — what a BuildKit session's calls need, written on `h2` because a gRPC
//! framework (tonic) would bring a code generator for four small messages.

use bytes::{Buf, Bytes, BytesMut};
use h2::{RecvStream, SendStream, server::SendResponse};
use http::{HeaderMap, HeaderValue, Response};

pub const NOT_FOUND: u32 = 5;
pub const INVALID_ARGUMENT: u32 = 3;
pub const UNKNOWN: u32 = 2;
pub const UNIMPLEMENTED: u32 = 12;
pub const UNAVAILABLE: u32 = 14;

/// The largest message taken from the engine; BuildKit's own requests are a few bytes, an
/// ssh agent's replies a few KiB.
const MESSAGE_LIMIT: usize = 1 << 20;

/// The messages a caller sends on one call.
pub struct Incoming {
    body: RecvStream,
    pending: BytesMut,
}

impl Incoming {
    pub fn new(body: RecvStream) -> Incoming {
        Incoming { body, pending: BytesMut::new() }
    }

    /// The next message, or None when the caller has ended its side.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, String> {
        loop {
            if let Some(header) = self.pending.get(..5) {
                if header[0] != 0 {
                    return Err("a compressed gRPC message (mpbake offers no compression)".into());
                }
                let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
                if length > MESSAGE_LIMIT {
                    return Err(format!("a gRPC message of {length} bytes, more than the 1 MiB accepted"));
                }
                if self.pending.len() >= 5 + length {
                    self.pending.advance(5);
                    return Ok(Some(self.pending.split_to(length).to_vec()));
                }
            }
            match self.body.data().await {
                None if self.pending.is_empty() => return Ok(None),
                None => return Err("a gRPC message was cut short".into()),
                Some(Err(e)) => return Err(e.to_string()),
                Some(Ok(data)) => {
                    let _ = self.body.flow_control().release_capacity(data.len());
                    self.pending.extend_from_slice(&data);
                }
            }
        }
    }
}

/// Starts a successful reply: its headers now, then `send` messages, then `finish`.
pub fn start(mut respond: SendResponse<Bytes>) -> Result<SendStream<Bytes>, h2::Error> {
    respond.send_response(headers(), false)
}

/// Sends one message of a reply.
pub fn send(stream: &mut SendStream<Bytes>, message: &[u8]) -> Result<(), h2::Error> {
    let mut framed = Vec::with_capacity(5 + message.len());
    framed.push(0);
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(message);
    stream.send_data(framed.into(), false)
}

/// Ends a reply successfully.
pub fn finish(stream: &mut SendStream<Bytes>) -> Result<(), h2::Error> {
    stream.send_trailers(status(0, ""))
}

/// Answers a call with one message.
pub fn reply(respond: SendResponse<Bytes>, message: &[u8]) {
    if let Ok(mut stream) = start(respond) {
        let _ = send(&mut stream, message).and_then(|()| finish(&mut stream));
    }
}

/// Answers a call with an error status and no message (gRPC's trailers-only reply).
pub fn refuse(mut respond: SendResponse<Bytes>, code: u32, message: &str) {
    let mut response = headers();
    response.headers_mut().extend(status(code, message));
    let _ = respond.send_response(response, true);
}

fn headers() -> Response<()> {
    let mut response = Response::new(());
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/grpc"));
    response
}

fn status(code: u32, message: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("grpc-status", HeaderValue::from(code));
    if let Ok(value) = HeaderValue::from_str(&percent_encoded(message))
        && !message.is_empty()
    {
        headers.insert("grpc-message", value);
    }
    headers
}

/// `grpc-message`'s encoding: printable ASCII as is but `%`, every other byte as `%XX`.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b' '..=b'~' if b != b'%' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_are_percent_encoded_as_grpc_says() {
        assert_eq!(super::percent_encoded("secret 50% é"), "secret 50%25 %C3%A9");
    }
}
