//! Field errors and their text, exactly as apimachinery renders them
//! (`pkg/util/validation/field/errors.go`, `pkg/api/errors/errors.go`, v0.34+).
//!
//! - [`FieldError`]'s `Display` is `field.Error.Error()`: `<path>: <body>`.
//! - The body ([`FieldError::body`], `ErrorBody()`) is the type string, then `: <value>` for
//!   the types that carry one, then `: <detail>` when the detail is not empty.
//! - [`invalid_message`] is the `Message` of `NewInvalid`: `Pod "x" is invalid: <aggregate>`.

use std::collections::HashSet;
use std::fmt;

use crate::path::FieldPath;

use super::gojson::GoJson;
use super::quote::go_quote;

/// The kind of a field error (`field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// `FieldValueNotFound`: a referenced value does not exist.
    NotFound,
    /// `FieldValueRequired`: a value must be given.
    Required,
    /// `FieldValueDuplicate`: a value that must be unique is not.
    Duplicate,
    /// `FieldValueInvalid`: a malformed or out-of-range value.
    Invalid,
    /// `FieldValueNotSupported`: a value outside an enumeration.
    NotSupported,
    /// `FieldValueForbidden`: a well-formed value not allowed here.
    Forbidden,
    /// `FieldValueTooLong`: a value over a length limit (the value is not printed).
    TooLong,
    /// `FieldValueTooShort`: a value under a length limit.
    TooShort,
    /// `FieldValueTooMany`: a list with too many items.
    TooMany,
    /// `FieldValueTooFew`: a list with too few items.
    TooFew,
    /// `InternalError`: a server-side failure.
    Internal,
    /// `FieldValueTypeInvalid`: a value of the wrong schema type.
    TypeInvalid,
}

impl ErrorType {
    /// The text `ErrorType.String()` prints (`Invalid value`, `Required value`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::NotFound => "Not found",
            ErrorType::Required => "Required value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Invalid | ErrorType::TypeInvalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooShort => "Too short",
            ErrorType::TooMany => "Too many",
            ErrorType::TooFew => "Too few",
            ErrorType::Internal => "Internal error",
        }
    }

    /// The machine-readable cause type of a `Status` (`FieldValueInvalid`, ...).
    pub fn cause_type(self) -> &'static str {
        match self {
            ErrorType::NotFound => "FieldValueNotFound",
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::TooShort => "FieldValueTooShort",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::TooFew => "FieldValueTooFew",
            ErrorType::Internal => "InternalError",
            ErrorType::TypeInvalid => "FieldValueTypeInvalid",
        }
    }

    /// Whether `ErrorBody()` prints the bad value for this type.
    fn prints_value(self) -> bool {
        !matches!(
            self,
            ErrorType::Required
                | ErrorType::Forbidden
                | ErrorType::TooLong
                | ErrorType::TooShort
                | ErrorType::Internal
        )
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The bad value of a field error, kept as the Go type that decides how it prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueRepr {
    /// apimachinery's `omitValue`: nothing is printed, whatever the type.
    Omitted,
    /// An `int64`/`int32`: printed with `%v`.
    Int(i64),
    /// A `bool`: printed with `%v`.
    Bool(bool),
    /// A plain Go `string`: printed with `%q` ([`go_quote`]).
    Str(String),
    /// Anything else (pointers, named string types, structs): printed with `json.Marshal`.
    Json(GoJson),
}

impl ValueRepr {
    /// The text `ErrorBody()` puts after the type string.
    pub fn render(&self) -> Option<String> {
        match self {
            ValueRepr::Omitted => None,
            ValueRepr::Int(n) => Some(n.to_string()),
            ValueRepr::Bool(b) => Some(b.to_string()),
            ValueRepr::Str(s) => Some(go_quote(s)),
            ValueRepr::Json(j) => Some(j.encode()),
        }
    }
}

impl From<i64> for ValueRepr {
    fn from(v: i64) -> Self {
        ValueRepr::Int(v)
    }
}

impl From<bool> for ValueRepr {
    fn from(v: bool) -> Self {
        ValueRepr::Bool(v)
    }
}

impl From<&str> for ValueRepr {
    fn from(v: &str) -> Self {
        ValueRepr::Str(v.to_string())
    }
}

impl From<String> for ValueRepr {
    fn from(v: String) -> Self {
        ValueRepr::Str(v)
    }
}

impl From<GoJson> for ValueRepr {
    fn from(v: GoJson) -> Self {
        ValueRepr::Json(v)
    }
}

/// One validation error (`field.Error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Where: `spec.containers[0].securityContext.runAsUser`.
    pub path: FieldPath,
    /// What kind of error.
    pub kind: ErrorType,
    /// The offending value (not printed for Required, Forbidden, TooLong, TooShort, Internal).
    pub value: ValueRepr,
    /// The explanation; may be empty.
    pub detail: String,
}

impl FieldError {
    /// `field.Required(path, detail)`.
    pub fn required(path: FieldPath, detail: &str) -> FieldError {
        FieldError::new(
            path,
            ErrorType::Required,
            ValueRepr::Str(String::new()),
            detail,
        )
    }

    /// `field.Forbidden(path, detail)`.
    pub fn forbidden(path: FieldPath, detail: &str) -> FieldError {
        FieldError::new(
            path,
            ErrorType::Forbidden,
            ValueRepr::Str(String::new()),
            detail,
        )
    }

    /// `field.Invalid(path, value, detail)`.
    pub fn invalid(path: FieldPath, value: impl Into<ValueRepr>, detail: &str) -> FieldError {
        FieldError::new(path, ErrorType::Invalid, value.into(), detail)
    }

    /// `field.Duplicate(path, value)`.
    pub fn duplicate(path: FieldPath, value: impl Into<ValueRepr>) -> FieldError {
        FieldError::new(path, ErrorType::Duplicate, value.into(), "")
    }

    /// `field.NotFound(path, value)`.
    pub fn not_found(path: FieldPath, value: impl Into<ValueRepr>) -> FieldError {
        FieldError::new(path, ErrorType::NotFound, value.into(), "")
    }

    /// `field.NotSupported(path, value, valid)`: detail `supported values: "a", "b"`, each
    /// value `strconv.Quote`d, in the order given (callers pass Go's order: a literal list, or
    /// `sets.List`, which sorts).
    pub fn not_supported(
        path: FieldPath,
        value: impl Into<ValueRepr>,
        valid: &[&str],
    ) -> FieldError {
        let detail = if valid.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        FieldError::new(path, ErrorType::NotSupported, value.into(), &detail)
    }

    /// `field.TooLong(path, _, max)`: the value is never printed.
    pub fn too_long(path: FieldPath, max: i64) -> FieldError {
        let detail = match max {
            1 => "may not be more than 1 byte".to_string(),
            n if n >= 0 => format!("may not be more than {n} bytes"),
            _ => "value is too long".to_string(),
        };
        FieldError::new(
            path,
            ErrorType::TooLong,
            ValueRepr::Str("<value omitted>".into()),
            &detail,
        )
    }

    fn new(path: FieldPath, kind: ErrorType, value: ValueRepr, detail: &str) -> FieldError {
        FieldError {
            path,
            kind,
            value,
            detail: detail.to_string(),
        }
    }

    /// `ErrorBody()`: the message without the field path (also the `message` of a `Status`
    /// cause).
    pub fn body(&self) -> String {
        let mut s = self.kind.as_str().to_string();
        if self.kind.prints_value()
            && let Some(v) = self.value.render()
        {
            s.push_str(": ");
            s.push_str(&v);
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.body())
    }
}

impl std::error::Error for FieldError {}

/// `ErrorList.ToAggregate().Error()`: `None` for no errors; one distinct message bare; several
/// as `[e1, e2, ...]` in order, repeated messages dropped.
pub fn aggregate(errors: &[FieldError]) -> Option<String> {
    let mut seen = HashSet::new();
    let msgs: Vec<String> = errors
        .iter()
        .map(ToString::to_string)
        .filter(|m| seen.insert(m.clone()))
        .collect();
    match msgs.len() {
        0 => None,
        1 => msgs.into_iter().next(),
        _ => Some(format!("[{}]", msgs.join(", "))),
    }
}

/// The message of `apierrors.NewInvalid(kind, name, errs)`:
/// `<Kind[.group]> "<name>" is invalid: <aggregate>` (the name `%q`-quoted), or without the
/// colon part when there are no errors. `qualified_kind` is `GroupKind.String()`: `Pod`,
/// `Deployment.apps`, `CronJob.batch`.
pub fn invalid_message(qualified_kind: &str, name: &str, errors: &[FieldError]) -> String {
    match aggregate(errors) {
        None => format!("{qualified_kind} {} is invalid", go_quote(name)),
        Some(agg) => format!("{qualified_kind} {} is invalid: {agg}", go_quote(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_follow_error_body() {
        let p = FieldPath::new("spec.x");
        assert_eq!(
            FieldError::required(p.clone(), "").to_string(),
            "spec.x: Required value"
        );
        assert_eq!(
            FieldError::forbidden(p.clone(), "no").to_string(),
            "spec.x: Forbidden: no"
        );
        assert_eq!(
            FieldError::invalid(p.clone(), -1, "bad").to_string(),
            "spec.x: Invalid value: -1: bad"
        );
        assert_eq!(
            FieldError::invalid(p.clone(), "a\nb", "bad").to_string(),
            r#"spec.x: Invalid value: "a\nb": bad"#
        );
        assert_eq!(
            FieldError::duplicate(p.clone(), "n").to_string(),
            r#"spec.x: Duplicate value: "n""#
        );
        assert_eq!(
            FieldError::not_found(p.clone(), "n").to_string(),
            r#"spec.x: Not found: "n""#
        );
        assert_eq!(
            FieldError::not_supported(p.clone(), GoJson::Str("x".into()), &["a", "b"]).to_string(),
            r#"spec.x: Unsupported value: "x": supported values: "a", "b""#
        );
        assert_eq!(
            FieldError::too_long(p.clone(), 4095).to_string(),
            "spec.x: Too long: may not be more than 4095 bytes"
        );
        assert_eq!(
            FieldError::too_long(p.clone(), 1).to_string(),
            "spec.x: Too long: may not be more than 1 byte"
        );
        let omitted = FieldError {
            value: ValueRepr::Omitted,
            ..FieldError::invalid(p, 1, "d")
        };
        assert_eq!(omitted.to_string(), "spec.x: Invalid value: d");
    }

    #[test]
    fn aggregate_dedupes_and_brackets() {
        let a = FieldError::forbidden(FieldPath::new("a"), "x");
        let b = FieldError::forbidden(FieldPath::new("b"), "y");
        assert_eq!(aggregate(&[]), None);
        assert_eq!(
            aggregate(std::slice::from_ref(&a)).unwrap(),
            "a: Forbidden: x"
        );
        assert_eq!(
            aggregate(&[a.clone(), a.clone()]).unwrap(),
            "a: Forbidden: x"
        );
        assert_eq!(
            aggregate(&[a.clone(), b.clone(), a.clone()]).unwrap(),
            "[a: Forbidden: x, b: Forbidden: y]"
        );
        assert_eq!(
            invalid_message("Pod", "p", &[a.clone(), b]),
            r#"Pod "p" is invalid: [a: Forbidden: x, b: Forbidden: y]"#
        );
        assert_eq!(invalid_message("Pod", "p", &[]), r#"Pod "p" is invalid"#);
        assert_eq!(
            invalid_message("Deployment.apps", "d\"q", &[a]),
            r#"Deployment.apps "d\"q" is invalid: a: Forbidden: x"#
        );
    }
}
