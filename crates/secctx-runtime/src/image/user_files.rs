//! `/etc/passwd` and `/etc/group` of an image's final rootfs: the layers applied in order, with
//! whiteouts (`.wh.<name>`, `.wh..wh..opq`) honoured, reading only the two files.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path};

use secctx_core::image::{FileMeta, GroupEntry, ImageFile, PasswdEntry, parse_group, parse_passwd};

use super::ImageError;

const TARGETS: [&str; 2] = ["etc/passwd", "etc/group"];
/// Larger files are not read (a real passwd file is a few KiB).
const MAX_FILE: u64 = 16 << 20;

#[derive(Clone, Debug)]
enum State {
    Missing,
    File(Vec<u8>, FileMeta),
    Unreadable(String),
}

/// The two files, tracked across layers.
pub(crate) struct UserFiles {
    state: HashMap<&'static str, State>,
}

/// A tar member path, normalised: no leading `/` or `./`, no `.` components.
pub(crate) fn normalise(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?.to_string()),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

impl UserFiles {
    pub(crate) fn new() -> UserFiles {
        UserFiles {
            state: TARGETS.iter().map(|t| (*t, State::Missing)).collect(),
        }
    }

    /// Applies one layer (an uncompressed tar stream).
    pub(crate) fn apply_layer(&mut self, layer: impl Read, what: &str) -> Result<(), ImageError> {
        let mut archive = tar::Archive::new(layer);
        let mut found: HashMap<&'static str, State> = HashMap::new();
        let mut removed: Vec<&'static str> = Vec::new();
        let entries = archive
            .entries()
            .map_err(|e| ImageError::Invalid(format!("{what}: {e}")))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| ImageError::Invalid(format!("{what}: {e}")))?;
            let raw = entry
                .path()
                .map_err(|e| ImageError::Invalid(format!("{what}: {e}")))?
                .into_owned();
            let Some(path) = normalise(&raw) else {
                continue;
            };
            let (dir, base) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            if base == ".wh..wh..opq" {
                // An opaque directory hides everything below it in lower layers.
                for t in TARGETS {
                    if dir.is_empty() || t.starts_with(&format!("{dir}/")) {
                        removed.push(t);
                    }
                }
                continue;
            }
            if let Some(name) = base.strip_prefix(".wh.") {
                let gone = if dir.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir}/{name}")
                };
                for t in TARGETS {
                    if t == gone || t.starts_with(&format!("{gone}/")) {
                        removed.push(t);
                    }
                }
                continue;
            }
            // A non-directory replacing a parent directory also hides the files.
            if !entry.header().entry_type().is_dir() {
                for t in TARGETS {
                    if t.starts_with(&format!("{path}/")) {
                        removed.push(t);
                    }
                }
            }
            let Some(target) = TARGETS.iter().find(|t| **t == path) else {
                continue;
            };
            let header = entry.header();
            let meta = FileMeta {
                uid: header.uid().unwrap_or(0) as i64,
                gid: header.gid().unwrap_or(0) as i64,
                mode: header.mode().unwrap_or(0o644) & 0o7777,
            };
            let kind = header.entry_type();
            let state = if kind.is_file() {
                if entry.size() > MAX_FILE {
                    State::Unreadable(format!("/{target} is larger than {MAX_FILE} bytes"))
                } else {
                    let mut buf = Vec::with_capacity(entry.size() as usize);
                    entry
                        .read_to_end(&mut buf)
                        .map_err(|e| ImageError::Invalid(format!("{what}: /{target}: {e}")))?;
                    State::File(buf, meta)
                }
            } else if kind.is_symlink() || kind.is_hard_link() {
                let link = entry
                    .link_name()
                    .ok()
                    .flatten()
                    .map(|l| l.display().to_string())
                    .unwrap_or_default();
                State::Unreadable(format!(
                    "/{target} is a link to {link:?}; secctx does not follow links in images"
                ))
            } else if kind.is_dir() {
                State::Missing
            } else {
                State::Unreadable(format!("/{target} is not a regular file"))
            };
            found.insert(target, state);
        }
        for t in removed {
            self.state.insert(t, State::Missing);
        }
        for (t, s) in found {
            self.state.insert(t, s);
        }
        Ok(())
    }

    /// Reads the two files from a rootfs directory.
    pub(crate) fn from_dir(root: &Path) -> Result<UserFiles, ImageError> {
        use std::os::unix::fs::MetadataExt;
        let mut files = UserFiles::new();
        for t in TARGETS {
            let path = root.join(t);
            let state = match std::fs::symlink_metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::Missing,
                Err(e) => return Err(ImageError::io(&path)(e)),
                Ok(m) if m.file_type().is_symlink() => State::Unreadable(format!(
                    "/{t} is a symlink; secctx does not follow links in images"
                )),
                Ok(m) if !m.is_file() => State::Unreadable(format!("/{t} is not a regular file")),
                Ok(m) if m.len() > MAX_FILE => {
                    State::Unreadable(format!("/{t} is larger than {MAX_FILE} bytes"))
                }
                Ok(m) => State::File(
                    std::fs::read(&path).map_err(ImageError::io(&path))?,
                    FileMeta {
                        uid: i64::from(m.uid()),
                        gid: i64::from(m.gid()),
                        mode: m.mode() & 0o7777,
                    },
                ),
            };
            files.state.insert(t, state);
        }
        Ok(files)
    }

    fn file<T>(&self, t: &str, parse: fn(&str) -> Vec<T>) -> ImageFile<T> {
        match self.state.get(t) {
            Some(State::File(bytes, meta)) => ImageFile::Present {
                entries: parse(&String::from_utf8_lossy(bytes)),
                meta: Some(*meta),
            },
            Some(State::Unreadable(r)) => ImageFile::Unreadable { reason: r.clone() },
            _ => ImageFile::Missing,
        }
    }

    pub(crate) fn passwd(&self) -> ImageFile<PasswdEntry> {
        self.file("etc/passwd", parse_passwd)
    }

    pub(crate) fn group(&self) -> ImageFile<GroupEntry> {
        self.file("etc/group", parse_group)
    }
}
