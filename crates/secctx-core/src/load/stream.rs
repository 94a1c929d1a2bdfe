//! A manifest stream read one document at a time: memory bounded by the largest document, not
//! by the file, for `check` on inputs of any size.
//!
//! [`DocumentStream`] gives the same documents, lines and errors as [`read_bounded`] of the
//! whole text followed by [`crate::yaml::parse_stream`]: the API server's size limit is applied
//! while reading (a document over it becomes the `{}` placeholder on its first line), then the
//! kept text is split at `---` lines as kubectl splits it, a leading byte order mark dropped.
//! Each piece is handed out as soon as the line that ends it is read.
//!
//! One whole-text property cannot be known early: [`read_bounded`] refuses a text that is not
//! UTF-8 before any document is loaded. The stream reports it when it meets the bad line
//! ([`ReadError::NotUtf8`]); a caller that must not act on earlier documents of such a file
//! reads it once first (as `secctx check` does in its first pass).
//!
//! [`read_bounded`]: super::read_bounded

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, Read as _};
use std::sync::Arc;

use super::limit::{CHUNK, MAX_KEPT_NEWLINES, ReadError, is_marker};
use super::{LoadOptions, Loaded, load_document};
use crate::check::SourceTracker;
use crate::yaml::{bad_separator, parse_document};

/// Kept text that has been handed out is dropped from the buffer once it passes this size.
const COMPACT_FROM: usize = 1 << 20;

/// One piece of a stream, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// The text between two `---` lines (or the stream's start or end), starting on 1-based
    /// line `first_line`. It may hold no document at all (blank or comments only).
    Text {
        /// The text, line breaks included.
        text: String,
        /// Its first line.
        first_line: u32,
    },
    /// A `---` line followed by something other than blanks or a comment (kubectl refuses it).
    BadSeparator {
        /// Its line.
        line: u32,
        /// What follows the dashes, trimmed.
        rest: String,
    },
}

/// Reads a stream piece by piece (see the module documentation).
pub struct DocumentStream<R> {
    reader: R,
    limit: usize,
    /// Kept text: `[..doc_start]` is final, `[doc_start..]` the document being read (it is
    /// replaced by the placeholder if it passes the limit).
    out: Vec<u8>,
    buf: Vec<u8>,
    // The size limit, as `read_bounded` applies it.
    doc_start: usize,
    doc_line: u32,
    doc_bytes: usize,
    line: u32,
    at_line_start: bool,
    dropping: bool,
    dropped_newlines: usize,
    too_large: BTreeSet<u32>,
    bytes_read: u64,
    eof: bool,
    // The split at `---` lines, over the final text.
    /// Start of the next line to split, and its 1-based number.
    scan: usize,
    scan_line: u32,
    /// Start of the piece being split, and its first line.
    chunk_start: usize,
    chunk_line: u32,
    /// Whether the first non-blank character of the text is `{` (kubectl reads JSON then);
    /// `None` until one is read.
    json: Option<bool>,
    queued: VecDeque<Piece>,
    finished: bool,
    sources: SourceTracker,
}

impl<R: BufRead> DocumentStream<R> {
    /// A stream over `reader`, keeping each document only while it is at most `limit` bytes.
    pub fn new(reader: R, limit: usize) -> Self {
        DocumentStream {
            reader,
            limit,
            out: Vec::new(),
            buf: Vec::new(),
            doc_start: 0,
            doc_line: 1,
            doc_bytes: 0,
            line: 1,
            at_line_start: true,
            dropping: false,
            dropped_newlines: 0,
            too_large: BTreeSet::new(),
            bytes_read: 0,
            eof: false,
            scan: 0,
            scan_line: 1,
            chunk_start: 0,
            chunk_line: 1,
            json: None,
            queued: VecDeque::new(),
            finished: false,
            sources: SourceTracker::default(),
        }
    }

    /// The next piece; `None` at the end. After an error the stream ends.
    pub fn next_piece(&mut self) -> Result<Option<Piece>, ReadError> {
        loop {
            if let Some(p) = self.queued.pop_front() {
                if let Piece::Text { first_line, .. } = &p {
                    // Every earlier piece has been loaded.
                    self.too_large = self.too_large.split_off(first_line);
                    self.sources.forget_before(*first_line);
                }
                return Ok(Some(p));
            }
            if self.finished {
                return Ok(None);
            }
            if self.split(false)? {
                continue;
            }
            if self.eof {
                self.split(true)?;
                let text = self.take_chunk(self.out.len())?;
                self.queued.push_back(Piece::Text {
                    text,
                    first_line: self.chunk_line,
                });
                self.finished = true;
                continue;
            }
            self.fill()?;
        }
    }

    /// Whether the text is read as JSON (its first non-blank character is `{`).
    pub fn json(&self) -> bool {
        self.json == Some(true)
    }

    /// Whether a document over the limit was dropped at 1-based `line` (its placeholder, an
    /// empty mapping, stands there).
    pub fn too_large_at(&self, line: u32) -> bool {
        self.too_large.contains(&line)
    }

    /// Bytes of text held now (read ahead, or handed out and not yet dropped).
    pub fn buffered(&self) -> usize {
        self.out.len()
    }

    /// Bytes read so far, dropped documents included.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The `# Source:` comments read so far (`helm template` output).
    pub fn sources(&self) -> &SourceTracker {
        &self.sources
    }

    /// Reads one line (or 64 KiB of one) and applies the size limit, as `read_bounded` does.
    fn fill(&mut self) -> Result<(), ReadError> {
        self.buf.clear();
        let n = (&mut self.reader)
            .take(CHUNK)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            self.eof = true;
            self.finish_document();
            self.doc_start = self.out.len();
            return Ok(());
        }
        self.bytes_read += n as u64;
        let ends_line = self.buf.last() == Some(&b'\n');
        if self.at_line_start && is_marker(&self.buf) {
            // The marker closes the document before it; it is kept as written.
            self.finish_document();
            self.out.extend_from_slice(&self.buf);
            if ends_line {
                self.line += 1;
            }
            self.doc_start = self.out.len();
            self.doc_line = self.line;
            self.doc_bytes = 0;
            self.dropping = false;
            self.dropped_newlines = 0;
            self.at_line_start = ends_line;
            return Ok(());
        }
        self.doc_bytes += n;
        if !self.dropping && self.doc_bytes > self.limit {
            // Forget what was kept of this document; count its lines from its start.
            self.dropping = true;
            self.dropped_newlines = self.out[self.doc_start..]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.out.truncate(self.doc_start);
        }
        if self.dropping {
            self.dropped_newlines += usize::from(ends_line);
        } else {
            self.out.extend_from_slice(&self.buf);
        }
        if ends_line {
            self.line += 1;
        }
        self.at_line_start = ends_line;
        Ok(())
    }

    /// The placeholder of a dropped document.
    fn finish_document(&mut self) {
        if self.dropping {
            self.too_large.insert(self.doc_line);
            self.out.extend_from_slice(b"{}");
            self.out.extend(std::iter::repeat_n(
                b'\n',
                self.dropped_newlines.clamp(1, MAX_KEPT_NEWLINES),
            ));
            self.dropping = false;
        }
    }

    /// Splits the final text's complete lines (all lines when `all`) until a piece is ready.
    /// Returns whether one was queued.
    fn split(&mut self, all: bool) -> Result<bool, ReadError> {
        let end = if all { self.out.len() } else { self.doc_start };
        while self.scan < end {
            let line_end = match memchr(b'\n', &self.out[self.scan..end]) {
                Some(i) => self.scan + i + 1,
                None if all => end,
                None => break,
            };
            let raw = std::str::from_utf8(&self.out[self.scan..line_end])
                .map_err(|_| ReadError::NotUtf8)?;
            let n = self.scan_line;
            let bom = n == 1 && raw.starts_with('\u{feff}');
            let line = if bom { &raw[3..] } else { raw };
            if self.json.is_none()
                && let Some(c) = line.chars().find(|c| !c.is_whitespace())
            {
                self.json = Some(c == '{');
            }
            let bare = raw
                .strip_suffix('\n')
                .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
            self.sources.line(n, bare);
            let separator = line.strip_prefix("---").map(|rest| {
                let rest = rest.trim();
                (!rest.is_empty() && !rest.starts_with('#')).then(|| rest.to_owned())
            });
            let line_start = self.scan + if bom { 3 } else { 0 };
            if bom {
                self.chunk_start = 3;
            }
            self.scan = line_end;
            self.scan_line += 1;
            if let Some(bad) = separator {
                let text = self.take_chunk(line_start)?;
                self.queued.push_back(Piece::Text {
                    text,
                    first_line: self.chunk_line,
                });
                if let Some(rest) = bad {
                    self.queued.push_back(Piece::BadSeparator { line: n, rest });
                }
                self.chunk_start = line_end;
                self.chunk_line = n + 1;
                self.compact();
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The text of the piece being split, up to `end`.
    fn take_chunk(&self, end: usize) -> Result<String, ReadError> {
        let bytes = self.out[self.chunk_start.min(end)..end].to_vec();
        String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
    }

    /// Drops handed-out text from the buffer once there is enough of it.
    fn compact(&mut self) {
        let n = self.chunk_start;
        if n < COMPACT_FROM {
            return;
        }
        self.out.drain(..n);
        self.doc_start -= n;
        self.scan -= n;
        self.chunk_start = 0;
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Loads one piece of `stream`'s file into `loaded`: `index` is the number of documents and
/// errors of the file before it (the document index [`crate::yaml::parse_stream`] gives), and
/// grows by what the piece held.
pub fn load_piece<R: BufRead>(
    file: &Arc<str>,
    stream: &DocumentStream<R>,
    piece: Piece,
    index: &mut usize,
    opts: &LoadOptions,
    loaded: &mut Loaded,
) {
    let doc = match piece {
        Piece::Text { text, first_line } => {
            match parse_document(&text, first_line, stream.json(), *index) {
                Some(doc) => doc,
                None => return,
            }
        }
        Piece::BadSeparator { line, rest } => Err(bad_separator(line, &rest, *index)),
    };
    *index += 1;
    load_document(file, doc, |line| stream.too_large_at(line), opts, loaded);
}
