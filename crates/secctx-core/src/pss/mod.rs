//! Pod Security Standards, evaluated exactly as Kubernetes Pod Security Admission (PSA,
//! `kubernetes/pod-security-admission` at `8f84a87c`) does, for every policy version
//! `v1.0`..`v1.37` and `latest` (= v1.37; newer versions clamp to it).
//!
//! - [`level`], [`version`]: `Level`, `Version`, `LevelVersion` with PSA's parsing and printing.
//! - [`checks`]: the 19 checks, one file each, and the ordered list [`checks::ALL_CHECKS`].
//! - [`registry`]: validation of a check set and the per-(level, version) check tables.
//! - [`evaluate()`]: a pod against a `LevelVersion` → [`Evaluation`] (failed checks, PSA's
//!   aggregated messages, [`Location`]s of the offending fields, containers involved).
//! - [`fast_path`]: the single pass that tells which checks a pod may fail, so that compliant
//!   pods skip the per-check walk and failing pods run only those checks.
//! - [`policy`]: namespace labels → [`Policy`]; [`config`]: `PodSecurityConfiguration` and
//!   exemptions; [`defaults`]: the API-server defaulting admission sees.
//! - [`result`], [`quote`], [`field_error`], [`location`], [`visit`]: message helpers,
//!   locations and the container visitor.
//!
//! This module owns PSA *semantics*. It does not read files, and it does not implement the
//! admission webhook's request handling (significant-update detection, subresources,
//! namespace dry-runs).
//!
//! ```
//! use k8s_openapi::api::core::v1::PodSpec;
//! use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
//! use secctx_core::pss::{self, LevelVersion};
//!
//! let spec: PodSpec = serde_json::from_value(serde_json::json!({
//!     "containers": [{"name": "app", "image": "nginx"}]
//! })).unwrap();
//! let lv: LevelVersion = "baseline:latest".parse().unwrap();
//! let eval = pss::evaluate(lv, &ObjectMeta::default(), &spec);
//! assert!(eval.is_allowed());
//! ```

pub mod checks;
pub mod config;
pub mod defaults;
pub mod evaluate;
pub mod fast_path;
pub mod field_error;
pub mod level;
pub mod location;
pub mod policy;
pub mod quote;
pub mod registry;
pub mod result;
pub mod version;
pub mod visit;

pub use config::{Exemption, PodSecurityConfiguration};
pub use evaluate::{
    Evaluation, Violation, audit_message, enforce_message, evaluate, forbidden_message,
    warn_message,
};
pub use level::Level;
pub use location::Location;
pub use policy::{Policy, policy_to_evaluate};
pub use registry::{Registry, default_registry};
pub use result::CheckResult;
pub use version::{LevelVersion, Version};
pub use visit::{ContainerId, ContainerKind};
