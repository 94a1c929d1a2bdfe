//! Docker/moby-format seccomp profiles (`moby/profiles/seccomp`, v0.2.3): the OCI fields plus
//! `archMap` and per-rule `includes`/`excludes` conditions on capabilities, architectures and
//! kernel version, lowered to an OCI [`LinuxSeccomp`](super::LinuxSeccomp) for one container the
//! way `seccomp_linux.go: setupSeccomp` does (spec §6.1).
//!
//! The conditions are the point of the format: decoding such a file into an OCI type (Go's
//! `specs.LinuxSeccomp` or `oci_spec`'s) silently drops them and allows every conditional rule.
//! Here they are decoded strictly (unknown fields are errors) and evaluated against the
//! bounding capabilities, GOARCH and kernel version given.

mod format;
mod lower;

pub use format::{MobyArchitecture, MobyFilter, MobyProfile, MobySyscall};
pub use lower::{Lowered, MobyError, SkipReason, moby_native_arch};

use super::decode::decode;

/// Decodes a moby-format profile strictly.
pub fn parse_moby(json: &str) -> Result<MobyProfile, MobyError> {
    Ok(decode(json)?)
}
