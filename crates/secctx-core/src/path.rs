//! Field paths in the form the API server prints them: `spec.containers[0].securityContext`,
//! `metadata.annotations[key]`.
//!
//! A path is also the key used to find where a field sits in the source file (see
//! `yaml::Node::lookup`), so every finding can carry `file:line:column`.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// `.name` — a struct field (JSON key).
    Field(String),
    /// `[i]` — a list index.
    Index(usize),
    /// `[key]` — a map key (annotations, labels); printed unquoted, as `field.Path.Key` does.
    Key(String),
}

/// A path from an object's root to one of its fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    /// The empty path (the object itself).
    pub fn root() -> FieldPath {
        FieldPath::default()
    }

    /// A path of dotted field names, e.g. `FieldPath::new("spec.securityContext")`.
    pub fn new(dotted: &str) -> FieldPath {
        let mut p = FieldPath::root();
        for part in dotted.split('.').filter(|s| !s.is_empty()) {
            p.segments.push(Segment::Field(part.to_string()));
        }
        p
    }

    /// Parses the printed form back (`spec.containers[0].securityContext`,
    /// `metadata.annotations[a.b/c]`). A bracket holding only digits is an index; any other
    /// bracket is a map key.
    pub fn parse(text: &str) -> FieldPath {
        let mut p = FieldPath::root();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').unwrap_or(after.len());
                let inner = &after[..end];
                p.segments.push(match inner.parse::<usize>() {
                    Ok(i) => Segment::Index(i),
                    Err(_) => Segment::Key(inner.to_string()),
                });
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                let body = rest.strip_prefix('.').unwrap_or(rest);
                let end = body.find(['.', '[']).unwrap_or(body.len());
                if end > 0 {
                    p.segments.push(Segment::Field(body[..end].to_string()));
                }
                rest = &body[end..];
            }
        }
        p
    }

    /// This path with `.name` appended.
    #[must_use]
    pub fn child(&self, name: &str) -> FieldPath {
        let mut p = self.clone();
        p.segments.push(Segment::Field(name.to_string()));
        p
    }

    /// This path with `[i]` appended.
    #[must_use]
    pub fn index(&self, i: usize) -> FieldPath {
        let mut p = self.clone();
        p.segments.push(Segment::Index(i));
        p
    }

    /// This path with `[key]` appended.
    #[must_use]
    pub fn key(&self, key: &str) -> FieldPath {
        let mut p = self.clone();
        p.segments.push(Segment::Key(key.to_string()));
        p
    }

    /// `self` followed by every segment of `rest`.
    #[must_use]
    pub fn join(&self, rest: &FieldPath) -> FieldPath {
        let mut p = self.clone();
        p.segments.extend(rest.segments.iter().cloned());
        p
    }

    /// The segments, root first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Field(name) if i == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) => write!(f, "[{k}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_the_api_server() {
        let p = FieldPath::new("spec")
            .child("containers")
            .index(0)
            .child("securityContext")
            .child("runAsUser");
        assert_eq!(
            p.to_string(),
            "spec.containers[0].securityContext.runAsUser"
        );
        let a = FieldPath::new("metadata.annotations")
            .key("container.apparmor.security.beta.kubernetes.io/c");
        assert_eq!(
            a.to_string(),
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]"
        );
        assert_eq!(FieldPath::parse(&a.to_string()), a);
        assert_eq!(FieldPath::parse(&p.to_string()), p);
    }
}
