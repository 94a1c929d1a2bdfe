//! Paths inside a root directory (a container's rootfs, a volume) resolved by file
//! descriptor, never by joining strings.
//!
//! Everything under a [`Root`] is written by someone we do not trust: an image author (any
//! symlink, `tmp -> /q`, `dev -> /etc`, loops), a pod author (the paths), and, for a volume
//! shared by several containers, a running container that can swap a directory for a
//! symlink at any moment (CVE-2021-30465). So:
//!
//! * every lookup is one `openat2(root_fd, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`:
//!   the kernel resolves `..` and every symlink (absolute ones included) as if `root_fd` were
//!   `/`, so nothing can leave the root; a loop is `ELOOP`, never a half-resolved path;
//! * creation (`mkdir -p`, a mount-point file, a device node, a symlink) happens with `*at`
//!   calls on the already-resolved parent directory's descriptor, one component at a time;
//!   a name that appears between our lookup and our `mkdirat` (EEXIST) is looked up again
//!   through the root, so a racing symlink is followed *inside* the root or refused;
//! * the caller gets an `O_PATH` descriptor of the object itself; mounting onto it
//!   ([`super::mount_fd`]) or naming it as `/proc/self/fd/N` ([`fd_path`]) acts on exactly
//!   that object, however the path is changed afterwards.
//!
//! The API is small on purpose: [`Root::open`], [`Root::resolve`], [`Root::mkdir_all`],
//! [`Root::create_file`], [`Root::mknod`], [`Root::symlink`], [`Root::unlink`],
//! [`Root::beneath`]. subPath and user-namespace work use the same calls.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags};

/// How often a lookup is retried when the kernel reports `EAGAIN` (a rename raced with a
/// `..` lookup under `RESOLVE_IN_ROOT`; openat2(2) asks the caller to retry).
const RETRIES: usize = 64;

/// A directory that is `/` for every path resolved through it.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

/// The components of `path` relative to the root: `/`, `.` and empty parts dropped; `..`
/// kept (the kernel clamps it at the root).
fn relative(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| matches!(c, Component::Normal(_) | Component::ParentDir))
        .collect()
}

fn invalid(what: &str, path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}: {}", path.display()),
    )
}

/// The `/proc/self/fd/N` name of a descriptor: hands the object itself to a path-taking
/// call (`mount(2)`, `chmod(2)`), the way runc and crun do.
pub fn fd_path(fd: BorrowedFd<'_>) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// Where a descriptor is now, as the kernel names it (for messages only, never to open).
pub fn where_is(fd: BorrowedFd<'_>) -> PathBuf {
    std::fs::read_link(fd_path(fd)).unwrap_or_else(|_| PathBuf::from("?"))
}

fn retry<T>(mut f: impl FnMut() -> rustix::io::Result<T>) -> io::Result<T> {
    let mut last = rustix::io::Errno::AGAIN;
    for _ in 0..RETRIES {
        match f() {
            Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::INTR => last = e,
            r => return r.map_err(io::Error::from),
        }
    }
    Err(io::Error::from(last))
}

impl Root {
    /// Opens `path` (a trusted host path: the bundle's rootfs, a volume's directory) as a
    /// root. Open it *after* any mount on `path` itself: the descriptor names the mount that
    /// is on top at this moment.
    pub fn open(path: &Path) -> io::Result<Root> {
        let fd = rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Root {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// A root from an already-open directory descriptor (`name` for messages).
    pub fn from_fd(fd: OwnedFd, name: &Path) -> Root {
        Root {
            fd,
            path: name.to_path_buf(),
        }
    }

    /// The root's own descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The path the root was opened from (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn openat2(&self, rel: &Path, flags: OFlags, resolve: ResolveFlags) -> io::Result<OwnedFd> {
        // An empty path names the root itself (openat2 refuses "").
        let rel: &Path = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        retry(|| {
            rustix::fs::openat2(
                &self.fd,
                rel,
                flags | OFlags::CLOEXEC,
                Mode::empty(),
                resolve,
            )
        })
    }

    /// `O_PATH` descriptor of `path` inside the root; symlinks (the last one included) are
    /// followed inside the root. `ENOENT` when it does not exist, `ELOOP` for a loop.
    pub fn resolve(&self, path: &Path) -> io::Result<OwnedFd> {
        self.openat2(
            &relative(path),
            OFlags::PATH,
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        )
    }

    /// Like [`Root::resolve`] but the last component is not followed when it is a symlink
    /// (the descriptor then names the link itself).
    pub fn resolve_nofollow(&self, path: &Path) -> io::Result<OwnedFd> {
        self.openat2(
            &relative(path),
            OFlags::PATH | OFlags::NOFOLLOW,
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        )
    }

    /// Opens `path` below this root with `flags` (e.g. `O_WRONLY` for a sysctl file),
    /// refusing every symlink and every mount crossing: for trees with no legitimate links,
    /// such as `/proc/sys`.
    pub fn beneath(&self, path: &Path, flags: OFlags) -> io::Result<OwnedFd> {
        let rel = relative(path);
        if rel.components().any(|c| c == Component::ParentDir) {
            return Err(invalid("path leaves its root", path));
        }
        self.openat2(
            &rel,
            flags,
            ResolveFlags::BENEATH
                | ResolveFlags::NO_SYMLINKS
                | ResolveFlags::NO_MAGICLINKS
                | ResolveFlags::NO_XDEV,
        )
    }

    /// `mkdir -p` inside the root: each missing component is created with `mkdirat` on its
    /// resolved parent; the `O_PATH` descriptor of the final directory. A dangling symlink
    /// on the way (`var/run -> /run` in an image without `/run`) is followed the way the
    /// kernel would, inside the root, and its target created; a loop is `ELOOP`.
    pub fn mkdir_all(&self, path: &Path, mode: u32) -> io::Result<OwnedFd> {
        let mut todo: Vec<OsString> = relative(path)
            .components()
            .map(|c| c.as_os_str().to_os_string())
            .collect();
        let mut hops = 0;
        let mut done = PathBuf::new();
        let mut dir = self.resolve(&done)?;
        let mut i = 0;
        while i < todo.len() {
            let name = todo[i].clone();
            let parent = done.clone();
            done.push(&name);
            i += 1;
            dir = match self.resolve(&done) {
                Ok(fd) => fd,
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                    match rustix::fs::mkdirat(&dir, name.as_os_str(), Mode::from_raw_mode(mode)) {
                        // EEXIST: a racing entry or a dangling symlink; looked up again
                        // below, through the root.
                        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => return Err(e.into()),
                    }
                    match self.resolve(&done) {
                        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                            hops += 1;
                            if hops > 40 {
                                return Err(io::Error::from_raw_os_error(libc::ELOOP));
                            }
                            // A dangling symlink: continue with its target in its place.
                            let target =
                                match rustix::fs::readlinkat(&dir, name.as_os_str(), Vec::new()) {
                                    Ok(t) => t,
                                    // No link any more (a racing swap): walk again from
                                    // the root, the parent we hold may be stale too.
                                    Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOENT) => {
                                        i = 0;
                                        done = PathBuf::new();
                                        dir = self.resolve(&done)?;
                                        continue;
                                    }
                                    Err(e) => return Err(e.into()),
                                };
                            let target =
                                PathBuf::from(std::ffi::OsStr::from_bytes(target.as_bytes()));
                            let base = if target.is_absolute() {
                                PathBuf::new()
                            } else {
                                parent.clone()
                            };
                            let mut rest: Vec<OsString> = relative(&base.join(&target))
                                .components()
                                .map(|c| c.as_os_str().to_os_string())
                                .collect();
                            rest.extend(todo.drain(i..));
                            todo = rest;
                            i = 0;
                            done = PathBuf::new();
                            dir = self.resolve(&done)?;
                            continue;
                        }
                        r => r?,
                    }
                }
                Err(e) => return Err(e),
            };
            if rustix::fs::fstat(&dir)?.st_mode & libc::S_IFMT != libc::S_IFDIR {
                return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
            }
        }
        Ok(dir)
    }

    /// The parent directory of `path` (created if missing) and the last name. Refuses a
    /// path whose last component is `..` or empty: it names no entry to create.
    fn parent_of(&self, path: &Path) -> io::Result<(OwnedFd, OsString)> {
        let rel = relative(path);
        let name = match rel.components().next_back() {
            Some(Component::Normal(n)) => n.to_os_string(),
            _ => return Err(invalid("no file name in", path)),
        };
        let parent = rel.parent().unwrap_or(Path::new(""));
        Ok((self.mkdir_all(parent, 0o755)?, name))
    }

    /// A mount point for a file: the existing object at `path` (followed inside the root),
    /// or a new empty regular file. Never opens the object for reading or writing, so a
    /// FIFO planted there cannot block us. A dangling symlink at `path`
    /// (`etc/resolv.conf -> /run/...` in many images) gets its target created inside the
    /// root, as runc does.
    pub fn create_file(&self, path: &Path, mode: u32) -> io::Result<OwnedFd> {
        let mut path = relative(path);
        for _ in 0..40 {
            match self.resolve(&path) {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
                r => return r,
            }
            let (parent, name) = self.parent_of(&path)?;
            // O_EXCL|O_NOFOLLOW: creates a new file or fails; never follows a symlink.
            match rustix::fs::openat(
                &parent,
                name.as_os_str(),
                OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::from_raw_mode(mode),
            ) {
                Ok(_) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
            match self.resolve(&path) {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                    // A dangling symlink: create its target instead (resolved next round).
                    let target = match rustix::fs::readlinkat(&parent, name.as_os_str(), Vec::new())
                    {
                        Ok(t) => t,
                        // No link any more (a racing swap): look again.
                        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOENT) => continue,
                        Err(e) => return Err(e.into()),
                    };
                    let target = PathBuf::from(std::ffi::OsStr::from_bytes(target.as_bytes()));
                    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    path = relative(&if target.is_absolute() {
                        target
                    } else {
                        dir.join(target)
                    });
                }
                r => return r,
            }
        }
        Err(io::Error::from_raw_os_error(libc::ELOOP))
    }

    /// Creates a device node or FIFO at `path` (replacing a non-directory there), with
    /// exactly `mode` (no umask) and owner `uid:gid`; the new node is changed through its
    /// own descriptor, never through its name.
    pub fn mknod(
        &self,
        path: &Path,
        kind: u32,
        mode: u32,
        dev: u64,
        owner: (u32, u32),
    ) -> io::Result<()> {
        let (parent, name) = self.parent_of(path)?;
        match rustix::fs::unlinkat(&parent, name.as_os_str(), rustix::fs::AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => {}
            Err(e) => return Err(e.into()),
        }
        let file_type = rustix::fs::FileType::from_raw_mode(kind);
        rustix::fs::mknodat(
            &parent,
            name.as_os_str(),
            file_type,
            Mode::from_raw_mode(mode),
            dev,
        )?;
        let node = rustix::fs::openat(
            &parent,
            name.as_os_str(),
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        // What we opened must be the node we made (not a link swapped in meanwhile).
        if rustix::fs::fstat(&node)?.st_mode & libc::S_IFMT != kind {
            return Err(io::Error::other(format!(
                "{} changed while being created",
                path.display()
            )));
        }
        // mknod applies the umask: set the mode exactly, then the owner, both through the
        // descriptor (an O_PATH fd cannot fchmod; its /proc/self/fd name can).
        let by_fd = fd_path(node.as_fd());
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&by_fd, std::fs::Permissions::from_mode(mode))?;
        std::os::unix::fs::chown(&by_fd, Some(owner.0), Some(owner.1))
    }

    /// `ln -s target path` inside the root; an existing entry at `path` is left alone
    /// (`AlreadyExists`).
    pub fn symlink(&self, target: &Path, path: &Path) -> io::Result<()> {
        let (parent, name) = self.parent_of(path)?;
        rustix::fs::symlinkat(target, &parent, name.as_os_str()).map_err(io::Error::from)
    }

    /// Removes the non-directory entry `path` (a symlink itself, not its target).
    pub fn unlink(&self, path: &Path) -> io::Result<()> {
        let rel = relative(path);
        let name = match rel.components().next_back() {
            Some(Component::Normal(n)) => n.to_os_string(),
            _ => return Err(invalid("no file name in", path)),
        };
        let parent = self.resolve(rel.parent().unwrap_or(Path::new("")))?;
        rustix::fs::unlinkat(&parent, name.as_os_str(), rustix::fs::AtFlags::empty())
            .map_err(io::Error::from)
    }
}
