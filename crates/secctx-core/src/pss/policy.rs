//! Namespace labels → the policy to evaluate (PSA `api/helpers.go: PolicyToEvaluate`), and the
//! messages the namespace side of PSA produces from label errors.
//!
//! * Absent labels keep the configured defaults.
//! * An invalid level is an error `must be one of privileged, baseline, restricted`; enforce
//!   then falls back to `restricted`, audit and warn to `privileged` (fail open).
//! * An invalid version is an error `must be "latest" or "v1.x"` and falls back to `latest`.
//! * Warn defaulting: with no warn-level label and a valid enforce-level label stricter than the
//!   (default) warn level, warn takes the enforce level, and the enforce version unless a
//!   warn-version label exists.
//! * Pods in namespaces with invalid labels are still evaluated, with the fallbacks.

use std::collections::BTreeMap;
use std::fmt;

use super::field_error::{FieldError, aggregate_message};
use super::level::Level;
use super::quote::go_quote;
use super::version::{LevelVersion, Version};
use crate::path::FieldPath;

/// Prefix of every Pod Security label and audit annotation.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";
/// `pod-security.kubernetes.io/enforce`.
pub const ENFORCE_LEVEL_LABEL: &str = "pod-security.kubernetes.io/enforce";
/// `pod-security.kubernetes.io/enforce-version`.
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
/// `pod-security.kubernetes.io/audit`.
pub const AUDIT_LEVEL_LABEL: &str = "pod-security.kubernetes.io/audit";
/// `pod-security.kubernetes.io/audit-version`.
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";
/// `pod-security.kubernetes.io/warn`.
pub const WARN_LEVEL_LABEL: &str = "pod-security.kubernetes.io/warn";
/// `pod-security.kubernetes.io/warn-version`.
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";

/// The three modes' level and version for a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// Violations reject the pod.
    pub enforce: LevelVersion,
    /// Violations are recorded in the audit annotation.
    pub audit: LevelVersion,
    /// Violations are returned as warnings.
    pub warn: LevelVersion,
}

impl Default for Policy {
    /// `privileged:latest` for all three modes (PSA's configuration defaults).
    fn default() -> Policy {
        let p = LevelVersion::new(Level::Privileged, Version::Latest);
        Policy {
            enforce: p,
            audit: p,
            warn: p,
        }
    }
}

impl Policy {
    /// Sets the level and/or the version of all three modes (`--level`, `--version`).
    pub fn override_all(&mut self, level: Option<Level>, version: Option<Version>) {
        for lv in [&mut self.enforce, &mut self.audit, &mut self.warn] {
            if let Some(l) = level {
                lv.level = l;
            }
            if let Some(v) = version {
                lv.version = v;
            }
        }
    }

    /// All three modes are `privileged`.
    pub fn fully_privileged(&self) -> bool {
        [self.enforce, self.audit, self.warn]
            .iter()
            .all(|lv| lv.level == Level::Privileged)
    }

    /// PSA `Policy.Equivalent`: each mode is equivalent.
    pub fn equivalent(&self, other: &Policy) -> bool {
        self.enforce.equivalent(&other.enforce)
            && self.audit.equivalent(&other.audit)
            && self.warn.equivalent(&other.warn)
    }
}

impl fmt::Display for Policy {
    /// `enforce=<lv>, audit=<lv>, warn=<lv>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "enforce={}, audit={}, warn={}",
            self.enforce, self.audit, self.warn
        )
    }
}

fn label_error(label: &str, value: &str, detail: String) -> FieldError {
    FieldError::invalid(
        FieldPath::new("metadata").child("labels").key(label),
        value,
        detail,
    )
}

fn parse_level(label: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<Level> {
    value
        .parse::<Level>()
        .map_err(|e| errors.push(label_error(label, value, e.to_string())))
        .ok()
}

fn parse_version(label: &str, value: &str, errors: &mut Vec<FieldError>) -> Version {
    value
        .parse::<Version>()
        .map_err(|e| errors.push(label_error(label, value, e.to_string())))
        .unwrap_or(Version::Latest)
}

/// Resolves namespace labels to the policy to evaluate, starting from `defaults`. A valid
/// policy is always returned, together with the label errors (in label order enforce,
/// enforce-version, audit, audit-version, warn, warn-version).
pub fn policy_to_evaluate(
    labels: &BTreeMap<String, String>,
    defaults: &Policy,
) -> (Policy, Vec<FieldError>) {
    let mut p = *defaults;
    let mut errors = Vec::new();
    if labels.is_empty() {
        return (p, errors);
    }
    let get = |k: &str| labels.get(k).map(String::as_str);

    let mut has_enforce_level = false;
    if let Some(v) = get(ENFORCE_LEVEL_LABEL) {
        let level = parse_level(ENFORCE_LEVEL_LABEL, v, &mut errors);
        has_enforce_level = level.is_some(); // don't default warn from an invalid label
        p.enforce.level = level.unwrap_or(Level::Restricted);
    }
    if let Some(v) = get(ENFORCE_VERSION_LABEL) {
        p.enforce.version = parse_version(ENFORCE_VERSION_LABEL, v, &mut errors);
    }
    if let Some(v) = get(AUDIT_LEVEL_LABEL) {
        p.audit.level = parse_level(AUDIT_LEVEL_LABEL, v, &mut errors).unwrap_or(Level::Privileged);
    }
    if let Some(v) = get(AUDIT_VERSION_LABEL) {
        p.audit.version = parse_version(AUDIT_VERSION_LABEL, v, &mut errors);
    }
    let has_warn_level = get(WARN_LEVEL_LABEL).is_some();
    if let Some(v) = get(WARN_LEVEL_LABEL) {
        p.warn.level = parse_level(WARN_LEVEL_LABEL, v, &mut errors).unwrap_or(Level::Privileged);
    }
    let has_warn_version = get(WARN_VERSION_LABEL).is_some();
    if let Some(v) = get(WARN_VERSION_LABEL) {
        p.warn.version = parse_version(WARN_VERSION_LABEL, v, &mut errors);
    }
    if !has_warn_level && has_enforce_level && p.enforce.level > p.warn.level {
        p.warn.level = p.enforce.level;
        if !has_warn_version {
            p.warn.version = p.enforce.version;
        }
    }
    (p, errors)
}

/// The rejection of a namespace create with invalid labels:
/// `Namespace "<name>" is invalid: <errors>` (one error bare, several as `[e1, e2]`).
pub fn namespace_invalid_message(namespace: &str, errors: &[FieldError]) -> String {
    format!(
        "Namespace {} is invalid: {}",
        go_quote(namespace),
        aggregate_message(errors)
    )
}

/// The `error` audit annotation for a pod in a namespace with invalid labels:
/// `Failed to parse policy: <errors>`.
pub fn policy_error_annotation(errors: &[FieldError]) -> String {
    format!("Failed to parse policy: {}", aggregate_message(errors))
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
