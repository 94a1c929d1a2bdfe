//! `PodSecurityConfiguration` (`pod-security.admission.config.k8s.io/v1`, PSA
//! `admission/api/v1`): default policy and exemptions, with PSA's defaulting and validation
//! (`admission/api/validation`), and the exemption decision of `admission/admission.go`.
//!
//! Only `v1` is accepted (the deprecated `v1beta1`/`v1alpha1` are rejected with
//! [`ConfigError::ApiVersion`]). Unknown fields are ignored, as PSA's non-strict decoder does.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::field_error::{FieldError, aggregate_message};
use super::level::Level;
use super::policy::Policy;
use super::version::{LevelVersion, Version};
use crate::path::FieldPath;

/// The only accepted `apiVersion`.
pub const API_VERSION: &str = "pod-security.admission.config.k8s.io/v1";
/// The expected `kind`.
pub const KIND: &str = "PodSecurityConfiguration";

/// The admission plugin's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityConfiguration {
    /// Must be [`API_VERSION`].
    #[serde(default)]
    pub api_version: String,
    /// Must be [`KIND`].
    #[serde(default)]
    pub kind: String,
    /// Policy for namespaces without labels (and for absent labels).
    #[serde(default)]
    pub defaults: PodSecurityDefaults,
    /// Requests that are never evaluated.
    #[serde(default)]
    pub exemptions: PodSecurityExemptions,
}

/// `defaults`: raw level/version strings (empty = unset; see [`PodSecurityDefaults::defaulted`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodSecurityDefaults {
    /// `enforce`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub enforce: String,
    /// `enforce-version`.
    #[serde(
        default,
        rename = "enforce-version",
        skip_serializing_if = "String::is_empty"
    )]
    pub enforce_version: String,
    /// `audit`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub audit: String,
    /// `audit-version`.
    #[serde(
        default,
        rename = "audit-version",
        skip_serializing_if = "String::is_empty"
    )]
    pub audit_version: String,
    /// `warn`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub warn: String,
    /// `warn-version`.
    #[serde(
        default,
        rename = "warn-version",
        skip_serializing_if = "String::is_empty"
    )]
    pub warn_version: String,
}

impl PodSecurityDefaults {
    /// v1 defaulting: empty levels become `privileged`, empty versions `latest`.
    #[must_use]
    pub fn defaulted(mut self) -> PodSecurityDefaults {
        for level in [&mut self.enforce, &mut self.audit, &mut self.warn] {
            if level.is_empty() {
                *level = Level::Privileged.as_str().to_owned();
            }
        }
        for version in [
            &mut self.enforce_version,
            &mut self.audit_version,
            &mut self.warn_version,
        ] {
            if version.is_empty() {
                *version = "latest".to_owned();
            }
        }
        self
    }
}

/// `exemptions`: exact-match lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityExemptions {
    /// Requesting users (for controller-created pods, the controller's identity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usernames: Vec<String>,
    /// Namespaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Pod `spec.runtimeClassName`s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_classes: Vec<String>,
}

/// Which exemption let a request through (the `exempt` audit annotation value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exemption {
    /// `namespace`.
    Namespace,
    /// `user`.
    User,
    /// `runtimeClass`.
    RuntimeClass,
}

impl Exemption {
    /// The annotation value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Exemption::Namespace => "namespace",
            Exemption::User => "user",
            Exemption::RuntimeClass => "runtimeClass",
        }
    }
}

impl fmt::Display for Exemption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PodSecurityExemptions {
    /// The exemption that applies, checked in PSA's order: namespace, user, then runtime class.
    /// Empty namespace, username or runtime class never match.
    pub fn exemption(
        &self,
        namespace: &str,
        username: &str,
        runtime_class: Option<&str>,
    ) -> Option<Exemption> {
        let hit = |list: &[String], v: &str| !v.is_empty() && list.iter().any(|x| x == v);
        if hit(&self.namespaces, namespace) {
            Some(Exemption::Namespace)
        } else if hit(&self.usernames, username) {
            Some(Exemption::User)
        } else if hit(&self.runtime_classes, runtime_class.unwrap_or("")) {
            Some(Exemption::RuntimeClass)
        } else {
            None
        }
    }
}

/// Why a configuration is unusable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `apiVersion` is not [`API_VERSION`].
    #[error("unsupported apiVersion {0:?}: expected \"pod-security.admission.config.k8s.io/v1\"")]
    ApiVersion(String),
    /// `kind` is not [`KIND`].
    #[error("unsupported kind {0:?}: expected \"PodSecurityConfiguration\"")]
    Kind(String),
    /// Field errors, rendered as PSA aggregates them.
    #[error("{}", aggregate_message(.0))]
    Invalid(Vec<FieldError>),
}

impl PodSecurityConfiguration {
    /// The configuration with v1 defaulting applied to `defaults`.
    #[must_use]
    pub fn defaulted(mut self) -> PodSecurityConfiguration {
        self.defaults = self.defaults.defaulted();
        self
    }

    /// PSA `ValidatePodSecurityConfiguration` (after checking `apiVersion` and `kind`). Call on
    /// a [`defaulted`](Self::defaulted) configuration: empty levels are invalid.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.api_version != API_VERSION {
            return Err(ConfigError::ApiVersion(self.api_version.clone()));
        }
        if self.kind != KIND {
            return Err(ConfigError::Kind(self.kind.clone()));
        }
        let d = &self.defaults;
        let mut errors = Vec::new();
        let path = |f: &str| FieldPath::new("defaults").child(f);
        for (field, value, is_level) in [
            ("enforce", &d.enforce, true),
            ("enforce-version", &d.enforce_version, false),
            ("warn", &d.warn, true),
            ("warn-version", &d.warn_version, false),
            ("audit", &d.audit, true),
            ("audit-version", &d.audit_version, false),
        ] {
            let err = if is_level {
                value.parse::<Level>().err().map(|e| e.to_string())
            } else {
                value.parse::<Version>().err().map(|e| e.to_string())
            };
            if let Some(msg) = err {
                errors.push(FieldError::invalid(path(field), value, msg));
            }
        }
        let e = &self.exemptions;
        validate_list(&mut errors, "namespaces", &e.namespaces, dns1123_label);
        validate_list(
            &mut errors,
            "runtimeClasses",
            &e.runtime_classes,
            dns1123_subdomain,
        );
        validate_list(&mut errors, "usernames", &e.usernames, |u| {
            if u.is_empty() {
                vec!["username must not be empty".to_owned()]
            } else {
                Vec::new()
            }
        });
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }

    /// The default policy, after [`validate`](Self::validate).
    pub fn default_policy(&self) -> Result<Policy, ConfigError> {
        self.validate()?;
        let d = &self.defaults;
        // Validated above, so every parse succeeds.
        let lv = |level: &str, version: &str| {
            LevelVersion::new(
                level.parse().unwrap_or(Level::Restricted),
                version.parse().unwrap_or(Version::Latest),
            )
        };
        Ok(Policy {
            enforce: lv(&d.enforce, &d.enforce_version),
            audit: lv(&d.audit, &d.audit_version),
            warn: lv(&d.warn, &d.warn_version),
        })
    }
}

/// Validates each item; invalid items are reported, valid repeats are `Duplicate value`.
fn validate_list(
    errors: &mut Vec<FieldError>,
    field: &str,
    items: &[String],
    check: impl Fn(&str) -> Vec<String>,
) {
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = FieldPath::new("exemptions").child(field).index(i);
        let problems = check(item);
        if !problems.is_empty() {
            errors.push(FieldError::invalid(path, item, problems.join(", ")));
        } else if !seen.insert(item.as_str()) {
            errors.push(FieldError::duplicate(path, item));
        }
    }
}

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            alnum(first) && alnum(last) && b.iter().all(|c| alnum(c) || *c == b'-')
        }
        _ => false,
    }
}

fn is_subdomain(s: &str) -> bool {
    s.split('.').all(is_label)
}

const LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

/// apimachinery `IsDNS1123Label` messages.
fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !is_label(s) {
        if is_subdomain(s) {
            errs.push("must not contain dots".to_owned());
        } else {
            errs.push(format!(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{LABEL_FMT}')"
            ));
        }
    }
    errs
}

/// apimachinery `IsDNS1123Subdomain` messages.
fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_owned());
    }
    if !is_subdomain(s) {
        errs.push(format!(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{LABEL_FMT}(\\.{LABEL_FMT})*')"
        ));
    }
    errs
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
