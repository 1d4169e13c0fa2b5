//! The parts of a node's Docker Engine API mpbake uses, over HTTP on its endpoint: version,
//! a BuildKit build from a tar context (`/build?version=2`) with a session serving its
//! secrets, ssh agents and credentials, and `docker save` of the result.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value as Json;

use super::endpoint::{Address, Tunnel, resolve};
use super::session::{self, Provided};
use super::trace::{self, Status};
use super::watch::Watch;

/// The largest `docker save` archive taken from a node.
const ARCHIVE_LIMIT: u64 = 64 << 30;

/// How long a node has to answer a request that is not a stream (version, session).
const ANSWER_WITHIN: Duration = Duration::from_secs(15);

/// Why a node did not deliver: the build itself failed (the Dockerfile or a step: no other
/// node would do better), or the node did (unreachable, dropped the connection, answered
/// nonsense: another node may), or this build was cancelled.
#[derive(Debug)]
pub enum Failure {
    Build(String),
    Node(String),
    Cancelled,
}

/// A connected engine.
pub struct Api {
    http: reqwest::Client,
    base: String,
    runtime: tokio::runtime::Runtime,
    _tunnel: Option<Tunnel>,
}

/// What a node's engine says it is.
#[derive(Debug, Clone)]
pub struct Version {
    pub server: String,
    pub api: String,
    /// The platform the engine itself runs on (`linux/arm64`).
    pub platform: String,
}

/// What to build: the Dockerfile's name in the context (its last stage), the platform, args,
/// network, and what the build's session gives (BuildKit in dockerd takes registry
/// credentials only from a session, never from `X-Registry-Config`).
pub struct Request<'a> {
    pub dockerfile: &'a str,
    pub platform: &'a str,
    pub args: &'a std::collections::BTreeMap<String, String>,
    pub network: &'a str,
    pub provided: std::sync::Arc<Provided>,
}

impl Api {
    /// Connects to `endpoint` (a URL or a docker context) and checks that an engine answers.
    pub fn connect(endpoint: &str) -> Result<(Api, Version), String> {
        let address = resolve(endpoint)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        let builder = reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(10));
        let (http, base, tunnel) = match address {
            Address::Unix(path) => (builder.unix_socket(path).build(), "http://docker".to_string(), None),
            Address::Ssh { destination, port, socket } => {
                let tunnel = Tunnel::open(&destination, port, &socket)?;
                (builder.unix_socket(tunnel.socket.clone()).build(), "http://docker".to_string(), Some(tunnel))
            }
            Address::Tcp { authority, tls: None } => (builder.build(), format!("http://{authority}"), None),
            Address::Tcp { authority, tls: Some(tls) } => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = builder;
                if let Some(ca) = &tls.ca {
                    let pem = std::fs::read(ca).map_err(|e| format!("{}: {e}", ca.display()))?;
                    builder =
                        builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).map_err(|e| format!("{}: {e}", ca.display()))?);
                }
                if let Some((cert, key)) = &tls.cert_and_key {
                    let mut pem = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
                    pem.extend(std::fs::read(key).map_err(|e| format!("{}: {e}", key.display()))?);
                    builder = builder.identity(reqwest::Identity::from_pem(&pem).map_err(|e| format!("{}: {e}", cert.display()))?);
                }
                (builder.build(), format!("https://{authority}"), None)
            }
        };
        let api = Api { http: http.map_err(|e| e.to_string())?, base, runtime, _tunnel: tunnel };
        let version = api.version()?;
        Ok((api, version))
    }

    fn version(&self) -> Result<Version, String> {
        let ask = async {
            let response = self.http.get(format!("{}/version", self.base)).send().await?.error_for_status()?;
            response.json::<Json>().await
        };
        // the timer is made inside the runtime, which it needs
        let reply = self.runtime.block_on(async { tokio::time::timeout(ANSWER_WITHIN, ask).await });
        let reply = reply.map_err(|_| format!("no answer within {} s", ANSWER_WITHIN.as_secs()))?.map_err(|e| plain(&e))?;
        let field = |k: &str| reply[k].as_str().unwrap_or_default().to_string();
        Ok(Version { server: field("Version"), api: field("ApiVersion"), platform: format!("{}/{}", field("Os"), field("Arch")) })
    }

    /// Builds `context` (a tar holding the Dockerfile) with BuildKit; `report` sees its progress.
    /// Returns the image's ID (its config's digest); nothing is tagged on the node.
    pub fn build(&self, context: &Path, request: &Request, report: &mut dyn FnMut(Status)) -> Result<String, Failure> {
        let file = std::fs::File::open(context).map_err(|e| Failure::Node(format!("{}: {e}", context.display())))?;
        let args = serde_json::to_string(request.args).unwrap_or_default();
        let mut query = vec![("version", "2"), ("dockerfile", request.dockerfile), ("platform", request.platform), ("buildargs", &args)];
        query.push(("networkmode", request.network));
        self.runtime.block_on(async {
            // the session ends (and with it what the engine may ask for) when this build does
            let session = tokio::time::timeout(ANSWER_WITHIN, session::open(&self.http, &self.base, request.provided.clone())).await;
            let session = session.map_err(|_| Failure::Node("no answer to opening a BuildKit session".into()))?.map_err(Failure::Node)?;
            let watch = Watch::start(&self.http, &self.base);
            let post = self.http.post(format!("{}/v1.41/build", self.base)).query(&query).query(&[("session", &session.id)]);
            let post = post.header("Content-Type", "application/x-tar");
            let mut response =
                post.body(reqwest::Body::from(tokio::fs::File::from_std(file))).send().await.map_err(|e| Failure::Node(plain(&e)))?;
            if !response.status().is_success() {
                let status = response.status();
                let body: Json = response.json().await.unwrap_or_default();
                let message = body["message"].as_str().map_or_else(|| status.to_string(), String::from);
                return Err(if status.is_server_error() || status.as_u16() == 400 {
                    Failure::Build(message)
                } else {
                    Failure::Node(message)
                });
            }
            let (mut pending, mut image) = (Vec::new(), None);
            loop {
                // a build cancelled here (Ctrl-C, or another part of it failed) drops the stream,
                // which cancels the node's build; checked every second, output or not
                let piece = match tokio::time::timeout(Duration::from_secs(1), response.chunk()).await {
                    _ if crate::exec::stopping() => return Err(Failure::Cancelled),
                    Err(_) => match watch.gone() {
                        Some(reason) => return Err(Failure::Node(reason)),
                        None => continue,
                    },
                    Ok(Ok(Some(piece))) => piece,
                    Ok(Ok(None)) => break,
                    Ok(Err(e)) => return Err(Failure::Node(format!("the build's stream broke: {}", plain(&e)))),
                };
                pending.extend_from_slice(&piece);
                while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let Ok(message) = serde_json::from_slice::<Json>(&line) else { continue };
                    if let Some(error) = message["errorDetail"]["message"].as_str().or(message["error"].as_str()) {
                        return Err(Failure::Build(error.to_string()));
                    }
                    match message["id"].as_str() {
                        Some("moby.buildkit.trace") => {
                            let decoded = message["aux"].as_str().and_then(|a| base64::engine::general_purpose::STANDARD.decode(a).ok());
                            report(trace::decode(&decoded.unwrap_or_default()));
                        }
                        Some("moby.image.id") => image = message["aux"]["ID"].as_str().map(String::from),
                        _ => {}
                    }
                }
            }
            image.ok_or_else(|| Failure::Node("the build ended without an image (the node stopped?)".into()))
        })
    }

    /// Writes `docker save IMAGE` into `dest`, at most 64 GiB.
    pub fn save(&self, image: &str, dest: &Path) -> Result<(), String> {
        let mut file = std::fs::File::create(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        self.runtime.block_on(async {
            let url = format!("{}/v1.41/images/{image}/get", self.base);
            let mut response = self.http.get(url).send().await.and_then(|r| r.error_for_status()).map_err(|e| plain(&e))?;
            let (watch, mut written) = (Watch::start(&self.http, &self.base), 0u64);
            loop {
                let piece = match tokio::time::timeout(Duration::from_secs(1), response.chunk()).await {
                    _ if crate::exec::stopping() => return Err("cancelled".to_string()),
                    Err(_) => match watch.gone() {
                        Some(reason) => return Err(reason),
                        None => continue,
                    },
                    Ok(piece) => match piece.map_err(|e| plain(&e))? {
                        Some(piece) => piece,
                        None => break,
                    },
                };
                written += piece.len() as u64;
                if written > ARCHIVE_LIMIT {
                    return Err("the image is larger than 64 GiB".to_string());
                }
                file.write_all(&piece).map_err(|e| format!("{}: {e}", dest.display()))?;
            }
            Ok(())
        })
    }
}

/// An HTTP error with its causes, in one line.
fn plain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
