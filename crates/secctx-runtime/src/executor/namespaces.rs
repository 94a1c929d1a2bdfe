//! `linux.namespaces` → namespaces to join (by path) and flags of new ones.

use std::os::fd::OwnedFd;
use std::path::PathBuf;

use oci_spec::runtime::{Linux, LinuxNamespaceType};

use super::ExecError;

/// What the container's namespaces are.
#[derive(Clone, Debug, Default)]
pub struct Namespaces {
    /// `CLONE_NEW*` flags of the namespaces to create (user excluded: see `new_user`).
    pub new_flags: i32,
    /// A new user namespace (with `uidMappings`/`gidMappings`).
    pub new_user: bool,
    /// Namespaces to join: `(CLONE_NEW* flag, path)`; the user namespace, if any, first.
    pub join: Vec<(i32, PathBuf)>,
    /// A new network namespace: bring its loopback up.
    pub new_net: bool,
    /// A new pid namespace.
    pub new_pid: bool,
    /// The container has a mount namespace of its own (new or joined). Without one it shares
    /// the runtime's: its mounts are made on the host under the rootfs (removed by
    /// `delete`) and it is `chroot`ed, as runc and crun do.
    pub own_mount: bool,
}

/// The `CLONE_NEW*` flag of a namespace type.
pub fn flag(typ: LinuxNamespaceType) -> Result<i32, ExecError> {
    Ok(match typ {
        LinuxNamespaceType::Mount => libc::CLONE_NEWNS,
        LinuxNamespaceType::Cgroup => libc::CLONE_NEWCGROUP,
        LinuxNamespaceType::Uts => libc::CLONE_NEWUTS,
        LinuxNamespaceType::Ipc => libc::CLONE_NEWIPC,
        LinuxNamespaceType::User => libc::CLONE_NEWUSER,
        LinuxNamespaceType::Pid => libc::CLONE_NEWPID,
        LinuxNamespaceType::Network => libc::CLONE_NEWNET,
        LinuxNamespaceType::Time => {
            return Err(ExecError::Unsupported("time namespace".into()));
        }
    })
}

/// Reads the namespace list. A type left out is inherited from the runtime (runtime-spec),
/// the mount namespace included.
pub fn plan(linux: &Linux) -> Result<Namespaces, ExecError> {
    let mut ns = Namespaces::default();
    for n in linux.namespaces().iter().flatten() {
        let f = flag(n.typ())?;
        ns.own_mount |= f == libc::CLONE_NEWNS;
        match n.path() {
            Some(path) if !path.as_os_str().is_empty() => {
                if f == libc::CLONE_NEWUSER {
                    ns.join.insert(0, (f, path.clone()));
                } else {
                    ns.join.push((f, path.clone()));
                }
            }
            _ if f == libc::CLONE_NEWUSER => ns.new_user = true,
            _ => {
                ns.new_flags |= f;
                ns.new_net |= f == libc::CLONE_NEWNET;
                ns.new_pid |= f == libc::CLONE_NEWPID;
            }
        }
    }
    Ok(ns)
}

/// Opens the namespace files to join (in the secctx process, before any fork, so a bad path
/// is an error of `create`).
pub fn open_joins(ns: &Namespaces) -> Result<Vec<(i32, OwnedFd)>, ExecError> {
    ns.join
        .iter()
        .map(|(f, path)| {
            std::fs::File::open(path)
                .map(|file| (*f, OwnedFd::from(file)))
                .map_err(|e| ExecError::io(format!("namespace {}", path.display()), e))
        })
        .collect()
}
