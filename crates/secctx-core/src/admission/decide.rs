//! The admission decision (`sccadmission/admission.go`, spec §3.4 steps 3–7 and §3.7): try
//! the SCCs in order, skip those nobody may use, mutate the pod under each and take the first
//! that validates; on UPDATE the pod may not change. The work is done by
//! [`ProviderSet::admit`](super::compiled::ProviderSet::admit); [`admit`] compiles the set
//! for one request. A [`Decision`] names the SCC chosen and why the others were passed
//! over; the admitted pod and its JSONPatch are rendered from it when a caller needs them
//! ([`admit_and_render`], [`ProviderSet::render`](super::compiled::ProviderSet::render)).

use std::fmt::Write as _;
use std::sync::Arc;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::admitted::Admitted;
use super::authz::{Grant, Subject, UserInfo};
use super::compiled::{PodRequest, ProviderSet};
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

/// Why an SCC tried before the chosen one was passed over. Names and the errors that do not
/// depend on the pod are shared with the provider set (`Arc`), not copied per decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassedOver {
    /// The SCC.
    pub scc: Arc<str>,
    /// Its errors, as they appear in the rejection message.
    pub errors: Arc<[String]>,
}

impl serde::Serialize for PassedOver {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("PassedOver", 2)?;
        st.serialize_field("scc", &*self.scc)?;
        st.serialize_field("errors", &*self.errors)?;
        st.end()
    }
}

/// The outcome: which SCC admits the pod, or why none does. The admitted pod itself is not
/// part of it (deciding copies nothing); render it with
/// [`ProviderSet::render`](super::compiled::ProviderSet::render).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// The chosen SCC and for whom it was usable; `None` when denied or ignored.
    pub chosen: Option<(Arc<str>, Subject)>,
    /// SCCs tried before it (or all, when denied), with why they failed.
    pub passed_over: Vec<PassedOver>,
    /// The rejection message; `None` when admitted.
    pub denied: Option<String>,
    /// Set when admission does not handle this pod (Windows), with the reason.
    pub ignored: Option<&'static str>,
    /// Audit annotations (`securitycontextconstraints.admission.openshift.io/...`), key and
    /// value.
    pub audit: Vec<(Arc<str>, Arc<str>)>,
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

/// Decides one pod, then renders the admitted pod (`None` when denied) with every change and
/// the JSONPatch: what `secctx admit` and a webhook's `/mutate` need, for one request. A caller
/// deciding many pods compiles a [`ProviderSet`] once per namespace and calls
/// [`ProviderSet::admit_and_render`].
pub fn admit_and_render(req: &Request) -> (Decision, Option<Admitted>) {
    ProviderSet::new(req.sccs, req.namespace, req.grants).admit_and_render(&PodRequest {
        operation: req.operation,
        meta: req.meta,
        spec: req.spec,
        old_meta: req.old_meta,
        user: req.user,
    })
}

/// `utilerrors.NewAggregate(...).Error()`: distinct messages, bracketed when more than one.
pub fn aggregate<'e>(errors: impl IntoIterator<Item = &'e str>) -> String {
    let mut out = String::new();
    aggregate_into(&mut out, errors);
    out
}

/// [`aggregate`], appended to `out`.
pub fn aggregate_into<'e>(out: &mut String, errors: impl IntoIterator<Item = &'e str>) {
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
    if let [one] = distinct[..] {
        out.push_str(one);
        return;
    }
    out.reserve(distinct.iter().map(|e| e.len() + 2).sum::<usize>() + 2);
    out.push('[');
    for (i, e) in distinct.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(e);
    }
    out.push(']');
}

/// `pods "<name>" is forbidden: <msg>`, the name falling back to generateName, then `Unknown`.
pub fn forbidden(meta: &ObjectMeta, msg: &str) -> String {
    let mut out = forbidden_prefix(meta, msg.len());
    out.push_str(msg);
    out
}

/// `pods "<name>" is forbidden: `, with room for `more` bytes of message.
pub fn forbidden_prefix(meta: &ObjectMeta, more: usize) -> String {
    let name = meta
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(meta.generate_name.as_deref().filter(|n| !n.is_empty()))
        .unwrap_or("Unknown");
    let mut out = String::with_capacity(name.len() + 24 + more);
    // Infallible: writing to a String.
    let _ = write!(out, "pods {name:?} is forbidden: ");
    out
}
