//! The layout a document is written in, so inserted lines look like their neighbours: line
//! ending, indentation step, how sequences sit under their key, JSON or YAML.

use super::tree::{Kind, SNode};

/// How new text is written into one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Layout {
    /// `\r\n` when the document's lines end so.
    pub crlf: bool,
    /// Columns a nested block mapping is indented by (2 when nothing says).
    pub step: usize,
    /// Columns a block sequence's `-` is indented from its key (0 for compact `- name:`).
    pub seq_offset: usize,
    /// The file is JSON: keys and strings in double quotes, values in JSON syntax.
    pub json: bool,
}

impl Layout {
    /// The line ending.
    pub fn eol(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }
}

/// The 0-based column of byte `at` (bytes since the line's start; indentation is ASCII).
pub(super) fn column(text: &str, at: usize) -> usize {
    at - line_start(text, at)
}

/// The byte where the line holding `at` starts.
pub(super) fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Measures the layout of `text` from its tree: the first nested block mapping gives the step,
/// the first block sequence under a key gives the sequence offset.
pub(super) fn detect(text: &str, root: &SNode, json: bool) -> Layout {
    let mut step = None;
    let mut seq_offset = None;
    walk(text, root, &mut step, &mut seq_offset);
    if json {
        step = step.or_else(|| json_step(text));
    }
    Layout {
        crlf: text.contains("\r\n"),
        step: step.unwrap_or(2),
        seq_offset: seq_offset.unwrap_or(step.unwrap_or(2)),
        json,
    }
}

fn walk(text: &str, node: &SNode, step: &mut Option<usize>, seq: &mut Option<usize>) {
    if step.is_some() && seq.is_some() {
        return;
    }
    match &node.kind {
        Kind::Map {
            flow: false,
            entries,
        } => {
            for e in entries {
                let key_col = column(text, e.key_start);
                let v = &e.value;
                let own_line = line_start(text, v.start) > e.key_start;
                match &v.kind {
                    Kind::Map { flow: false, .. } if own_line && step.is_none() => {
                        let col = column(text, v.start);
                        if col > key_col {
                            *step = Some(col - key_col);
                        }
                    }
                    Kind::Seq { flow: false, .. } if own_line && seq.is_none() => {
                        let col = column(text, v.start);
                        if col >= key_col {
                            *seq = Some(col - key_col);
                        }
                    }
                    _ => {}
                }
                walk(text, v, step, seq);
            }
        }
        Kind::Seq { items, .. } => items.iter().for_each(|i| walk(text, i, step, seq)),
        _ => {}
    }
}

/// A JSON file's indentation: the first indented line's leading spaces.
fn json_step(text: &str) -> Option<usize> {
    text.lines()
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .find(|&n| n > 0)
}
