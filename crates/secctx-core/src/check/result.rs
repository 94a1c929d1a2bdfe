//! The results of `check`, as data: one [`ObjectResult`] per workload or Namespace judged.

use std::fmt;
use std::sync::Arc;

use super::suppress::Suppression;
use crate::pss::{Exemption, LevelVersion, Policy};
use crate::yaml::Pos;

/// A Pod Security Admission mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Violations reject the pod.
    Enforce,
    /// Violations are returned to the client as warnings.
    Warn,
    /// Violations are recorded in the audit log.
    Audit,
}

impl Mode {
    /// `enforce`, `warn` or `audit`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Nothing to report.
    None,
    /// A warn or audit violation: the object is admitted.
    Warning,
    /// A validation error or an enforce violation: the object is rejected.
    Error,
}

impl Severity {
    /// `none`, `warning` or `error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// An offending field and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldFinding {
    /// The field's path inside the object (`spec.template.spec.containers[0].securityContext`).
    pub path: String,
    /// The path as PSA or validation reports it (relative to the pod template for violations).
    pub reported: String,
    /// Where the field is written; for a missing field, its deepest written ancestor.
    pub pos: Pos,
    /// Whether the field itself is written (false: `pos` is an ancestor's).
    pub present: bool,
}

/// One API validation error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationFinding {
    /// `<path>: <type>: <value>: <detail>`, as the API server prints it.
    pub message: String,
    /// The field.
    pub field: FieldFinding,
}

/// One failed Pod Security check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViolationFinding {
    /// The check ID (`runAsNonRoot`).
    pub check: &'static str,
    /// PSA's reason (`runAsNonRoot != true`).
    pub reason: String,
    /// PSA's detail (may be empty).
    pub detail: String,
    /// The containers involved, in visit order (init, regular, ephemeral).
    pub containers: Vec<String>,
    /// The offending fields.
    pub fields: Vec<FieldFinding>,
    /// Set when an annotation or the repository configuration suppresses this finding.
    pub suppressed: Option<Suppression>,
}

/// The verdict on one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectResult {
    /// The kind (`Pod`, `Deployment`, `Namespace`, ...).
    pub kind: &'static str,
    /// The name (`generateName` when there is no name).
    pub name: String,
    /// The namespace the object is judged in (for a Namespace, its own name).
    pub namespace: String,
    /// The file (`-` for standard input).
    pub file: Arc<str>,
    /// Where the object starts.
    pub pos: Pos,
    /// Whether this is a controller's pod template (judged at warn and audit only).
    pub template: bool,
    /// The policy in effect (`None` for a Namespace).
    pub policy: Option<Policy>,
    /// The mode that gave the verdict: the first failing of enforce (pods only), warn, audit;
    /// enforce (pods) or warn (templates) when nothing fails; `None` when exempt or a Namespace.
    pub mode: Option<Mode>,
    /// The level and version of [`ObjectResult::mode`].
    pub level_version: Option<LevelVersion>,
    /// Whether the API server would admit the object (templates are always admitted by PSA;
    /// validation errors reject).
    pub allowed: bool,
    /// The exemption that applied, if any.
    pub exempt: Option<Exemption>,
    /// API validation errors (for a Namespace: its label errors).
    pub validation: Vec<ValidationFinding>,
    /// `Pod "x" is invalid: ...` when there are validation errors.
    pub validation_message: Option<String>,
    /// The failed checks of [`ObjectResult::mode`].
    pub violations: Vec<ViolationFinding>,
    /// PSA's aggregated message: `violates PodSecurity "<lv>": ...` (enforce) or
    /// `would violate PodSecurity "<lv>": ...` (warn, audit).
    pub message: Option<String>,
    /// What the API server answers for an enforce rejection: `pods "x" is forbidden: ...`.
    pub forbidden_message: Option<String>,
    /// The chart template the object was rendered from (`helm template`'s `# Source:`
    /// comment), when the input says.
    pub source: Option<String>,
    /// Remarks on the object that are not findings (a suppression annotation naming no check).
    pub notes: Vec<String>,
}

impl ObjectResult {
    /// The severity: error for validation errors and enforce violations, warning for warn and
    /// audit violations. Suppressed violations do not count.
    pub fn severity(&self) -> Severity {
        let active = self.active_violations().next().is_some();
        if !self.validation.is_empty() || (active && self.mode == Some(Mode::Enforce)) {
            Severity::Error
        } else if active {
            Severity::Warning
        } else {
            Severity::None
        }
    }

    /// Whether anything was found (the CLI exits 1 when any object has a finding).
    pub fn has_findings(&self) -> bool {
        self.severity() != Severity::None
    }

    /// The violations not suppressed.
    pub fn active_violations(&self) -> impl Iterator<Item = &ViolationFinding> {
        self.violations.iter().filter(|v| v.suppressed.is_none())
    }

    /// The number of suppressed violations.
    pub fn suppressed(&self) -> usize {
        self.violations
            .iter()
            .filter(|v| v.suppressed.is_some())
            .count()
    }
}

/// Everything `check` found, in input order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// One entry per workload and per Namespace with label errors, in input order.
    pub objects: Vec<ObjectResult>,
}

impl CheckReport {
    /// Objects with errors.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Objects with warnings only.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// Objects with no finding.
    pub fn clean(&self) -> usize {
        self.count(Severity::None)
    }

    /// Suppressed findings, over all objects.
    pub fn suppressed(&self) -> usize {
        self.objects.iter().map(ObjectResult::suppressed).sum()
    }

    fn count(&self, s: Severity) -> usize {
        self.objects.iter().filter(|o| o.severity() == s).count()
    }
}
