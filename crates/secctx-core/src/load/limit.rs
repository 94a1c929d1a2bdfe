//! The API server's request size limit, applied before a document is parsed.
//!
//! kube-apiserver refuses a request body over `MaxRequestBodyBytes` (3 MiB) with `413` and
//! kubectl prints `Request entity too large: limit is 3145728`. secctx applies it twice:
//!
//! 1. While reading ([`read_bounded`]): a document whose text passes 3 MiB stops being kept;
//!    the rest of it is read and thrown away, so memory stays bounded whatever the file holds
//!    (a 1 GiB `command` argument costs a few MiB, not gigabytes). The document is replaced
//!    by an empty mapping on its first line followed by its newlines, so later documents keep
//!    their line numbers, and loading reports it with the limit message.
//! 2. After parsing ([`json_too_large`]): the object's JSON, the body kubectl would send, must
//!    not pass 3 MiB either (YAML can be shorter than its JSON).
//!
//! The first check is on text, so a document of more than 3 MiB of text that would shrink to
//! less JSON (long comments, deep indentation) is refused too, and a `List` is limited as a
//! whole there while kubectl sends its items one by one: split such a `List` into documents.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, Read};

/// `MaxRequestBodyBytes` of kube-apiserver: 3 MiB.
pub const MAX_OBJECT_BYTES: usize = 3 * 1024 * 1024;

/// What kubectl prints for a body over the limit (after `Error from server
/// (RequestEntityTooLarge): error when creating "<file>": `).
pub const TOO_LARGE_MESSAGE: &str = "Request entity too large: limit is 3145728";

/// Most newlines kept for a dropped document (past this, later line numbers shift rather than
/// memory growing with an attacker's newlines).
pub(super) const MAX_KEPT_NEWLINES: usize = 1 << 20;

/// How much of a line is read at a time: a line longer than this never sits in memory whole.
pub(super) const CHUNK: u64 = 64 * 1024;

/// A file's text with every over-limit document replaced.
#[derive(Debug, Default)]
pub struct BoundedText {
    /// The text to parse.
    pub text: String,
    /// 1-based lines where a dropped document's placeholder (`{}`) stands.
    pub too_large: BTreeSet<u32>,
    /// Bytes read in all, dropped documents included.
    pub bytes_read: u64,
}

/// Why [`read_bounded`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Reading failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The kept text is not UTF-8.
    #[error("not UTF-8 text")]
    NotUtf8,
}

/// A line that starts or ends a YAML document: `---` or `...` followed by nothing, a blank or
/// a line break.
pub(super) fn is_marker(line: &[u8]) -> bool {
    (line.starts_with(b"---") || line.starts_with(b"..."))
        && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// Reads `r` keeping each document only while it is at most `limit` bytes (see the module
/// documentation).
pub fn read_bounded(r: impl Read, limit: usize) -> Result<BoundedText, ReadError> {
    let mut reader = BufReader::new(r);
    let mut out: Vec<u8> = Vec::new();
    let mut too_large = BTreeSet::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut bytes_read = 0u64;
    // Where the current document starts in `out`, and on which line.
    let mut doc_start = 0usize;
    let mut doc_line = 1u32;
    let mut doc_bytes = 0usize;
    // Line number of the line being read, and whether we are at its start.
    let mut line = 1u32;
    let mut at_line_start = true;
    // The current document is being dropped; newlines seen since its start.
    let mut dropping = false;
    let mut dropped_newlines = 0usize;

    let finish = |out: &mut Vec<u8>,
                  too_large: &mut BTreeSet<u32>,
                  dropping: bool,
                  doc_line: u32,
                  newlines: usize| {
        if dropping {
            too_large.insert(doc_line);
            out.extend_from_slice(b"{}");
            out.extend(std::iter::repeat_n(
                b'\n',
                newlines.clamp(1, MAX_KEPT_NEWLINES),
            ));
        }
    };

    loop {
        buf.clear();
        let n = (&mut reader).take(CHUNK).read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        bytes_read += n as u64;
        let ends_line = buf.last() == Some(&b'\n');
        if at_line_start && is_marker(&buf) {
            // The marker closes the document before it; it is kept as written.
            finish(
                &mut out,
                &mut too_large,
                dropping,
                doc_line,
                dropped_newlines,
            );
            out.extend_from_slice(&buf);
            if ends_line {
                line += 1;
            }
            doc_start = out.len();
            doc_line = line;
            doc_bytes = 0;
            dropping = false;
            dropped_newlines = 0;
            at_line_start = ends_line;
            continue;
        }
        doc_bytes += n;
        if !dropping && doc_bytes > limit {
            // Forget what was kept of this document; count its lines from its start.
            dropping = true;
            dropped_newlines = out[doc_start..].iter().filter(|&&b| b == b'\n').count();
            out.truncate(doc_start);
        }
        if dropping {
            dropped_newlines += usize::from(ends_line);
        } else {
            out.extend_from_slice(&buf);
        }
        if ends_line {
            line += 1;
        }
        at_line_start = ends_line;
    }
    finish(
        &mut out,
        &mut too_large,
        dropping,
        doc_line,
        dropped_newlines,
    );
    let text = String::from_utf8(out).map_err(|_| ReadError::NotUtf8)?;
    Ok(BoundedText {
        text,
        too_large,
        bytes_read,
    })
}

/// Counts bytes written.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether `json`, written compactly as kubectl sends it, is over `limit` bytes.
pub fn json_too_large(json: &serde_json::Value, limit: usize) -> bool {
    let mut c = Counter(0);
    serde_json::to_writer(&mut c, json).is_ok() && c.0 > limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_documents_pass_unchanged() {
        let text = "a: 1\n---\nb: 2\n...\n--- \nc: 3";
        let b = read_bounded(text.as_bytes(), 100).unwrap();
        assert_eq!(b.text, text);
        assert!(b.too_large.is_empty());
        assert_eq!(b.bytes_read, text.len() as u64);
    }

    #[test]
    fn a_large_document_becomes_a_placeholder_keeping_lines() {
        let big = format!("x: {}\ny: 1\n", "a".repeat(200));
        let text = format!("a: 1\n---\n{big}---\nb: 2\n");
        let b = read_bounded(text.as_bytes(), 100).unwrap();
        assert_eq!(b.text, "a: 1\n---\n{}\n\n---\nb: 2\n");
        assert_eq!(b.too_large.iter().copied().collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn a_long_line_is_never_kept_whole() {
        // One line of 1 MiB with a limit of 1 KiB: only the placeholder remains.
        let text = format!("command: [\"{}\"]", "a".repeat(1 << 20));
        let b = read_bounded(text.as_bytes(), 1024).unwrap();
        assert_eq!(b.text, "{}\n");
        assert_eq!(b.too_large.iter().copied().collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn markers() {
        assert!(is_marker(b"---"));
        assert!(is_marker(b"--- |\n"));
        assert!(is_marker(b"...\n"));
        assert!(!is_marker(b"----\n"));
        assert!(!is_marker(b"---x\n"));
    }

    #[test]
    fn json_size() {
        let v = serde_json::json!({ "a": "b" });
        assert!(!json_too_large(&v, 9));
        assert!(json_too_large(&v, 8));
    }
}
