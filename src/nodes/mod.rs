//! Remote nodes: Docker Engines (BuildKit inside) that build some platforms natively. The plan
//! places each target platform here or on a node; a node builds the Dockerfile `emit` writes
//! from the target's context, and its image comes back by `docker save` into the store, so
//! assembly, verification and release are the same as for what was built here.

mod api;
mod context;
mod endpoint;
mod grpc;
mod import;
pub mod placement;
mod progress;
mod protobuf;
mod run;
mod session;
mod trace;
mod watch;

pub use context::PREFIX as CONTEXT_PREFIX;
pub use placement::{Placement, place};
pub use run::{Input, Jobs, NodeError, Results, build_all, reach};
pub use session::Provided;

use crate::ir::Platform;

pub use crate::ir::BuildNode as Node;

/// Reads `--node [NAME=]PLATFORM[,PLATFORM]=ENDPOINT`; without a name, the endpoint's host (or
/// the context's name, or the socket's path) names it.
pub fn parse_flag(text: &str) -> Result<Node, String> {
    let usage =
        || format!("`--node {text}`: write PLATFORM[,PLATFORM]=ENDPOINT, e.g. linux/arm64=ssh://builder@arm1 (NAME= first to name it)");
    let (first, rest) = text.split_once('=').ok_or_else(usage)?;
    let (name, platforms, endpoint) = match first.contains('/') {
        true => (None, first, rest),
        false => {
            let (platforms, endpoint) = rest.split_once('=').ok_or_else(usage)?;
            (Some(first.to_string()), platforms, endpoint)
        }
    };
    if endpoint.is_empty() {
        return Err(usage());
    }
    let platforms = platforms
        .split(',')
        .map(|p| Platform::parse(p.trim()).map_err(|e| format!("`--node {text}`: {}", e.0)))
        .collect::<Result<Vec<_>, _>>()?;
    let name = name.unwrap_or_else(|| default_name(endpoint));
    Ok(Node { name, endpoint: endpoint.to_string(), platforms, span: None })
}

/// A node's name from its endpoint: an ssh or tcp host, a socket's path, a context's name.
fn default_name(endpoint: &str) -> String {
    match endpoint.split_once("://") {
        Some(("unix", path)) => path.to_string(),
        Some((_, rest)) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            host.split(':').next().unwrap_or(host).to_string()
        }
        None => endpoint.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_flags() {
        let n = parse_flag("linux/arm64=ssh://builder@arm1").unwrap();
        assert_eq!((n.name.as_str(), n.endpoint.as_str()), ("arm1", "ssh://builder@arm1"));
        assert_eq!(n.platforms, [Platform::parse("linux/arm64").unwrap()]);
        let n = parse_flag("big=linux/amd64,linux/386=tcp://10.1.2.3:2376").unwrap();
        assert_eq!((n.name.as_str(), n.platforms.len()), ("big", 2));
        assert_eq!(parse_flag("linux/arm64=unix:///run/b.sock").unwrap().name, "/run/b.sock");
        assert_eq!(parse_flag("linux/arm64=arm-ctx").unwrap().name, "arm-ctx");
        assert!(parse_flag("linux/arm64").unwrap_err().contains("PLATFORM"));
        assert!(parse_flag("linux/armz=x").unwrap_err().contains("armz"));
    }
}
