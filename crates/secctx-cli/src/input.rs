//! Reading manifests: files, directories (recursive: `*.yaml`, `*.yml`, `*.json`, in name
//! order) and `-` for standard input.

use std::path::{Path, PathBuf};

use secctx_core::check::has_no_objects;
use secctx_core::load::{
    FieldValidation, LoadError, LoadOptions, Loaded, MAX_OBJECT_BYTES, ReadError,
    load_bounded_with, read_bounded,
};
use secctx_core::yaml::Pos;

use crate::output::diag;

/// `--field-validation`: what unknown and duplicate fields of the manifests are.
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct FieldArgs {
    /// Unknown and duplicate fields (`privilegd: true`), as kubectl's `--validate`: `strict`
    /// (or `true`) makes each an input error with the API server's message
    /// (`strict decoding error: unknown field "spec.containers[0].securityContext.privilegd"`);
    /// `warn` prints each as a warning and uses the object; `ignore` (or `false`) drops
    /// unknown fields silently.
    #[arg(
        long = "field-validation",
        value_name = "strict|warn|ignore",
        default_value = "strict"
    )]
    pub field_validation: FieldValidation,
}

impl FieldArgs {
    /// The load options for commands that judge or render workloads (ConfigMaps and Secrets
    /// are counted as skipped, not decoded).
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            field_validation: self.field_validation,
            volume_sources: false,
        }
    }
}

/// Prints every load warning (unknown and duplicate fields under `--field-validation=warn`)
/// on stderr: `warning: file:line:column: unknown field "..."`.
pub fn print_warnings(loaded: &Loaded) {
    for w in &loaded.warnings {
        diag(&format!("warning: {w}"));
    }
}

/// Everything read.
pub struct Inputs {
    /// The objects, errors and skipped kinds.
    pub loaded: Loaded,
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
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

pub(crate) fn collect(
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

pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> LoadError {
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
pub fn read_inputs(paths: &[PathBuf], opts: &LoadOptions) -> Inputs {
    read_inputs_with(paths, opts, &InputFilter::default())
}

/// [`read_inputs`], leaving out what `filter` says.
pub fn read_inputs_with(paths: &[PathBuf], opts: &LoadOptions, filter: &InputFilter<'_>) -> Inputs {
    let mut loaded = Loaded::default();
    let mut files = Vec::new();
    let mut excluded = 0;
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
        let one = load_bounded_with(&name, &bounded, opts);
        if filter.skip_non_objects && has_no_objects(&one) {
            continue;
        }
        loaded.extend(one);
    }
    Inputs {
        loaded,
        files: count,
        bytes,
    }
}
