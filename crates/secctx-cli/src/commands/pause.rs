//! `secctx __pause`: a process that holds namespaces and does nothing. Pod sandboxes no longer
//! run it (they run the static pause program of `secctx_runtime::pod::sandbox`, alone in its
//! root, so the host's secctx binary and files are not reachable through `/proc/1`); it stays
//! as a hidden command for callers that still name it.

use std::process::ExitCode;

/// Sleeps until killed.
pub fn run() -> anyhow::Result<ExitCode> {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
