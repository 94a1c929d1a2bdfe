//! From text to documents: kubectl's document splitting, then one tree per document.
//!
//! Documents are split at `---` lines first, as kubectl's YAML reader does (so a syntax error in
//! one document does not hide the documents after it). Each document is then read by
//! `libyaml-safer`, a line-by-line Rust port of libyaml: go-yaml v2, which kubectl decodes with
//! (through `sigs.k8s.io/yaml`), is a Go port of the same C library, so both accept and reject the
//! same text (a tab after `key:`, a flow sequence closed at its parent's indentation). Where the
//! two ports differ, the difference is undone here (see `super::scalar`).

use libyaml_safer::{Error as LibyamlError, Event, EventData, Mark, Parser};

use super::build::{BuildError, Builder, Collection};
use super::node::{Node, Pos, Value};
use super::scalar::{Scalar, check_double_quoted};

/// Deepest nesting accepted (deeper input is rejected rather than risking the stack).
pub const MAX_DEPTH: usize = 256;
/// Most nodes one document may expand to, aliases included (guards against "billion laughs").
pub const MAX_NODES: usize = 2_000_000;

/// A parsed document and where it starts.
#[derive(Clone, Debug)]
pub struct Document {
    /// The root value.
    pub root: Node,
    /// 0-based index of the document in its stream (empty documents are not counted).
    pub index: usize,
}

/// A YAML syntax or structure error, with its position.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct YamlError {
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// 0-based index of the document the error belongs to.
    pub index: usize,
}

/// Parses a multi-document stream. Each non-empty document yields its tree or its error; an
/// error ends only the document it is in.
pub fn parse_stream(text: &str) -> Vec<Result<Document, YamlError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // kubectl reads a stream that starts with `{` as JSON (`GuessJSONStream`); YAML reads JSON
    // the same, but for the escapes JSON allows and go-yaml does not.
    let json = text.trim_start().starts_with('{');
    let mut out = Vec::new();
    for chunk in split_documents(text) {
        match chunk {
            Chunk::Text(range, first_line) => {
                if let Some(doc) = parse_document(&text[range], first_line, json, out.len()) {
                    out.push(doc);
                }
            }
            Chunk::BadSeparator(line, rest) => out.push(Err(bad_separator(line, rest, out.len()))),
        }
    }
    out
}

/// The error for a `---` line followed by something other than spaces or a comment (`rest`),
/// on 1-based `line`, as document `index` of its stream.
pub fn bad_separator(line: u32, rest: &str, index: usize) -> YamlError {
    YamlError {
        pos: Pos { line, column: 1 },
        message: format!("invalid Yaml document separator: {rest}"),
        index,
    }
}

/// Parses one chunk of a stream as [`parse_stream`] does: the text between two `---` lines,
/// starting on 1-based `first_line`, as document `index` of its stream; `json` when the stream
/// starts with `{` (kubectl reads it as JSON). `None` for a chunk without a document (blank,
/// comments only, or an empty document).
pub fn parse_document(
    chunk: &str,
    first_line: u32,
    json: bool,
    index: usize,
) -> Option<Result<Document, YamlError>> {
    if chunk.trim().is_empty() {
        return None;
    }
    if !json && let Some(doc) = super::fast::parse(chunk, first_line, index) {
        return Some(Ok(doc));
    }
    parse_chunk(chunk, first_line, json, index)
}

pub(crate) enum Chunk<'a> {
    /// A document's byte range in the text and the 1-based line it starts on.
    Text(std::ops::Range<usize>, u32),
    /// A `---` line followed by something other than spaces or a comment (kubectl refuses it).
    BadSeparator(u32, &'a str),
}

/// kubectl's splitting (`k8s.io/apimachinery` `YAMLReader`): a line starting with `---` ends a
/// document; anything after the dashes but spaces and a comment is an error. `text` is without
/// its byte order mark. The editor (`crate::edit`) splits with this too, so that it counts
/// documents exactly as `load` does.
pub(crate) fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut offset = 0usize;
    for (line_no, line) in (1u32..).zip(text.split_inclusive('\n')) {
        if let Some(rest) = line.strip_prefix("---") {
            chunks.push(Chunk::Text(start..offset, start_line));
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                chunks.push(Chunk::BadSeparator(line_no, rest));
            }
            start = offset + line.len();
            start_line = line_no + 1;
        }
        offset += line.len();
    }
    chunks.push(Chunk::Text(start..text.len(), start_line));
    chunks
}

/// A libyaml mark (0-based) in a document whose first line is `first_line` (1-based).
fn position(mark: Mark, first_line: u32) -> Pos {
    Pos {
        line: (mark.line as u32).saturating_add(first_line),
        column: mark.column as u32 + 1,
    }
}

fn syntax_error(chunk: &str, e: &LibyamlError, first_line: u32, index: usize) -> YamlError {
    let pos = e
        .problem_mark()
        .or_else(|| e.context_mark())
        .map(|m| position(m, first_line))
        .unwrap_or_else(|| first_unreadable(chunk, first_line));
    YamlError {
        pos,
        message: e.problem().to_string(),
        index,
    }
}

/// Where the reader stopped (its errors carry no mark): the first character libyaml does not
/// read (a control character), else the document's start.
fn first_unreadable(chunk: &str, first_line: u32) -> Pos {
    let readable = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    let mut pos = Pos {
        line: first_line,
        column: 1,
    };
    for c in chunk.chars() {
        if !readable(c) {
            return pos;
        }
        if c == '\n' {
            pos.line += 1;
            pos.column = 1;
        } else {
            pos.column += 1;
        }
    }
    Pos {
        line: first_line,
        column: 1,
    }
}

/// Reads one document, as `sigs.k8s.io/yaml` does with each chunk: go-yaml's `Unmarshal` stops at
/// the end of the first document, so whatever follows a `...` in the same chunk is never read.
pub(super) fn parse_chunk(
    chunk: &str,
    first_line: u32,
    json: bool,
    index: usize,
) -> Option<Result<Document, YamlError>> {
    let mut builder = Builder::new();
    let mut input = chunk.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    loop {
        let event = match parser.parse() {
            Ok(event) => event,
            Err(e) => return Some(Err(syntax_error(chunk, &e, first_line, index))),
        };
        let Event {
            data,
            start_mark,
            end_mark,
            ..
        } = event;
        let pos = position(start_mark, first_line);
        let result = match data {
            EventData::StreamEnd => return None,
            EventData::StreamStart { .. } => Ok(()),
            EventData::DocumentStart { .. } => Ok(()),
            EventData::DocumentEnd { .. } => {
                let root = builder.finish(pos);
                return (root.value != Value::Null).then_some(Ok(Document { root, index }));
            }
            EventData::Alias { anchor } => builder.alias(&anchor),
            EventData::Scalar {
                anchor,
                tag,
                value,
                plain_implicit,
                style,
                ..
            } => {
                let raw = chunk
                    .get(start_mark.index as usize..end_mark.index as usize)
                    .unwrap_or("");
                check_double_quoted(style, raw, json)
                    .map_err(|(offset, message)| BuildError {
                        at: Some(offset_pos(raw, offset, pos)),
                        message,
                    })
                    .and_then(|()| {
                        builder.scalar(
                            Scalar {
                                text: value,
                                tag,
                                plain_implicit,
                            },
                            anchor,
                            pos,
                        )
                    })
            }
            EventData::SequenceStart { anchor, .. } => builder.start(Collection::Seq, anchor, pos),
            EventData::MappingStart { anchor, .. } => builder.start(Collection::Map, anchor, pos),
            EventData::SequenceEnd | EventData::MappingEnd => builder.end(),
        };
        if let Err(BuildError { at, message }) = result {
            return Some(Err(YamlError {
                pos: at.unwrap_or(pos),
                message,
                index,
            }));
        }
    }
}

/// The position of byte `offset` of `raw`, a scalar's source text starting at `start`.
fn offset_pos(raw: &str, offset: usize, start: Pos) -> Pos {
    let before = &raw[..offset.min(raw.len())];
    match before.rfind('\n') {
        Some(nl) => Pos {
            line: start.line + before.matches('\n').count() as u32,
            column: before[nl + 1..].chars().count() as u32 + 1,
        },
        None => Pos {
            line: start.line,
            column: start.column + before.chars().count() as u32,
        },
    }
}
