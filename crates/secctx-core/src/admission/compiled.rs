//! A provider set: the SCCs of a cluster compiled once for one namespace (admission order,
//! each SCC's namespace values, who may use it, the strings its outcomes quote), so that
//! deciding a pod costs only the pod. The server holds one per namespace and reuses it across
//! requests.
//!
//! An SCC is tried on copies of the pod's security contexts only (the rest of the pod is
//! borrowed); the whole pod is copied and mutated once, for the SCC chosen. The decision is the
//! one [`super::reference::admit`] makes by copying the pod for every SCC; tests compare both.

use k8s_openapi::api::core::v1::{PodSecurityContext, PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::authz::{Grant, Subject, UserInfo};
use super::checks::{View, validate_view};
use super::containers::{ContainerMut, ContainerRef, containers, split_mut};
use super::decide::{
    Decision, Operation, PassedOver, REQUIRED_SCC_ANNOTATION, SCC_ANNOTATION, SUBJECT_ANNOTATION,
    aggregate, forbidden,
};
use super::fielderr::Errors;
use super::mutate::{Change, Parts, mutate_parts};
use super::order::{sorted, why_first};
use super::provider::{NamespaceInfo, Provider};
use super::scc::Scc;
use super::seccomp;

const SA_USER_PREFIX: &str = "system:serviceaccount:";
const SA_GROUP: &str = "system:serviceaccounts";
const REASON_KEY: &str = "securitycontextconstraints.admission.openshift.io/reason";
/// Upstream's key, misspelling included.
const DENIED_KEY: &str = "securityserviceconstraints.admission.openshift.io/denied";

/// One SCC, ready for one namespace.
#[derive(Debug)]
struct Entry<'a> {
    scc: &'a Scc,
    /// The SCC with the namespace's values, or why it cannot be configured.
    provider: Result<Provider<'a>, String>,
    /// Every service account of the namespace may use it (a group grant).
    all_service_accounts: bool,
    /// The service accounts of the namespace that may use it, by name.
    service_accounts: Vec<&'a str>,
    /// Users granted, by the SCC or an RBAC grant valid in the namespace.
    users: Vec<&'a str>,
    /// Groups granted, likewise.
    groups: Vec<&'a str>,
    /// `provider "<name>": Forbidden: not usable by user or serviceaccount`.
    not_usable: String,
    /// The audit key naming it too restrictive.
    too_restrictive: String,
    /// The audit reason when it is chosen in admission order.
    reason: String,
}

impl Entry<'_> {
    /// Who may use it: the pod's service account first, then the requesting user.
    fn subject(&self, sa: &str, user: &UserInfo) -> Option<Subject> {
        if self.all_service_accounts || self.service_accounts.contains(&sa) {
            Some(Subject::ServiceAccount)
        } else if self.users.contains(&user.name.as_str())
            || self
                .groups
                .iter()
                .any(|g| user.groups.iter().any(|u| u == g))
        {
            Some(Subject::User)
        } else {
            None
        }
    }
}

/// The SCCs of a cluster compiled for one namespace and its RBAC grants.
#[derive(Debug)]
pub struct ProviderSet<'a> {
    namespace: &'a NamespaceInfo,
    /// In admission order.
    entries: Vec<Entry<'a>>,
    /// Positions of `restricted-v2` and `restricted`, for the hint when nothing validates.
    restricted_hint: Option<(usize, usize)>,
}

/// One pod to decide with a [`ProviderSet`].
#[derive(Clone, Copy, Debug)]
pub struct PodRequest<'a> {
    /// CREATE or UPDATE.
    pub operation: Operation,
    /// The pod's metadata.
    pub meta: &'a ObjectMeta,
    /// The pod's spec.
    pub spec: &'a PodSpec,
    /// On UPDATE, the stored pod's metadata.
    pub old_meta: Option<&'a ObjectMeta>,
    /// The requesting user.
    pub user: &'a UserInfo,
}

/// The copies of a pod's security contexts an SCC is tried on.
struct Trial {
    psc: Option<PodSecurityContext>,
    containers: Vec<Option<SecurityContext>>,
    /// The pod seccomp annotation mutation sets, when it sets one.
    pod_seccomp: Option<String>,
}

impl Trial {
    fn new() -> Trial {
        Trial {
            psc: None,
            containers: Vec::new(),
            pod_seccomp: None,
        }
    }

    /// Copies the pod's security contexts and mutates them under `p`; `all` is
    /// `containers(spec)`.
    fn run(&mut self, p: &Provider, meta: &ObjectMeta, spec: &PodSpec, all: &[ContainerRef]) {
        self.psc.clone_from(&spec.security_context);
        self.containers.clear();
        self.containers.extend(all.iter().map(|c| c.sc.cloned()));
        let muts: Vec<ContainerMut> = all
            .iter()
            .zip(self.containers.iter_mut())
            .map(|(c, sc)| ContainerMut {
                list: c.list,
                index: c.index,
                name: c.name,
                sc,
            })
            .collect();
        self.pod_seccomp = mutate_parts(
            p,
            Parts {
                annotations: meta.annotations.as_ref(),
                psc: &mut self.psc,
                containers: muts,
            },
            None,
        );
    }

    /// The pod as the trial left it.
    fn view<'v>(
        &'v self,
        meta: &'v ObjectMeta,
        spec: &'v PodSpec,
        all: &'v [ContainerRef<'v>],
    ) -> View<'v> {
        let annotations = meta.annotations.as_ref();
        View {
            annotations,
            pod_seccomp: self.pod_seccomp.as_deref().or_else(|| {
                annotations
                    .and_then(|a| a.get(seccomp::POD_ANNOTATION))
                    .map(String::as_str)
            }),
            psc: self.psc.as_ref(),
            spec,
            containers: Some(&self.containers),
            refs: Some(all),
        }
    }

    /// Whether the trial changed the pod's spec.
    fn changed(&self, spec: &PodSpec, all: &[ContainerRef]) -> bool {
        self.psc != spec.security_context
            || all
                .iter()
                .zip(&self.containers)
                .any(|(c, sc)| c.sc != sc.as_ref())
    }
}

impl<'a> ProviderSet<'a> {
    /// Compiles `sccs` for `namespace`, with the RBAC `use` grants in `grants`.
    pub fn new(sccs: &'a [Scc], namespace: &'a NamespaceInfo, grants: &'a [Grant]) -> Self {
        let order = sorted(sccs);
        let ns = namespace.name.as_str();
        let sa_prefix = format!("{SA_USER_PREFIX}{ns}:");
        let ns_group = format!("{SA_GROUP}:{ns}");
        let entries: Vec<Entry<'a>> = order
            .iter()
            .enumerate()
            .map(|(k, scc)| {
                let applicable = grants.iter().filter(|g| {
                    (g.scc == scc.name || g.scc == "*")
                        && g.namespace.as_deref().is_none_or(|n| n == ns)
                });
                let users: Vec<&str> = scc
                    .users
                    .iter()
                    .chain(applicable.clone().flat_map(|g| &g.users))
                    .map(String::as_str)
                    .collect();
                let groups: Vec<&str> = scc
                    .groups
                    .iter()
                    .chain(applicable.flat_map(|g| &g.groups))
                    .map(String::as_str)
                    .collect();
                let reason = match order.get(k + 1) {
                    Some(next) => format!(
                        "{:?} is most restrictive, not denied, and chosen over {:?} because {:?} {}",
                        scc.name,
                        next.name,
                        scc.name,
                        why_first(scc, next)
                    ),
                    None => only_one(scc),
                };
                Entry {
                    scc,
                    provider: Provider::new(scc, namespace),
                    all_service_accounts: groups.iter().any(|g| *g == SA_GROUP || *g == ns_group),
                    service_accounts: users
                        .iter()
                        .filter_map(|u| u.strip_prefix(sa_prefix.as_str()))
                        .collect(),
                    users,
                    groups,
                    not_usable: format!(
                        "provider {:?}: Forbidden: not usable by user or serviceaccount",
                        scc.name
                    ),
                    too_restrictive: format!(
                        "securitycontextconstraints.admission.openshift.io/too-restrictive-{}",
                        scc.name
                    ),
                    reason,
                }
            })
            .collect();
        let position = |name: &str| entries.iter().position(|e| e.scc.name == name);
        let restricted_hint = position("restricted-v2").zip(position("restricted"));
        ProviderSet {
            namespace,
            entries,
            restricted_hint,
        }
    }

    /// The namespace the set is compiled for.
    pub fn namespace(&self) -> &NamespaceInfo {
        self.namespace
    }

    /// Decides one pod.
    pub fn admit(&self, req: &PodRequest) -> Decision {
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
                return deny(
                    d,
                    req,
                    &format!(
                        "invalid change of required security context constraint annotation: {REQUIRED_SCC_ANNOTATION}"
                    ),
                );
            }
        }
        // The candidates: every entry, or the one the pod requires.
        let candidates = match required {
            Some(name) => match self.entries.iter().position(|e| &e.scc.name == name) {
                Some(i) => i..i + 1,
                None => {
                    let msg = format!(
                        "failed to retrieve the required SCC \"{name}\": securitycontextconstraints.security.openshift.io \"{name}\" not found"
                    );
                    return deny(d, req, &msg);
                }
            },
            None => 0..self.entries.len(),
        };
        if candidates.is_empty() {
            return deny(d, req, "no SecurityContextConstraints found in cluster");
        }
        let sa = req
            .spec
            .service_account_name
            .as_deref()
            .unwrap_or("default");
        let mut denied = Vec::new();
        let mut trial = Trial::new();
        let all = containers(req.spec);
        for i in candidates.clone() {
            let e = &self.entries[i];
            let Some(subject) = e.subject(sa, req.user) else {
                denied.push(i);
                d.passed_over.push(PassedOver {
                    scc: e.scc.name.clone(),
                    errors: vec![e.not_usable.clone()],
                });
                continue;
            };
            let provider = match &e.provider {
                Ok(p) => p,
                Err(msg) => {
                    d.passed_over.push(PassedOver {
                        scc: e.scc.name.clone(),
                        errors: vec![msg.clone()],
                    });
                    continue;
                }
            };
            trial.run(provider, req.meta, req.spec, &all);
            let mut errs = Errors::collect();
            validate_view(provider, &trial.view(req.meta, req.spec, &all), &mut errs);
            if errs.count == 0
                && req.operation == Operation::Update
                && trial.changed(req.spec, &all)
            {
                d.passed_over.push(PassedOver {
                    scc: e.scc.name.clone(),
                    errors: vec![format!(
                        "provider {}: Forbidden: the pod would be changed, and admission may not change a pod's spec on update",
                        e.scc.name
                    )],
                });
                continue;
            }
            if errs.count > 0 {
                let errors: Vec<String> = errs.list.iter().map(ToString::to_string).collect();
                d.audit.push((e.too_restrictive.clone(), errors.join(", ")));
                d.passed_over.push(PassedOver {
                    scc: e.scc.name.clone(),
                    errors,
                });
                continue;
            }
            let reason = if candidates.len() == 1 {
                only_one(e.scc)
            } else {
                e.reason.clone()
            };
            self.choose(&mut d, req, provider, subject);
            if !denied.is_empty() {
                d.audit.push((DENIED_KEY.into(), self.names(&denied)));
            }
            d.audit.push((REASON_KEY.into(), reason));
            return d;
        }
        // Nothing validated: the hint for restricted-v2 vs restricted, then the message.
        let mut hint = None;
        if let Some((v2, r)) = self.restricted_hint
            && candidates.len() == self.entries.len()
            && denied.contains(&r)
            && !denied.contains(&v2)
            && self.would_validate(r, req, &all)
        {
            hint = Some(
                "no access to scc/restricted: Forbidden: the pod fails to validate against the `restricted-v2` security context constraint, but would validate successfully against the `restricted` security context constraint",
            );
        }
        d.audit.push((DENIED_KEY.into(), self.names(&denied)));
        d.audit.push((
            REASON_KEY.into(),
            if denied.len() == candidates.len() {
                "all denied".into()
            } else {
                "all too restrictive or denied".into()
            },
        ));
        let list = aggregate(
            d.passed_over
                .iter()
                .flat_map(|p| p.errors.iter().map(String::as_str))
                .chain(hint),
        );
        let msg = format!("unable to validate against any security context constraint: {list}");
        deny(d, req, &msg)
    }

    /// The admitted pod: a copy of the pod, mutated under `p` with every change recorded, and
    /// annotated with the SCC and the subject.
    fn choose(&self, d: &mut Decision, req: &PodRequest, p: &Provider, subject: Subject) {
        let mut meta = req.meta.clone();
        let mut spec = req.spec.clone();
        let mut changes = Vec::new();
        let (psc, containers) = split_mut(&mut spec);
        let pod_seccomp = mutate_parts(
            p,
            Parts {
                annotations: req.meta.annotations.as_ref(),
                psc,
                containers,
            },
            Some(&mut changes),
        );
        let a = meta.annotations.get_or_insert_with(Default::default);
        if let Some(profile) = pod_seccomp {
            a.insert(seccomp::POD_ANNOTATION.into(), profile);
        }
        let name = p.scc.name.as_str();
        for (key, value) in [
            (SCC_ANNOTATION, name),
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
        d.chosen = Some((name.to_string(), subject));
        d.meta = meta;
        d.spec = spec;
        d.changes = changes;
    }

    /// Whether the pod would validate under entry `i`, whoever may use it.
    fn would_validate(&self, i: usize, req: &PodRequest, all: &[ContainerRef]) -> bool {
        let Ok(p) = &self.entries[i].provider else {
            return false;
        };
        let mut trial = Trial::new();
        trial.run(p, req.meta, req.spec, all);
        let mut errs = Errors::count_only();
        validate_view(p, &trial.view(req.meta, req.spec, all), &mut errs);
        errs.count == 0
    }

    fn names(&self, entries: &[usize]) -> String {
        let names: Vec<&str> = entries
            .iter()
            .map(|&i| self.entries[i].scc.name.as_str())
            .collect();
        names.join(",")
    }
}

fn only_one(scc: &Scc) -> String {
    format!(
        "{:?} is the only one not too restrictive and not denied",
        scc.name
    )
}

fn deny(mut d: Decision, req: &PodRequest, msg: &str) -> Decision {
    d.changes.clear();
    d.denied = Some(forbidden(req.meta, msg));
    d
}
