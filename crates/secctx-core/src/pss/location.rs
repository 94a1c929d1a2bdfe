//! [`Location`]: where a finding is, recorded without allocating and turned into a
//! [`FieldPath`] on demand. A location is a root (`spec`, a container, or an annotation), a
//! static dotted path below it, and optionally a list element with a static dotted suffix:
//! `spec.containers[0]` + `securityContext.capabilities.add` + `[1]`, or `spec` + `volumes` +
//! `[2]` + `hostPath`. It renders exactly like the `FieldPath` it converts to.

use std::fmt;

use super::visit::ContainerKind;
use crate::path::FieldPath;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Root {
    Spec,
    Container(ContainerKind, usize),
    /// `metadata.annotations[<key>]`.
    Annotation(Box<str>),
}

/// A path from the pod object to an offending field, e.g.
/// `spec.initContainers[0].securityContext.capabilities.add[1]` or
/// `metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Location {
    root: Root,
    /// Dotted field names below the root; may be empty.
    path: &'static str,
    /// `[index]` after `path`, then dotted field names (may be empty).
    item: Option<(usize, &'static str)>,
}

impl Location {
    /// `spec.<path>` (`path` dotted, may be empty for `spec` itself).
    pub fn spec(path: &'static str) -> Location {
        Location {
            root: Root::Spec,
            path,
            item: None,
        }
    }

    /// `spec.<kind>[index].<path>` (`path` may be empty for the container itself).
    pub fn container(kind: ContainerKind, index: usize, path: &'static str) -> Location {
        Location {
            root: Root::Container(kind, index),
            path,
            item: None,
        }
    }

    /// `metadata.annotations[<key>]`.
    pub fn annotation(key: &str) -> Location {
        Location {
            root: Root::Annotation(key.into()),
            path: "",
            item: None,
        }
    }

    /// This location followed by `[index]` and the dotted `suffix` (may be empty).
    #[must_use]
    pub fn item(mut self, index: usize, suffix: &'static str) -> Location {
        self.item = Some((index, suffix));
        self
    }

    /// Calls `f` with each segment, root first.
    fn segments(&self, mut f: impl FnMut(Segment<'_>) -> fmt::Result) -> fmt::Result {
        let dotted = |s: &'static str, f: &mut dyn FnMut(Segment<'_>) -> fmt::Result| {
            s.split('.')
                .filter(|n| !n.is_empty())
                .try_for_each(|n| f(Segment::Field(n)))
        };
        match &self.root {
            Root::Spec => f(Segment::Field("spec"))?,
            Root::Container(kind, index) => {
                f(Segment::Field("spec"))?;
                f(Segment::Field(kind.field()))?;
                f(Segment::Index(*index))?;
            }
            Root::Annotation(key) => {
                f(Segment::Field("metadata"))?;
                f(Segment::Field("annotations"))?;
                f(Segment::Key(key))?;
            }
        }
        dotted(self.path, &mut f)?;
        if let Some((index, suffix)) = self.item {
            f(Segment::Index(index))?;
            dotted(suffix, &mut f)?;
        }
        Ok(())
    }

    /// The equivalent [`FieldPath`].
    pub fn to_field_path(&self) -> FieldPath {
        let mut p = FieldPath::root();
        let _ = self.segments(|s| {
            p = match s {
                Segment::Field(name) => p.child(name),
                Segment::Index(i) => p.index(i),
                Segment::Key(k) => p.key(k),
            };
            Ok(())
        });
        p
    }
}

enum Segment<'a> {
    Field(&'a str),
    Index(usize),
    Key(&'a str),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        self.segments(|s| {
            let r = match s {
                Segment::Field(name) if first => f.write_str(name),
                Segment::Field(name) => write!(f, ".{name}"),
                Segment::Index(n) => write!(f, "[{n}]"),
                Segment::Key(k) => write!(f, "[{k}]"),
            };
            first = false;
            r
        })
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

impl From<&Location> for FieldPath {
    fn from(l: &Location) -> FieldPath {
        l.to_field_path()
    }
}

/// The first `n` dot-separated components of `dotted` (all of it if it has fewer).
pub(crate) fn prefix(dotted: &'static str, n: usize) -> &'static str {
    if n == 0 {
        return "";
    }
    // Bytes, not `match_indices` (a char searcher): this runs for every finding.
    match dotted
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'.')
        .nth(n - 1)
    {
        Some((i, _)) => &dotted[..i],
        None => dotted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_converts_like_field_path() {
        let l = Location::container(
            ContainerKind::Regular,
            2,
            "securityContext.capabilities.add",
        )
        .item(1, "");
        assert_eq!(
            l.to_string(),
            "spec.containers[2].securityContext.capabilities.add[1]"
        );
        let want = FieldPath::new("spec")
            .child("containers")
            .index(2)
            .child("securityContext")
            .child("capabilities")
            .child("add")
            .index(1);
        assert_eq!(l.to_field_path(), want);
        let v = Location::spec("volumes").item(3, "hostPath");
        assert_eq!(v.to_string(), "spec.volumes[3].hostPath");
        assert_eq!(v.to_field_path().to_string(), v.to_string());
        assert_eq!(Location::spec("").to_string(), "spec");
        let e = Location::container(ContainerKind::Ephemeral, 0, "");
        assert_eq!(e.to_string(), "spec.ephemeralContainers[0]");
        let a = Location::annotation("container.apparmor.security.beta.kubernetes.io/c");
        assert_eq!(
            a.to_string(),
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]"
        );
        assert_eq!(
            a.to_field_path(),
            FieldPath::new("metadata.annotations")
                .key("container.apparmor.security.beta.kubernetes.io/c")
        );
    }

    #[test]
    fn prefixes() {
        let p = "securityContext.capabilities.drop";
        assert_eq!(prefix(p, 0), "");
        assert_eq!(prefix(p, 1), "securityContext");
        assert_eq!(prefix(p, 2), "securityContext.capabilities");
        assert_eq!(prefix(p, 3), p);
        assert_eq!(prefix(p, 9), p);
    }
}
