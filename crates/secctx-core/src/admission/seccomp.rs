//! Seccomp under SCCs (`seccomp/strategy.go`): profiles in the legacy annotation form
//! (`runtime/default`, `localhost/<p>`, `unconfined`), the pod annotation and field kept in
//! step, and the allowed-profile list.

use std::borrow::Cow;

use k8s_openapi::api::core::v1::SeccompProfile;

/// The legacy pod annotation.
pub const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// The legacy per-container annotation prefix.
pub const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// A field value in annotation form.
pub fn annotation_for_field(p: &SeccompProfile) -> Cow<'static, str> {
    match p.type_.as_str() {
        "RuntimeDefault" => Cow::Borrowed("runtime/default"),
        "Unconfined" => Cow::Borrowed("unconfined"),
        "Localhost" => Cow::Owned(format!(
            "localhost/{}",
            p.localhost_profile.as_deref().unwrap_or("")
        )),
        other => Cow::Owned(other.to_string()),
    }
}

/// An annotation value as the field (`None` for an unrecognised or empty localhost value).
pub fn field_for_annotation(a: &str) -> Option<SeccompProfile> {
    let f = |t: &str, l: Option<String>| SeccompProfile {
        type_: t.into(),
        localhost_profile: l,
    };
    match a {
        "unconfined" => Some(f("Unconfined", None)),
        "runtime/default" | "docker/default" => Some(f("RuntimeDefault", None)),
        _ => a
            .strip_prefix("localhost/")
            .filter(|p| !p.is_empty())
            .map(|p| f("Localhost", Some(p.into()))),
    }
}

/// The profile admission writes when none is set: the first non-`*` entry.
pub fn default_profile(allowed: &[String]) -> Option<&str> {
    allowed.iter().map(String::as_str).find(|p| *p != "*")
}

/// Whether `profile` (annotation form, "" for none) is allowed.
pub fn allowed(allowed: &[String], profile: &str) -> bool {
    if allowed.is_empty() {
        return profile.is_empty();
    }
    fn norm(p: &str) -> &str {
        if p == "docker/default" {
            "runtime/default"
        } else {
            p
        }
    }
    allowed.iter().any(|a| a == "*" || norm(a) == norm(profile))
}
