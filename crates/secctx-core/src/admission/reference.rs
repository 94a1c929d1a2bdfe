//! The straightforward admission decision, kept as the oracle of the fast one
//! ([`super::compiled::ProviderSet::admit`]): for every SCC tried it fills the SCC's
//! namespace values, copies the whole pod, mutates the copy and validates it, formatting every
//! error on the way, and returns the admitted pod it built with the decision. Tests check that
//! both decide every conformance pod identically and render the same admitted pod.

use super::admitted::Admitted;
use super::authz::{UserInfo, allowed_for};
use super::checks::validate;
use super::decide::{
    Decision, Operation, PassedOver, Request, SCC_ANNOTATION, SUBJECT_ANNOTATION, aggregate,
};
use super::mutate::{Change, mutate};
use super::order::{sorted, why_first};
use super::precheck::{NO_SCCS, Precheck, precheck, required_not_found};
use super::provider::Provider;
use super::scc::Scc;

/// Decides one pod the straightforward way; the admitted pod (`None` when denied) is the copy
/// the chosen SCC mutated.
pub fn admit(req: &Request) -> (Decision, Option<Admitted>) {
    let mut d = Decision::default();
    let required = match precheck(req.operation, req.meta, req.spec, req.old_meta) {
        Precheck::Ignore(why) => {
            d.ignored = Some(why);
            let admitted = Admitted::with_patch(
                req.meta,
                req.spec,
                req.meta.clone(),
                req.spec.clone(),
                Vec::new(),
            );
            return (d, Some(admitted));
        }
        Precheck::Deny(msg) => return deny_with(d, req, msg),
        Precheck::Try { required } => required,
    };
    let candidates: Vec<&Scc> = match required {
        Some(name) => match req.sccs.iter().find(|s| s.name == name) {
            Some(s) => vec![s],
            None => return deny_with(d, req, required_not_found(name)),
        },
        None => sorted(req.sccs),
    };
    if candidates.is_empty() {
        return deny_with(d, req, NO_SCCS.into());
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
                scc: scc.name.as_str().into(),
                errors: vec![e].into(),
            });
            continue;
        };
        let provider = match Provider::new(scc, ns) {
            Ok(p) => p,
            Err(e) => {
                all_errors.push(e.clone());
                d.passed_over.push(PassedOver {
                    scc: scc.name.as_str().into(),
                    errors: vec![e].into(),
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
                scc: scc.name.as_str().into(),
                errors: vec![e].into(),
            });
            continue;
        }
        if !errs.is_empty() {
            all_errors.extend(errs.iter().cloned());
            d.audit.push((
                format!(
                    "securitycontextconstraints.admission.openshift.io/too-restrictive-{}",
                    scc.name
                )
                .into(),
                errs.join(", ").into(),
            ));
            d.passed_over.push(PassedOver {
                scc: scc.name.as_str().into(),
                errors: errs.into(),
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
                denied_names.join(",").into(),
            ));
        }
        d.audit.push((
            "securitycontextconstraints.admission.openshift.io/reason".into(),
            reason.into(),
        ));
        d.chosen = Some((scc.name.as_str().into(), subject));
        let admitted = Admitted::with_patch(req.meta, req.spec, meta, spec, changes);
        return (d, Some(admitted));
    }
    // Nothing validated: the hint for restricted-v2 vs restricted, then the message.
    if let (Some(v2), Some(r)) = (
        candidates.iter().position(|s| s.name == "restricted-v2"),
        candidates.iter().find(|s| s.name == "restricted"),
    ) && denied_names.contains(&"restricted")
        && !denied_names.contains(&"restricted-v2")
        && d.passed_over.iter().any(|p| *p.scc == *candidates[v2].name)
        && would_validate(r, req)
    {
        all_errors.push("no access to scc/restricted: Forbidden: the pod fails to validate against the `restricted-v2` security context constraint, but would validate successfully against the `restricted` security context constraint".into());
    }
    d.audit.push((
        "securityserviceconstraints.admission.openshift.io/denied".into(),
        denied_names.join(",").into(),
    ));
    d.audit.push((
        "securitycontextconstraints.admission.openshift.io/reason".into(),
        if denied_names.len() == candidates.len() {
            "all denied".into()
        } else {
            "all too restrictive or denied".into()
        },
    ));
    let list = aggregate(all_errors.iter().map(String::as_str));
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

/// `pods "<name>" is forbidden: <msg>`, the name falling back to generateName, then `Unknown`.
fn deny_with(mut d: Decision, req: &Request, msg: String) -> (Decision, Option<Admitted>) {
    let name = req
        .meta
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(req.meta.generate_name.as_deref().filter(|n| !n.is_empty()))
        .unwrap_or("Unknown");
    d.denied = Some(format!("pods {name:?} is forbidden: {msg}"));
    (d, None)
}
