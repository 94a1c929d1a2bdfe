//! Seccomp: OCI `linux.seccomp` profiles (spec §4.5, §6).

mod decode;
mod localhost;
pub mod model;
mod summary;

pub use decode::DecodeError;
pub use localhost::{LocalhostError, parse_localhost};
pub use model::{Action, Flag, LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, Operator, ScmpArch};
pub use summary::{EPERM, SeccompMode, SyscallSummary};
