//! Field errors rendered like apimachinery's `field.Error` and `utilerrors.Aggregate`, for the
//! namespace-label and configuration errors of Pod Security Admission.

use std::collections::BTreeSet;
use std::fmt;

use super::quote::go_quote;
use crate::path::FieldPath;

/// The kind of a field error (only the ones PSA produces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldErrorKind {
    /// `Invalid value`.
    Invalid,
    /// `Duplicate value`.
    Duplicate,
}

impl FieldErrorKind {
    /// apimachinery's type string.
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldErrorKind::Invalid => "Invalid value",
            FieldErrorKind::Duplicate => "Duplicate value",
        }
    }
}

/// A field error: `<path>: <type>: "<value>"[: <detail>]`, e.g.
/// `metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of
/// privileged, baseline, restricted`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub struct FieldError {
    /// The field.
    pub path: FieldPath,
    /// The kind.
    pub kind: FieldErrorKind,
    /// The offending (string) value.
    pub value: String,
    /// Explanation; may be empty.
    pub detail: String,
}

impl FieldError {
    /// `field.Invalid(path, value, detail)`.
    pub fn invalid(path: FieldPath, value: &str, detail: impl Into<String>) -> FieldError {
        FieldError {
            path,
            kind: FieldErrorKind::Invalid,
            value: value.to_owned(),
            detail: detail.into(),
        }
    }

    /// `field.Duplicate(path, value)`.
    pub fn duplicate(path: FieldPath, value: &str) -> FieldError {
        FieldError {
            path,
            kind: FieldErrorKind::Duplicate,
            value: value.to_owned(),
            detail: String::new(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.path,
            self.kind.as_str(),
            go_quote(&self.value)
        )?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// `ErrorList.ToAggregate().Error()`: duplicates removed; one error bare, several `[e1, e2]`;
/// empty for no errors.
pub fn aggregate_message<E: fmt::Display>(errors: &[E]) -> String {
    let mut seen = BTreeSet::new();
    let messages: Vec<String> = errors
        .iter()
        .map(ToString::to_string)
        .filter(|m| seen.insert(m.clone()))
        .collect();
    match messages.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_apimachinery() {
        let e = FieldError::invalid(
            FieldPath::new("metadata.labels").key("pod-security.kubernetes.io/enforce"),
            "foo",
            "must be one of privileged, baseline, restricted",
        );
        assert_eq!(
            e.to_string(),
            r#"metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted"#
        );
        let d = FieldError::duplicate(FieldPath::new("exemptions.namespaces").index(1), "ns");
        assert_eq!(
            d.to_string(),
            r#"exemptions.namespaces[1]: Duplicate value: "ns""#
        );
        assert_eq!(aggregate_message(std::slice::from_ref(&e)), e.to_string());
        assert_eq!(aggregate_message(&[e.clone(), e.clone()]), e.to_string());
        assert_eq!(
            aggregate_message(&[e.clone(), d.clone()]),
            format!("[{e}, {d}]")
        );
        assert_eq!(aggregate_message::<FieldError>(&[]), "");
    }
}
