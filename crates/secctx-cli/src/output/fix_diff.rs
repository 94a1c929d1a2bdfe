//! The unified diff of a whole manifest file, computed document by document: a line diff of
//! a 100,000-document file with edits in most documents is quadratic in practice (Myers' time
//! grows with lines × changes), while the editor never touches a document marker, so the
//! documents of the old and new text pair up one to one and each pair is diffed alone.

use secctx_core::edit::unified_diff;

/// The texts of the documents of `text`, each starting at its `---` marker line (the first
/// at the start of the text); concatenated they are `text`.
fn documents(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let marker = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']));
        if marker && at > start {
            out.push(&text[start..at]);
            start = at;
        }
        at += line.len();
    }
    out.push(&text[start..]);
    out
}

/// A unified diff of `old` and `new` (`--- a/NAME`, `+++ b/NAME`, three lines of context);
/// empty when they are equal.
pub fn file_diff(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let (a, b) = (documents(old), documents(new));
    if a.len() != b.len() {
        return unified_diff(name, old, new);
    }
    let mut out = String::new();
    let (mut line_a, mut line_b) = (0usize, 0usize);
    let mut first = true;
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            let d = unified_diff(name, x, y);
            for (i, line) in d.split_inclusive('\n').enumerate() {
                // The `---`/`+++` header once, from the first document that changed.
                if i < 2 {
                    if first {
                        out.push_str(line);
                    }
                    continue;
                }
                match shift_hunk(line, line_a, line_b) {
                    Some(h) => out.push_str(&h),
                    None => out.push_str(line),
                }
            }
            first = false;
        }
        line_a += x.matches('\n').count();
        line_b += y.matches('\n').count();
    }
    out
}

/// `@@ -a,b +c,d @@` with `da` added to `a` and `db` to `c`.
fn shift_hunk(line: &str, da: usize, db: usize) -> Option<String> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, tail) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let shift = |r: &str, d: usize| -> Option<String> {
        let (start, count) = match r.split_once(',') {
            Some((s, c)) => (s.parse::<usize>().ok()?, Some(c)),
            None => (r.parse::<usize>().ok()?, None),
        };
        Some(match count {
            Some(c) => format!("{},{c}", start + d),
            None => format!("{}", start + d),
        })
    };
    Some(format!(
        "@@ -{} +{} @@{tail}",
        shift(old, da)?,
        shift(new, db)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_document_diff_keeps_the_whole_file_line_numbers() {
        let old = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n---\nf: 6\ng: 7\nh: 8\ni: 9\nj: 10\n--- # third\nk: 11\n";
        let new = "a: 1\nb: 20\nc: 3\nd: 4\ne: 5\n---\nf: 6\ng: 7\nh: 8\ni: 9\nj: 10\n--- # third\nk: 11\nl: 12\n";
        assert_eq!(documents(old).concat(), old);
        assert_eq!(documents(old).len(), 3);
        // Context stops at a document's marker; line numbers are the whole file's.
        assert_eq!(
            file_diff("f.yaml", old, new),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,5 +1,5 @@\n a: 1\n-b: 2\n+b: 20\n c: 3\n d: 4\n e: 5\n@@ -12,2 +12,3 @@\n --- # third\n k: 11\n+l: 12\n"
        );
        assert_eq!(file_diff("f.yaml", old, old), "");
    }
}
