//! What SCC admission settles before it tries any SCC (`sccadmission/admission.go`, spec §3.4
//! steps 1–2): Windows pods are not handled, `openshift.io/required-scc` may not change on
//! UPDATE, and a required SCC must exist. Shared by the fast decision
//! ([`super::compiled`]) and the reference one ([`super::reference`]), so the two differ only
//! in how they try the SCCs.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::decide::{Operation, REQUIRED_SCC_ANNOTATION};

/// The denial when the cluster has no SCC at all.
pub const NO_SCCS: &str = "no SecurityContextConstraints found in cluster";

/// What to do with a pod before trying SCCs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precheck<'r> {
    /// Admission does not handle the pod (the reason); it passes unchanged.
    Ignore(&'static str),
    /// Denied before any SCC is tried: the message that follows `pods "<name>" is forbidden: `.
    Deny(String),
    /// Try the SCCs: every one in admission order, or only the one the pod requires.
    Try {
        /// The value of `openshift.io/required-scc`, when set.
        required: Option<&'r str>,
    },
}

/// Settles what it can from the pod (and, on UPDATE, the stored pod's metadata).
pub fn precheck<'r>(
    operation: Operation,
    meta: &'r ObjectMeta,
    spec: &PodSpec,
    old_meta: Option<&ObjectMeta>,
) -> Precheck<'r> {
    if spec.os.as_ref().is_some_and(|o| o.name == "windows") {
        return Precheck::Ignore("Windows pods are not handled by SCC admission");
    }
    let required = required_scc(Some(meta));
    if operation == Operation::Update && required_scc(old_meta) != required {
        return Precheck::Deny(format!(
            "invalid change of required security context constraint annotation: {REQUIRED_SCC_ANNOTATION}"
        ));
    }
    Precheck::Try { required }
}

/// The denial when the required SCC does not exist.
pub fn required_not_found(name: &str) -> String {
    format!(
        "failed to retrieve the required SCC \"{name}\": securitycontextconstraints.security.openshift.io \"{name}\" not found"
    )
}

fn required_scc(meta: Option<&ObjectMeta>) -> Option<&str> {
    meta?
        .annotations
        .as_ref()?
        .get(REQUIRED_SCC_ANNOTATION)
        .map(String::as_str)
}
