//! `linux.namespaces` → namespaces to join (by path) and flags of new ones.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

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
///
/// A path `/proc/<pid>/ns/<type>` whose pid is the init of a container in `root` (a pod's
/// sandbox: what `secctx run` and containerd's CRI plugin render for shared namespaces) is
/// opened through that init pinned by descriptor and checked against its recorded start
/// time ([`super::init_proc`]): once the sandbox has exited, its pid may belong to a host
/// process, and the path would name the host's namespaces.
pub fn open_joins(ns: &Namespaces, root: &Path) -> Result<Vec<(i32, OwnedFd)>, ExecError> {
    ns.join
        .iter()
        .map(|(f, path)| {
            let err = |e| ExecError::io(format!("namespace {}", path.display()), e);
            if let Some((pid, name)) = proc_ns_path(path)
                && let Some(owner) = container_with_init(root, pid)
            {
                let init = owner.init().ok_or_else(|| {
                    err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!(
                            "pid {pid} was the init of container {:?}, which has exited (the pid may be another process's now)",
                            owner.id
                        ),
                    ))
                })?;
                return init
                    .open_at(&format!("ns/{name}"), libc::O_RDONLY)
                    .map(|fd| (*f, fd))
                    .map_err(err);
            }
            std::fs::File::open(path)
                .map(|file| (*f, OwnedFd::from(file)))
                .map_err(err)
        })
        .collect()
}

/// `(pid, type)` of a path `/proc/<pid>/ns/<type>`.
fn proc_ns_path(path: &Path) -> Option<(i32, String)> {
    let rest = path.to_str()?.strip_prefix("/proc/")?;
    let (pid, rest) = rest.split_once('/')?;
    let name = rest.strip_prefix("ns/")?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    Some((pid.parse().ok().filter(|p| *p > 0)?, name.to_string()))
}

/// The container of the state root `root` whose recorded init pid is `pid`.
fn container_with_init(root: &Path, pid: i32) -> Option<super::State> {
    std::fs::read_dir(root)
        .ok()?
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| std::fs::read(e.path().join("state.json")).ok())
        .filter_map(|b| serde_json::from_slice::<super::State>(&b).ok())
        .find(|s| s.pid == pid && !s.creating)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_ns_paths_are_recognised() {
        assert_eq!(
            proc_ns_path(Path::new("/proc/42/ns/net")),
            Some((42, "net".into()))
        );
        assert_eq!(proc_ns_path(Path::new("/proc/self/ns/net")), None);
        assert_eq!(proc_ns_path(Path::new("/proc/42/ns/")), None);
        assert_eq!(proc_ns_path(Path::new("/proc/42/ns/a/b")), None);
        assert_eq!(proc_ns_path(Path::new("/run/netns/x")), None);
    }
}
