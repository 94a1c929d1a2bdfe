//! The admission decision (`sccadmission/admission.go`, spec §3.4 steps 3–7 and §3.7): try
//! the SCCs in order, skip those nobody may use, mutate the pod under each and take the first
//! that validates; on UPDATE the pod may not change. The work is done by
//! [`ProviderSet::admit`](super::compiled::ProviderSet::admit); [`admit`] compiles the set
//! for one request.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::authz::{Grant, Subject, UserInfo};
use super::compiled::{PodRequest, ProviderSet};
use super::mutate::Change;
use super::provider::NamespaceInfo;
use super::scc::Scc;

/// Pod annotation: the SCC that admitted the pod.
pub const SCC_ANNOTATION: &str = "openshift.io/scc";
/// Pod annotation: the SCC the pod requires.
pub const REQUIRED_SCC_ANNOTATION: &str = "openshift.io/required-scc";
/// Pod annotation: which subject the chosen SCC was validated for.
pub const SUBJECT_ANNOTATION: &str = "security.openshift.io/validated-scc-subject-type";

/// CREATE or UPDATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A new pod: mutation allowed.
    Create,
    /// A changed pod: no spec mutation allowed.
    Update,
}

/// Everything admission needs, by reference.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// CREATE or UPDATE.
    pub operation: Operation,
    /// The pod's metadata (name or generateName, annotations).
    pub meta: &'a ObjectMeta,
    /// The pod's spec.
    pub spec: &'a PodSpec,
    /// On UPDATE, the stored pod's metadata.
    pub old_meta: Option<&'a ObjectMeta>,
    /// The namespace.
    pub namespace: &'a NamespaceInfo,
    /// The requesting user.
    pub user: &'a UserInfo,
    /// The SCCs (any order).
    pub sccs: &'a [Scc],
    /// RBAC grants of `use`.
    pub grants: &'a [Grant],
}

/// Why an SCC tried before the chosen one was passed over.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PassedOver {
    /// The SCC.
    pub scc: String,
    /// Its errors, as they appear in the rejection message.
    pub errors: Vec<String>,
}

/// The outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The chosen SCC and for whom it was usable; `None` when denied or ignored.
    pub chosen: Option<(String, Subject)>,
    /// SCCs tried before it (or all, when denied), with why they failed.
    pub passed_over: Vec<PassedOver>,
    /// The admitted pod's metadata (annotations added); empty when denied (nothing was
    /// admitted, and the caller holds the submitted pod).
    pub meta: ObjectMeta,
    /// The admitted pod's spec; empty when denied.
    pub spec: PodSpec,
    /// Every field admission set, in order.
    pub changes: Vec<Change>,
    /// The rejection message; `None` when admitted.
    pub denied: Option<String>,
    /// Set when admission does not handle this pod (Windows), with the reason.
    pub ignored: Option<&'static str>,
    /// Audit annotations (`securitycontextconstraints.admission.openshift.io/...`).
    pub audit: Vec<(String, String)>,
}

/// Decides one pod: compiles the provider set for this request's SCCs, namespace and grants,
/// then decides. A server deciding many pods compiles the set once per namespace and calls
/// [`ProviderSet::admit`].
pub fn admit(req: &Request) -> Decision {
    ProviderSet::new(req.sccs, req.namespace, req.grants).admit(&PodRequest {
        operation: req.operation,
        meta: req.meta,
        spec: req.spec,
        old_meta: req.old_meta,
        user: req.user,
    })
}

/// `utilerrors.NewAggregate(...).Error()`: distinct messages, bracketed when more than one.
pub fn aggregate<'e>(errors: impl IntoIterator<Item = &'e str>) -> String {
    let mut distinct: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in errors {
        // A denial lists a few dozen errors at most: a scan beats hashing them.
        let new = if distinct.len() < 64 {
            !distinct.contains(&e)
        } else {
            if seen.is_empty() {
                seen.extend(distinct.iter().copied());
            }
            seen.insert(e)
        };
        if new {
            distinct.push(e);
        }
    }
    match distinct.len() {
        1 => distinct[0].to_string(),
        _ => format!("[{}]", distinct.join(", ")),
    }
}

/// `pods "<name>" is forbidden: <msg>`, the name falling back to generateName, then `Unknown`.
pub fn forbidden(meta: &ObjectMeta, msg: &str) -> String {
    let name = meta
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(meta.generate_name.as_deref().filter(|n| !n.is_empty()))
        .unwrap_or("Unknown");
    format!("pods {name:?} is forbidden: {msg}")
}
