//! Generic value formats of apimachinery `pkg/util/validation` and the path helper of
//! `validation.go`, with their exact messages.

use std::sync::LazyLock;

use regex::Regex;

use crate::path::FieldPath;

use super::error::FieldError;

/// `InclusiveRangeError(0, math.MaxInt32)`: the message of `IsValidUserID`/`IsValidGroupID`.
pub const ID_RANGE_MSG: &str = "must be between 0 and 2147483647, inclusive";

/// `IsValidUserID` / `IsValidGroupID`: 0 ..= 2147483647.
pub fn is_valid_id(id: i64) -> bool {
    (0..=i64::from(i32::MAX)).contains(&id)
}

/// `IsValidUserID`/`IsValidGroupID` as a field error: `Invalid value: <n>: must be between ...`.
pub fn validate_id(id: i64, path: FieldPath) -> Option<FieldError> {
    (!is_valid_id(id)).then(|| FieldError::invalid(path, id, ID_RANGE_MSG))
}

/// `DNS1123SubdomainMaxLength`.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

const DNS1123_SUBDOMAIN_FMT: &str =
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

static DNS1123_SUBDOMAIN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{DNS1123_SUBDOMAIN_FMT}$")).expect("static regex"));

/// `IsDNS1123Subdomain(value)`: the list of messages, empty when valid.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX_LENGTH} characters"
        ));
    }
    if !DNS1123_SUBDOMAIN_RE.is_match(value) {
        errs.push(format!(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
             '-' or '.', and must start and end with an alphanumeric character (e.g. \
             'example.com', regex used for validation is '{DNS1123_SUBDOMAIN_FMT}')"
        ));
    }
    errs
}

/// `DNS1123LabelMaxLength`.
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

static DNS1123_LABEL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{DNS1123_LABEL_FMT}$")).expect("static regex"));

/// `IsDNS1123Label(value)`: the list of messages, empty when valid. A value that is a valid
/// subdomain but not a label can only differ by its dots, and says so.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(format!(
            "must be no more than {DNS1123_LABEL_MAX_LENGTH} characters"
        ));
    }
    if !DNS1123_LABEL_RE.is_match(value) {
        if DNS1123_SUBDOMAIN_RE.is_match(value) {
            errs.push("must not contain dots".to_string());
        } else {
            // `RegexError(msg, fmt, "my-name", "123-abc")`: upstream joins the examples as
            // `'a', ` + ` or ` + `'b', `, hence the two spaces before `or`.
            errs.push(format!(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters \
                 or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  \
                 or '123-abc', regex used for validation is '{DNS1123_LABEL_FMT}')"
            ));
        }
    }
    errs
}

/// `ValidateDNS1123Label(value, fldPath)`: one `Invalid` per message.
pub fn validate_dns1123_label(value: &str, path: &FieldPath) -> Vec<FieldError> {
    is_dns1123_label(value)
        .iter()
        .map(|m| FieldError::invalid(path.clone(), value, m))
        .collect()
}

/// `ValidateDNS1123Subdomain(value, fldPath)` (and `NameIsDNSSubdomain` for object names):
/// one `Invalid` per message.
pub fn validate_dns1123_subdomain(value: &str, path: &FieldPath) -> Vec<FieldError> {
    is_dns1123_subdomain(value)
        .iter()
        .map(|m| FieldError::invalid(path.clone(), value, m))
        .collect()
}

/// `validatePathNoBacksteps(targetPath, fldPath)`: one `must not contain '..'` when a
/// `/`-separated element is `..`.
pub fn validate_path_no_backsteps(target: &str, path: &FieldPath) -> Vec<FieldError> {
    if target.split('/').any(|part| part == "..") {
        vec![FieldError::invalid(
            path.clone(),
            target,
            "must not contain '..'",
        )]
    } else {
        Vec::new()
    }
}

/// `ValidateLocalNonReservedPath(targetPath, fldPath)`: [`validate_local_descending_path`],
/// then `must not start with '..'` for `..x` (not for `../`, already reported).
pub fn validate_local_non_reserved_path(target: &str, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = validate_local_descending_path(target, path);
    if target.starts_with("..") && !target.starts_with("../") {
        errs.push(FieldError::invalid(
            path.clone(),
            target,
            "must not start with '..'",
        ));
    }
    errs
}

/// `validateLocalDescendingPath(targetPath, fldPath)`: `must be a relative path` when it starts
/// with `/`, then at most one `must not contain '..'` when a `/`-separated element is `..`.
///
/// The API server runs on Linux, where `filepath.ToSlash` changes nothing: a backslash is not a
/// separator, so `a\..\b` passes.
pub fn validate_local_descending_path(target: &str, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if target.starts_with('/') {
        errs.push(FieldError::invalid(
            path.clone(),
            target,
            "must be a relative path",
        ));
    }
    errs.extend(validate_path_no_backsteps(target, path));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id(0));
        assert!(is_valid_id(2_147_483_647));
        assert!(!is_valid_id(-1));
        assert!(!is_valid_id(2_147_483_648));
    }

    #[test]
    fn dns_subdomain() {
        assert!(is_dns1123_subdomain("example.com").is_empty());
        assert!(is_dns1123_subdomain("a-b.c0").is_empty());
        assert_eq!(is_dns1123_subdomain("Upper").len(), 1);
        assert_eq!(is_dns1123_subdomain("").len(), 1);
        assert_eq!(is_dns1123_subdomain("a..b").len(), 1);
        assert_eq!(is_dns1123_subdomain("-a").len(), 1);
        let long = "a".repeat(254);
        assert_eq!(
            is_dns1123_subdomain(&long),
            vec!["must be no more than 253 characters".to_string()]
        );
    }

    #[test]
    fn dns_label() {
        assert!(is_dns1123_label("my-name").is_empty());
        assert!(is_dns1123_label("123-abc").is_empty());
        assert_eq!(
            is_dns1123_label("a.b"),
            vec!["must not contain dots".to_string()]
        );
        let bad = is_dns1123_label("-dash");
        assert_eq!(bad.len(), 1);
        assert!(bad[0].ends_with("(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"), "{bad:?}");
        assert_eq!(
            is_dns1123_label(&"a".repeat(64)),
            vec!["must be no more than 63 characters".to_string()]
        );
    }

    #[test]
    fn non_reserved_paths() {
        let p = FieldPath::new("x");
        assert!(validate_local_non_reserved_path("a/..b", &p).is_empty());
        assert_eq!(validate_local_non_reserved_path("..data", &p).len(), 1);
        assert_eq!(validate_local_non_reserved_path("../x", &p).len(), 1);
        assert_eq!(validate_local_non_reserved_path("..", &p).len(), 2);
    }

    #[test]
    fn descending_paths() {
        let p = FieldPath::new("x");
        assert!(validate_local_descending_path("a/b", &p).is_empty());
        assert!(validate_local_descending_path("", &p).is_empty());
        assert!(validate_local_descending_path("a\\..\\b", &p).is_empty());
        assert!(validate_local_descending_path("a..b/..c", &p).is_empty());
        assert_eq!(validate_local_descending_path("../../x", &p).len(), 1);
        assert_eq!(validate_local_descending_path("/../x", &p).len(), 2);
    }
}
