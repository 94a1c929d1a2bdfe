//! A provider set: the SCCs of a cluster compiled once for one namespace (admission order,
//! each SCC's namespace values, who may use it, the strings its outcomes quote), so that
//! deciding a pod costs only the pod. The server holds one per namespace and reuses it across
//! requests.
//!
//! An SCC is tried on copies of the pod's security contexts only (the rest of the pod is
//! borrowed). The decision names the SCC chosen; the admitted pod (a copy of the whole pod,
//! mutated, every change recorded) and its JSONPatch are rendered from it only when asked
//! ([`ProviderSet::render`], or both steps at once with [`ProviderSet::admit_and_render`]).
//! Decision and admitted pod are those [`super::reference::admit`] makes by copying the pod
//! for every SCC; tests compare both.

use std::cell::OnceCell;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{PodSecurityContext, PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::admitted::Admitted;
use super::authz::{Grant, Subject, UserInfo};
use super::checks::{View, validate_view, volume_type};
use super::containers::{ContainerMut, ContainerRef, containers};
use super::decide::{Decision, Operation, PassedOver, aggregate_into, forbidden, forbidden_prefix};
use super::fielderr::Errors;
use super::mutate::{Parts, mutate_parts};
use super::order::{sorted, why_first};
use super::precheck::{NO_SCCS, Precheck, precheck, required_not_found};
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
    /// Its name, shared with the decisions that quote it.
    name: Arc<str>,
    /// The SCC with the namespace's values, or why it cannot be configured (as the one error
    /// of a passed-over entry).
    provider: Result<Provider<'a>, Arc<[String]>>,
    /// Every service account of the namespace may use it (a group grant).
    all_service_accounts: bool,
    /// The service accounts of the namespace that may use it, by name.
    service_accounts: Vec<&'a str>,
    /// Users granted, by the SCC or an RBAC grant valid in the namespace.
    users: Vec<&'a str>,
    /// Groups granted, likewise.
    groups: Vec<&'a str>,
    /// `provider "<name>": Forbidden: not usable by user or serviceaccount`.
    not_usable: Arc<[String]>,
    /// The audit key naming it too restrictive.
    too_restrictive: Arc<str>,
    /// The audit reason when it is chosen in admission order.
    reason: Arc<str>,
    /// The audit reason when it is the only candidate (`openshift.io/required-scc`).
    only_one: Arc<str>,
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
    /// The audit keys and the fixed reasons, shared with the decisions.
    reason_key: Arc<str>,
    denied_key: Arc<str>,
    all_denied: Arc<str>,
    all_too_restrictive: Arc<str>,
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
        volume_types: Option<&'v [&'static str]>,
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
            volume_types,
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
                    name: scc.name.as_str().into(),
                    provider: Provider::new(scc, namespace).map_err(|e| Arc::from([e])),
                    all_service_accounts: groups.iter().any(|g| *g == SA_GROUP || *g == ns_group),
                    service_accounts: users
                        .iter()
                        .filter_map(|u| u.strip_prefix(sa_prefix.as_str()))
                        .collect(),
                    users,
                    groups,
                    not_usable: Arc::from([format!(
                        "provider {:?}: Forbidden: not usable by user or serviceaccount",
                        scc.name
                    )]),
                    too_restrictive: format!(
                        "securitycontextconstraints.admission.openshift.io/too-restrictive-{}",
                        scc.name
                    )
                    .into(),
                    reason: reason.into(),
                    only_one: only_one(scc).into(),
                }
            })
            .collect();
        let position = |name: &str| entries.iter().position(|e| e.scc.name == name);
        let restricted_hint = position("restricted-v2").zip(position("restricted"));
        ProviderSet {
            namespace,
            entries,
            restricted_hint,
            reason_key: REASON_KEY.into(),
            denied_key: DENIED_KEY.into(),
            all_denied: "all denied".into(),
            all_too_restrictive: "all too restrictive or denied".into(),
        }
    }

    /// The namespace the set is compiled for.
    pub fn namespace(&self) -> &NamespaceInfo {
        self.namespace
    }

    /// Decides one pod.
    pub fn admit(&self, req: &PodRequest) -> Decision {
        let mut d = Decision::default();
        let required = match precheck(req.operation, req.meta, req.spec, req.old_meta) {
            Precheck::Ignore(why) => {
                d.ignored = Some(why);
                return d;
            }
            Precheck::Deny(msg) => return deny(d, req, &msg),
            Precheck::Try { required } => required,
        };
        // The candidates: every entry, or the one the pod requires.
        let candidates = match required {
            Some(name) => match self.entries.iter().position(|e| *e.name == *name) {
                Some(i) => i..i + 1,
                None => return deny(d, req, &required_not_found(name)),
            },
            None => 0..self.entries.len(),
        };
        if candidates.is_empty() {
            return deny(d, req, NO_SCCS);
        }
        let sa = req
            .spec
            .service_account_name
            .as_deref()
            .unwrap_or("default");
        // Reserved once: a denial lists every candidate.
        d.passed_over.reserve(candidates.len());
        d.audit.reserve(3);
        let mut denied = Vec::with_capacity(candidates.len());
        let mut trial = Trial::new();
        let all = containers(req.spec);
        let types = OnceCell::new();
        for i in candidates.clone() {
            let e = &self.entries[i];
            let Some(subject) = e.subject(sa, req.user) else {
                denied.push(i);
                d.passed_over.push(PassedOver {
                    scc: e.name.clone(),
                    errors: e.not_usable.clone(),
                });
                continue;
            };
            let provider = match &e.provider {
                Ok(p) => p,
                Err(errors) => {
                    d.passed_over.push(PassedOver {
                        scc: e.name.clone(),
                        errors: errors.clone(),
                    });
                    continue;
                }
            };
            trial.run(provider, req.meta, req.spec, &all);
            let mut errs = Errors::collect();
            let types = volume_types(provider, req.spec, &types);
            validate_view(
                provider,
                &trial.view(req.meta, req.spec, &all, types),
                &mut errs,
            );
            if errs.count == 0
                && req.operation == Operation::Update
                && trial.changed(req.spec, &all)
            {
                d.passed_over.push(PassedOver {
                    scc: e.name.clone(),
                    errors: Arc::from([format!(
                        "provider {}: Forbidden: the pod would be changed, and admission may not change a pod's spec on update",
                        e.scc.name
                    )]),
                });
                continue;
            }
            if errs.count > 0 {
                let errors: Vec<String> = errs.list.iter().map(ToString::to_string).collect();
                d.audit
                    .push((e.too_restrictive.clone(), Arc::from(errors.join(", "))));
                d.passed_over.push(PassedOver {
                    scc: e.name.clone(),
                    errors: errors.into(),
                });
                continue;
            }
            let reason = if candidates.len() == 1 {
                e.only_one.clone()
            } else {
                e.reason.clone()
            };
            d.chosen = Some((e.name.clone(), subject));
            if !denied.is_empty() {
                d.audit.push((self.denied_key.clone(), self.names(&denied)));
            }
            d.audit.push((self.reason_key.clone(), reason));
            return d;
        }
        // Nothing validated: the hint for restricted-v2 vs restricted, then the message.
        let mut hint = None;
        if let Some((v2, r)) = self.restricted_hint
            && candidates.len() == self.entries.len()
            && denied.contains(&r)
            && !denied.contains(&v2)
            && self.would_validate(r, req, &all, &types)
        {
            hint = Some(
                "no access to scc/restricted: Forbidden: the pod fails to validate against the `restricted-v2` security context constraint, but would validate successfully against the `restricted` security context constraint",
            );
        }
        d.audit.push((self.denied_key.clone(), self.names(&denied)));
        d.audit.push((
            self.reason_key.clone(),
            if denied.len() == candidates.len() {
                self.all_denied.clone()
            } else {
                self.all_too_restrictive.clone()
            },
        ));
        const PREFIX: &str = "unable to validate against any security context constraint: ";
        let errors = d
            .passed_over
            .iter()
            .flat_map(|p| p.errors.iter().map(String::as_str))
            .chain(hint);
        let mut msg = forbidden_prefix(req.meta, PREFIX.len() + 64 * d.passed_over.len());
        msg.push_str(PREFIX);
        aggregate_into(&mut msg, errors);
        d.denied = Some(msg);
        d
    }

    /// The admitted pod of decision `d` for `req` (the request `d` was made for): `None` when
    /// `d` denied the pod; the pod as it is when admission ignored it; else a copy mutated
    /// under the chosen SCC, every change recorded, with the JSONPatch to it.
    pub fn render(&self, req: &PodRequest, d: &Decision) -> Option<Admitted> {
        if d.denied.is_some() {
            return None;
        }
        if d.ignored.is_some() {
            return Some(Admitted::unchanged(req.meta, req.spec));
        }
        let (name, subject) = d.chosen.as_ref()?;
        let p = self
            .entries
            .iter()
            .find(|e| e.name == *name)?
            .provider
            .as_ref()
            .ok()?;
        Some(Admitted::build(p, *subject, req.meta, req.spec))
    }

    /// Decides one pod, then renders the admitted pod and its JSONPatch: [`Self::admit`]
    /// then [`Self::render`], what `secctx admit` and a webhook's `/mutate` call.
    pub fn admit_and_render(&self, req: &PodRequest) -> (Decision, Option<Admitted>) {
        let d = self.admit(req);
        let admitted = self.render(req, &d);
        (d, admitted)
    }

    /// Whether the pod would validate under entry `i`, whoever may use it.
    fn would_validate(
        &self,
        i: usize,
        req: &PodRequest,
        all: &[ContainerRef],
        types: &OnceCell<Vec<&'static str>>,
    ) -> bool {
        let Ok(p) = &self.entries[i].provider else {
            return false;
        };
        let mut trial = Trial::new();
        trial.run(p, req.meta, req.spec, all);
        let mut errs = Errors::count_only();
        let types = volume_types(p, req.spec, types);
        validate_view(p, &trial.view(req.meta, req.spec, all, types), &mut errs);
        errs.count == 0
    }

    /// The names of `entries`, comma-separated (shared when there is one).
    fn names(&self, entries: &[usize]) -> Arc<str> {
        if let [one] = entries {
            return self.entries[*one].name.clone();
        }
        let mut out = String::new();
        for (k, &i) in entries.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str(&self.entries[i].scc.name);
        }
        out.into()
    }
}

/// The volume types of the pod when `p` restricts them, computed once per decision into
/// `cell` (each check reads a whole `Volume`, kilobytes of mostly empty options).
fn volume_types<'t>(
    p: &Provider,
    spec: &PodSpec,
    cell: &'t OnceCell<Vec<&'static str>>,
) -> Option<&'t [&'static str]> {
    if p.scc.volumes.iter().any(|v| v == "*") {
        return None;
    }
    Some(cell.get_or_init(|| spec.volumes.iter().flatten().map(volume_type).collect()))
}

fn only_one(scc: &Scc) -> String {
    format!(
        "{:?} is the only one not too restrictive and not denied",
        scc.name
    )
}

fn deny(mut d: Decision, req: &PodRequest, msg: &str) -> Decision {
    d.denied = Some(forbidden(req.meta, msg));
    d
}
