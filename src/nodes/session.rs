//! A BuildKit session with a node's engine (`POST /session` upgraded to h2c), through which the
//! engine calls back, as it calls docker's CLI, for a build's secrets, its ssh agents and the
//! bases' registry credentials; mpbake serves those calls and a health check, nothing else.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use h2::server::SendResponse;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::grpc::{self, Incoming};
use super::protobuf::{bytes_field, put_bytes, put_number, string_field};

const HEALTH: &str = "/grpc.health.v1.Health/Check";
const SECRET: &str = "/moby.buildkit.secrets.v1.Secrets/GetSecret";
const SSH_CHECK: &str = "/moby.sshforward.v1.SSH/CheckAgent";
const SSH_FORWARD: &str = "/moby.sshforward.v1.SSH/ForwardAgent";
const CREDENTIALS: &str = "/moby.filesync.v1.Auth/Credentials";

/// The largest secret sent, BuildKit's own limit (its secrets provider refuses more).
const SECRET_LIMIT: u64 = 500 << 10;

/// What one build may ask for: secrets and ssh agents by id (only those its target declares),
/// and the registries whose credentials it may have (those its bases come from).
#[derive(Debug, Default, Clone)]
pub struct Provided {
    pub secrets: BTreeMap<String, PathBuf>,
    pub agents: BTreeMap<String, PathBuf>,
    pub registries: Vec<String>,
}

/// An open session, served by a task of the connection's runtime until it is dropped.
pub struct Session {
    pub id: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens a session with the engine at `base` and serves it; call inside the client's runtime.
pub async fn open(http: &reqwest::Client, base: &str, provided: Arc<Provided>) -> Result<Session, String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut post = http
        .post(format!("{base}/v1.41/session"))
        .header("Connection", "Upgrade")
        .header("Upgrade", "h2c")
        .header("X-Docker-Expose-Session-Uuid", &id)
        .header("X-Docker-Expose-Session-Name", "mpbake")
        .header("X-Docker-Expose-Session-Sharedkey", &id);
    for method in [HEALTH, SECRET, SSH_CHECK, SSH_FORWARD, CREDENTIALS] {
        post = post.header("X-Docker-Expose-Session-Grpc-Method", method);
    }
    let response = post.send().await.map_err(|e| format!("opening a BuildKit session: {e}"))?;
    if response.status() != reqwest::StatusCode::SWITCHING_PROTOCOLS {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return Err(format!("the engine refused a BuildKit session ({status}): {}", body.trim()));
    }
    let upgraded = response.upgrade().await.map_err(|e| format!("opening a BuildKit session: {e}"))?;
    let task = tokio::spawn(serve(upgraded, provided));
    Ok(Session { id, task })
}

/// Answers the engine's calls until it closes the connection.
async fn serve(io: reqwest::Upgraded, provided: Arc<Provided>) {
    let Ok(mut connection) = h2::server::handshake(io).await else { return };
    while let Some(Ok((request, respond))) = connection.accept().await {
        tokio::spawn(call(request, respond, provided.clone()));
    }
}

async fn call(request: http::Request<h2::RecvStream>, respond: SendResponse<Bytes>, provided: Arc<Provided>) {
    let path = request.uri().path().to_string();
    let ssh_id = request.headers().get("buildkit.ssh.id").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    let ssh_id = ssh_id.unwrap_or("default").to_string();
    let incoming = Incoming::new(request.into_body());
    match path.as_str() {
        HEALTH => unary(incoming, respond, |_| Ok(serving())).await,
        SECRET => unary(incoming, respond, |m| secret(&provided, m)).await,
        SSH_CHECK => unary(incoming, respond, |m| check_agent(&provided, m)).await,
        CREDENTIALS => unary(incoming, respond, |m| Ok(credentials(&provided, m))).await,
        SSH_FORWARD => forward_agent(incoming, respond, provided.agents.get(&ssh_id), &ssh_id).await,
        _ => grpc::refuse(respond, grpc::UNIMPLEMENTED, &format!("mpbake does not serve {path}")),
    }
}

/// A call of one request and one reply.
async fn unary(mut incoming: Incoming, respond: SendResponse<Bytes>, answer: impl FnOnce(&[u8]) -> Result<Vec<u8>, (u32, String)>) {
    let request = match incoming.next().await {
        Ok(Some(request)) => request,
        Ok(None) => return grpc::refuse(respond, grpc::INVALID_ARGUMENT, "no request"),
        Err(e) => return grpc::refuse(respond, grpc::INVALID_ARGUMENT, &e),
    };
    match answer(&request) {
        Ok(reply) => grpc::reply(respond, &reply),
        Err((code, message)) => grpc::refuse(respond, code, &message),
    }
}

/// `HealthCheckResponse { status: SERVING }`.
fn serving() -> Vec<u8> {
    let mut reply = Vec::new();
    put_number(&mut reply, 1, 1);
    reply
}

/// `GetSecret`: the secret's bytes; NotFound (which BuildKit needs to skip an optional secret)
/// when the target declares no secret of that id.
fn secret(provided: &Provided, request: &[u8]) -> Result<Vec<u8>, (u32, String)> {
    let id = string_field(request, 1);
    let Some(path) = provided.secrets.get(&id) else {
        return Err((grpc::NOT_FOUND, format!("secret {id} not found: the target declares no secret of that id")));
    };
    let data = read_secret(path).map_err(|e| (grpc::UNKNOWN, format!("secret {id}: {e}")))?;
    let mut reply = Vec::new();
    put_bytes(&mut reply, 1, &data);
    Ok(reply)
}

fn read_secret(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut data = Vec::new();
    file.take(SECRET_LIMIT + 1).read_to_end(&mut data).map_err(|e| format!("{}: {e}", path.display()))?;
    if data.len() as u64 > SECRET_LIMIT {
        return Err(format!("{} is larger than 500 KiB, BuildKit's limit for a secret", path.display()));
    }
    Ok(data)
}

/// `CheckAgent`: whether the target forwards an ssh agent of that id.
fn check_agent(provided: &Provided, request: &[u8]) -> Result<Vec<u8>, (u32, String)> {
    let id = Some(string_field(request, 1)).filter(|id| !id.is_empty()).unwrap_or_else(|| "default".into());
    match provided.agents.contains_key(&id) {
        true => Ok(Vec::new()),
        false => Err((grpc::NOT_FOUND, format!("no ssh agent `{id}` is forwarded: the target's `ssh` does not name it"))),
    }
}

/// `Credentials`: docker's credentials for a registry the build's bases come from; nothing
/// (anonymous) for any other host the engine asks about.
fn credentials(provided: &Provided, request: &[u8]) -> Vec<u8> {
    use crate::oci::Credential;
    use oci_client::secrets::RegistryAuth;
    let host = string_field(request, 1);
    let host = if host == "registry-1.docker.io" { crate::ir::DOCKER_HUB.to_string() } else { host };
    let mut reply = Vec::new();
    if !provided.registries.contains(&host) {
        return reply;
    }
    match crate::oci::credentials(&host) {
        Credential::Auth(RegistryAuth::Basic(user, password)) => {
            put_bytes(&mut reply, 1, user.as_bytes());
            put_bytes(&mut reply, 2, password.as_bytes());
        }
        Credential::Identity(token) => put_bytes(&mut reply, 2, token.as_bytes()),
        Credential::Auth(_) => {}
    }
    reply
}

/// `ForwardAgent`: the stream's bytes to the agent's socket and back, until either side ends.
async fn forward_agent(mut incoming: Incoming, respond: SendResponse<Bytes>, socket: Option<&PathBuf>, id: &str) {
    let Some(socket) = socket else {
        return grpc::refuse(respond, grpc::NOT_FOUND, &format!("no ssh agent `{id}` is forwarded"));
    };
    let agent = match tokio::net::UnixStream::connect(socket).await {
        Ok(agent) => agent,
        Err(e) => return grpc::refuse(respond, grpc::UNAVAILABLE, &format!("ssh agent `{id}` at {}: {e}", socket.display())),
    };
    let Ok(mut stream) = grpc::start(respond) else { return };
    let (mut from_agent, mut to_agent) = agent.into_split();
    let requests = tokio::spawn(async move {
        while let Ok(Some(message)) = incoming.next().await {
            if to_agent.write_all(bytes_field(&message, 1)).await.is_err() {
                break;
            }
        }
        let _ = to_agent.shutdown().await;
    });
    let mut buffer = vec![0u8; 16 << 10];
    while let Ok(n @ 1..) = from_agent.read(&mut buffer).await {
        let mut message = Vec::new();
        put_bytes(&mut message, 1, &buffer[..n]);
        if grpc::send(&mut stream, &message).is_err() {
            break;
        }
    }
    let _ = grpc::finish(&mut stream);
    requests.abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: &str) -> Vec<u8> {
        let mut message = Vec::new();
        put_bytes(&mut message, 1, id.as_bytes());
        message
    }

    #[test]
    fn secrets_are_only_those_declared_and_at_most_500_kib() {
        let dir = tempfile::tempdir().unwrap();
        let (small, big) = (dir.path().join("small"), dir.path().join("big"));
        std::fs::write(&small, "s3cret").unwrap();
        std::fs::write(&big, vec![b'x'; 500 * 1024 + 1]).unwrap();
        let provided = Provided { secrets: BTreeMap::from([("token".to_string(), small), ("big".to_string(), big)]), ..Default::default() };
        assert_eq!(bytes_field(&secret(&provided, &request("token")).unwrap(), 1), b"s3cret");
        assert_eq!(secret(&provided, &request("other")).unwrap_err().0, grpc::NOT_FOUND);
        assert!(secret(&provided, &request("big")).unwrap_err().1.contains("500 KiB"));
    }

    #[test]
    fn agents_are_checked_by_id_and_credentials_only_for_the_builds_registries() {
        let provided = Provided { agents: BTreeMap::from([("default".to_string(), PathBuf::from("/x"))]), ..Default::default() };
        assert!(check_agent(&provided, &[]).is_ok());
        assert_eq!(check_agent(&provided, &request("deploy")).unwrap_err().0, grpc::NOT_FOUND);
        assert!(credentials(&provided, &request("registry.example")).is_empty());
    }
}
