//! `# Source: <chart>/templates/<file>` comments, as `helm template` writes one at the top of
//! every document it renders: which template each line of a rendered stream came from.

/// The `# Source:` of each document of one text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// `(first line, source)`, ascending: from that 1-based line on, until the next entry, the
    /// source is this (`None`: a document without a `# Source:` comment).
    spans: Vec<(u32, Option<String>)>,
}

impl SourceMap {
    /// Scans `text` for document separators and `# Source:` comments. Returns `None` when the
    /// text has no `# Source:` comment (most files).
    pub fn scan(text: &str) -> Option<SourceMap> {
        if !text.contains("# Source:") {
            return None;
        }
        let mut map = SourceMap {
            spans: vec![(1, None)],
        };
        for (i, line) in text.lines().enumerate() {
            map.line(u32::try_from(i + 1).unwrap_or(u32::MAX), line);
        }
        Some(map)
    }

    /// The template an object starting at `line` was rendered from.
    pub fn source_at(&self, line: u32) -> Option<&str> {
        let i = self.spans.partition_point(|(start, _)| *start <= line);
        self.spans.get(i.checked_sub(1)?)?.1.as_deref()
    }

    /// Takes one more line (1-based `n`, without its line break) of a text read line by line.
    fn line(&mut self, n: u32, line: &str) {
        if line.starts_with("---") && matches!(line.as_bytes().get(3), None | Some(b' ' | b'\t')) {
            self.spans.push((n, None));
        } else if let Some(src) = line.strip_prefix("# Source:") {
            let src = src.trim();
            if !src.is_empty() {
                // The comment names the document it sits in, from the separator on.
                match self.spans.last_mut() {
                    Some(last) if last.1.is_none() => last.1 = Some(src.to_owned()),
                    _ => self.spans.push((n, Some(src.to_owned()))),
                }
            }
        }
    }
}

/// A [`SourceMap`] built line by line while a stream is read one document at a time
/// (`crate::load::DocumentStream`): the same answers as [`SourceMap::scan`] of the whole text,
/// keeping only the spans that documents still to be loaded can fall in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceTracker {
    map: SourceMap,
}

impl Default for SourceTracker {
    fn default() -> Self {
        SourceTracker {
            map: SourceMap {
                spans: vec![(1, None)],
            },
        }
    }
}

impl SourceTracker {
    /// Takes one more line (1-based `n`, without its line break: `\n` or `\r\n`).
    pub fn line(&mut self, n: u32, line: &str) {
        self.map.line(n, line);
    }

    /// The template an object starting at `line` was rendered from.
    pub fn source_at(&self, line: u32) -> Option<&str> {
        self.map.source_at(line)
    }

    /// Forgets the spans that end before `line` (nothing before it will be asked for).
    pub fn forget_before(&mut self, line: u32) {
        let i = self.map.spans.partition_point(|(start, _)| *start <= line);
        if i > 1 {
            self.map.spans.drain(..i - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SourceMap, SourceTracker};

    #[test]
    fn each_document_takes_its_own_comment() {
        let text = "\
---
# Source: web/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
---
apiVersion: v1
kind: Pod
";
        let m = SourceMap::scan(text).unwrap();
        assert_eq!(m.source_at(3), Some("web/templates/serviceaccount.yaml"));
        assert_eq!(m.source_at(7), Some("web/templates/deployment.yaml"));
        assert_eq!(m.source_at(8), Some("web/templates/deployment.yaml"));
        assert_eq!(m.source_at(10), None);
        assert_eq!(SourceMap::scan("kind: Pod\n"), None);
    }

    #[test]
    fn a_first_document_without_separator() {
        let m =
            SourceMap::scan("# Source: c/templates/a.yaml\nkind: Pod\n---\nkind: Pod\n").unwrap();
        assert_eq!(m.source_at(2), Some("c/templates/a.yaml"));
        assert_eq!(m.source_at(4), None);
    }

    #[test]
    fn the_tracker_answers_as_the_whole_map() {
        let text = "# Source: c/templates/a.yaml\nkind: Pod\n---\n# Source: c/templates/b.yaml\n\
                    kind: Pod\n--- # x\nkind: Pod\n---\n# Source: c/templates/d.yaml\nkind: Pod\n";
        let map = SourceMap::scan(text).unwrap();
        let mut t = SourceTracker::default();
        for (i, line) in text.lines().enumerate() {
            t.line(i as u32 + 1, line);
        }
        for line in 1..=11 {
            assert_eq!(t.source_at(line), map.source_at(line), "line {line}");
        }
        t.forget_before(7);
        for line in 7..=11 {
            assert_eq!(t.source_at(line), map.source_at(line), "line {line}");
        }
    }
}
