//! The admission decision (`sccadmission/admission.go`, spec §3.4 steps 3–7 and §3.7): try
//! the SCCs in order, skip those nobody may use, mutate a copy of the pod under each and take
//! the first that validates; on UPDATE the pod may not change.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::authz::{Grant, Subject, UserInfo, allowed_for};
use super::checks::validate;
use super::mutate::{Change, mutate};
use super::order::{sorted, why_first};
use super::provider::{NamespaceInfo, Provider};
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
#[derive(Clone, Debug)]
pub struct Decision {
    /// The chosen SCC and for whom it was usable; `None` when denied or ignored.
    pub chosen: Option<(String, Subject)>,
    /// SCCs tried before it (or all, when denied), with why they failed.
    pub passed_over: Vec<PassedOver>,
    /// The admitted pod's metadata (annotations added).
    pub meta: ObjectMeta,
    /// The admitted pod's spec.
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

/// Decides one pod.
pub fn admit(req: &Request) -> Decision {
    // The pod is copied only once the outcome is known (a copy per SCC tried is the cost).
    let mut d = Decision {
        chosen: None,
        passed_over: Vec::new(),
        meta: ObjectMeta::default(),
        spec: PodSpec::default(),
        changes: Vec::new(),
        denied: None,
        ignored: None,
        audit: Vec::new(),
    };
    if req.spec.os.as_ref().is_some_and(|o| o.name == "windows") {
        d.ignored = Some("Windows pods are not handled by SCC admission");
        d.meta = req.meta.clone();
        d.spec = req.spec.clone();
        return d;
    }
    let annotations = req.meta.annotations.as_ref();
    let required = annotations.and_then(|a| a.get(REQUIRED_SCC_ANNOTATION));
    if req.operation == Operation::Update {
        let old = req
            .old_meta
            .and_then(|m| m.annotations.as_ref())
            .and_then(|a| a.get(REQUIRED_SCC_ANNOTATION));
        if old != required {
            return deny_with(
                d,
                req,
                format!(
                    "invalid change of required security context constraint annotation: {REQUIRED_SCC_ANNOTATION}"
                ),
            );
        }
    }
    let candidates: Vec<&Scc> = match required {
        Some(name) => match req.sccs.iter().find(|s| &s.name == name) {
            Some(s) => vec![s],
            None => {
                let msg = format!(
                    "failed to retrieve the required SCC \"{name}\": securitycontextconstraints.security.openshift.io \"{name}\" not found"
                );
                return deny_with(d, req, msg);
            }
        },
        None => sorted(req.sccs),
    };
    if candidates.is_empty() {
        return deny_with(
            d,
            req,
            "no SecurityContextConstraints found in cluster".into(),
        );
    }
    let ns = req.namespace;
    let sa_name = req
        .spec
        .service_account_name
        .as_deref()
        .unwrap_or("default");
    let sa = UserInfo::service_account(&ns.name, sa_name);
    let mut all_errors: Vec<String> = Vec::new();
    let mut denied_names: Vec<&str> = Vec::new();
    for (k, scc) in candidates.iter().enumerate() {
        let Some(subject) = allowed_for(scc, req.grants, &ns.name, &sa, req.user) else {
            let e = format!(
                "provider {:?}: Forbidden: not usable by user or serviceaccount",
                scc.name
            );
            all_errors.push(e.clone());
            denied_names.push(&scc.name);
            d.passed_over.push(PassedOver {
                scc: scc.name.clone(),
                errors: vec![e],
            });
            continue;
        };
        let provider = match Provider::new(scc, ns) {
            Ok(p) => p,
            Err(e) => {
                all_errors.push(e.clone());
                d.passed_over.push(PassedOver {
                    scc: scc.name.clone(),
                    errors: vec![e],
                });
                continue;
            }
        };
        let mut meta = req.meta.clone();
        let mut spec = req.spec.clone();
        let mut changes = Vec::new();
        mutate(&provider, &mut meta, &mut spec, &mut changes);
        let errs: Vec<String> = validate(&provider, &meta, &spec)
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        if errs.is_empty() && req.operation == Operation::Update && spec != *req.spec {
            let e = format!(
                "provider {}: Forbidden: the pod would be changed, and admission may not change a pod's spec on update",
                scc.name
            );
            all_errors.push(e.clone());
            d.passed_over.push(PassedOver {
                scc: scc.name.clone(),
                errors: vec![e],
            });
            continue;
        }
        if !errs.is_empty() {
            all_errors.extend(errs.iter().cloned());
            d.audit.push((
                format!(
                    "securitycontextconstraints.admission.openshift.io/too-restrictive-{}",
                    scc.name
                ),
                errs.join(", "),
            ));
            d.passed_over.push(PassedOver {
                scc: scc.name.clone(),
                errors: errs,
            });
            continue;
        }
        // Chosen: annotate and record why.
        let a = meta.annotations.get_or_insert_with(Default::default);
        for (key, value) in [
            (SCC_ANNOTATION, scc.name.as_str()),
            (SUBJECT_ANNOTATION, subject.as_str()),
        ] {
            if a.get(key).map(String::as_str) != Some(value) {
                a.insert(key.into(), value.into());
                changes.push(Change {
                    path: format!("metadata.annotations[{key}]"),
                    value: value.into(),
                    source: "SCC admission".into(),
                });
            }
        }
        let reason = match candidates.get(k + 1) {
            Some(next) => format!(
                "{:?} is most restrictive, not denied, and chosen over {:?} because {:?} {}",
                scc.name,
                next.name,
                scc.name,
                why_first(scc, next)
            ),
            None => format!(
                "{:?} is the only one not too restrictive and not denied",
                scc.name
            ),
        };
        if !denied_names.is_empty() {
            d.audit.push((
                "securityserviceconstraints.admission.openshift.io/denied".into(),
                denied_names.join(","),
            ));
        }
        d.audit.push((
            "securitycontextconstraints.admission.openshift.io/reason".into(),
            reason,
        ));
        d.chosen = Some((scc.name.clone(), subject));
        d.meta = meta;
        d.spec = spec;
        d.changes = changes;
        return d;
    }
    // Nothing validated: the hint for restricted-v2 vs restricted, then the message.
    if let (Some(v2), Some(r)) = (
        candidates.iter().position(|s| s.name == "restricted-v2"),
        candidates.iter().find(|s| s.name == "restricted"),
    ) && denied_names.contains(&"restricted")
        && !denied_names.contains(&"restricted-v2")
        && d.passed_over.iter().any(|p| p.scc == candidates[v2].name)
        && would_validate(r, req)
    {
        all_errors.push("no access to scc/restricted: Forbidden: the pod fails to validate against the `restricted-v2` security context constraint, but would validate successfully against the `restricted` security context constraint".into());
    }
    d.audit.push((
        "securityserviceconstraints.admission.openshift.io/denied".into(),
        denied_names.join(","),
    ));
    d.audit.push((
        "securitycontextconstraints.admission.openshift.io/reason".into(),
        if denied_names.len() == candidates.len() {
            "all denied".into()
        } else {
            "all too restrictive or denied".into()
        },
    ));
    let list = aggregate(&all_errors);
    let msg = format!("unable to validate against any security context constraint: {list}");
    deny_with(d, req, msg)
}

fn would_validate(scc: &Scc, req: &Request) -> bool {
    let Ok(p) = Provider::new(scc, req.namespace) else {
        return false;
    };
    let (mut meta, mut spec) = (req.meta.clone(), req.spec.clone());
    mutate(&p, &mut meta, &mut spec, &mut Vec::new());
    validate(&p, &meta, &spec).is_empty()
}

/// `utilerrors.NewAggregate(...).Error()`: distinct messages, bracketed when more than one.
pub fn aggregate(errors: &[String]) -> String {
    let mut seen = std::collections::HashSet::new();
    let distinct: Vec<&str> = errors
        .iter()
        .filter(|e| seen.insert(e.as_str()))
        .map(String::as_str)
        .collect();
    match distinct.len() {
        1 => distinct[0].to_string(),
        _ => format!("[{}]", distinct.join(", ")),
    }
}

/// `pods "<name>" is forbidden: <msg>`, the name falling back to generateName, then `Unknown`.
fn deny_with(mut d: Decision, req: &Request, msg: String) -> Decision {
    let name = req
        .meta
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(req.meta.generate_name.as_deref().filter(|n| !n.is_empty()))
        .unwrap_or("Unknown");
    d.meta = req.meta.clone();
    d.spec = req.spec.clone();
    d.changes.clear();
    d.denied = Some(format!("pods {name:?} is forbidden: {msg}"));
    d
}
