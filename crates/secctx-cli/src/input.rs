//! Reading manifests: files, directories (recursive: `*.yaml`, `*.yml`, `*.json`, in name
//! order) and `-` for standard input.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use secctx_core::check::{SourceMap, has_no_objects};
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
    /// Files without Kubernetes objects, left out ([`InputFilter::skip_non_objects`]).
    pub without_objects: Vec<String>,
    /// Files and directories left out by [`InputFilter::exclude`].
    pub excluded: usize,
    /// The `# Source:` comments of files that have them (`helm template` output), by name.
    pub sources: HashMap<String, SourceMap>,
}

/// What to leave out while reading. The default reads everything and keeps every error.
#[derive(Default)]
pub struct InputFilter<'a> {
    /// Files and directories (as given or found) not to read.
    pub exclude: Option<&'a dyn Fn(&Path) -> bool>,
    /// A file none of whose documents is a Kubernetes object is left out with a note instead
    /// of giving one error per document.
    pub skip_non_objects: bool,
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn collect(
    path: &Path,
    out: &mut Vec<PathBuf>,
    errors: &mut Vec<LoadError>,
    filter: &InputFilter<'_>,
    excluded: &mut usize,
) {
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
        if filter.exclude.is_some_and(|x| x(&child)) {
            *excluded += 1;
            continue;
        }
        if meta.is_dir() {
            collect(&child, out, errors, filter, excluded);
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
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
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
    read_inputs_with(paths, &InputFilter::default())
}

/// [`read_inputs`], leaving out what `filter` says.
pub fn read_inputs_with(paths: &[PathBuf], filter: &InputFilter<'_>) -> Inputs {
    let mut loaded = Loaded::default();
    let mut files = Vec::new();
    let mut excluded = 0;
    let mut without_objects = Vec::new();
    let mut sources = HashMap::new();
    for p in paths {
        if p.as_os_str() == "-" {
            files.push(p.clone());
        } else if filter.exclude.is_some_and(|x| x(p)) {
            excluded += 1;
        } else if p.is_dir() {
            collect(p, &mut files, &mut loaded.errors, filter, &mut excluded);
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
        let one = load_bounded(&name, &bounded);
        if filter.skip_non_objects && has_no_objects(&one) {
            without_objects.push(name);
            continue;
        }
        if let Some(map) = SourceMap::scan(&bounded.text) {
            sources.insert(name, map);
        }
        loaded.extend(one);
    }
    Inputs {
        loaded,
        files: count,
        bytes,
        without_objects,
        excluded,
        sources,
    }
}
