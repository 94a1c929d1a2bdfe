//! Check results and PSA's message helpers: [`CheckResult`], the aggregation into
//! `ForbiddenReason()` / `ForbiddenDetail()` strings (`policy/checks.go`), and
//! [`join_quote`] / [`pluralize`] (`policy/helpers.go`), byte for byte.

use std::borrow::Cow;

use super::location::Location;
use super::visit::ContainerId;

/// Placeholder shown for a forbidden result whose reason is empty (PSA `UnknownForbiddenReason`).
pub const UNKNOWN_FORBIDDEN_REASON: &str = "unknown forbidden reason";

/// The outcome of one check on one pod.
///
/// A forbidden pod is data, not an error. `reason` is short and stable (`runAsNonRoot != true`);
/// `detail` names the specifics (`container "app" must set ...`). Beyond PSA, a forbidden result
/// also says *where*: `fields` are paths of the offending fields (see [`crate::pss::visit`] for
/// the rule used when the offending thing is a missing field), `containers` the containers
/// involved, in visit order, without duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CheckResult {
    /// The pod passes this check.
    #[default]
    Allowed,
    /// The pod violates this check.
    Forbidden {
        /// Short reason, e.g. `host namespaces`. Empty renders as [`UNKNOWN_FORBIDDEN_REASON`].
        reason: Cow<'static, str>,
        /// Specifics, e.g. `hostNetwork=true, hostPID=true`. May be empty.
        detail: String,
        /// Offending field paths, rooted at the pod (`spec.…`, `metadata.annotations[…]`).
        fields: Vec<Location>,
        /// The containers involved, in visit order.
        containers: Vec<ContainerId>,
    },
}

impl CheckResult {
    /// A forbidden result without locations (for synthetic checks and tests).
    pub fn forbidden(reason: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        CheckResult::Forbidden {
            reason: reason.into(),
            detail: detail.into(),
            fields: Vec::new(),
            containers: Vec::new(),
        }
    }

    /// Whether the pod passes.
    pub fn is_allowed(&self) -> bool {
        matches!(self, CheckResult::Allowed)
    }

    /// `(reason, detail)` of a forbidden result; `None` when allowed.
    pub fn message(&self) -> Option<(&str, &str)> {
        match self {
            CheckResult::Allowed => None,
            CheckResult::Forbidden { reason, detail, .. } => Some((reason, detail)),
        }
    }
}

/// PSA `joinQuote`: `""` for no items, else `"a", "b"`. Inner quotes are **not** escaped.
pub fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    push_join_quote(&mut out, items.iter().map(AsRef::as_ref));
    out
}

/// Appends PSA's `joinQuote(items)` to `out`.
pub fn push_join_quote<'a>(out: &mut String, items: impl IntoIterator<Item = &'a str>) {
    let mut any = false;
    for item in items {
        out.push_str(if any { "\", \"" } else { "\"" });
        out.push_str(item);
        any = true;
    }
    if any {
        out.push('"');
    }
}

/// PSA `pluralize`: `singular` iff `count == 1`.
pub const fn pluralize<'a>(singular: &'a str, plural: &'a str, count: usize) -> &'a str {
    if count == 1 { singular } else { plural }
}

/// `container "a"` / `containers "a", "b"`: the phrase PSA builds with
/// `pluralize("container", "containers", n) + " " + joinQuote(names)`.
pub fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    push_containers_phrase(&mut out, names.iter().map(AsRef::as_ref));
    out
}

/// Appends [`containers_phrase`] of `names` to `out`.
pub fn push_containers_phrase<'a, I>(out: &mut String, names: I)
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: Clone,
{
    let names = names.into_iter();
    out.push_str(pluralize("container", "containers", names.clone().count()));
    out.push(' ');
    push_join_quote(out, names);
}

/// The reason as PSA's aggregation reports it: empty becomes [`UNKNOWN_FORBIDDEN_REASON`].
pub fn reported_reason(reason: &str) -> &str {
    if reason.is_empty() {
        UNKNOWN_FORBIDDEN_REASON
    } else {
        reason
    }
}

/// PSA `AggregateCheckResult.ForbiddenReason()`: reasons joined `", "`.
pub fn forbidden_reason<'a>(reasons: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, r) in reasons.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(reported_reason(r));
    }
    out
}

/// PSA `AggregateCheckResult.ForbiddenDetail()`: `reason (detail)` (or just `reason` when the
/// detail is empty) for each failed check, joined `", "`.
pub fn forbidden_detail<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (i, (reason, detail)) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(reported_reason(reason));
        if !detail.is_empty() {
            out.push_str(" (");
            out.push_str(detail);
            out.push(')');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_quote_like_psa() {
        let none: [&str; 0] = [];
        assert_eq!(join_quote(&none), "");
        assert_eq!(join_quote(&["a"]), r#""a""#);
        assert_eq!(join_quote(&["a", "b", "c"]), r#""a", "b", "c""#);
        // No escaping of inner quotes.
        assert_eq!(join_quote(&[r#"x="y""#]), r#""x="y"""#);
    }

    #[test]
    fn pluralize_like_psa() {
        assert_eq!(pluralize("container", "containers", 1), "container");
        assert_eq!(pluralize("container", "containers", 0), "containers");
        assert_eq!(pluralize("container", "containers", 2), "containers");
        assert_eq!(containers_phrase(&["a"]), r#"container "a""#);
        assert_eq!(containers_phrase(&["a", "b"]), r#"containers "a", "b""#);
    }

    #[test]
    fn aggregation_like_psa() {
        let items = [
            ("host ports", "8080, 9090"),
            ("privileged containers", ""),
            ("", "x"),
        ];
        assert_eq!(
            forbidden_detail(items),
            "host ports (8080, 9090), privileged containers, unknown forbidden reason (x)"
        );
        assert_eq!(
            forbidden_reason(items.iter().map(|(r, _)| *r)),
            "host ports, privileged containers, unknown forbidden reason"
        );
        assert_eq!(forbidden_detail([]), "");
    }
}
