//! Running OCI bundles: secctx's own executor ([`Embedded`]) and a driver for an external
//! runtime binary ([`External`]), behind one [`Executor`] trait.
//!
//! One concept per file; every kernel call goes through [`sys`]. The order of the steps
//! between `fork` and `execve` matters for security and is commented where it happens:
//! [`init`] (processes and namespaces), [`rootfs`] (mounts, pivot_root, masked paths),
//! [`process`] (credentials, capabilities, no_new_privs, seccomp). See docs/executor.md.

mod caps;
pub mod cgroup;
mod embedded;
mod error;
mod exec;
mod external;
pub mod hooks;
pub mod idmap;
pub mod in_root;
mod init;
pub mod init_proc;
mod mount_fd;
pub mod namespaces;
mod process;
pub mod rootfs;
pub mod sealed_exe;
pub mod seccomp;
pub mod state;
mod stdio;
mod support;
pub(crate) mod sys;
#[cfg(test)]
mod tests;

use std::path::Path;

pub use embedded::Embedded;
pub use error::ExecError;
pub use external::External;
pub use state::{State, Status};
pub use stdio::Stdio;

/// An OCI runtime: the lifecycle operations of the runtime-spec, plus `exec` and `run`.
pub trait Executor {
    /// Creates container `id` from `bundle` (its `config.json` and rootfs): namespaces,
    /// mounts and cgroups are set up, the process is not started.
    fn create(&self, id: &str, bundle: &Path, stdio: Stdio) -> Result<(), ExecError>;
    /// Starts the process of a created container.
    fn start(&self, id: &str) -> Result<(), ExecError>;
    /// The OCI state: status (created, running, stopped), pid, bundle.
    fn state(&self, id: &str) -> Result<State, ExecError>;
    /// Waits for the container's process; its exit code (128 + signal when killed). Works
    /// from another process than the one that created the container.
    fn wait(&self, id: &str) -> Result<i32, ExecError>;
    /// Sends `signal` to the container's process.
    fn kill(&self, id: &str, signal: i32) -> Result<(), ExecError>;
    /// Removes a stopped container (`force`: kill it first) and everything it left.
    fn delete(&self, id: &str, force: bool) -> Result<(), ExecError>;
    /// Runs another process in a running container; its exit code.
    fn exec(
        &self,
        id: &str,
        process: &oci_spec::runtime::Process,
        stdio: Stdio,
    ) -> Result<i32, ExecError>;
    /// create + start + wait + delete; the exit code.
    fn run(&self, id: &str, bundle: &Path, stdio: Stdio) -> Result<i32, ExecError>;
}
