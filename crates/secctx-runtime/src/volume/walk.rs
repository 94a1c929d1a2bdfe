//! The walk: post-order over the volume (children first, the root last), every entry reached
//! through its parent's fd, subdirectories shared among worker threads.

use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use rustix::fs::Stat;
use rustix::io::Errno;

use super::batch::Batch;
use super::mode::{RootStat, root_requires_change, target_mode};
use super::report::{FailedOp, Failure, MAX_REPORTED_FAILURES, OwnershipReport};
use super::request::{ChangePolicy, OwnershipRequest};
use super::sys;
use super::{OwnershipError, Progress};

/// Gives every entry under `root` (symlinks themselves included, never their targets) the group
/// `req.fs_group` and adds the kubelet's bits, exactly as the kubelet's `ChangePermissions`
/// does. See [`set_ownership_with_progress`].
pub fn set_ownership(
    root: &Path,
    req: &OwnershipRequest,
) -> Result<OwnershipReport, OwnershipError> {
    set_ownership_with_progress(root, req, &Progress::new())
}

/// [`set_ownership`], counting processed entries in `progress` as it goes.
///
/// `OnRootMismatch` returns a report with `skipped` when the root already has the group, the
/// bits and setgid. Otherwise every entry is `lchown`ed to the group (skipped when it already
/// has it) and, unless a symlink, given `mode | 0660` (`0440` read-only; directories also
/// `0110` and setgid), skipped when already so. Failed calls are counted, not returned; an
/// unreadable directory or a failed `lstat` stops the walk with an error, as in the kubelet.
pub fn set_ownership_with_progress(
    root: &Path,
    req: &OwnershipRequest,
    progress: &Progress,
) -> Result<OwnershipReport, OwnershipError> {
    let start = Instant::now();
    if req.policy == ChangePolicy::OnRootMismatch {
        let root_stat = sys::stat_path(root).ok().map(|st| RootStat {
            gid: st.st_gid,
            st_mode: sys::raw_mode(&st),
        });
        if !root_requires_change(root_stat, req.fs_group, req.read_only) {
            return Ok(OwnershipReport {
                skipped: true,
                elapsed: start.elapsed(),
                ..OwnershipReport::default()
            });
        }
    }
    let walk = Walk::new(req, progress);
    let st = sys::lstat_path(root).map_err(|e| stat_error(root, e))?;
    if sys::is_dir(&st) {
        sys::raise_nofile_limit();
        let fd = sys::open_dir_path(root).map_err(|e| OwnershipError::Open {
            path: root.to_path_buf(),
            source: e.into(),
        })?;
        // One worker per core plus one: on a warm cache the walk is all kernel CPU work and
        // more workers only add switching (4 workers on 2 cores cost ~10% more CPU than 3),
        // while the extra one keeps the cores busy when an lstat waits for the disk.
        let threads = std::env::var("SECCTX_FSGROUP_THREADS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(3, |n| n.get() + 1));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(16 << 20)
            .thread_name(|i| format!("fsgroup-{i}"))
            .build()
            .map_err(|e| OwnershipError::Threads(e.to_string()))?;
        pool.install(|| walk.dir(fd.as_fd(), root));
    } else {
        walk.root_leaf(root, &st)?;
    }
    walk.finish(start)
}

/// One worker's counts, kept locally and added to the shared ones once per batch: a shared
/// atomic bumped per entry by every worker would bounce its cache line between cores.
#[derive(Default)]
struct Tally {
    visited: u64,
    changed: u64,
    chowned: u64,
    chmodded: u64,
}

impl Tally {
    fn entry(&mut self, changed: bool) {
        self.visited += 1;
        self.changed += u64::from(changed);
    }
}

/// State shared by the workers of one walk.
struct Walk<'a> {
    gid: u32,
    read_only: bool,
    progress: &'a Progress,
    visited: AtomicU64,
    changed: AtomicU64,
    chowned: AtomicU64,
    chmodded: AtomicU64,
    failures: AtomicU64,
    first_failures: Mutex<Vec<Failure>>,
    stop: AtomicBool,
    error: Mutex<Option<OwnershipError>>,
}

fn stat_error(path: &Path, e: Errno) -> OwnershipError {
    OwnershipError::Stat {
        path: path.to_path_buf(),
        source: e.into(),
    }
}

fn child(dir: &Path, name: &CStr) -> PathBuf {
    dir.join(OsStr::from_bytes(name.to_bytes()))
}

impl<'a> Walk<'a> {
    fn new(req: &OwnershipRequest, progress: &'a Progress) -> Self {
        Walk {
            gid: req.fs_group,
            read_only: req.read_only,
            progress,
            visited: AtomicU64::new(0),
            changed: AtomicU64::new(0),
            chowned: AtomicU64::new(0),
            chmodded: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            first_failures: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            error: Mutex::new(None),
        }
    }

    fn finish(self, start: Instant) -> Result<OwnershipReport, OwnershipError> {
        if let Some(e) = self.error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        Ok(OwnershipReport {
            visited: self.visited.into_inner(),
            changed: self.changed.into_inner(),
            chowned: self.chowned.into_inner(),
            chmodded: self.chmodded.into_inner(),
            skipped: false,
            failures: self.failures.into_inner(),
            first_failures: self
                .first_failures
                .into_inner()
                .unwrap_or_else(|p| p.into_inner()),
            elapsed: start.elapsed(),
        })
    }

    /// Stops every worker; the first error wins.
    fn abort(&self, e: OwnershipError) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
        self.stop.store(true, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn fail(&self, path: impl FnOnce() -> PathBuf, op: FailedOp, e: Errno) {
        let n = self.failures.fetch_add(1, Ordering::Relaxed);
        if (n as usize) < MAX_REPORTED_FAILURES {
            let mut v = self
                .first_failures
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if v.len() < MAX_REPORTED_FAILURES {
                v.push(Failure {
                    path: path(),
                    op,
                    error: std::io::Error::from(e).to_string(),
                });
            }
        }
    }

    /// Adds `t` to the shared counts and the progress, and zeroes it.
    fn flush(&self, t: &mut Tally) {
        if t.visited > 0 {
            self.visited.fetch_add(t.visited, Ordering::Relaxed);
            self.progress.add(t.visited);
        }
        if t.changed > 0 {
            self.changed.fetch_add(t.changed, Ordering::Relaxed);
        }
        if t.chowned > 0 {
            self.chowned.fetch_add(t.chowned, Ordering::Relaxed);
        }
        if t.chmodded > 0 {
            self.chmodded.fetch_add(t.chmodded, Ordering::Relaxed);
        }
        *t = Tally::default();
    }

    /// A directory, already open: its entries (in batches, each in inode order), then its
    /// subdirectories (in parallel), then itself.
    fn dir(&self, fd: BorrowedFd<'_>, path: &Path) {
        let mut subdirs: Vec<(u64, CString)> = Vec::new();
        let mut batch = Batch::new();
        let mut tally = Tally::default();
        let listed = sys::for_each_entry(fd, |ino, name| {
            batch.push(ino, name);
            if batch.is_full() {
                self.entries(fd, &mut batch, &mut subdirs, path, &mut tally);
            }
            !self.stopped()
        });
        if let Err(e) = listed {
            self.abort(OwnershipError::ReadDir {
                path: path.to_path_buf(),
                source: e.into(),
            });
        }
        if self.stopped() {
            return;
        }
        self.entries(fd, &mut batch, &mut subdirs, path, &mut tally);
        drop(batch);
        if self.stopped() {
            return;
        }
        // In inode order too, so that each worker's share is a run of neighbouring inodes.
        subdirs.sort_unstable_by_key(|s| s.0);
        subdirs
            .par_iter()
            .for_each(|(_, name)| self.subdir(fd, name, path));
        drop(subdirs);
        if self.stopped() {
            return;
        }
        match sys::fstat(fd) {
            Ok(st) => self.dir_itself(fd, &st, path, &mut tally),
            Err(e) => self.abort(stat_error(path, e)),
        }
        self.flush(&mut tally);
    }

    /// The listed entries of one batch, in inode order: each is `lstat`ed, then changed if not
    /// a directory, or kept for later if one.
    fn entries(
        &self,
        fd: BorrowedFd<'_>,
        batch: &mut Batch,
        subdirs: &mut Vec<(u64, CString)>,
        path: &Path,
        tally: &mut Tally,
    ) {
        batch.drain_sorted(|ino, name| {
            if self.stopped() {
                return false;
            }
            match sys::lstat_at(fd, name) {
                Ok(st) if sys::is_dir(&st) => subdirs.push((ino, name.to_owned())),
                Ok(st) => self.leaf(fd, name, &st, path, tally),
                Err(e) => {
                    self.abort(stat_error(&child(path, name), e));
                    return false;
                }
            }
            true
        });
        self.flush(tally);
    }

    /// Opens and walks the subdirectory `name`. If it stopped being a directory since its
    /// `lstat` (a swap), whatever is there now is handled as an ordinary entry.
    fn subdir(&self, parent: BorrowedFd<'_>, name: &CStr, parent_path: &Path) {
        if self.stopped() {
            return;
        }
        let path = child(parent_path, name);
        match sys::open_subdir(parent, name) {
            Ok(fd) => self.dir(fd.as_fd(), &path),
            Err(Errno::LOOP | Errno::NOTDIR) => {
                let mut tally = Tally::default();
                match sys::lstat_at(parent, name) {
                    Ok(st) if !sys::is_dir(&st) => {
                        self.leaf(parent, name, &st, parent_path, &mut tally)
                    }
                    Ok(_) => {
                        self.fail(|| path.clone(), FailedOp::Open, Errno::AGAIN);
                        tally.entry(false);
                    }
                    Err(e) => self.abort(stat_error(&path, e)),
                }
                self.flush(&mut tally);
            }
            Err(e) => self.abort(OwnershipError::Open {
                path,
                source: e.into(),
            }),
        }
    }

    /// A non-directory entry, by name in its parent: lchown, then (not a symlink) chmod.
    fn leaf(&self, dir: BorrowedFd<'_>, name: &CStr, st: &Stat, dir_path: &Path, t: &mut Tally) {
        let mut changed = false;
        let mut chowned = false;
        if st.st_gid != self.gid {
            match sys::lchown_at(dir, name, self.gid) {
                Ok(()) => {
                    chowned = true;
                    changed = true;
                    t.chowned += 1;
                }
                Err(e) => self.fail(|| child(dir_path, name), FailedOp::Lchown, e),
            }
        }
        if !sys::is_symlink(st) {
            let old = sys::raw_mode(st);
            let want = target_mode(old, self.read_only, false);
            // A chown by anyone clears setuid (and setgid with group-exec) on non-directories;
            // the kubelet's chmod with the old mode puts them back, so must we.
            let killed = chowned && old & 0o6000 != 0;
            if want != old & 0o7777 || killed {
                match sys::chmod_at_nofollow(dir, name, want) {
                    Ok(()) => {
                        changed = true;
                        t.chmodded += 1;
                    }
                    Err(e) => self.fail(|| child(dir_path, name), FailedOp::Chmod, e),
                }
            }
        }
        t.entry(changed);
    }

    /// A directory itself, through its own fd.
    fn dir_itself(&self, fd: BorrowedFd<'_>, st: &Stat, path: &Path, t: &mut Tally) {
        let mut changed = false;
        if st.st_gid != self.gid {
            match sys::fchown(fd, self.gid) {
                Ok(()) => {
                    changed = true;
                    t.chowned += 1;
                }
                Err(e) => self.fail(|| path.to_path_buf(), FailedOp::Lchown, e),
            }
        }
        let old = sys::raw_mode(st);
        let want = target_mode(old, self.read_only, true);
        if want != old & 0o7777 {
            match sys::fchmod(fd, want) {
                Ok(()) => {
                    changed = true;
                    t.chmodded += 1;
                }
                Err(e) => self.fail(|| path.to_path_buf(), FailedOp::Chmod, e),
            }
        }
        t.entry(changed);
    }

    /// A root that is not a directory (a file, or a symlink, which is not followed).
    fn root_leaf(&self, root: &Path, st: &Stat) -> Result<(), OwnershipError> {
        let parent = match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = root.file_name().ok_or_else(|| OwnershipError::Stat {
            path: root.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
        })?;
        let cname = CString::new(name.as_bytes()).map_err(|_| OwnershipError::Stat {
            path: root.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
        })?;
        let pfd: OwnedFd = sys::open_parent_dir(parent).map_err(|e| OwnershipError::Open {
            path: parent.to_path_buf(),
            source: e.into(),
        })?;
        let mut tally = Tally::default();
        self.leaf(pfd.as_fd(), &cname, st, parent, &mut tally);
        self.flush(&mut tally);
        Ok(())
    }
}
