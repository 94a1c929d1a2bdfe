//! Written paths from the overlay upper dir: each entry is created, modified (the image has
//! that path: copied up), deleted (a whiteout, a 0/0 character device) or replaced (a
//! directory with `overlay.opaque`). Directories that only hold changed entries are parents,
//! not writes.
//!
//! The upper dir is the container's to fill: it is walked by directory fd with
//! `O_NOFOLLOW`, names never joined into host paths that are then followed. Whether the
//! image has a path is looked up the same way in the lower dir (the unpacked image) rather
//! than from the `overlay.origin` xattr, which filesystems without file handles do not get.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, openat, statat};
use secctx_core::record::{WriteKind, Written};

/// An entry's identity at a moment (to tell the runtime's own mount points, made before the
/// container started, from the workload's writes).
pub type Stamp = (u32, u64, i64, i64, i64);

/// Every upper entry's [`Stamp`] by container path.
pub type Snapshot = BTreeMap<String, Stamp>;

fn open_dir(dir: impl AsFd, name: &std::ffi::OsStr) -> std::io::Result<OwnedFd> {
    Ok(openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

fn open_root(path: &Path) -> std::io::Result<OwnedFd> {
    Ok(rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

struct Entry {
    path: String,
    stamp: Stamp,
    kind: FileType,
    rdev: u64,
    opaque: bool,
}

fn walk(dir: &OwnedFd, prefix: &str, out: &mut Vec<Entry>, depth: usize) -> std::io::Result<()> {
    if depth > 256 {
        return Err(std::io::Error::other("upper dir nested too deep"));
    }
    let mut names = Vec::new();
    for e in Dir::read_from(dir)? {
        let e = e?;
        let n = e.file_name().to_bytes();
        if n == b"." || n == b".." {
            continue;
        }
        names.push(OsString::from(std::ffi::OsStr::from_bytes(n)));
    }
    names.sort();
    for name in names {
        let st = statat(dir, &name, AtFlags::SYMLINK_NOFOLLOW)?;
        let kind = FileType::from_raw_mode(st.st_mode);
        let path = format!("{prefix}/{}", name.to_string_lossy());
        let mut opaque = false;
        if kind == FileType::Directory {
            let sub = open_dir(dir, &name)?;
            let mut buf = [0u8; 4];
            opaque = ["trusted.overlay.opaque", "user.overlay.opaque"]
                .iter()
                .any(|x| {
                    rustix::fs::fgetxattr(&sub, *x, &mut buf[..])
                        .is_ok_and(|n| n >= 1 && buf[0] == b'y')
                });
            out.push(Entry {
                path: path.clone(),
                stamp: (
                    st.st_mode,
                    st.st_size as u64,
                    st.st_mtime,
                    st.st_mtime_nsec as i64,
                    st.st_ctime,
                ),
                kind,
                rdev: st.st_rdev,
                opaque,
            });
            walk(&sub, &path, out, depth + 1)?;
        } else {
            out.push(Entry {
                path,
                stamp: (
                    st.st_mode,
                    st.st_size as u64,
                    st.st_mtime,
                    st.st_mtime_nsec as i64,
                    st.st_ctime,
                ),
                kind,
                rdev: st.st_rdev,
                opaque,
            });
        }
    }
    Ok(())
}

/// The upper dir's entries and their stamps.
pub fn snapshot(upper: &Path) -> std::io::Result<Snapshot> {
    let root = open_root(upper)?;
    let mut v = Vec::new();
    walk(&root, "", &mut v, 0)?;
    Ok(v.into_iter().map(|e| (e.path, e.stamp)).collect())
}

/// Looks `path` up in the image (`lower`), component by component with `O_NOFOLLOW`:
/// `None` if absent, `Some(is_dir)`.
fn in_image(lower: &OwnedFd, path: &str) -> Option<bool> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let (last, dirs) = parts.split_last()?;
    let mut cur = rustix::io::dup(lower).ok()?;
    for d in dirs {
        cur = open_dir(&cur, std::ffi::OsStr::new(d)).ok()?;
    }
    let st = statat(&cur, *last, AtFlags::SYMLINK_NOFOLLOW).ok()?;
    Some(FileType::from_raw_mode(st.st_mode) == FileType::Directory)
}

/// Whether image directory `path` is empty.
fn image_dir_empty(lower: &OwnedFd, path: &str) -> bool {
    let mut cur = match rustix::io::dup(lower) {
        Ok(fd) => fd,
        Err(_) => return false,
    };
    for d in path.split('/').filter(|p| !p.is_empty()) {
        match open_dir(&cur, std::ffi::OsStr::new(d)) {
            Ok(fd) => cur = fd,
            Err(_) => return false,
        }
    }
    let Ok(dir) = Dir::read_from(&cur) else {
        return false;
    };
    dir.flatten()
        .all(|e| matches!(e.file_name().to_bytes(), b"." | b".."))
}

/// What the container wrote: the upper entries not in `baseline` (or changed since), each
/// classified against the image in `lower`; and, for every ancestor directory of a write
/// that the image has, whether it is empty there.
pub fn diff(
    upper: &Path,
    lower: &Path,
    baseline: &Snapshot,
) -> std::io::Result<(Vec<Written>, BTreeMap<String, bool>)> {
    let root = open_root(upper)?;
    let lower = open_root(lower)?;
    let mut entries = Vec::new();
    walk(&root, "", &mut entries, 0)?;
    let mut written = Vec::new();
    for e in &entries {
        if baseline.get(&e.path) == Some(&e.stamp) {
            continue;
        }
        let image = in_image(&lower, &e.path);
        let kind = if e.kind == FileType::CharacterDevice && e.rdev == 0 {
            WriteKind::Deleted
        } else if e.kind == FileType::Directory {
            match image {
                Some(true) if e.opaque => WriteKind::Replaced,
                // An image directory in upper only holds changed entries (or had its
                // metadata changed): its children say what happened.
                Some(true) => continue,
                Some(false) => WriteKind::Replaced,
                None => WriteKind::Created,
            }
        } else if image.is_some() {
            WriteKind::Modified
        } else {
            WriteKind::Created
        };
        written.push(Written {
            path: e.path.clone(),
            kind,
            dir: e.kind == FileType::Directory,
        });
    }
    let mut ancestors = BTreeSet::new();
    for w in &written {
        let mut p = w.path.as_str();
        while let Some(i) = p.rfind('/') {
            p = &p[..i];
            if p.is_empty() {
                break;
            }
            ancestors.insert(p.to_string());
        }
        if w.dir {
            ancestors.insert(w.path.clone());
        }
    }
    let mut image_dirs = BTreeMap::new();
    for a in ancestors {
        if in_image(&lower, &a) == Some(true) {
            let empty = image_dir_empty(&lower, &a);
            image_dirs.insert(a, empty);
        }
    }
    Ok((written, image_dirs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The four upper-dir cases, on a real overlay (root) or, without one, on a hand-made
    /// upper dir with the same shapes.
    fn layers() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let lower = t.path().join("lower");
        let upper = t.path().join("upper");
        for d in ["etc", "var/cache/old", "tmp", "app"] {
            std::fs::create_dir_all(lower.join(d)).unwrap();
        }
        std::fs::write(lower.join("etc/motd"), "hi").unwrap();
        std::fs::write(lower.join("etc/passwd"), "root").unwrap();
        std::fs::write(lower.join("var/cache/old/f"), "x").unwrap();
        std::fs::write(lower.join("app/keep"), "x").unwrap();
        std::fs::create_dir_all(&upper).unwrap();
        (t, lower, upper)
    }

    #[test]
    fn classifies_created_modified_deleted_and_replaced() {
        let (_t, lower, upper) = layers();
        let base = snapshot(&upper).unwrap();
        // What overlayfs leaves in upper for each operation.
        std::fs::create_dir_all(upper.join("etc")).unwrap();
        std::fs::write(upper.join("etc/passwd"), "root\nx").unwrap(); // modified (copy-up)
        rustix::fs::mknodat(
            rustix::fs::CWD,
            upper.join("etc/motd"),
            FileType::CharacterDevice,
            Mode::empty(),
            0,
        )
        .unwrap(); // deleted (whiteout)
        std::fs::create_dir_all(upper.join("var/cache/old")).unwrap();
        rustix::fs::setxattr(
            upper.join("var/cache/old"),
            "trusted.overlay.opaque",
            b"y",
            rustix::fs::XattrFlags::empty(),
        )
        .unwrap(); // replaced (rm -rf + mkdir)
        std::fs::create_dir_all(upper.join("tmp")).unwrap();
        std::fs::write(upper.join("tmp/new"), "n").unwrap(); // created
        let (w, dirs) = diff(&upper, &lower, &base).unwrap();
        let got: Vec<(String, WriteKind)> = w.iter().map(|w| (w.path.clone(), w.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("/etc/motd".to_string(), WriteKind::Deleted),
                ("/etc/passwd".to_string(), WriteKind::Modified),
                ("/tmp/new".to_string(), WriteKind::Created),
                ("/var/cache/old".to_string(), WriteKind::Replaced),
            ]
        );
        assert_eq!(dirs.get("/tmp"), Some(&true));
        assert_eq!(dirs.get("/etc"), Some(&false));
    }

    #[test]
    fn entries_present_at_start_are_not_writes() {
        let (_t, lower, upper) = layers();
        std::fs::create_dir_all(upper.join("dev")).unwrap();
        std::fs::write(upper.join("dev/termination-log"), "").unwrap();
        let base = snapshot(&upper).unwrap();
        let (w, _) = diff(&upper, &lower, &base).unwrap();
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn a_symlink_in_upper_is_not_followed() {
        let (_t, lower, upper) = layers();
        let base = snapshot(&upper).unwrap();
        std::os::unix::fs::symlink("/etc", upper.join("escape")).unwrap();
        let (w, _) = diff(&upper, &lower, &base).unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].path, "/escape");
        assert!(!w[0].dir);
    }
}
