//! Resolves image references to the digest a registry serves for them (the index for
//! multi-platform images), with oci-client over rustls; plain HTTP only for loopback registries
//! and those named insecure; a few retries with backoff for transient failures.

use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::ir::{Digest, ImageRef};

/// Why a reference could not be resolved: the registry or the network, never the input.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot set up the registry client: {0}")]
    Client(String),
    #[error("{reference}: {message}")]
    Resolve { reference: String, message: String },
}

/// A registry client for digest lookups.
pub struct Resolver {
    client: Client,
    runtime: tokio::runtime::Runtime,
}

const ATTEMPTS: u32 = 3;

/// Whether a registry host is on this machine (`127.0.0.1:5000`, `localhost:5000`, `[::1]:5000`).
pub fn is_loopback(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(name, "localhost" | "127.0.0.1" | "[::1]") || name.starts_with("127.")
}

impl Resolver {
    /// A client that speaks plain HTTP to `insecure` hosts and to the loopback hosts among
    /// `hosts`, HTTPS to every other.
    pub fn new(hosts: &[String], insecure: &[String]) -> Result<Resolver, RegistryError> {
        // one crypto provider for rustls (ring); installing twice is harmless
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http: Vec<String> = hosts.iter().filter(|h| is_loopback(h)).chain(insecure).cloned().collect();
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(http),
            connect_timeout: Some(Duration::from_secs(5)),
            read_timeout: Some(Duration::from_secs(30)),
            ..ClientConfig::default()
        };
        let client = Client::try_from(config).map_err(|e| RegistryError::Client(e.to_string()))?;
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| RegistryError::Client(e.to_string()))?;
        Ok(Resolver { client, runtime })
    }

    /// The digest the registry serves for `image` (its index, for a multi-platform image).
    pub fn digest(&self, image: &ImageRef) -> Result<Digest, RegistryError> {
        let failed = |message: String| RegistryError::Resolve { reference: image.to_string(), message };
        let reference: Reference = image.to_string().parse().map_err(|e| failed(format!("{e}")))?;
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 << attempt));
            }
            match self.runtime.block_on(self.client.fetch_manifest_digest(&reference, &RegistryAuth::Anonymous)) {
                Ok(digest) => return Digest::parse(&digest).map_err(failed),
                Err(e) => last = e.to_string(),
            }
        }
        Err(failed(format!("{last} (after {ATTEMPTS} attempts)")))
    }
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
        let resolver = Resolver::new(std::slice::from_ref(&host), &[]).unwrap_or_else(|e| panic!("{e}"));
        let image = ImageRef::parse(&format!("{host}/nothing:1")).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(resolver.digest(&image), Err(RegistryError::Resolve { .. })));
    }
}
