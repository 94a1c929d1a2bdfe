//! Seccomp: OCI `linux.seccomp` profiles (spec §4.5, §6).

mod arch;
mod decode;
mod kernel;
mod localhost;
pub mod moby;
pub mod model;
mod summary;
pub mod syscall_lists;

pub use arch::{GoArch, UnknownGoArch};
pub use decode::DecodeError;
pub use kernel::{KernelVersion, KernelVersionError};
pub use localhost::{LocalhostError, parse_localhost};
pub use model::{Action, Flag, LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, Operator, ScmpArch};
pub use summary::{EPERM, SeccompMode, SyscallSummary};
