//! Manifests and configs, read with a size cap (4 MiB, as containerd caps them): a registry
//! that answers with more is refused before it can fill memory. Manifests are fetched by
//! mpbake's own request (oci-client reads any answer whole).

use std::time::Duration;

use oci_client::secrets::RegistryAuth;
use oci_client::{Reference, RegistryOperation};
use reqwest::{StatusCode, header};

use super::image::{MEDIA_INDEX, MEDIA_MANIFEST};
use super::registry::{ATTEMPTS, Registry, RegistryError};
use crate::ir::{Digest, ImageRef};

/// The most bytes a manifest, an index or a config may have.
pub const SMALL_CAP: u64 = 4 << 20;

const ACCEPTED: &[&str] = &[
    MEDIA_INDEX,
    MEDIA_MANIFEST,
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// Why a request failed: worth another attempt, final, or a reference that does not exist.
enum Fetch {
    Retry(String),
    Final(String),
    Missing,
}

impl Registry {
    /// The raw manifest (or index) bytes `image` resolves to, and their digest (checked against
    /// the reference's digest when it has one); at most 4 MiB.
    pub fn manifest(&self, image: &ImageRef) -> Result<(Vec<u8>, Digest), RegistryError> {
        let failed = |message: String| RegistryError::Resolve { reference: image.to_string(), message };
        let reference: Reference = image.to_string().parse().map_err(|e| failed(format!("{e}")))?;
        let target = reference.digest().or(reference.tag()).unwrap_or("latest").to_string();
        let url = format!("{}/v2/{}/manifests/{target}", self.base_url(&reference), reference.repository());
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 << attempt));
            }
            match self.get_capped(image, &reference, &url) {
                Ok(bytes) => {
                    let digest = Digest::sha256(&bytes);
                    if image.digest.as_ref().is_some_and(|d| *d != digest) {
                        return Err(failed(format!("the manifest the registry sent hashes to {digest}, not to the digest asked for")));
                    }
                    return Ok((bytes, digest));
                }
                Err(Fetch::Final(e)) => return Err(failed(e)),
                Err(Fetch::Missing) => return Err(RegistryError::NotFound { reference: image.to_string() }),
                Err(Fetch::Retry(e)) => last = e,
            }
        }
        Err(failed(format!("{last} (after {ATTEMPTS} attempts)")))
    }

    /// An image config, checked against its digest; at most 4 MiB.
    pub fn config(&self, image: &ImageRef, digest: &Digest) -> Result<Vec<u8>, RegistryError> {
        let mut bytes = Vec::new();
        self.blob_stream(image, digest, &mut |chunk| {
            bytes.extend_from_slice(chunk);
            match bytes.len() as u64 > SMALL_CAP {
                true => Err(std::io::Error::other(format!("the config is larger than {} MiB", SMALL_CAP >> 20))),
                false => Ok(()),
            }
        })?;
        Ok(bytes)
    }

    /// The Authorization header for `operation` on `image`'s repository: a bearer token when
    /// the registry hands them out, else basic credentials, else none (an empty string).
    pub(super) fn authorization(&self, image: &ImageRef, reference: &Reference, operation: RegistryOperation) -> Result<String, String> {
        let auth = self.auth(image).map_err(|e| format!("authenticating: {e}"))?;
        let token = self.block_on(self.client.auth(reference, &auth, operation));
        match (token, &auth) {
            (Ok(Some(token)), _) => Ok(format!("Bearer {token}")),
            (Ok(None), RegistryAuth::Basic(user, password)) => {
                use base64::Engine as _;
                Ok(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))))
            }
            (Ok(None), _) => Ok(String::new()),
            (Err(e), _) => Err(format!("authenticating: {}", super::explain(&e))),
        }
    }

    /// One GET of a manifest, its body read up to the cap.
    fn get_capped(&self, image: &ImageRef, reference: &Reference, url: &str) -> Result<Vec<u8>, Fetch> {
        let authorization = self.authorization(image, reference, RegistryOperation::Pull).map_err(Fetch::Retry)?;
        let http = self.http().map_err(Fetch::Final)?;
        let mut request = http.get(url).header(header::ACCEPT, ACCEPTED.join(", "));
        if !authorization.is_empty() {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        self.block_on(async {
            let mut response = request.send().await.map_err(|e| Fetch::Retry(super::explain(&e)))?;
            let status = response.status();
            match status {
                s if s.is_success() => {}
                StatusCode::NOT_FOUND => return Err(Fetch::Missing),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    return Err(Fetch::Final(format!("the registry refused access ({status}); check the credentials in docker's config")));
                }
                s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
                    return Err(Fetch::Retry(format!("the registry answered {status}")));
                }
                _ => return Err(Fetch::Final(format!("the registry answered {status}"))),
            }
            let too_large = || Fetch::Final(format!("the manifest is larger than {} MiB, which no image needs", SMALL_CAP >> 20));
            if response.content_length().is_some_and(|n| n > SMALL_CAP) {
                return Err(too_large());
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| Fetch::Retry(super::explain(&e)))? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > SMALL_CAP {
                    return Err(too_large());
                }
            }
            Ok(bytes)
        })
    }
}
