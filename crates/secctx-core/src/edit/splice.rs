//! Byte ranges of a document's text and the line arithmetic edits need.

/// Replace `range` of the text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Splice {
    /// The bytes replaced (empty for an insertion).
    pub range: std::ops::Range<usize>,
    /// What goes there.
    pub text: String,
}

/// The byte after the end of the line holding byte `at - 1` (so a position already at a
/// line's start stays); the text's end when the last line has no line break.
pub(super) fn after_line(text: &str, at: usize) -> usize {
    if at > 0 && text.as_bytes()[at - 1] == b'\n' {
        return at;
    }
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The end of the line holding `at`, before its line break (`\r\n` or `\n`).
pub(super) fn line_end(text: &str, at: usize) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if end > at && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Whether `text[from..to]` is only spaces and tabs.
pub(super) fn blank(text: &str, from: usize, to: usize) -> bool {
    text[from..to].bytes().all(|b| b == b' ' || b == b'\t')
}

/// The `:` after a block mapping key ending at `key_end` (spaces may come between).
pub(super) fn colon_after(text: &str, key_end: usize) -> Option<usize> {
    let rest = &text[key_end..];
    let skip = rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
    (rest.as_bytes().get(skip) == Some(&b':')).then_some(key_end + skip)
}

/// The `-` that introduces a block sequence item starting at `item_start`.
pub(super) fn dash_before(text: &str, item_start: usize) -> Option<usize> {
    let before = text[..item_start].trim_end_matches([' ', '\t', '\r', '\n']);
    before.ends_with('-').then(|| before.len() - 1)
}

/// The 1-based line of byte `at` in a document whose first line is `first_line`.
pub(super) fn line_of(text: &str, at: usize, first_line: u32) -> u32 {
    first_line + text[..at.min(text.len())].matches('\n').count() as u32
}
