//! `/validate`: Pod Security Admission as upstream's webhook decides (pod-security-admission
//! `admission/admission.go`, spec §2.3–2.5), with every evaluation done by
//! [`secctx_core::pss`], the code `secctx check` uses.
//!
//! - [`pod`]: pods and pod subresources such as `ephemeralcontainers` (enforce, audit, warn).
//! - [`controller`]: workload templates (audit and warn only, never denied).
//! - [`namespace`]: label validation and the warnings about existing pods when enforce is
//!   tightened.
//! - [`context`]: what one request is decided against (snapshot, live lookups, deadline).

pub mod context;
pub mod controller;
pub mod namespace;
pub mod pod;

use std::time::Duration;

use secctx_core::pss::config::PodSecurityExemptions;
use secctx_core::pss::{PodSecurityConfiguration, Policy};

pub use context::Context;

use crate::review::AdmissionResponse;

/// Upstream's budget for checking existing pods on a namespace label change.
pub const NAMESPACE_POD_CHECK_TIMEOUT: Duration = Duration::from_secs(1);
/// Upstream's maximum number of existing pods checked on a namespace label change.
pub const NAMESPACE_MAX_PODS_TO_CHECK: usize = 3000;

/// The PodSecurityConfiguration in force: defaults and exemptions.
#[derive(Clone, Debug, Default)]
pub struct Psa {
    /// Policy for absent namespace labels.
    pub default_policy: Policy,
    /// Exempt namespaces, users and runtime classes.
    pub exemptions: PodSecurityExemptions,
}

impl Psa {
    /// From a validated, defaulted configuration.
    pub fn from_config(
        config: PodSecurityConfiguration,
    ) -> Result<Psa, secctx_core::pss::config::ConfigError> {
        let config = config.defaulted();
        let default_policy = config.default_policy()?;
        Ok(Psa {
            default_policy,
            exemptions: config.exemptions,
        })
    }

    fn exempt_namespace(&self, ns: &str) -> bool {
        !ns.is_empty() && self.exemptions.namespaces.iter().any(|n| n == ns)
    }

    fn exempt_user(&self, user: &str) -> bool {
        !user.is_empty() && self.exemptions.usernames.iter().any(|u| u == user)
    }

    fn exempt_runtime_class(&self, rc: Option<&str>) -> bool {
        rc.is_some_and(|rc| {
            !rc.is_empty() && self.exemptions.runtime_classes.iter().any(|r| r == rc)
        })
    }
}

/// PSA `Validate`: routes by resource.
pub async fn validate(psa: &Psa, cx: &Context<'_>) -> AdmissionResponse {
    match (
        cx.req.resource.group.as_str(),
        cx.req.resource.resource.as_str(),
    ) {
        ("", "namespaces") => namespace::validate(psa, cx).await,
        ("", "pods") => pod::validate(psa, cx).await,
        _ => controller::validate(psa, cx).await,
    }
}

/// PSA `errorResponse`: denied with `status`, and the `error` audit annotation.
fn error_response(err: Option<&str>, status: crate::review::Status) -> AdmissionResponse {
    let detail = match err {
        Some(e) => format!("{}: {e}", status.message),
        None => status.message.clone(),
    };
    AdmissionResponse::denied(status).annotate("error", detail)
}
