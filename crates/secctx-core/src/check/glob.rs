//! Path globs for `--exclude` and the repository configuration (`.secctx.yaml`), matched on
//! `/`-separated relative paths, as `.gitignore` and pre-commit users expect:
//!
//! - `*` matches any run of characters except `/`; `?` one character except `/`;
//! - `**` as a whole segment matches any number of segments (`charts/**/tests/*.yaml`);
//! - a pattern without `/` matches the last segment at any depth (`*.tpl.yaml`), and a pattern
//!   matches a path when it matches one of the path's directories (`vendor` excludes
//!   `vendor/a/b.yaml`);
//! - a leading `./` or `/` anchors the pattern at the root and is dropped.

use std::fmt;

/// A parsed glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    text: String,
    segments: Vec<String>,
    basename_only: bool,
}

/// A glob that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob {glob:?}: {reason}")]
pub struct GlobError {
    /// The pattern as written.
    pub glob: String,
    /// Why it is refused.
    pub reason: &'static str,
}

impl Glob {
    /// Parses `pattern`.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        let err = |reason| GlobError {
            glob: pattern.to_owned(),
            reason,
        };
        let trimmed = pattern.trim_start_matches("./");
        let anchored = trimmed.starts_with('/') || trimmed.trim_end_matches('/').contains('/');
        let body = trimmed.trim_start_matches('/').trim_end_matches('/');
        if body.is_empty() {
            return Err(err("empty pattern"));
        }
        let segments: Vec<String> = body.split('/').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(err("empty path segment (`//`)"));
        }
        if segments
            .iter()
            .any(|s| s.contains("**") && s.as_str() != "**")
        {
            return Err(err("`**` must be a whole path segment"));
        }
        Ok(Glob {
            text: pattern.to_owned(),
            segments,
            basename_only: !anchored,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` (relative, `/`-separated; a leading `./` is ignored) or one of its
    /// directories matches.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        let parts: Vec<&str> = path
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        if self.basename_only {
            return parts.iter().any(|p| segment_matches(&self.segments[0], p));
        }
        // The path or one of its directories (a prefix of its segments).
        (1..=parts.len()).any(|n| segments_match(&self.segments, &parts[..n]))
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn segments_match(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| segments_match(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((p, prest)) => segment_matches(first, p) && segments_match(rest, prest),
            None => false,
        },
    }
}

/// `*` and `?` within one segment.
pub(crate) fn segment_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative wildcard match with one backtrack point (the last `*`).
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn basename_patterns_match_at_any_depth() {
        assert!(m("*.tpl.yaml", "a/b/x.tpl.yaml"));
        assert!(m("vendor", "vendor/a/b.yaml"));
        assert!(m("vendor", "x/vendor/b.yaml"));
        assert!(!m("*.tpl.yaml", "a/b/x.yaml"));
        assert!(m("values*.yaml", "chart/values-prod.yaml"));
    }

    #[test]
    fn anchored_patterns_and_double_star() {
        assert!(m("charts/**/tests/*.yaml", "charts/a/b/tests/t.yaml"));
        assert!(m("charts/**/tests/*.yaml", "charts/tests/t.yaml"));
        assert!(!m("charts/**/tests/*.yaml", "other/charts/tests/t.yaml"));
        assert!(m("legacy/", "legacy/deploy.yaml"));
        assert!(m("./legacy/*", "./legacy/deploy.yaml"));
        assert!(m("/legacy", "legacy/a/deploy.yaml"));
        // `legacy/*` matches the directory `legacy/a`, so everything under it.
        assert!(m("legacy/*", "legacy/a/deploy.yaml"));
        assert!(m("**/*.json", "a/b/c.json"));
        assert!(m("a/?.yaml", "a/b.yaml"));
        assert!(!m("a/?.yaml", "a/bc.yaml"));
        assert!(!m("a/*.yaml", "a/b/c.yaml"));
    }

    #[test]
    fn star_does_not_cross_segments() {
        assert!(!m("a/*", "b/a/c"));
        assert!(m("a*b", "axxb"));
        assert!(!m("a*b", "axxc"));
        assert!(m("*", "anything/at/all"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(Glob::new("").is_err());
        assert!(Glob::new("a//b").is_err());
        assert!(Glob::new("a**/b").is_err());
    }
}
