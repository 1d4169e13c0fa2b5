//! Talks to registries with oci-client over rustls: the digest a reference resolves to,
//! manifests and blobs (digest-verified, downloads resumed with Range) read; blobs checked, mounted and uploaded, manifests
//! pushed as the exact bytes given. Plain HTTP only for loopback registries and those named
//! insecure; a few retries with backoff for transient failures.

use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use std::future::Future;
use std::pin::Pin;

use crate::ir::{Digest, ImageRef};

/// Why a reference could not be resolved: the registry or the network, never the input.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot set up the registry client: {0}")]
    Client(String),
    #[error("{reference}: {message}")]
    Resolve { reference: String, message: String },
    /// The registry answered that the tag, digest or repository does not exist (404): the
    /// reference is wrong, not the machine.
    #[error("{reference}: the registry has no such tag or repository (manifest unknown)")]
    NotFound { reference: String },
    /// The image exists, but not for the platform asked for.
    #[error("{reference}: {message}")]
    NoPlatform { reference: String, message: String },
}

/// A registry client with the user's credentials.
pub struct Registry {
    pub(super) client: Client,
    runtime: tokio::runtime::Runtime,
    /// Credentials by host, read from docker's config once.
    auths: std::sync::Mutex<std::collections::HashMap<String, Credential>>,
    /// Access tokens exchanged for identity tokens, by `registry/repository`.
    pub(super) access: std::sync::Mutex<std::collections::HashMap<String, super::oauth::Access>>,
    /// Hosts spoken to in plain HTTP.
    plain_http: Vec<String>,
    /// A plain HTTP client for the requests oci-client does not offer (resumable uploads),
    /// made on first use.
    http: std::sync::OnceLock<reqwest::Client>,
}

/// What docker's config holds for a registry host.
#[derive(Clone)]
pub enum Credential {
    /// Basic credentials, or none (anonymous).
    Auth(RegistryAuth),
    /// An identity token: an OAuth2 refresh token, exchanged per repository.
    Identity(String),
}

/// The credentials docker would use for a registry host: `$DOCKER_CONFIG/config.json` (else
/// `~/.docker/config.json`), its `auths`, `credsStore` and `credHelpers`; anonymous when none.
/// Docker Hub's entry is `https://index.docker.io/v1/`. Secrets are never printed.
pub fn credentials(host: &str) -> Credential {
    let key = if host == crate::ir::DOCKER_HUB { "https://index.docker.io/v1/" } else { host };
    match docker_credential::get_credential(key) {
        Ok(docker_credential::DockerCredential::UsernamePassword(user, password)) => Credential::Auth(RegistryAuth::Basic(user, password)),
        Ok(docker_credential::DockerCredential::IdentityToken(token)) => Credential::Identity(token),
        Err(_) => Credential::Auth(RegistryAuth::Anonymous),
    }
}

pub(super) const ATTEMPTS: u32 = 3;

/// Whether a registry host is on this machine (`127.0.0.1:5000`, `localhost:5000`, `[::1]:5000`).
pub fn is_loopback(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(name, "localhost" | "127.0.0.1" | "[::1]") || name.starts_with("127.")
}

impl Registry {
    /// A client that speaks plain HTTP to `insecure` hosts and to the loopback hosts among
    /// `hosts`, HTTPS to every other.
    pub fn new(hosts: &[String], insecure: &[String]) -> Result<Registry, RegistryError> {
        // one crypto provider for rustls (ring); installing twice is harmless
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http: Vec<String> = hosts.iter().filter(|h| is_loopback(h)).chain(insecure).cloned().collect();
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(http.clone()),
            connect_timeout: Some(Duration::from_secs(5)),
            read_timeout: Some(Duration::from_secs(30)),
            ..ClientConfig::default()
        };
        let client = Client::try_from(config).map_err(|e| RegistryError::Client(e.to_string()))?;
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| RegistryError::Client(e.to_string()))?;
        Ok(Registry { client, runtime, auths: Default::default(), access: Default::default(), plain_http: http, http: Default::default() })
    }

    /// `scheme://host` of a reference's registry.
    pub(super) fn base_url(&self, reference: &Reference) -> String {
        let host = reference.resolve_registry();
        let scheme = if self.plain_http.iter().any(|h| h == host) { "http" } else { "https" };
        format!("{scheme}://{host}")
    }

    /// The plain HTTP client, made on first use.
    pub(super) fn http(&self) -> Result<&reqwest::Client, String> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let built = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(self.http.get_or_init(|| built))
    }

    /// Runs a future on this client's runtime.
    pub(super) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The credentials for `image`'s repository: docker's for its host (read once per host),
    /// an identity token exchanged for an access token to the repository.
    pub(super) fn auth(&self, image: &ImageRef) -> Result<RegistryAuth, RegistryError> {
        let credential = match self.auths.lock() {
            Ok(mut auths) => auths.entry(image.registry.clone()).or_insert_with(|| credentials(&image.registry)).clone(),
            Err(_) => credentials(&image.registry),
        };
        match credential {
            Credential::Auth(auth) => Ok(auth),
            Credential::Identity(refresh) => {
                self.access_token(image, &refresh).map_err(|message| RegistryError::Resolve { reference: image.to_string(), message })
            }
        }
    }

    /// Runs a registry call with retries and the host's credentials; errors name the reference.
    fn retry<T>(
        &self,
        image: &ImageRef,
        call: impl for<'a> Fn(&'a Client, &'a Reference, &'a RegistryAuth) -> Pin<Box<dyn Future<Output = oci_client::errors::Result<T>> + 'a>>,
    ) -> Result<T, RegistryError> {
        let failed = |message: String| RegistryError::Resolve { reference: image.to_string(), message };
        let reference: Reference = image.to_string().parse().map_err(|e| failed(format!("{e}")))?;
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 << attempt));
            }
            // asked each time: an access token (for an identity token) may be due for renewal
            let auth = self.auth(image)?;
            match self.runtime.block_on(call(&self.client, &reference, &auth)) {
                Ok(value) => return Ok(value),
                Err(e) => last = super::explain(&e),
            }
        }
        Err(failed(format!("{last} (after {ATTEMPTS} attempts)")))
    }

    /// The digest the registry serves for `image` (its index, for a multi-platform image).
    pub fn digest(&self, image: &ImageRef) -> Result<Digest, RegistryError> {
        let digest = self.retry(image, |c, r, a| Box::pin(c.fetch_manifest_digest(r, a)))?;
        Digest::parse(&digest).map_err(|message| RegistryError::Resolve { reference: image.to_string(), message })
    }

    /// Whether `image`'s repository has the blob.
    pub fn has_blob(&self, image: &ImageRef, digest: &Digest) -> Result<bool, RegistryError> {
        let text = digest.to_string();
        self.retry(image, |c, r, a| {
            let text = text.clone();
            Box::pin(async move {
                c.store_auth_if_needed(r.resolve_registry(), a).await;
                c.blob_exists(r, &text).await
            })
        })
    }

    /// Mounts a blob from another repository of the same registry; false when the registry
    /// would rather have it uploaded (it answered 202, or refused).
    pub fn mount_blob(&self, image: &ImageRef, from_repository: &str, digest: &Digest) -> bool {
        let Ok(source) = format!("{}/{from_repository}@{digest}", image.registry).parse::<Reference>() else { return false };
        let text = digest.to_string();
        let mounted = self.retry(image, |c, r, a| {
            let (text, source) = (text.clone(), source.clone());
            Box::pin(async move {
                c.store_auth_if_needed(r.resolve_registry(), a).await;
                c.mount_blob(r, &source, &text).await
            })
        });
        mounted.is_ok()
    }

    /// Streams a blob of `image`'s repository into `sink` as it arrives, and checks the whole
    /// against its digest. A transfer that breaks resumes where it stopped (a Range request);
    /// an error from `sink` stops the download at once.
    pub fn blob_stream(
        &self,
        image: &ImageRef,
        digest: &Digest,
        sink: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), RegistryError> {
        use futures_util::StreamExt as _;
        use oci_client::client::BlobResponse;
        use sha2::Digest as _;
        let failed = |message: String| RegistryError::Resolve { reference: image.to_string(), message };
        let reference: Reference = image.to_string().parse().map_err(|e| failed(format!("{e}")))?;
        let text = digest.to_string();
        let (mut hasher, mut offset, mut last) = (sha2::Sha256::new(), 0u64, String::new());
        // a transfer that got somewhere before it broke does not use up an attempt
        let mut failures = 0;
        while failures < ATTEMPTS {
            if failures > 0 {
                std::thread::sleep(Duration::from_millis(200 << failures));
            }
            let before = offset;
            let auth = self.auth(image)?;
            let transfer = self.runtime.block_on(async {
                self.client.store_auth_if_needed(reference.resolve_registry(), &auth).await;
                let response = self.client.pull_blob_stream_partial(&reference, text.as_str(), offset, None).await;
                // a registry that ignores Range sends the whole blob again: skip what we have
                let (mut stream, mut skip) = match response.map_err(|e| Broken::Network(super::explain(&e)))? {
                    BlobResponse::Partial(stream) => (stream, 0),
                    BlobResponse::Full(stream) => (stream, offset),
                };
                // a transfer slower than 1 KiB/s over the stall timeout is given up (silence is
                // caught sooner, by the client's read timeout)
                let stall = super::stall_timeout();
                let (mut window, mut window_bytes) = (std::time::Instant::now(), 0u64);
                loop {
                    let next = tokio::time::timeout(stall, stream.next()).await;
                    let Ok(chunk) = next else { return Err(Broken::Stalled(stall)) };
                    let Some(chunk) = chunk else { break };
                    let chunk = chunk.map_err(|e| Broken::Network(super::explain(&e)))?;
                    window_bytes += chunk.len() as u64;
                    if window.elapsed() >= stall {
                        if window_bytes < 1024 * stall.as_secs() {
                            return Err(Broken::Stalled(stall));
                        }
                        (window, window_bytes) = (std::time::Instant::now(), 0);
                    }
                    let start = skip.min(chunk.len() as u64);
                    skip -= start;
                    let fresh = &chunk[start as usize..];
                    hasher.update(fresh);
                    sink(fresh).map_err(Broken::Sink)?;
                    offset += fresh.len() as u64;
                }
                Ok(())
            });
            match transfer {
                Ok(()) => {
                    let got = Digest { algorithm: "sha256".into(), hex: crate::ir::hex(&hasher.finalize()) };
                    return match got == *digest {
                        true => Ok(()),
                        false => Err(failed(format!("blob {digest} does not match its digest (got {got})"))),
                    };
                }
                Err(Broken::Sink(e)) => return Err(failed(format!("blob {digest}: {e}"))),
                Err(Broken::Stalled(stall)) => {
                    last = format!("the transfer made almost no progress for {} s (--stall-timeout)", stall.as_secs());
                    failures += 1;
                }
                Err(Broken::Network(e)) => {
                    last = e;
                    failures = if offset > before { 0 } else { failures + 1 };
                }
            }
        }
        Err(failed(format!("blob {digest}: {last} (after {ATTEMPTS} attempts, {offset} bytes received)")))
    }

    /// A blob of `image`'s repository, whole, checked against its digest (a `blob_stream`
    /// into memory).
    pub fn blob(&self, image: &ImageRef, digest: &Digest) -> Result<Vec<u8>, RegistryError> {
        let mut bytes = Vec::new();
        self.blob_stream(image, digest, &mut |chunk| {
            bytes.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(bytes)
    }
}

/// Why a streamed download stopped: the network (worth a retry), a stall (worth a retry, but
/// never for free), or the consumer (final).
enum Broken {
    Network(String),
    Stalled(Duration),
    Sink(std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.example"));
        assert!(!is_loopback("docker.io"));
    }

    #[test]
    fn unreachable_registries_are_errors_not_panics() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9);
        let host = format!("127.0.0.1:{port}");
        let resolver = Registry::new(std::slice::from_ref(&host), &[]).unwrap_or_else(|e| panic!("{e}"));
        let image = ImageRef::parse(&format!("{host}/nothing:1")).unwrap_or_else(|e| panic!("{e}"));
        match resolver.digest(&image) {
            Err(RegistryError::Resolve { message, .. }) => {
                assert!(message.starts_with("nothing answers at the registry's address"), "{message}")
            }
            other => panic!("{:?}", other.map(|d| d.to_string())),
        }
        let unknown = ImageRef::parse("registry.invalid/nothing:1").unwrap_or_else(|e| panic!("{e}"));
        let resolver = Registry::new(&["registry.invalid".to_string()], &[]).unwrap_or_else(|e| panic!("{e}"));
        match resolver.digest(&unknown) {
            Err(RegistryError::Resolve { message, .. }) => {
                assert!(message.starts_with("the registry's host name does not resolve"), "{message}")
            }
            other => panic!("{:?}", other.map(|d| d.to_string())),
        }
    }
}
