//! Field errors as `k8s.io/apimachinery/pkg/util/validation/field` renders them, with SCC
//! admission's `provider <scc>: ` path root and Go-style values (`[]int64{999}`, `null`).

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

/// One field error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The rendered path (`provider restricted-v2: .containers[0].runAsUser`).
    pub path: String,
    /// The type and value.
    pub kind: Kind,
    /// The detail.
    pub detail: String,
}

impl fmt::Display for FieldError {
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

/// A path under `provider <scc>: ` (`.spec.securityContext`, `.containers[0]`).
#[derive(Clone, Debug)]
pub struct Path(pub String);

impl Path {
    /// The root for one SCC: `provider <name>: `.
    pub fn provider(scc: &str) -> Path {
        Path(format!("provider {scc}: "))
    }

    /// `<self>.<name>`.
    pub fn child(&self, name: &str) -> Path {
        Path(format!("{}.{name}", self.0))
    }

    /// `<self>[<i>]`.
    pub fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }

    /// An Invalid error here.
    pub fn invalid(&self, v: GoValue, detail: impl Into<String>) -> FieldError {
        FieldError {
            path: self.0.clone(),
            kind: Kind::Invalid(v),
            detail: detail.into(),
        }
    }

    /// A Required error here.
    pub fn required(&self, detail: impl Into<String>) -> FieldError {
        FieldError {
            path: self.0.clone(),
            kind: Kind::Required,
            detail: detail.into(),
        }
    }

    /// A Forbidden error here.
    pub fn forbidden(&self, detail: impl Into<String>) -> FieldError {
        FieldError {
            path: self.0.clone(),
            kind: Kind::Forbidden,
            detail: detail.into(),
        }
    }
}
