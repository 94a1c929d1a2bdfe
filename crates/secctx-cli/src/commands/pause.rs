//! `secctx __pause`: the pod sandbox's process (holds the pod's namespaces; does nothing).

use std::process::ExitCode;

/// Sleeps until killed.
pub fn run() -> anyhow::Result<ExitCode> {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
