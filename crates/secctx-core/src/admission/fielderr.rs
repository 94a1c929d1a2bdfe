//! Field errors as `k8s.io/apimachinery/pkg/util/validation/field` renders them, with SCC
//! admission's `provider <scc>: ` path root and Go-style values (`[]int64{999}`, `null`).

use std::borrow::Cow;
use std::fmt;

/// A bad value, printed as Go's field errors print it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoValue {
    /// A nil pointer: `null`.
    Null,
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string: `%q`.
    Str(String),
    /// `[]int64{...}`.
    Int64s(Vec<i64>),
    /// `[]core.Capability{...}` (`(nil)` when absent).
    Caps(Option<Vec<String>>),
}

impl fmt::Display for GoValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoValue::Null => f.write_str("null"),
            GoValue::Int(i) => write!(f, "{i}"),
            GoValue::Bool(b) => write!(f, "{b}"),
            GoValue::Str(s) => write!(f, "{s:?}"),
            GoValue::Int64s(v) => {
                let items: Vec<String> = v.iter().map(i64::to_string).collect();
                write!(f, "[]int64{{{}}}", items.join(", "))
            }
            GoValue::Caps(None) => f.write_str("[]core.Capability(nil)"),
            GoValue::Caps(Some(v)) => {
                let items: Vec<String> = v.iter().map(|c| format!("{c:?}")).collect();
                write!(f, "[]core.Capability{{{}}}", items.join(", "))
            }
        }
    }
}

/// The error types SCC admission uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Invalid value: <v>: <detail>`.
    Invalid(GoValue),
    /// `Required value[: <detail>]`.
    Required,
    /// `Forbidden: <detail>`.
    Forbidden,
}

/// One field error. Nothing of it is rendered until it is printed: the path is kept as its
/// segments, and the fixed details are borrowed.
#[derive(Clone, Debug)]
pub struct FieldError<'a> {
    /// The path (`provider restricted-v2: .containers[0].runAsUser` when printed).
    pub path: Path<'a>,
    /// The type and value.
    pub kind: Kind,
    /// The detail.
    pub detail: Cow<'static, str>,
}

impl PartialEq for FieldError<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.detail == other.detail
            && self.path.to_string() == other.path.to_string()
    }
}

impl fmt::Display for FieldError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Invalid(v) => write!(f, "{}: Invalid value: {v}", self.path)?,
            Kind::Required => write!(f, "{}: Required value", self.path)?,
            Kind::Forbidden => write!(f, "{}: Forbidden", self.path)?,
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Where a path starts.
#[derive(Clone, Copy, Debug)]
pub enum Root<'a> {
    /// `provider <scc>: `.
    Provider(&'a str),
    /// `pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]`.
    PodSeccompAnnotation,
    /// `pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/<container>]`.
    ContainerSeccompAnnotation(&'a str),
}

#[derive(Clone, Copy, Debug)]
enum Seg {
    Field(&'static str),
    Index(usize),
}

/// The deepest path validation builds (`.spec.volumes[i].flexVolume.driver`) has 5 segments.
const MAX_SEGMENTS: usize = 6;

/// A path under a [`Root`] (`.spec.securityContext`, `.containers[0]`), built without
/// allocating: it is rendered only when an error is reported at it.
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    root: Root<'a>,
    segs: [Seg; MAX_SEGMENTS],
    len: usize,
}

impl<'a> Path<'a> {
    /// A path at `root`.
    pub fn at(root: Root<'a>) -> Path<'a> {
        Path {
            root,
            segs: [Seg::Index(0); MAX_SEGMENTS],
            len: 0,
        }
    }

    /// The root for one SCC: `provider <name>: `.
    pub fn provider(scc: &'a str) -> Path<'a> {
        Path::at(Root::Provider(scc))
    }

    fn push(mut self, s: Seg) -> Path<'a> {
        assert!(
            self.len < MAX_SEGMENTS,
            "field path deeper than {MAX_SEGMENTS}"
        );
        self.segs[self.len] = s;
        self.len += 1;
        self
    }

    /// `<self>.<name>`.
    pub fn child(self, name: &'static str) -> Path<'a> {
        self.push(Seg::Field(name))
    }

    /// `<self>[<i>]`.
    pub fn index(self, i: usize) -> Path<'a> {
        self.push(Seg::Index(i))
    }

    /// An Invalid error here.
    pub fn invalid(&self, v: GoValue, detail: impl Into<Cow<'static, str>>) -> FieldError<'a> {
        self.error(Kind::Invalid(v), detail.into())
    }

    /// A Required error here.
    pub fn required(&self, detail: impl Into<Cow<'static, str>>) -> FieldError<'a> {
        self.error(Kind::Required, detail.into())
    }

    /// A Forbidden error here.
    pub fn forbidden(&self, detail: impl Into<Cow<'static, str>>) -> FieldError<'a> {
        self.error(Kind::Forbidden, detail.into())
    }

    fn error(&self, kind: Kind, detail: Cow<'static, str>) -> FieldError<'a> {
        FieldError {
            path: *self,
            kind,
            detail,
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.root {
            Root::Provider(scc) => write!(f, "provider {scc}: ")?,
            Root::PodSeccompAnnotation => write!(
                f,
                "pod.metadata.annotations[{}]",
                super::seccomp::POD_ANNOTATION
            )?,
            Root::ContainerSeccompAnnotation(c) => write!(
                f,
                "pod.metadata.annotations[{}{c}]",
                super::seccomp::CONTAINER_ANNOTATION_PREFIX
            )?,
        }
        for s in &self.segs[..self.len] {
            match s {
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Where validation's errors go: collected, or only counted (to learn whether a pod would
/// validate without rendering a message nobody reads).
#[derive(Debug, Default)]
pub struct Errors<'a> {
    /// The errors, in order (empty when counting).
    pub list: Vec<FieldError<'a>>,
    /// How many were reported.
    pub count: usize,
    counting: bool,
}

impl<'a> Errors<'a> {
    /// A collector that keeps every error.
    pub fn collect() -> Errors<'a> {
        Errors::default()
    }

    /// A collector that only counts.
    pub fn count_only() -> Errors<'a> {
        Errors {
            counting: true,
            ..Errors::default()
        }
    }

    /// Reports one error; `e` runs only when errors are kept.
    pub fn add(&mut self, e: impl FnOnce() -> FieldError<'a>) {
        self.count += 1;
        if !self.counting {
            self.list.push(e());
        }
    }
}
