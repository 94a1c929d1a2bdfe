//! A fast path for the plain block YAML nearly every manifest is written in: mappings and
//! sequences by indentation, one-line plain and quoted scalars, and one-line flow sequences of
//! simple scalars (`drop: ["ALL"]`), `{}` and `[]`.
//!
//! It feeds the tree builder the same calls, in the same order and with the same positions,
//! as libyaml's events for that text would, so the tree and every position are the same. On
//! anything else — tabs, non-ASCII text, comments after content, anchors, tags, block or
//! multi-line scalars, escapes, empty values, complex keys, directives, JSON streams, or any
//! error — it gives up and the document is read by libyaml (`super::parse`), which also
//! reports every error. The differential tests in `fast_tests.rs` hold it to libyaml.

use super::build::{Builder, Collection};
use super::node::{Pos, Value};
use super::parse::Document;
use super::scalar::Scalar;

/// One line with content: its number, indentation and text (trailing spaces dropped).
struct Line<'a> {
    no: u32,
    indent: usize,
    /// The whole line, without its line break and trailing spaces.
    text: &'a str,
}

/// The longest key read here (libyaml refuses a simple key over 1024 characters).
const MAX_KEY: usize = 1000;

/// Reads `chunk` (a document's text, starting on 1-based `first_line`) if it is in the plain
/// subset; `None` means "not here: use libyaml".
pub(super) fn parse(chunk: &str, first_line: u32, index: usize) -> Option<Document> {
    let mut lines = Vec::new();
    for (i, raw) in chunk.split('\n').enumerate() {
        // Only printable ASCII and spaces: columns are byte offsets, and nothing libyaml
        // treats specially (tabs, line breaks other than \n, BOMs, NEL) can appear.
        if raw.bytes().any(|b| !(b' '..=b'~').contains(&b)) {
            return None;
        }
        let text = raw.trim_end_matches(' ');
        let indent = text.len() - text.trim_start_matches(' ').len();
        let content = &text[indent..];
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if indent == 0
            && (content.starts_with("...")
                || content.starts_with("---")
                || content.starts_with('%'))
        {
            return None;
        }
        lines.push(Line {
            no: first_line.checked_add(u32::try_from(i).ok()?)?,
            indent,
            text,
        });
    }
    let first = lines.first()?;
    let mut p = Parser {
        lines: &lines,
        at: 0,
        builder: Builder::new(),
    };
    let root_indent = first.indent;
    if is_item(&first.text[root_indent..]) {
        p.sequence(root_indent, false)?;
    } else {
        p.mapping(root_indent)?;
    }
    if p.at != lines.len() {
        return None;
    }
    let root = p.builder.finish(Pos::default());
    (root.value != Value::Null).then_some(Document { root, index })
}

fn is_item(content: &str) -> bool {
    content.starts_with("- ")
}

fn pos(line: &Line<'_>, col: usize) -> Option<Pos> {
    Some(Pos {
        line: line.no,
        column: u32::try_from(col).ok()?.checked_add(1)?,
    })
}

/// Characters of a key, or of a plain item of a flow sequence, read here.
fn simple_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-')
}

fn simple_word(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('-') && s.bytes().all(simple_char)
}

/// The key of a `key: value` or `key:` text: its length, when the text is one.
fn key_len(text: &str) -> Option<usize> {
    let colon = text.find(':')?;
    let after = text.as_bytes().get(colon + 1);
    if !matches!(after, None | Some(b' ')) {
        return None;
    }
    let key = &text[..colon];
    (key.len() <= MAX_KEY && simple_word(key)).then_some(colon)
}

struct Parser<'a, 'l> {
    lines: &'l [Line<'a>],
    at: usize,
    builder: Builder,
}

impl<'a, 'l> Parser<'a, 'l> {
    fn peek(&self) -> Option<&'l Line<'a>> {
        self.lines.get(self.at)
    }

    fn scalar(&mut self, text: &str, plain: bool, at: Pos) -> Option<()> {
        let scalar = Scalar {
            text: text.to_owned(),
            tag: None,
            plain_implicit: plain,
        };
        self.builder.scalar(scalar, None, at).ok()
    }

    /// A block mapping whose first key is on the current line at column `col`; later keys
    /// are at that column on lines of their own.
    fn mapping(&mut self, col: usize) -> Option<()> {
        let line = self.peek()?;
        let start = pos(line, col)?;
        self.builder.start(Collection::Map, None, start).ok()?;
        loop {
            self.entry(col)?;
            match self.peek() {
                Some(l) if l.indent == col && !is_item(&l.text[col..]) => {}
                Some(l) if l.indent >= col => return None,
                _ => break,
            }
        }
        self.builder.end().ok()
    }

    /// `key: value` on the current line, the key at column `col`.
    fn entry(&mut self, col: usize) -> Option<()> {
        let line = self.peek()?;
        let (no, text) = (line.no, line.text);
        let rest = &text[col..];
        let k = key_len(rest)?;
        let at = pos(self.peek()?, col)?;
        self.scalar(&rest[..k], true, at)?;
        let after = &rest[k + 1..];
        let value = after.trim_start_matches(' ');
        if value.is_empty() {
            self.at += 1;
            return self.block_value(col);
        }
        let vcol = col + k + 1 + (after.len() - value.len());
        self.inline_value(value, no, vcol)?;
        self.at += 1;
        // A deeper line after a one-line value: a multi-line scalar or an error.
        match self.peek() {
            Some(l) if l.indent > col => None,
            _ => Some(()),
        }
    }

    /// The value of a key at column `col` written on the lines after it: a deeper mapping or
    /// sequence, or a sequence at the key's own column.
    fn block_value(&mut self, col: usize) -> Option<()> {
        let line = self.peek()?;
        let (indent, item) = (line.indent, is_item(&line.text[line.indent..]));
        if indent > col {
            if item {
                self.sequence(indent, false)
            } else {
                self.mapping(indent)
            }
        } else if indent == col && item {
            self.sequence(col, true)
        } else {
            None
        }
    }

    /// A block sequence whose `-` are at column `indent`; `indentless` when it is the value
    /// of a key at that same column (the key's mapping goes on after it).
    fn sequence(&mut self, indent: usize, indentless: bool) -> Option<()> {
        let line = self.peek()?;
        let start = pos(line, indent)?;
        self.builder.start(Collection::Seq, None, start).ok()?;
        loop {
            let line = self.peek()?;
            let (no, text) = (line.no, line.text);
            let after = &text[indent + 1..];
            let item = after.trim_start_matches(' ');
            if item.is_empty() || is_item(item) || item == "-" {
                return None;
            }
            let col = indent + 1 + (after.len() - item.len());
            if key_len(item).is_some() {
                self.mapping(col)?;
            } else {
                self.inline_value(item, no, col)?;
                self.at += 1;
                if matches!(self.peek(), Some(l) if l.indent > indent) {
                    return None;
                }
            }
            match self.peek() {
                Some(l) if l.indent == indent && is_item(&l.text[indent..]) => {}
                Some(l) if l.indent == indent && !indentless => return None,
                Some(l) if l.indent > indent => return None,
                _ => break,
            }
        }
        self.builder.end().ok()
    }

    /// A value written on its key's or item's line, at column `col` of line `no`.
    fn inline_value(&mut self, text: &str, no: u32, col: usize) -> Option<()> {
        let at = Pos {
            line: no,
            column: u32::try_from(col).ok()?.checked_add(1)?,
        };
        match text.as_bytes()[0] {
            b'"' | b'\'' => {
                let (_, inner) = quoted(text)?;
                self.scalar(inner, false, at)
            }
            b'[' => self.flow_sequence(text, at),
            b'{' if text == "{}" => {
                self.builder.start(Collection::Map, None, at).ok()?;
                self.builder.end().ok()
            }
            b'-' | b'?' | b':' | b',' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
            | b'>' | b'%' | b'@' | b'`' => None,
            _ => {
                if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
                    return None;
                }
                self.scalar(text, true, at)
            }
        }
    }

    /// `[a, "b"]` on one line: plain words and quoted scalars without quotes or escapes.
    fn flow_sequence(&mut self, text: &str, at: Pos) -> Option<()> {
        let inner = text.strip_prefix('[')?.strip_suffix(']')?;
        self.builder.start(Collection::Seq, None, at).ok()?;
        if !inner.trim_matches(' ').is_empty() {
            let mut offset = 1;
            for part in inner.split(',') {
                let item = part.trim_matches(' ');
                let lead = part.len() - part.trim_start_matches(' ').len();
                let item_at = Pos {
                    line: at.line,
                    column: at.column.checked_add(u32::try_from(offset + lead).ok()?)?,
                };
                if item.starts_with('"') || item.starts_with('\'') {
                    let (_, inner) = quoted(item)?;
                    self.scalar(inner, false, item_at)?;
                } else if simple_word(item) {
                    self.scalar(item, true, item_at)?;
                } else {
                    return None;
                }
                offset += part.len() + 1;
            }
        }
        self.builder.end().ok()
    }
}

/// A one-line quoted scalar that is the whole `text`, without escapes, quotes inside or
/// characters that need care: its quote and content.
fn quoted(text: &str) -> Option<(u8, &str)> {
    let open = text.as_bytes()[0];
    let inner = text.get(1..text.len().checked_sub(1)?)?;
    let close = *text.as_bytes().last()?;
    if text.len() < 2 || close != open || inner.bytes().any(|b| b == open || b == b'\\') {
        return None;
    }
    // Flow indicators inside quotes are fine for YAML, but a `,` would have split a flow
    // item; `#` and `:` are only text here.
    if inner.contains(',') {
        return None;
    }
    Some((open, inner))
}
