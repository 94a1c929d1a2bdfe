//! `record`: what one observed run of a pod needed, turned into the tightest security context
//! that still works. Pure: the observations come in as values (`secctx_runtime::record`
//! gathers them), the manifest, profile and report go out as values.
//!
//! - [`observed`]: what a container did (syscalls, capabilities, written paths, identity).
//! - [`paths`]: written paths → emptyDirs at the shallowest directories covering them.
//! - [`profile`]: the seccomp profile (OCI/Localhost JSON, security-profiles-operator object).
//! - [`derive`]: observations + pod spec → recorded pod spec, with each field's source.
//! - [`report`]: the human-readable report.

pub mod derive;
pub mod observed;
pub mod paths;
pub mod profile;
pub mod report;

pub use derive::{DeriveOptions, Derived, FieldSource, derive};
pub use observed::{Observed, WriteKind, Written};
