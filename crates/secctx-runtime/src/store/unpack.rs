//! Unpacking layers into a directory, every path resolved by hand from a directory fd:
//! each parent component is opened with `O_NOFOLLOW | O_DIRECTORY`, so a symlink in a parent
//! position is never followed (the entry is refused), `..` is refused, absolute member and
//! hard-link paths are taken relative to the destination, and an existing file or symlink at
//! the final component is removed before the new entry is created (never written through).
//!
//! Per layer: first every whiteout (`.wh.<name>` removes `<name>` of lower layers,
//! `.wh..wh..opq` empties its directory of lower layers' entries), then the entries. The
//! first pass reads the whole layer, so its blob digest and its diff_id are verified before
//! any of its entries is written.
//!
//! Every byte read and written is charged to a [`Meter`]: past the unpacked-size limit or
//! below the free-space floor the unpack stops. On any failure, whatever was unpacked is
//! removed (and the destination too when this unpack created it).

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};
use std::rc::Rc;

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Timespec, Timestamps};
use rustix::io::Errno;

use super::StoreError;
use crate::image::meter::{Meter, MeteredWriter};
use crate::image::{LayerBlob, UnpackLimits, drain};

const WH_PREFIX: &str = ".wh.";
const WH_OPAQUE: &str = ".wh..wh..opq";

/// Unpacks `layers` (lowest first) into `dest`, which is created if missing and must be
/// empty, within `limits`. On failure the partial unpack is removed.
pub(crate) fn unpack(
    layers: &[LayerBlob],
    dest: &Path,
    limits: UnpackLimits,
) -> Result<(), StoreError> {
    let created = std::fs::symlink_metadata(dest).is_err();
    std::fs::create_dir_all(dest).map_err(StoreError::io(dest))?;
    if std::fs::read_dir(dest)
        .map_err(StoreError::io(dest))?
        .next()
        .is_some()
    {
        return Err(StoreError::Invalid(format!(
            "{}: the destination must be empty",
            dest.display()
        )));
    }
    let open_dest = || {
        rfs::open(
            dest,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| StoreError::io(dest)(e.into()))
    };
    let root = open_dest()?;
    let meter = Meter::new(limits, Some(open_dest()?));
    let mut result = meter.check_space().map_err(|e| StoreError::Limit {
        layer: "before the first layer".to_string(),
        message: e.to_string(),
    });
    for layer in layers {
        if result.is_err() {
            break;
        }
        result = apply(&root, layer, &meter).map_err(|e| match meter.stopped() {
            Some(stop) => StoreError::Limit {
                layer: layer.name.clone(),
                message: stop.describe(),
            },
            None => e,
        });
    }
    let Err(e) = result else {
        return Ok(());
    };
    // Nothing half-unpacked stays behind: the tree is removed through the fd (never
    // following a symlink the image made), then the directory if this unpack made it.
    let _ = clear_dir(&root);
    drop(root);
    if created {
        let _ = std::fs::remove_dir(dest);
    }
    Err(match e {
        StoreError::Limit { layer, message } => StoreError::Limit {
            layer,
            message: format!(
                "{message}; the partial unpack in {} was removed",
                dest.display()
            ),
        },
        e => e,
    })
}

/// A member path split into components; `None` for the root itself.
fn components(layer: &str, raw: &Path) -> Result<Vec<OsString>, StoreError> {
    let mut out = Vec::new();
    for c in raw.components() {
        match c {
            Component::Normal(p) => out.push(p.to_os_string()),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => {
                return Err(unsafe_entry(layer, raw, "a `..` component is refused"));
            }
        }
    }
    Ok(out)
}

fn unsafe_entry(layer: &str, path: &Path, why: &str) -> StoreError {
    StoreError::Unsafe {
        layer: layer.to_string(),
        path: path.display().to_string(),
        why: why.to_string(),
    }
}

fn bad_layer(layer: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("{layer}: {e}"))
}

fn errno(layer: &str, path: &Path, e: Errno) -> StoreError {
    StoreError::Invalid(format!(
        "{layer}: {}: {}",
        path.display(),
        std::io::Error::from(e)
    ))
}

/// Opens the directory at `parts` under `root`, one component at a time, never following a
/// symlink; missing directories are created (mode 0755) when `create`. `Ok(None)` when a
/// component is missing and `create` is false.
fn open_dir(
    root: &OwnedFd,
    parts: &[OsString],
    create: bool,
    layer: &str,
    member: &Path,
) -> Result<Option<OwnedFd>, StoreError> {
    let mut cur = rfs::openat(
        root,
        ".",
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| errno(layer, member, e))?;
    for (i, p) in parts.iter().enumerate() {
        let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC;
        let next = match rfs::openat(&cur, p.as_os_str(), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) if create => {
                match rfs::mkdirat(&cur, p.as_os_str(), Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(errno(layer, member, e)),
                }
                rfs::openat(&cur, p.as_os_str(), flags, Mode::empty())
                    .map_err(|e| errno(layer, member, e))?
            }
            Err(Errno::NOENT) => return Ok(None),
            Err(e @ (Errno::LOOP | Errno::NOTDIR)) => {
                let so_far: std::path::PathBuf = parts[..=i].iter().collect();
                let is_link = rfs::statat(&cur, p.as_os_str(), AtFlags::SYMLINK_NOFOLLOW)
                    .map(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink)
                    .unwrap_or(false);
                let why = if is_link {
                    format!(
                        "its parent {} is a symlink; symlinks are never followed while unpacking",
                        so_far.display()
                    )
                } else {
                    format!(
                        "its parent {} is not a directory ({})",
                        so_far.display(),
                        std::io::Error::from(e)
                    )
                };
                return Err(unsafe_entry(layer, member, &why));
            }
            Err(e) => return Err(errno(layer, member, e)),
        };
        cur = next;
    }
    Ok(Some(cur))
}

/// Removes `name` in `dir` whatever it is (directories recursively, symlinks not followed).
fn remove_all(dir: &impl AsFd, name: &OsStr) -> Result<(), Errno> {
    let st = match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::NOENT) => return Ok(()),
        Err(e) => return Err(e),
    };
    if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
        let fd = rfs::openat(
            dir,
            name,
            OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        clear_dir(&fd)?;
        rfs::unlinkat(dir, name, AtFlags::REMOVEDIR)
    } else {
        rfs::unlinkat(dir, name, AtFlags::empty())
    }
}

/// Removes everything inside a directory.
fn clear_dir(fd: &OwnedFd) -> Result<(), Errno> {
    let mut names = Vec::new();
    for entry in rfs::Dir::read_from(fd)? {
        let entry = entry?;
        let n = entry.file_name().to_bytes();
        if n != b"." && n != b".." {
            names.push(OsStr::from_bytes(n).to_os_string());
        }
    }
    for n in names {
        remove_all(fd, &n)?;
    }
    Ok(())
}

/// Applies one layer.
fn apply(root: &OwnedFd, layer: &LayerBlob, meter: &Rc<Meter>) -> Result<(), StoreError> {
    let name = layer.name.as_str();
    // Pass 1: the whiteouts, applied to what the lower layers left.
    {
        meter.start_pass();
        let mut r = layer.open(meter)?;
        let mut archive = tar::Archive::new(&mut r);
        for entry in archive.entries().map_err(|e| bad_layer(name, e))? {
            let entry = entry.map_err(|e| bad_layer(name, e))?;
            let raw = entry.path().map_err(|e| bad_layer(name, e))?.into_owned();
            let parts = components(name, &raw)?;
            let Some((last, parents)) = parts.split_last() else {
                continue;
            };
            let Some(last) = last.to_str() else { continue };
            if last == WH_OPAQUE {
                if let Some(dir) = open_dir(root, parents, false, name, &raw)? {
                    clear_dir(&dir).map_err(|e| errno(name, &raw, e))?;
                }
            } else if let Some(target) = last.strip_prefix(WH_PREFIX) {
                if target.is_empty() || target == "." || target == ".." {
                    return Err(unsafe_entry(name, &raw, "malformed whiteout"));
                }
                if let Some(dir) = open_dir(root, parents, false, name, &raw)? {
                    remove_all(&dir, OsStr::new(target)).map_err(|e| errno(name, &raw, e))?;
                }
            }
        }
        drain(&mut r).map_err(|e| bad_layer(name, e))?;
    }
    // Pass 2: the entries.
    meter.start_pass();
    let mut r = layer.open(meter)?;
    {
        let mut archive = tar::Archive::new(&mut r);
        for entry in archive.entries().map_err(|e| bad_layer(name, e))? {
            let mut entry = entry.map_err(|e| bad_layer(name, e))?;
            let raw = entry.path().map_err(|e| bad_layer(name, e))?.into_owned();
            let parts = components(name, &raw)?;
            let Some((last, parents)) = parts.split_last() else {
                continue; // the root directory itself: dest keeps its own owner and mode
            };
            if last.to_str().is_some_and(|l| l.starts_with(WH_PREFIX)) {
                continue;
            }
            let dir = open_dir(root, parents, true, name, &raw)?.expect("created when missing");
            extract(root, &dir, last, &mut entry, name, &raw, meter)?;
        }
    }
    drain(&mut r).map_err(|e| bad_layer(name, e))?;
    meter.end_layer();
    Ok(())
}

fn extract(
    root: &OwnedFd,
    dir: &OwnedFd,
    last: &OsStr,
    entry: &mut tar::Entry<'_, impl Read>,
    layer: &str,
    raw: &Path,
    meter: &Rc<Meter>,
) -> Result<(), StoreError> {
    let h = entry.header();
    let kind = h.entry_type();
    let mode = Mode::from_raw_mode(h.mode().map_err(|e| bad_layer(layer, e))? & 0o7777);
    let uid = h.uid().map_err(|e| bad_layer(layer, e))? as u32;
    let gid = h.gid().map_err(|e| bad_layer(layer, e))? as u32;
    let mtime = h.mtime().unwrap_or(0);
    let owner = (Some(rfs::Uid::from_raw(uid)), Some(rfs::Gid::from_raw(gid)));
    let times = Timestamps {
        last_access: Timespec {
            tv_sec: mtime as i64,
            tv_nsec: 0,
        },
        last_modification: Timespec {
            tv_sec: mtime as i64,
            tv_nsec: 0,
        },
    };
    let e = |e: Errno| errno(layer, raw, e);
    use tar::EntryType as T;
    match kind {
        T::Directory => {
            let existing = rfs::statat(dir, last, AtFlags::SYMLINK_NOFOLLOW).ok();
            let is_dir = existing
                .is_some_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Directory);
            if !is_dir {
                remove_all(dir, last).map_err(e)?;
                rfs::mkdirat(dir, last, Mode::from_raw_mode(0o700)).map_err(e)?;
            }
            let fd = rfs::openat(
                dir,
                last,
                OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(e)?;
            rfs::fchown(&fd, owner.0, owner.1).map_err(e)?;
            rfs::fchmod(&fd, mode).map_err(e)?;
        }
        T::Regular | T::Continuous | T::GNUSparse => {
            remove_all(dir, last).map_err(e)?;
            let fd = rfs::openat(
                dir,
                last,
                OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(e)?;
            let mut file = std::fs::File::from(fd);
            // Written through the meter: a sparse entry expands to its full size here.
            std::io::copy(entry, &mut MeteredWriter::new(&mut file, meter.clone()))
                .map_err(|err| bad_layer(layer, err))?;
            // chown first: it clears setuid/setgid, which fchmod then sets.
            rfs::fchown(&file, owner.0, owner.1).map_err(e)?;
            rfs::fchmod(&file, mode).map_err(e)?;
            let _ = rfs::futimens(&file, &times);
        }
        T::Symlink => {
            let target = entry
                .link_name()
                .map_err(|err| bad_layer(layer, err))?
                .ok_or_else(|| {
                    bad_layer(layer, format!("{}: symlink without target", raw.display()))
                })?
                .into_owned();
            remove_all(dir, last).map_err(e)?;
            // Stored verbatim: an absolute target means the container's root, and nothing
            // here ever follows it.
            rfs::symlinkat(target.as_os_str(), dir, last).map_err(e)?;
            rfs::chownat(dir, last, owner.0, owner.1, AtFlags::SYMLINK_NOFOLLOW).map_err(e)?;
            let _ = rfs::utimensat(dir, last, &times, AtFlags::SYMLINK_NOFOLLOW);
        }
        T::Link => {
            let target = entry
                .link_name()
                .map_err(|err| bad_layer(layer, err))?
                .ok_or_else(|| {
                    bad_layer(
                        layer,
                        format!("{}: hard link without target", raw.display()),
                    )
                })?
                .into_owned();
            let tparts = components(layer, &target)?;
            let Some((tlast, tparents)) = tparts.split_last() else {
                return Err(unsafe_entry(layer, raw, "hard link to the root directory"));
            };
            let tdir = open_dir(root, tparents, false, layer, &target)?.ok_or_else(|| {
                bad_layer(
                    layer,
                    format!(
                        "{}: hard link target {} is missing",
                        raw.display(),
                        target.display()
                    ),
                )
            })?;
            if tparts == components(layer, raw)? {
                return Ok(()); // a link to itself: nothing to do
            }
            remove_all(dir, last).map_err(e)?;
            rfs::linkat(&tdir, tlast.as_os_str(), dir, last, AtFlags::empty()).map_err(e)?;
        }
        T::Char | T::Block | T::Fifo => {
            let ft = match kind {
                T::Char => FileType::CharacterDevice,
                T::Block => FileType::BlockDevice,
                _ => FileType::Fifo,
            };
            let major = h.device_major().ok().flatten().unwrap_or(0);
            let minor = h.device_minor().ok().flatten().unwrap_or(0);
            remove_all(dir, last).map_err(e)?;
            rfs::mknodat(dir, last, ft, mode, rfs::makedev(major, minor)).map_err(e)?;
            rfs::chownat(dir, last, owner.0, owner.1, AtFlags::SYMLINK_NOFOLLOW).map_err(e)?;
            rfs::chmodat(dir, last, mode, AtFlags::empty()).map_err(e)?;
        }
        // Extended headers are consumed by the tar reader; anything else carries no file.
        _ => {}
    }
    Ok(())
}
