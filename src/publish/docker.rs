//! The Docker Engine at `DOCKER_HOST` (unix, tcp with `DOCKER_TLS_VERIFY`): reached before a
//! build that loads into it, then given `docker load` archives through its API (bollard).

use std::io::Read as _;
use std::path::Path;

use bollard::Docker;
use futures_util::StreamExt as _;

/// A Docker Engine that answered, with the API version both sides speak.
pub struct Engine {
    docker: Docker,
    runtime: tokio::runtime::Runtime,
    /// Where it is, as the user named it (for messages).
    pub host: String,
}

/// Where the engine is: `DOCKER_HOST`, else docker's default socket.
fn host() -> String {
    std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

impl Engine {
    /// Connects and agrees on an API version; Err says why the engine cannot be used.
    pub fn connect() -> Result<Engine, String> {
        let host = host();
        let unreachable =
            |e: &dyn std::fmt::Display| format!("the Docker Engine at {host} cannot be reached: {e} (set DOCKER_HOST to a running one)");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| unreachable(&e))?;
        let docker = Docker::connect_with_host(&host).map_err(|e| unreachable(&e))?;
        let docker = runtime.block_on(docker.negotiate_version()).map_err(|e| unreachable(&e))?;
        runtime.block_on(docker.ping()).map_err(|e| unreachable(&e))?;
        Ok(Engine { docker, runtime, host })
    }

    /// Loads the `docker load` archive at `archive`, streamed in 1 MiB pieces; returns what the
    /// engine says it loaded (`Loaded image: NAME`).
    pub fn load(&self, archive: &Path) -> Result<Vec<String>, String> {
        let failed = |e: &dyn std::fmt::Display| format!("loading into the Docker Engine at {}: {e}", self.host);
        let file = std::fs::File::open(archive).map_err(|e| failed(&e))?;
        let pieces = futures_util::stream::unfold(file, |mut file| async move {
            let mut piece = vec![0u8; 1 << 20];
            match file.read(&mut piece) {
                Ok(0) => None,
                Ok(n) => {
                    piece.truncate(n);
                    Some((Ok(bytes::Bytes::from(piece)), file))
                }
                Err(e) => Some((Err(e), file)),
            }
        });
        let options = bollard::query_parameters::ImportImageOptions::default();
        let replies = self.docker.import_image(options, bollard::body_try_stream(pieces), None);
        let said: Vec<_> = self.runtime.block_on(replies.collect());
        let mut loaded = Vec::new();
        for reply in said {
            let info = reply.map_err(|e| failed(&e))?;
            loaded.extend(info.stream.iter().flat_map(|s| s.lines()).filter(|l| !l.trim().is_empty()).map(|l| l.trim().to_string()));
        }
        Ok(loaded)
    }
}
