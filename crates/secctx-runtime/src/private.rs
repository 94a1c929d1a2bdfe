//! Root-only files and directories: state, store and logs hold secrets (volume payloads, the
//! env in `config.json`, logs) and image rootfs trees with setuid files and device nodes, so
//! nobody but root may traverse them. Everything is *created* with its final mode (0700
//! directories, 0600 files): there is no chmod-after window in which another user could open
//! it. The umask can only clear bits, and these modes have no group/other bits to clear.
//!
//! A root that already exists is checked: owned by another user, or world-writable (a
//! shared `/tmp`), it is refused; owned by root with group/other bits, it is tightened to
//! 0700 (an older secctx created them 0755).

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of every directory secctx keeps state in.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every state file.
pub const FILE_MODE: u32 = 0o600;
/// The pod state root's mode: search-only for others, as containerd's bundle directories
/// (0711), because the init of a container in a user namespace walks the path to its rootfs
/// and volumes as the namespace's root (an unprivileged host uid). Nobody else can list it,
/// and every pod directory in it is 0700 (0710 to the pod's own group, see
/// [`share_with_group`]).
pub const SEARCH_MODE: u32 = 0o711;

/// Opens directory `path` (created 0700) to group `gid` for search only (root:gid 0710): the
/// directories on the way from a pod's directory to its bundles and volumes, for a pod whose
/// containers run in a user namespace whose root is host gid `gid`. Goes from stricter to
/// the intended mode, so there is no window in which more is allowed.
pub fn share_with_group(path: &Path, gid: u32) -> io::Result<()> {
    std::os::unix::fs::chown(path, None, Some(gid))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o710))
}

/// Creates `path` and its missing ancestors 0700; existing ancestors are left alone.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// Creates the directory `path` 0700 (its parent must exist); `AlreadyExists` if it does.
pub fn create_dir(path: &Path) -> io::Result<()> {
    DirBuilder::new().mode(DIR_MODE).create(path)
}

/// Opens `path` for appending, creating it 0600; never follows a symlink at `path`.
pub fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Creates (or truncates) `path` 0600 for writing; never follows a symlink at `path`.
pub fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Makes `root` a root-only directory: created 0700 (with missing ancestors) when absent;
/// when present, refused if it is not a directory, is a symlink, belongs to another user or
/// is world-writable, and tightened to 0700 when it is root's with group/other bits.
pub fn ensure_root(root: &Path) -> io::Result<()> {
    ensure_root_mode(root, DIR_MODE)
}

/// [`ensure_root`] with `mode` (0700, or [`SEARCH_MODE`] for the pod state root): created
/// with it, and an existing root with any bit beyond it is set to it.
pub fn ensure_root_mode(root: &Path, mode: u32) -> io::Result<()> {
    let target = mode;
    DirBuilder::new()
        .recursive(true)
        .mode(target)
        .create(root)?;
    let meta = std::fs::symlink_metadata(root)?;
    refuse_unsafe(root, &meta, 0o002)?;
    let mode = meta.mode() & 0o7777;
    if mode & !target != 0 {
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(target))?;
    }
    Ok(())
}

/// Refuses `root` when someone else could have written what is in it: not a directory (or a
/// symlink), another user's, sticky, or with a write bit of `writable_bits` (group and/or
/// other).
fn refuse_unsafe(root: &Path, meta: &std::fs::Metadata, writable_bits: u32) -> io::Result<()> {
    let refuse = |why: String| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} {why}: secctx keeps secrets there and needs a root-only directory (0700, owned by root)",
                root.display()
            ),
        ))
    };
    if !meta.is_dir() {
        return refuse("is not a directory (or is a symlink)".into());
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return refuse(format!("belongs to uid {}", meta.uid()));
    }
    let mode = meta.mode() & 0o7777;
    if mode & writable_bits != 0 || mode & 0o1000 != 0 {
        return refuse(format!(
            "is world-writable, group-writable or sticky (mode {mode:04o})"
        ));
    }
    Ok(())
}

/// For commands that read a state root rather than create it (`state`, `kill`, `exec`,
/// `delete`, `list`): an absent root is fine (nothing in it); one that another user owns
/// or may write (group or world) is refused, because its `state.json` files name the pids
/// to signal, the cgroups to empty and remove and the namespaces to join.
pub fn check_root(root: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(root) {
        Ok(meta) => refuse_unsafe(root, &meta, 0o022),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_exact_and_lax_roots_tightened_or_refused() {
        let t = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o7777;
        let root = t.path().join("a/b");
        ensure_root(&root).unwrap();
        assert_eq!(mode(&t.path().join("a")), 0o700);
        assert_eq!(mode(&root), 0o700);
        create(&root.join("f")).unwrap();
        assert_eq!(mode(&root.join("f")), 0o600);
        append(&root.join("g")).unwrap();
        assert_eq!(mode(&root.join("g")), 0o600);

        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_root(&root).unwrap();
        assert_eq!(mode(&root), 0o700, "tightened");

        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_root_mode(&root, SEARCH_MODE).unwrap();
        assert_eq!(mode(&root), 0o711, "search-only root");

        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let e = ensure_root(&root).unwrap_err().to_string();
        assert!(e.contains("world-writable"), "{e}");

        let link = t.path().join("link");
        std::os::unix::fs::symlink(&root, &link).unwrap();
        let e = append(&link).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
    }

    #[test]
    fn a_root_others_may_write_is_not_read() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("r");
        check_root(&root).unwrap();
        ensure_root(&root).unwrap();
        check_root(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        check_root(&root).unwrap();
        for m in [0o777, 0o775, 0o1777] {
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(m)).unwrap();
            let e = check_root(&root).unwrap_err().to_string();
            assert!(e.contains("writable"), "{m:o}: {e}");
        }
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&root, &link).unwrap();
        assert!(check_root(&link).is_err());
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&root, Some(65534), None).unwrap();
        let e = check_root(&root).unwrap_err().to_string();
        assert!(e.contains("belongs to uid 65534"), "{e}");
    }
}
