//! Seccomp: OCI `linux.seccomp` profiles (spec §4.5, §6).

pub mod model;
mod summary;

pub use model::{Action, Flag, LinuxSeccomp, LinuxSeccompArg, LinuxSyscall, Operator, ScmpArch};
pub use summary::{EPERM, SeccompMode, SyscallSummary};
