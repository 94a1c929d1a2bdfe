//! Reading manifests: files, directories (recursive: `*.yaml`, `*.yml`, `*.json`, in name
//! order) and `-` for standard input.

use std::path::{Path, PathBuf};

use secctx_core::load::{
    LoadError, Loaded, MAX_OBJECT_BYTES, ReadError, load_bounded, read_bounded,
};
use secctx_core::yaml::Pos;

/// Everything read.
pub struct Inputs {
    /// The objects, errors and skipped kinds.
    pub loaded: Loaded,
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

pub(crate) fn collect(path: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    let entries = match std::fs::read_dir(path) {
        Ok(e) => e,
        Err(e) => {
            errors.push(io_error(path, &e));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        // Symlinked directories are not followed (no loops); symlinked files are read.
        let Ok(meta) = std::fs::symlink_metadata(&child) else {
            continue;
        };
        if meta.is_dir() {
            collect(&child, out, errors);
        } else if is_manifest(&child) {
            out.push(child);
        }
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> LoadError {
    LoadError {
        file: path.display().to_string().into(),
        pos: Pos { line: 0, column: 0 },
        field: None,
        message: e.to_string(),
    }
}

/// Opens `path` for reading only if it is a regular file. The open itself does not block
/// (`O_NONBLOCK`: a FIFO with no writer would otherwise hang the run), and a FIFO, device or
/// socket is refused before a byte is read.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let t = file.metadata()?.file_type();
    if t.is_file() {
        return Ok(file);
    }
    let what = if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(std::io::Error::other(format!(
        "{what}, not a manifest file: not read"
    )))
}

/// Reads and loads every input. Problems with one file are recorded and the rest still load.
pub fn read_inputs(paths: &[PathBuf]) -> Inputs {
    let mut loaded = Loaded::default();
    let mut files = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(p.clone());
        } else if p.is_dir() {
            collect(p, &mut files, &mut loaded.errors);
        } else {
            files.push(p.clone());
        }
    }
    let mut bytes = 0u64;
    let count = files.len();
    for f in files {
        // Read with the API server's 3 MiB object limit applied while reading, so a huge
        // document never sits in memory (secctx_core::load::read_bounded).
        let stdin = f.as_os_str() == "-";
        let read = if stdin {
            read_bounded(std::io::stdin().lock(), MAX_OBJECT_BYTES)
        } else {
            match open_regular(&f) {
                Ok(file) => read_bounded(file, MAX_OBJECT_BYTES),
                Err(e) => {
                    loaded.errors.push(io_error(&f, &e));
                    continue;
                }
            }
        };
        let name = if stdin {
            "-".to_string()
        } else {
            f.display().to_string()
        };
        let bounded = match read {
            Ok(b) => b,
            Err(ReadError::Io(e)) => {
                loaded.errors.push(io_error(&f, &e));
                continue;
            }
            Err(ReadError::NotUtf8) => {
                loaded.errors.push(LoadError {
                    file: name.into(),
                    pos: Pos { line: 0, column: 0 },
                    field: None,
                    message: if stdin {
                        "stream did not contain valid UTF-8".into()
                    } else {
                        "not UTF-8 text".into()
                    },
                });
                continue;
            }
        };
        bytes += bounded.bytes_read;
        loaded.extend(load_bounded(&name, &bounded));
    }
    Inputs {
        loaded,
        files: count,
        bytes,
    }
}
