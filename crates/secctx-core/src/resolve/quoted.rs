//! `{:?}` for strings in messages, without the per-character escape walk when nothing needs
//! escaping: resolution quotes a few names per container.

use std::fmt;

/// Displays a string exactly as `{:?}` does (`"name"`, escaped when needed).
#[derive(Clone, Copy)]
pub(crate) struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Printable ASCII other than `"` and `\` is written as is by `Debug`.
        if self
            .0
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
        {
            f.write_str("\"")?;
            f.write_str(self.0)?;
            f.write_str("\"")
        } else {
            write!(f, "{:?}", self.0)
        }
    }
}

/// Displays a list of strings exactly as `{:?}` does (`["a", "b"]`).
#[derive(Clone, Copy)]
pub(crate) struct QuotedList<'a>(pub &'a [String]);

impl fmt::Display for QuotedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            Quoted(s).fmt(f)?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::{Quoted, QuotedList};

    #[test]
    fn same_as_debug() {
        for s in [
            "",
            "app",
            "a b",
            "q\"uote",
            "back\\slash",
            "tab\t",
            "ünï",
            "nul\0",
            "\u{301}",
        ] {
            assert_eq!(Quoted(s).to_string(), format!("{s:?}"));
        }
        let list = vec!["NET_ADMIN".to_string(), "x\"y".to_string()];
        assert_eq!(QuotedList(&list).to_string(), format!("{list:?}"));
        assert_eq!(
            QuotedList(&[]).to_string(),
            format!("{:?}", Vec::<String>::new())
        );
    }
}
