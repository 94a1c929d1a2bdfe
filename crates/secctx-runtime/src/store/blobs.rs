//! Blobs: `blobs/sha256/<hex>`, each written first to a private staging directory, its digest
//! and size checked, then renamed into place under the store lock. A failed import or pull
//! leaves nothing: the staging directory is removed when dropped, and one left by a crashed
//! process is removed by the next `Store::open`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{Mode, OFlags};
use sha2::{Digest as _, Sha256};

use super::StoreError;
use crate::image::UnpackLimits;
use crate::image::limits::show_size;
use crate::image::meter::{Meter, MeteredWriter};

/// Checks that `digest` is `sha256:<64 lowercase hex>` and returns the hex.
pub(crate) fn hex_of(digest: &str) -> Result<&str, StoreError> {
    crate::image::manifest::check_digest(digest).map_err(StoreError::Invalid)?;
    Ok(&digest["sha256:".len()..])
}

/// A reader that keeps the first bytes it passes on (to check a layer's compression against
/// its media type once it is staged).
pub(crate) struct HeadCapture<R> {
    inner: R,
    head: Vec<u8>,
}

impl<R: Read> HeadCapture<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> HeadCapture<R> {
        HeadCapture {
            inner,
            head: Vec::new(),
        }
    }

    /// The first (up to 8) bytes read.
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }
}

impl<R: Read> Read for HeadCapture<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let want = 8usize.saturating_sub(self.head.len()).min(n);
        self.head.extend_from_slice(&buf[..want]);
        Ok(n)
    }
}

/// Where the blob `digest` lives under `blobs_dir` (`<images>/blobs/sha256`).
pub(crate) fn blob_path(blobs_dir: &Path, digest: &str) -> Result<PathBuf, StoreError> {
    Ok(blobs_dir.join(hex_of(digest)?))
}

/// What a blob must be.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expect<'a> {
    /// `sha256:<hex>`.
    pub(crate) digest: &'a str,
    /// Its size in bytes.
    pub(crate) size: u64,
}

/// A directory of blobs being written, private to one operation.
pub(crate) struct Staging {
    dir: PathBuf,
    blobs: Vec<(String, PathBuf)>,
    /// The free-space floor (`UnpackLimits::min_free`) kept while writing blobs.
    min_free: u64,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

impl Staging {
    /// A new staging directory under `tmp_dir` (named `<pid>-<n>`, so stale ones are known);
    /// blobs are written only while the file system keeps `min_free` bytes free.
    pub(crate) fn new(tmp_dir: &Path, min_free: u64) -> Result<Staging, StoreError> {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = tmp_dir.join(format!("{}-{n}", std::process::id()));
        crate::private::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        Ok(Staging {
            dir,
            blobs: Vec::new(),
            min_free,
        })
    }

    /// A meter on the staging directory's file system with the free-space floor only.
    fn meter(&self) -> Result<std::rc::Rc<Meter>, StoreError> {
        let fd = rustix::fs::open(
            &self.dir,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| StoreError::io(&self.dir)(e.into()))?;
        let limits = UnpackLimits {
            max_size: 0,
            min_free: self.min_free,
        };
        Ok(Meter::new(limits, Some(fd)))
    }

    /// Refuses a blob of `size` bytes that would take the file system below the floor.
    fn check_room(&self, digest: &str, size: u64) -> Result<(), StoreError> {
        if self.min_free == 0 {
            return Ok(());
        }
        let st = rustix::fs::statvfs(&self.dir).map_err(|e| StoreError::io(&self.dir)(e.into()))?;
        let free = st.f_bavail.saturating_mul(st.f_frsize);
        if free.saturating_sub(size) < self.min_free {
            return Err(StoreError::Invalid(format!(
                "blob {digest} ({}) does not fit: {} has {} free and {} must stay free (--min-free-space or SECCTX_MIN_FREE_SPACE)",
                show_size(size),
                self.dir.display(),
                show_size(free),
                show_size(self.min_free)
            )));
        }
        Ok(())
    }

    /// A scratch path inside the staging directory.
    pub(crate) fn scratch(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Streams `content` into a staged blob; with `expect`, fails unless the content has that
    /// size and digest. Returns the digest and size.
    pub(crate) fn write(
        &mut self,
        content: impl Read,
        expect: Option<Expect<'_>>,
    ) -> Result<(String, u64), StoreError> {
        if let Some(e) = expect {
            // Before reading anything: a declared size that cannot fit is refused outright.
            self.check_room(e.digest, e.size)?;
        }
        let n = self.blobs.len();
        let path = self.dir.join(format!("blob-{n}"));
        let meter = self.meter()?;
        let file = crate::private::create(&path).map_err(StoreError::io(&path))?;
        let mut out = HashingWriter::new(MeteredWriter::new(file, meter.clone()));
        // Read at most one byte past the expected size: a blob that is too long fails fast.
        let limit = expect.map_or(u64::MAX, |e| e.size.saturating_add(1));
        let copied = std::io::copy(&mut content.take(limit), &mut out);
        if let Some(stop) = meter.stopped() {
            return Err(StoreError::Invalid(format!(
                "{}: {}",
                path.display(),
                stop.describe().replace("unpacking", "storing a blob")
            )));
        }
        copied.map_err(StoreError::io(&path))?;
        let (file, digest, size) = out.finish();
        let file = file.into_inner();
        if let Some(e) = expect {
            if size != e.size {
                return Err(StoreError::Digest {
                    digest: e.digest.to_string(),
                    what: if size > e.size {
                        format!("content is longer than the {} bytes expected", e.size)
                    } else {
                        format!("content is {size} bytes, expected {}", e.size)
                    },
                });
            }
            if digest != e.digest {
                return Err(StoreError::Digest {
                    digest: e.digest.to_string(),
                    what: format!("content has digest {digest}"),
                });
            }
        }
        file.sync_all().map_err(StoreError::io(&path))?;
        self.blobs.push((digest.clone(), path));
        Ok((digest, size))
    }

    /// Stages `bytes` (checked against `expect` if given).
    pub(crate) fn write_bytes(
        &mut self,
        bytes: &[u8],
        expect: Option<Expect<'_>>,
    ) -> Result<(String, u64), StoreError> {
        self.write(bytes, expect)
    }

    /// Moves the staged blobs into `blobs_dir`. Call with the exclusive store lock held.
    pub(crate) fn commit(&mut self, blobs_dir: &Path) -> Result<(), StoreError> {
        for (digest, tmp) in &self.blobs {
            let dest = blob_path(blobs_dir, digest)?;
            if dest.exists() {
                continue;
            }
            std::fs::rename(tmp, &dest).map_err(StoreError::io(&dest))?;
        }
        std::fs::File::open(blobs_dir)
            .and_then(|d| d.sync_all())
            .map_err(StoreError::io(blobs_dir))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes staging directories whose process is gone. Call with the exclusive lock held.
pub(crate) fn clean_stale(tmp_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp_dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A writer that hashes and counts what passes through it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    /// The inner writer, `sha256:<hex>` and the byte count.
    pub(crate) fn finish(self) -> (W, String, u64) {
        let digest = format!("sha256:{}", hex::encode(self.hasher.finalize()));
        (self.inner, digest, self.size)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
