//! `secctx check` over inputs of any size, in two passes with bounded memory:
//!
//! 1. Every input is read once, cheaply: each document that could be a Namespace (its text
//!    names `Namespace` or holds an escape) is loaded, since a Namespace's labels set the policy
//!    of objects written before it too; a file that is not UTF-8 is noted, since it is refused
//!    whole before any of its documents counts. Standard input is copied to an unnamed
//!    temporary file on the way.
//! 2. Every input is read again, document by document: each object is loaded, judged,
//!    printed and dropped. What is kept is what the output ends with: counters, the input
//!    errors and the names of files without Kubernetes objects.
//!
//! The output is byte for byte what judging the whole input at once would print.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek as _, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secctx_core::check::{CheckOptions, FailOn, Judge, NamespacePolicies, is_not_an_object};
use secctx_core::load::{
    DocumentStream, LoadError, LoadOptions, Loaded, MAX_OBJECT_BYTES, Object, Piece, ReadError,
    load_piece,
};
use secctx_core::yaml::Pos;

use crate::input::{InputFilter, collect, io_error, open_regular};
use crate::output::check_sink::Sink;
use crate::output::diag;

/// Read buffer of one input.
const READ_BUFFER: usize = 256 * 1024;

/// One input to read.
enum Input {
    /// A file, as given or found.
    Path(PathBuf),
    /// Standard input; after the first pass, the copy of what it held.
    Stdin(Option<File>),
}

/// What pass 1 found out about one input.
enum Verdict {
    /// Read it again.
    Read,
    /// It could not be read: this error is all it gives.
    Failed(LoadError),
}

/// What was read besides the objects.
pub struct Totals {
    /// Inputs read (files and `-`).
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Input errors, in input order.
    pub errors: Vec<LoadError>,
    /// Objects of kinds not judged, by `apiVersion/kind`.
    pub skipped: std::collections::BTreeMap<String, usize>,
    /// Files without Kubernetes objects, left out.
    pub without_objects: Vec<String>,
    /// Paths left out by `--exclude` and `ignore`.
    pub excluded: usize,
    /// Whether a finding fails the run under the `FailOn` given.
    pub failed: bool,
}

/// Reads, judges and prints every input through `sink`.
pub fn run(
    paths: &[PathBuf],
    load: &LoadOptions,
    filter: &InputFilter<'_>,
    opts: &CheckOptions,
    fail_on: FailOn,
    sink: &mut dyn Sink,
) -> anyhow::Result<Totals> {
    let mut totals = Totals {
        files: 0,
        bytes: 0,
        errors: Vec::new(),
        skipped: Default::default(),
        without_objects: Vec::new(),
        excluded: 0,
        failed: false,
    };
    let mut inputs = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin(None));
        } else if filter.exclude.is_some_and(|x| x(p)) {
            totals.excluded += 1;
        } else if p.is_dir() {
            let mut found = Vec::new();
            collect(
                p,
                &mut found,
                &mut totals.errors,
                filter,
                &mut totals.excluded,
            );
            inputs.extend(found.into_iter().map(Input::Path));
        } else {
            inputs.push(Input::Path(p.clone()));
        }
    }
    totals.files = inputs.len();

    // Pass 1: the Namespaces, and the files that cannot be read.
    let mut namespaces = NamespacePolicies::default();
    let verdicts: Vec<Verdict> = inputs
        .iter_mut()
        .map(|input| first_pass(input, load, opts, &mut namespaces))
        .collect();

    // Pass 2: everything else, one document at a time.
    let judge = Judge::new(&namespaces, opts);
    for (input, verdict) in inputs.iter_mut().zip(verdicts) {
        if let Verdict::Failed(e) = verdict {
            totals.errors.push(e);
            continue;
        }
        let (name, reader) = match open(input) {
            Ok(r) => r,
            Err(e) => {
                totals.errors.push(e);
                continue;
            }
        };
        let file: Arc<str> = Arc::from(name.as_str());
        let mut stream = DocumentStream::new(reader, MAX_OBJECT_BYTES);
        let mut index = 0;
        let mut file_errors = Vec::new();
        let mut has_objects = false;
        loop {
            let piece = match stream.next_piece() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    file_errors.push(read_error(input, &name, e));
                    has_objects = true;
                    break;
                }
            };
            let mut one = Loaded::default();
            load_piece(&file, &stream, piece, &mut index, load, &mut one);
            for w in &one.warnings {
                diag(&format!("warning: {w}"));
            }
            has_objects |= !one.objects.is_empty() || !one.skipped.is_empty();
            for (kind, n) in one.skipped {
                *totals.skipped.entry(kind).or_default() += n;
            }
            file_errors.append(&mut one.errors);
            for obj in &one.objects {
                if let Some(mut result) = judge.judge(obj) {
                    result.source = stream
                        .sources()
                        .source_at(result.pos.line)
                        .map(str::to_owned);
                    totals.failed |= fail_on.fails(result.severity());
                    sink.object(&result)?;
                }
            }
        }
        totals.bytes += stream.bytes_read();
        if filter.skip_non_objects && !has_objects && file_errors.iter().all(is_not_an_object) {
            totals.without_objects.push(name);
        } else {
            totals.errors.append(&mut file_errors);
        }
    }
    Ok(totals)
}

/// Reads one input through: loads the documents that may be Namespaces into `namespaces`, and
/// says whether the input can be read (standard input is kept in a temporary file).
fn first_pass(
    input: &mut Input,
    load: &LoadOptions,
    opts: &CheckOptions,
    namespaces: &mut NamespacePolicies,
) -> Verdict {
    let (name, reader): (String, Box<dyn BufRead>) = match input {
        Input::Path(p) => match open_regular(p) {
            Ok(f) => (
                p.display().to_string(),
                Box::new(BufReader::with_capacity(READ_BUFFER, f)),
            ),
            Err(e) => return Verdict::Failed(io_error(p, &e)),
        },
        Input::Stdin(copy) => {
            let spool = tempfile::tempfile().and_then(|f| Ok((f.try_clone()?, f)));
            let (to, f) = match spool {
                Ok(files) => files,
                Err(e) => {
                    return Verdict::Failed(io_error(
                        Path::new("-"),
                        &std::io::Error::other(format!("a temporary file for standard input: {e}")),
                    ));
                }
            };
            *copy = Some(f);
            let tee = Tee {
                from: std::io::stdin().lock(),
                to,
            };
            (
                "-".to_string(),
                Box::new(BufReader::with_capacity(READ_BUFFER, tee)),
            )
        }
    };
    let file: Arc<str> = Arc::from(name.as_str());
    let mut stream = DocumentStream::new(reader, MAX_OBJECT_BYTES);
    // Only Namespace policies are kept from here; their document index is not used.
    let mut index = 0;
    let mut found = Vec::new();
    loop {
        match stream.next_piece() {
            Ok(Some(piece)) => {
                let maybe = match &piece {
                    Piece::Text { text, .. } => may_be_namespace(text),
                    Piece::BadSeparator { .. } => false,
                };
                if !maybe {
                    continue;
                }
                let mut one = Loaded::default();
                load_piece(&file, &stream, piece, &mut index, load, &mut one);
                found.extend(one.objects.into_iter().filter_map(|o| match o {
                    Object::Namespace(ns, origin) => Some((ns, origin)),
                    _ => None,
                }));
            }
            Ok(None) => break,
            Err(ReadError::NotUtf8) => return Verdict::Failed(not_utf8(&name)),
            Err(ReadError::Io(e)) => return Verdict::Failed(io_error(Path::new(&name), &e)),
        }
    }
    for (ns, origin) in found {
        namespaces.add(&ns, &origin, &opts.default_policy);
    }
    Verdict::Read
}

/// Whether a document's text can hold a Namespace object: its kind is written as `Namespace`,
/// or spelled with escapes in a double-quoted scalar or JSON string.
fn may_be_namespace(text: &str) -> bool {
    text.contains("Namespace") || text.contains('\\')
}

/// Opens an input for the second pass.
fn open(input: &mut Input) -> Result<(String, Box<dyn BufRead>), LoadError> {
    match input {
        Input::Path(p) => match open_regular(p) {
            Ok(f) => Ok((
                p.display().to_string(),
                Box::new(BufReader::with_capacity(READ_BUFFER, f)),
            )),
            Err(e) => Err(io_error(p, &e)),
        },
        Input::Stdin(copy) => {
            let mut f = copy
                .take()
                .expect("standard input was copied in the first pass");
            f.rewind().map_err(|e| io_error(Path::new("-"), &e))?;
            Ok((
                "-".to_string(),
                Box::new(BufReader::with_capacity(READ_BUFFER, f)),
            ))
        }
    }
}

fn read_error(input: &Input, name: &str, e: ReadError) -> LoadError {
    match e {
        ReadError::NotUtf8 => not_utf8(name),
        ReadError::Io(e) => match input {
            Input::Path(p) => io_error(p, &e),
            Input::Stdin(_) => io_error(Path::new("-"), &e),
        },
    }
}

fn not_utf8(name: &str) -> LoadError {
    LoadError {
        file: name.into(),
        pos: Pos { line: 0, column: 0 },
        field: None,
        message: if name == "-" {
            "stream did not contain valid UTF-8".into()
        } else {
            "not UTF-8 text".into()
        },
    }
}

/// Reads `from`, writing a copy of every byte to `to`.
struct Tee<R, W> {
    from: R,
    to: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.from.read(buf)?;
        self.to.write_all(&buf[..n])?;
        Ok(n)
    }
}
