//! Replacing a file's contents atomically, as `fix --write` edits manifests: the new bytes go
//! to a temporary file in the same directory, which is synced, given the old file's mode (and
//! owner, when allowed) and renamed over the old one; the directory is synced after. A reader
//! sees the old file or the new one, never a half-written one; on any failure the temporary
//! file is removed and the original is untouched.

use std::ffi::OsString;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::fs::{self as rfs, Mode, OFlags};

/// Why a file could not be replaced.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// An I/O step failed.
    #[error("{path}: {step}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        step: &'static str,
        /// The error.
        source: io::Error,
    },
    /// The file changed since it was read (another editor wrote it); nothing was written.
    #[error("{0}: the file changed since it was read; nothing written")]
    Changed(PathBuf),
    /// The path names no regular file.
    #[error("{0}: not a regular file")]
    NotAFile(PathBuf),
}

/// Replaces the contents of the regular file at `path` (a symlink is followed: the file it
/// points to is replaced and the link kept). With `expected`, the file must still hold exactly
/// those bytes, or nothing is written ([`WriteError::Changed`]).
pub fn replace_file(path: &Path, new: &[u8], expected: Option<&[u8]>) -> Result<(), WriteError> {
    let io_err = |step: &'static str| {
        let path = path.to_path_buf();
        move |source: io::Error| WriteError::Io { path, step, source }
    };
    let target = std::fs::canonicalize(path).map_err(io_err("resolve"))?;
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(WriteError::NotAFile(path.to_path_buf()));
    };
    let dir_fd = rfs::open(
        dir,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io_err("open the directory")(e.into()))?;
    let old = rfs::openat(
        &dir_fd,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io_err("open")(e.into()))?;
    let st = rfs::fstat(&old).map_err(|e| io_err("stat")(e.into()))?;
    if rfs::FileType::from_raw_mode(st.st_mode) != rfs::FileType::RegularFile {
        return Err(WriteError::NotAFile(path.to_path_buf()));
    }
    if let Some(expected) = expected {
        let current = read_all(old).map_err(io_err("read"))?;
        if current != expected {
            return Err(WriteError::Changed(path.to_path_buf()));
        }
    }
    let (tmp_name, tmp) = create_temp(&dir_fd, name).map_err(io_err("create a temporary file"))?;
    let result = (|| -> Result<(), WriteError> {
        write_all(&tmp, new).map_err(io_err("write"))?;
        // Ownership first (it may clear set-id bits), then the mode.
        match rfs::fchown(
            &tmp,
            Some(rfs::Uid::from_raw(st.st_uid)),
            Some(rfs::Gid::from_raw(st.st_gid)),
        ) {
            Ok(()) | Err(rustix::io::Errno::PERM) => {}
            Err(e) => return Err(io_err("chown")(e.into())),
        }
        rfs::fchmod(&tmp, Mode::from_raw_mode(st.st_mode & 0o7777))
            .map_err(|e| io_err("chmod")(e.into()))?;
        rfs::fsync(&tmp).map_err(|e| io_err("sync")(e.into()))?;
        rfs::renameat(&dir_fd, &tmp_name, &dir_fd, name).map_err(|e| io_err("rename")(e.into()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = rfs::unlinkat(&dir_fd, &tmp_name, rfs::AtFlags::empty());
        return result;
    }
    rfs::fsync(&dir_fd).map_err(|e| io_err("sync the directory")(e.into()))
}

/// `.NAME.secctx-PID-N`, created exclusively (mode 0600 until the old mode is copied).
fn create_temp(dir: &OwnedFd, name: &std::ffi::OsStr) -> io::Result<(OsString, OwnedFd)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp = OsString::from(".");
        tmp.push(name);
        tmp.push(format!(".secctx-{}-{n}", std::process::id()));
        match rfs::openat(
            dir,
            std::ffi::OsStr::from_bytes(tmp.as_bytes()),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        ) {
            Ok(fd) => return Ok((tmp, fd)),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn read_all(fd: OwnedFd) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests;
