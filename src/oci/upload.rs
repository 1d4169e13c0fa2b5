//! Pushing, by hand: resumable blob uploads (the distribution spec's chunked protocol: a chunk
//! that breaks resumes from the offset the registry reports, and an upload a crash cut short
//! resumes on the next run from its remembered session) and manifest puts. oci-client's chunked
//! push starts over on any failure and keeps its sessions private, and its manifest push
//! panics on a registry (AWS ECR) that answers without a `Location` header.

use std::path::Path;
use std::time::Duration;

use oci_client::{Reference, RegistryOperation};
use reqwest::{Method, StatusCode, header};

use super::registry::{ATTEMPTS, Registry, RegistryError};
use crate::ir::{Digest, ImageRef};

/// Bytes sent in one PATCH at first: what a broken connection can cost at most.
const CHUNK: usize = 8 << 20;
/// The smallest chunk: after chunks break without progress they are halved down to this.
const MIN_CHUNK: usize = 256 << 10;

/// Why an upload request failed: worth asking the registry where it got to, or final.
enum Failure {
    Retry(String),
    Fatal(String),
}

impl Registry {
    /// Uploads a blob to `image`'s repository and returns how many of its bytes this call sent
    /// (less than its size when it resumed an earlier run's upload). Until the blob is complete,
    /// the upload's URL is kept in the file `session`.
    pub fn push_blob(&self, image: &ImageRef, bytes: &[u8], digest: &Digest, session: &Path) -> Result<u64, RegistryError> {
        let failed = |message: String| RegistryError::Resolve { reference: image.to_string(), message };
        let reference: Reference = image.to_string().parse().map_err(|e| failed(format!("{e}")))?;
        let upload = Upload { registry: self, image, reference: &reference, authorization: None };
        upload.run(bytes, digest, session).map_err(failed)
    }
}

impl Registry {
    /// Puts a manifest or index at `image` (a tag or a digest reference), as exactly these
    /// bytes; what the registry answers beyond its status is not needed.
    pub fn push_manifest(&self, image: &ImageRef, bytes: &[u8], media_type: &str) -> Result<(), RegistryError> {
        let failed = |message: String| RegistryError::Resolve { reference: image.to_string(), message };
        let reference: Reference = image.to_string().parse().map_err(|e| failed(format!("{e}")))?;
        let target = reference.digest().or(reference.tag()).unwrap_or("latest").to_string();
        let url = format!("{}/v2/{}/manifests/{target}", self.base_url(&reference), reference.repository());
        let mut upload = Upload { registry: self, image, reference: &reference, authorization: None };
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 << attempt));
            }
            let headers = [(header::CONTENT_TYPE, media_type.to_string())];
            match upload.send(Method::PUT, &url, &headers, Some(bytes)).and_then(|r| expect(&r, StatusCode::CREATED, "putting a manifest"))
            {
                Ok(()) => return Ok(()),
                Err(Failure::Fatal(e)) => return Err(failed(e)),
                Err(Failure::Retry(e)) => last = e,
            }
        }
        Err(failed(format!("{last} (after {ATTEMPTS} attempts)")))
    }
}

/// Pushing to one repository: one blob's upload, or a manifest put.
struct Upload<'a> {
    registry: &'a Registry,
    image: &'a ImageRef,
    /// `image` as oci-client takes it.
    reference: &'a Reference,
    /// The Authorization header, once asked for.
    authorization: Option<String>,
}

impl Upload<'_> {
    fn run(self, bytes: &[u8], digest: &Digest, session: &Path) -> Result<u64, String> {
        let uploaded = self.upload(bytes, digest, session);
        // a finished session is done with, and one the registry refused (a wrong digest: bytes
        // that did not line up) must not be resumed by the next run
        if !matches!(uploaded, Err(Failure::Retry(_))) {
            let _ = std::fs::remove_file(session);
        }
        uploaded.map_err(|(Failure::Retry(e) | Failure::Fatal(e))| e)
    }

    fn upload(mut self, bytes: &[u8], digest: &Digest, session: &Path) -> Result<u64, Failure> {
        let size = bytes.len() as u64;
        // an earlier run's session, if the registry still knows it
        let earlier = std::fs::read_to_string(session).ok().and_then(|location| self.status(&location).ok().flatten());
        let (mut offset, mut location) = match earlier {
            Some(resumed) => resumed,
            None => (0, self.start().map_err(Failure::Retry)?),
        };
        let resumed_at = offset;
        let (mut failures, mut chunk) = (0, CHUNK);
        loop {
            // not synced: a session lost in a crash only means starting that blob over
            let _ = crate::oci::write_renamed(session, location.as_bytes(), false);
            let step = match offset < size {
                true => {
                    let end = (offset as usize + chunk).min(bytes.len());
                    self.patch(&location, &bytes[offset as usize..end], offset).map(|next| (end as u64, next))
                }
                false => match self.finish(&location, digest) {
                    Ok(()) => return Ok(size - resumed_at),
                    Err(e) => Err(e),
                },
            };
            let e = match step {
                Ok((end, next)) => {
                    (offset, location, failures) = (end, next, 0);
                    continue;
                }
                Err(Failure::Fatal(e)) => return Err(Failure::Fatal(e)),
                Err(Failure::Retry(e)) => e,
            };
            // the blob may be whole already (the final PUT's answer was lost)
            if offset == size && self.registry.has_blob(self.image, digest).unwrap_or(false) {
                return Ok(size - resumed_at);
            }
            // where did the registry get to? a session it forgot starts over
            let (was, reachable) = (offset, self.status(&location));
            // (a registry that gave up the session after the break answers too)
            let answered = reachable.is_ok();
            match reachable {
                Ok(Some((at, next))) => (offset, location) = (at, next),
                Ok(None) => (offset, location) = (0, self.start().map_err(Failure::Retry)?),
                Err(Failure::Retry(_)) => {}
                Err(fatal) => return Err(fatal),
            }
            if offset > was {
                failures = 0;
                continue;
            }
            // a chunk broke on its way while the registry answers: smaller chunks stand a better
            // chance on a poor link (registries keep none of a chunk that broke; distribution
            // 2.x even drops the session)
            if was < size && chunk > MIN_CHUNK && answered {
                chunk /= 2;
                continue;
            }
            failures += 1;
            if failures >= ATTEMPTS {
                return Err(Failure::Retry(format!(
                    "uploading blob {digest}: {e} (after {ATTEMPTS} attempts, {offset} of {size} bytes sent)"
                )));
            }
            std::thread::sleep(Duration::from_millis(200 << failures));
        }
    }

    /// Opens an upload session (retrying what is worth a retry); its URL.
    fn start(&mut self) -> Result<String, String> {
        let url = format!("{}/v2/{}/blobs/uploads/", self.registry.base_url(self.reference), self.reference.repository());
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 << attempt));
            }
            let opened = self.send(Method::POST, &url, &[], None).and_then(|reply| {
                expect(&reply, StatusCode::ACCEPTED, "starting an upload")?;
                next_location(&url, &reply)
            });
            match opened {
                Ok(location) => return Ok(location),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry(e)) => last = e,
            }
        }
        Err(format!("starting an upload: {last} (after {ATTEMPTS} attempts)"))
    }

    /// How many bytes the registry has of the session at `location`, and its next URL; `None`
    /// when the registry no longer knows the session.
    fn status(&mut self, location: &str) -> Result<Option<(u64, String)>, Failure> {
        let response = self.send(Method::GET, location, &[], None)?;
        if response.status == StatusCode::NOT_FOUND || response.status == StatusCode::BAD_REQUEST {
            return Ok(None);
        }
        expect(&response, StatusCode::NO_CONTENT, "asking how far an upload got")?;
        let received = match response.headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
            // "0-N" is N + 1 bytes; distribution says "0-0" for none
            Some(range) => {
                range.rsplit_once('-').and_then(|(_, end)| end.parse::<u64>().ok()).map_or(0, |end| if end == 0 { 0 } else { end + 1 })
            }
            None => 0,
        };
        Ok(Some((received, next_location(location, &response)?)))
    }

    /// Sends `chunk`, which starts at `offset`; the session's next URL.
    fn patch(&mut self, location: &str, chunk: &[u8], offset: u64) -> Result<String, Failure> {
        let range = format!("{offset}-{}", offset + chunk.len() as u64 - 1);
        let headers = [(header::CONTENT_TYPE, "application/octet-stream".to_string()), (header::CONTENT_RANGE, range)];
        let response = self.send(Method::PATCH, location, &headers, Some(chunk))?;
        expect(&response, StatusCode::ACCEPTED, "sending a chunk")?;
        next_location(location, &response)
    }

    /// Closes the session: the registry checks the whole blob against `digest`.
    fn finish(&mut self, location: &str, digest: &Digest) -> Result<(), Failure> {
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        let response = self.send(Method::PUT, &url, &[(header::CONTENT_TYPE, "application/octet-stream".to_string())], Some(&[]))?;
        expect(&response, StatusCode::CREATED, "completing an upload")
    }

    /// One request with the credentials (asked for once, and again after a 401).
    fn send(&mut self, method: Method, url: &str, headers: &[(header::HeaderName, String)], body: Option<&[u8]>) -> Result<Reply, Failure> {
        let mut renewed = false;
        loop {
            if self.authorization.is_none() {
                self.authorization = Some(self.authorize()?);
            }
            let http = self.registry.http().map_err(Failure::Fatal)?;
            let mut request = http.request(method.clone(), url);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            if let Some(authorization) = self.authorization.as_deref().filter(|a| !a.is_empty()) {
                request = request.header(header::AUTHORIZATION, authorization);
            }
            if let Some(body) = body {
                request = request.header(header::CONTENT_LENGTH, body.len()).body(bytes::Bytes::copy_from_slice(body));
            }
            let reply = self.registry.block_on(async {
                let response = request.send().await?;
                let (status, headers) = (response.status(), response.headers().clone());
                let body = response.text().await.unwrap_or_default();
                Ok::<Reply, reqwest::Error>(Reply { status, headers, body })
            });
            match reply {
                Ok(reply) if reply.status == StatusCode::UNAUTHORIZED && !renewed => {
                    renewed = true;
                    self.authorization = None;
                    self.registry.forget_access(self.image);
                }
                Ok(reply) => return Ok(reply),
                Err(e) => return Err(Failure::Retry(super::explain(&e))),
            }
        }
    }

    /// The Authorization header for pushing.
    fn authorize(&self) -> Result<String, Failure> {
        self.registry.authorization(self.image, self.reference, RegistryOperation::Push).map_err(Failure::Retry)
    }
}

/// A registry's answer, read whole.
struct Reply {
    status: StatusCode,
    headers: header::HeaderMap,
    body: String,
}

/// `Ok` for the status a step expects; a server error or a conflict over offsets is worth a
/// retry (after asking where the upload is), anything else is final.
fn expect(reply: &Reply, status: StatusCode, doing: &str) -> Result<(), Failure> {
    if reply.status == status {
        return Ok(());
    }
    // the registry's words, quoted: control characters escaped, and no more than a line's worth
    let body: String = crate::confine::escape(reply.body.trim()).chars().take(300).collect();
    let message = format!("{doing}: the registry answered {} {body}", reply.status);
    match reply.status.is_server_error() || reply.status == StatusCode::RANGE_NOT_SATISFIABLE || reply.status == StatusCode::NOT_FOUND {
        true => Err(Failure::Retry(message)),
        false => Err(Failure::Fatal(message)),
    }
}

/// The session URL a reply points to next (relative ones resolved against `url`).
fn next_location(url: &str, reply: &Reply) -> Result<String, Failure> {
    let next = reply.headers.get(header::LOCATION).and_then(|v| v.to_str().ok());
    let next = next.ok_or_else(|| Failure::Fatal(format!("the registry answered {} with no Location", reply.status)))?;
    match reqwest::Url::parse(url).and_then(|base| base.join(next)) {
        Ok(resolved) => Ok(resolved.to_string()),
        Err(e) => Err(Failure::Fatal(format!("the registry's Location `{next}` is not a URL: {e}"))),
    }
}
