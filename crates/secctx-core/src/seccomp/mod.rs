//! Seccomp: the OCI `linux.seccomp` model, containerd's RuntimeDefault profile, and loaders
//! for Localhost (OCI) and Docker/moby-format profiles (spec §4.5, §6).
//!
//! - [`model`]: [`LinuxSeccomp`], serialised exactly as runtime-spec's Go types are.
//! - [`runtime_default`]: containerd's `DefaultProfile(spec)` for a bounding list, GOARCH and
//!   kernel version ([`syscall_lists`] holds its data).
//! - [`parse_localhost`]: an OCI-format Localhost profile, strictly.
//! - [`moby`]: the moby format with `includes`/`excludes`, lowered for one container.
//! - [`SyscallSummary`], [`SeccompMode`]: what a profile allows; `/proc/<pid>/status`.
//!
//! Nothing here reads files or calls `uname`: callers pass JSON text, [`GoArch`] and
//! [`KernelVersion`].

mod arch;
mod containerd_default;
mod decode;
mod kernel;
mod localhost;
pub mod moby;
pub mod model;
mod summary;
pub mod syscall_lists;

pub use arch::{GoArch, UnknownGoArch};
pub use containerd_default::{containerd_architectures, runtime_default, runtime_default_for_set};
pub use decode::DecodeError;
pub use kernel::{KernelVersion, KernelVersionError};
pub use localhost::{LocalhostError, parse_localhost};
pub use model::{Action, Flag, LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, Operator, ScmpArch};
pub use summary::{EPERM, SeccompMode, SyscallSummary, execve_blocked};
