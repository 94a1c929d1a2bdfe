//! `secctx check`: judge loaded manifests as the API server and Pod Security Admission would,
//! and return the verdicts as data (rendering is the CLI's job).
//!
//! For every workload (a Pod, or the pod template of a controller):
//!
//! 1. API validation of the security fields ([`crate::validate`]): errors are reported as the
//!    API server formats them, `Pod "x" is invalid: ...`, ahead of the policy verdict (the API
//!    server rejects an invalid object before admission runs; secctx still shows the verdict).
//! 2. The namespace: `metadata.namespace`, else [`CheckOptions::default_namespace`]. Its
//!    policy comes from a `Namespace` object in the input with `pod-security.kubernetes.io/*`
//!    labels ([`crate::pss::policy_to_evaluate`]: fallbacks and warn defaulting), else from
//!    [`CheckOptions::default_policy`].
//! 3. Exemptions (PSA's order: namespace, user, runtime class).
//! 4. Pod Security: a Pod is evaluated at enforce (a failure is an error), then warn, then
//!    audit (failures are warnings); a controller's template at warn, then audit only, as PSA
//!    does for controllers (never enforce). The first mode that fails gives the verdict.
//!
//! 5. Repository policy ([`RepoConfig`], `.secctx.yaml`): per-namespace and per-path default
//!    levels (where no Namespace object's labels say), and suppressions by annotation
//!    (`secctx.io/ignore-check.<check>`) or rule ([`apply_suppressions`]); [`FailOn`] decides
//!    which severities fail the run. All of it works on one object's result at a time.
//!
//! [`suggest`] answers the other question: the strictest level each namespace's workloads pass.
//!
//! Namespace objects with invalid labels are reported as the API server rejects them:
//! `Namespace "x" is invalid: metadata.labels[...]: Invalid value: ...`.

mod fail_on;
mod files;
pub mod glob;
mod helm_source;
mod hints;
mod judge;
mod namespaces;
mod options;
pub mod repo_config;
mod result;
pub mod suggest;
mod suppress;

pub use fail_on::{FailOn, FailOnParseError};
pub use files::{has_no_objects, is_not_an_object};
pub use helm_source::{SourceMap, SourceTracker};
pub use hints::hint;
pub use judge::{Judge, check};
pub use namespaces::{NamespaceEntry, NamespacePolicies};
pub use options::CheckOptions;
pub use repo_config::{ConfigBase, ConfigError, RepoConfig};
pub use result::{
    CheckReport, FieldFinding, Mode, ObjectResult, Severity, ValidationFinding, ViolationFinding,
};
pub use suppress::{ANNOTATION_PREFIX, SuppressedBy, Suppression, apply_suppressions};

#[cfg(test)]
mod repo_tests;
#[cfg(test)]
mod tests;
