//! The change an edit makes, as a unified diff (what `fix` prints without `--write`).

use similar::TextDiff;

/// A unified diff of `old` and `new` with three lines of context, headed `--- a/NAME` and
/// `+++ b/NAME`; empty when the texts are equal. Lines keep their own endings (`\r\n` shows).
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
