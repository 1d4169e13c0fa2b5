//! A node's liveness while a build or a save streams: its engine is pinged, and a node that
//! stops answering (frozen, or the network to it cut without a close) counts as gone, since a
//! long RUN without output is otherwise indistinguishable from a dead machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// How long a ping may take, and the pause after one that was answered.
const PING_WITHIN: Duration = Duration::from_secs(5);
/// Pings in a row without an answer after which the node is gone (about 20 s).
const MISSED_LIMIT: u32 = 3;

/// Pings the engine until dropped.
pub struct Watch {
    missed: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Watch {
    /// Starts pinging `base`'s `/_ping`; call inside the client's runtime.
    pub fn start(http: &reqwest::Client, base: &str) -> Watch {
        let missed = Arc::new(AtomicU32::new(0));
        let (http, url, count) = (http.clone(), format!("{base}/_ping"), missed.clone());
        let task = tokio::spawn(async move {
            loop {
                let ping = tokio::time::timeout(PING_WITHIN, http.get(&url).send()).await;
                match ping {
                    Ok(Ok(reply)) if reply.status().is_success() => {
                        count.store(0, Ordering::Relaxed);
                        tokio::time::sleep(PING_WITHIN).await;
                    }
                    Ok(_) => {
                        count.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(PING_WITHIN).await;
                    }
                    Err(_) => {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        Watch { missed, task }
    }

    /// Why the node counts as gone, once it does.
    pub fn gone(&self) -> Option<String> {
        (self.missed.load(Ordering::Relaxed) >= MISSED_LIMIT).then(|| {
            format!(
                "the node stopped answering ({MISSED_LIMIT} pings in a row unanswered, {} s each): frozen, or the network to it is down",
                PING_WITHIN.as_secs()
            )
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}
