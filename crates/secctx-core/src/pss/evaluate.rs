//! Evaluating a pod against a level and version, and the messages PSA builds from the result
//! (`admission/admission.go: EvaluatePod`, apimachinery `NewForbidden`).

use std::borrow::Cow;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::fast_path;
use super::location::Location;
use super::quote::go_quote;
use super::registry::{Registry, default_registry};
use super::result::{self, CheckResult, UNKNOWN_FORBIDDEN_REASON};
use super::version::LevelVersion;
use super::visit::ContainerId;
use crate::path::FieldPath;

/// How many violations room is made for at the first one (more grow the list as usual).
const VIOLATIONS_RESERVED: usize = 8;

/// One failed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The check ID, e.g. `runAsNonRoot`.
    pub check_id: &'static str,
    /// The reason as reported: never empty ([`UNKNOWN_FORBIDDEN_REASON`] replaces `""`).
    pub reason: Cow<'static, str>,
    /// The detail (may be empty).
    pub detail: String,
    /// Offending field paths, rooted at the pod (see [`crate::pss::visit`] for missing fields).
    pub fields: Vec<Location>,
    /// Containers involved, in visit order (see [`Violation::container_names`]).
    pub containers: Vec<ContainerId>,
}

impl Violation {
    /// The offending fields as [`FieldPath`]s (for mapping to source positions).
    pub fn field_paths(&self) -> Vec<FieldPath> {
        self.fields.iter().map(Location::to_field_path).collect()
    }

    /// The names of the containers involved, looked up in the evaluated `spec`.
    pub fn container_names<'a>(&self, spec: &'a PodSpec) -> Vec<&'a str> {
        self.containers
            .iter()
            .filter_map(|c| c.name(spec))
            .collect()
    }
}

/// The result of evaluating one pod at one level and version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// What was asked for (printed in messages as asked, e.g. `restricted:latest`).
    pub level_version: LevelVersion,
    /// Failed checks, in PSA's report order.
    pub violations: Vec<Violation>,
}

impl Evaluation {
    /// Whether no check failed.
    pub fn is_allowed(&self) -> bool {
        self.violations.is_empty()
    }

    /// PSA `ForbiddenReason()`: `host namespaces, privileged`.
    pub fn forbidden_reason(&self) -> String {
        result::forbidden_reason(self.violations.iter().map(|v| v.reason.as_ref()))
    }

    /// PSA `ForbiddenDetail()`: `host namespaces (hostNetwork=true), privileged (container "c"
    /// must not set securityContext.privileged=true)`.
    pub fn forbidden_detail(&self) -> String {
        result::forbidden_detail(
            self.violations
                .iter()
                .map(|v| (v.reason.as_ref(), v.detail.as_str())),
        )
    }

    /// `violates PodSecurity "<lv>": <detail>`, or `None` when allowed.
    pub fn enforce_message(&self) -> Option<String> {
        (!self.is_allowed()).then(|| enforce_message(&self.level_version, &self.forbidden_detail()))
    }

    /// `would violate PodSecurity "<lv>": <detail>` (warning / audit annotation), or `None`.
    pub fn warn_message(&self) -> Option<String> {
        (!self.is_allowed()).then(|| warn_message(&self.level_version, &self.forbidden_detail()))
    }
}

/// Evaluates the pod with the registry of all checks ([`default_registry`]).
///
/// `privileged` evaluates nothing; `latest` and versions newer than v1.37 evaluate as v1.37.
pub fn evaluate(lv: LevelVersion, meta: &ObjectMeta, spec: &PodSpec) -> Evaluation {
    default_registry().evaluate(lv, meta, spec)
}

impl Registry {
    /// Evaluates the pod at `lv` with this registry's checks.
    pub fn evaluate(&self, lv: LevelVersion, meta: &ObjectMeta, spec: &PodSpec) -> Evaluation {
        let mut violations = Vec::new();
        // With the standard checks, only those the single pass cannot clear are evaluated.
        let suspects = if self.uses_fast_path() {
            fast_path::suspects(meta, spec)
        } else {
            u32::MAX
        };
        if suspects == 0 {
            return Evaluation {
                level_version: lv,
                violations,
            };
        }
        let checks = self.checks(lv);
        for (i, active) in checks.iter().enumerate() {
            if active.index < 32 && suspects & (1 << active.index) == 0 {
                continue;
            }
            if let CheckResult::Forbidden {
                reason,
                detail,
                fields,
                containers,
            } = (active.check)(meta, spec)
            {
                if violations.is_empty() {
                    // One allocation for the violations this pod is likely to have, kept small
                    // enough (8 × 112 bytes) for the allocator's per-thread cache: room for
                    // every remaining check (~1.5 KB) would take malloc's slow path every time.
                    violations.reserve_exact((checks.len() - i).min(VIOLATIONS_RESERVED));
                }
                violations.push(Violation {
                    check_id: active.id,
                    reason: if reason.is_empty() {
                        Cow::Borrowed(UNKNOWN_FORBIDDEN_REASON)
                    } else {
                        reason
                    },
                    detail,
                    fields,
                    containers,
                });
            }
        }
        Evaluation {
            level_version: lv,
            violations,
        }
    }
}

/// The enforce error: `violates PodSecurity "restricted:latest": <detail>`.
pub fn enforce_message(lv: &LevelVersion, detail: &str) -> String {
    format!(
        "violates PodSecurity {}: {detail}",
        go_quote(&lv.to_string())
    )
}

/// The warning and `audit-violations` text: `would violate PodSecurity "<lv>": <detail>`.
pub fn warn_message(lv: &LevelVersion, detail: &str) -> String {
    format!(
        "would violate PodSecurity {}: {detail}",
        go_quote(&lv.to_string())
    )
}

/// Same text as [`warn_message`] (PSA uses one format for audit annotations and warnings).
pub fn audit_message(lv: &LevelVersion, detail: &str) -> String {
    warn_message(lv, detail)
}

/// The API server's forbidden status message for a pod: `pods "<name>" is forbidden: <msg>`,
/// or `pods is forbidden: <msg>` when the name is empty (`apierrors.NewForbidden`).
pub fn forbidden_message(pod_name: &str, message: &str) -> String {
    if pod_name.is_empty() {
        format!("pods is forbidden: {message}")
    } else {
        format!("pods {} is forbidden: {message}", go_quote(pod_name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::{Check, VersionedCheck};
    use crate::pss::level::Level;
    use crate::pss::version::Version;

    fn empty_reason(_: &ObjectMeta, _: &PodSpec) -> CheckResult {
        CheckResult::forbidden("", "")
    }

    fn with_detail(_: &ObjectMeta, _: &PodSpec) -> CheckResult {
        CheckResult::forbidden("", "some detail")
    }

    #[test]
    fn empty_reason_is_reported_as_unknown() {
        let checks = [
            Check {
                id: "a",
                level: Level::Baseline,
                versions: &[VersionedCheck {
                    min_version: Version::V1(0),
                    check: empty_reason,
                    overrides: &[],
                }],
            },
            Check {
                id: "b",
                level: Level::Baseline,
                versions: &[VersionedCheck {
                    min_version: Version::V1(0),
                    check: with_detail,
                    overrides: &[],
                }],
            },
        ];
        let reg = Registry::new(&checks, None).unwrap();
        let lv = LevelVersion::new(Level::Baseline, Version::Latest);
        let e = reg.evaluate(lv, &ObjectMeta::default(), &PodSpec::default());
        assert_eq!(e.violations[0].reason, "unknown forbidden reason");
        assert_eq!(
            e.forbidden_detail(),
            "unknown forbidden reason, unknown forbidden reason (some detail)"
        );
        assert_eq!(
            e.forbidden_reason(),
            "unknown forbidden reason, unknown forbidden reason"
        );
    }

    #[test]
    fn messages() {
        let lv = LevelVersion::new(Level::Baseline, Version::V1(30));
        assert_eq!(
            enforce_message(&lv, "d"),
            r#"violates PodSecurity "baseline:v1.30": d"#
        );
        assert_eq!(
            warn_message(&lv, "d"),
            r#"would violate PodSecurity "baseline:v1.30": d"#
        );
        assert_eq!(audit_message(&lv, "d"), warn_message(&lv, "d"));
        assert_eq!(forbidden_message("x", "m"), r#"pods "x" is forbidden: m"#);
        assert_eq!(forbidden_message("", "m"), "pods is forbidden: m");
    }

    #[test]
    fn privileged_evaluates_nothing() {
        let lv = LevelVersion::new(Level::Privileged, Version::Latest);
        let spec: PodSpec = serde_json::from_value(serde_json::json!({
            "hostNetwork": true,
            "containers": [{"name": "a", "securityContext": {"privileged": true}}]
        }))
        .unwrap();
        let e = evaluate(lv, &ObjectMeta::default(), &spec);
        assert!(e.is_allowed());
        assert_eq!(e.enforce_message(), None);
    }
}
