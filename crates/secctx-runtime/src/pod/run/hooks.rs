//! What the caller of [`super::runner::Runner`] sees and may change while a pod runs.

use std::path::Path;

use secctx_core::oci::Rendered;
use secctx_core::resolve::ResolvedContainer;

/// A container the executor created and has not started yet.
#[derive(Clone, Debug)]
pub struct Created<'a> {
    /// The executor id.
    pub id: &'a str,
    /// The host pid of the container's init (0 when the executor does not know it).
    pub pid: i32,
    /// The container's bundle directory (`config.json`, `rootfs`; with
    /// [`Hooks::overlay_rootfs`], `upper` and `lower` too).
    pub bundle: &'a Path,
}

/// Seams of a pod run. Every method but [`Hooks::diag`] has a default that changes nothing,
/// so `run` is a [`Hooks`] that only prints.
pub trait Hooks {
    /// A line for the user: kubelet-style events, warnings, create failures.
    fn diag(&mut self, line: &str);

    /// Whether each container's rootfs is an overlay (lower: the unpacked image, upper: a
    /// fresh directory) instead of one unpacked directory, so what the container wrote can
    /// be read from `<bundle>/upper` afterwards.
    fn overlay_rootfs(&self) -> bool {
        false
    }

    /// The rendered container `c` before its `config.json` is written for the executor
    /// (where an observer replaces the seccomp profile, as it would be installed).
    fn spec(&mut self, c: &ResolvedContainer, rendered: &mut Rendered) -> Result<(), String> {
        let _ = (c, rendered);
        Ok(())
    }

    /// `c` is created and not started: its init's pid is known.
    fn created(&mut self, c: &ResolvedContainer, created: &Created<'_>) {
        let _ = (c, created);
    }

    /// `c` exited with `code` (its rootfs is still there).
    fn exited(&mut self, c: &ResolvedContainer, created: &Created<'_>, code: i32) {
        let _ = (c, created, code);
    }
}

/// Hooks that print nothing and change nothing.
pub struct Quiet;

impl Hooks for Quiet {
    fn diag(&mut self, _line: &str) {}
}
