//! Test support: a small in-memory API server behind kube-rs's mock service.

#![allow(dead_code)]

pub mod body;
pub mod fakeapi;

use std::time::Duration;

/// Polls `cond` every 10 ms of (virtual) time until it holds, or panics with `what` after
/// `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = tokio::time::Instant::now();
    while !cond() {
        if start.elapsed() > limit {
            panic!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
