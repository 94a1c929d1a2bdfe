//! `secctx check --suggest`: for each namespace, the strictest Pod Security level and version
//! that all its workloads pass today, the labels (and the `kubectl label` command) that set it,
//! and, for each stricter target, the findings that block it.
//!
//! The work is split so that it runs over one object at a time (a streaming check loop can
//! drive it; [`suggest`] drives it over a [`Loaded`]):
//!
//! 1. [`WorkloadLevels::of`] — per workload: its namespace, its exemption, and the levels and
//!    versions it passes ([`LevelPasses`]); [`SuggestTally`] intersects them per namespace and
//!    takes the current labels of Namespace objects.
//! 2. [`SuggestTally::finish`] — per namespace the [`Decision`] and the labels
//!    ([`decide()`], [`labels()`]).
//! 3. [`SuggestReport::add_blockers`] — a second look at each workload: its violations at each
//!    stricter target of its namespace. (The target is known only once every workload of the
//!    namespace is tallied, hence the second pass rather than keeping every evaluation.)
//!
//! Workloads are judged as `check` judges them: after API defaulting, with exemptions
//! (namespace, user, runtime class) applied; an exempt workload constrains nothing. API
//! validation errors are not a matter of level and are left to `check`.

mod decide;
mod passes;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Namespace, PodSpec};

pub use decide::{Decision, decide, kubectl_label, labels};
pub use passes::LevelPasses;

use super::options::CheckOptions;
use super::result::{FieldFinding, ViolationFinding};
use crate::load::{Loaded, Object, Origin, Workload, WorkloadKind};
use crate::pss::defaults::{SpecOwner, apply_api_defaults};
use crate::pss::{self, Exemption, LevelVersion, Policy, Version};
use crate::yaml::Pos;

/// One workload's part in the suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadLevels {
    /// The namespace it is judged in (`metadata.namespace`, else the default namespace).
    pub namespace: String,
    /// The exemption that applies, if any (then [`WorkloadLevels::passes`] is everything).
    pub exempt: Option<Exemption>,
    /// The levels and versions it passes.
    pub passes: LevelPasses,
}

impl WorkloadLevels {
    /// Evaluates `w` at every level and version, as `check` would judge it.
    pub fn of(w: &Workload, opts: &CheckOptions) -> WorkloadLevels {
        let namespace = w.namespace().unwrap_or(&opts.default_namespace).to_owned();
        let exempt = exemption(w, &namespace, opts);
        let passes = if exempt.is_some() {
            LevelPasses::all()
        } else {
            LevelPasses::of_pod(&w.pod_meta, &defaulted(w))
        };
        WorkloadLevels {
            namespace,
            exempt,
            passes,
        }
    }
}

fn exemption(w: &Workload, namespace: &str, opts: &CheckOptions) -> Option<Exemption> {
    opts.exemptions.exemption(
        namespace,
        &opts.username,
        w.spec.runtime_class_name.as_deref(),
    )
}

/// The pod spec as admission sees it.
fn defaulted(w: &Workload) -> PodSpec {
    let mut spec = w.spec.clone();
    let owner = if w.kind == WorkloadKind::Pod {
        SpecOwner::Pod
    } else {
        SpecOwner::Template
    };
    apply_api_defaults(&mut spec, owner);
    spec
}

#[derive(Clone, Debug)]
struct NamespaceTally {
    workloads: usize,
    exempt: usize,
    passes: LevelPasses,
    declared: Option<(BTreeMap<String, String>, Origin)>,
}

impl Default for NamespaceTally {
    fn default() -> NamespaceTally {
        NamespaceTally {
            workloads: 0,
            exempt: 0,
            passes: LevelPasses::all(),
            declared: None,
        }
    }
}

/// Phase 1: what every namespace's workloads pass, and the Namespace objects' labels.
#[derive(Clone, Debug)]
pub struct SuggestTally {
    defaults: Policy,
    namespaces: BTreeMap<String, NamespaceTally>,
}

impl SuggestTally {
    /// An empty tally with the defaults of `opts` (the policy of unlabelled namespaces).
    pub fn new(opts: &CheckOptions) -> SuggestTally {
        SuggestTally {
            defaults: opts.default_policy,
            namespaces: BTreeMap::new(),
        }
    }

    /// Adds a workload's result.
    pub fn add_workload(&mut self, w: &WorkloadLevels) {
        let t = self.namespaces.entry(w.namespace.clone()).or_default();
        t.workloads += 1;
        if w.exempt.is_some() {
            t.exempt += 1;
        }
        t.passes.intersect(&w.passes);
    }

    /// Adds a Namespace object: it gets a suggestion even without workloads, and its labels
    /// are the start of the label computation (a later declaration of the name wins, as in
    /// `check`).
    pub fn add_namespace(&mut self, ns: &Namespace, origin: &Origin) {
        let name = ns.metadata.name.clone().unwrap_or_default();
        let labels = ns.metadata.labels.clone().unwrap_or_default();
        self.namespaces.entry(name).or_default().declared = Some((labels, origin.clone()));
    }

    /// Phase 2: the suggestion for every namespace, by name (stricter targets without
    /// blockers yet).
    pub fn finish(self) -> SuggestReport {
        let defaults = self.defaults;
        let namespaces = self
            .namespaces
            .into_iter()
            .map(|(name, t)| {
                let decision = decide(&t.passes);
                let empty = BTreeMap::new();
                let current_labels = t.declared.as_ref().map_or(&empty, |(l, _)| l);
                let current = pss::policy_to_evaluate(current_labels, &defaults).0;
                let (labels, policy) =
                    labels(decision.enforce, current_labels, &defaults, &t.passes);
                let stricter = decision
                    .targets()
                    .map(|target| Stricter {
                        target,
                        passes_at: t
                            .passes
                            .newest(target.level)
                            .filter(|v| *v < target.version),
                        blockers: Vec::new(),
                    })
                    .collect();
                NamespaceSuggestion {
                    namespace: name,
                    workloads: t.workloads,
                    exempt: t.exempt,
                    declared: t.declared.map(|(_, o)| (o.file.clone(), o.pos())),
                    current,
                    passes: t.passes,
                    decision,
                    labels,
                    policy,
                    stricter,
                }
            })
            .collect();
        SuggestReport { namespaces }
    }
}

/// A stricter target and what blocks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stricter {
    /// The level and version.
    pub target: LevelVersion,
    /// The newest version, older than the target's, at which the target's level passes.
    pub passes_at: Option<Version>,
    /// The workloads that fail it, in input order.
    pub blockers: Vec<Blocker>,
}

/// A workload that fails a stricter target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocker {
    /// The kind (`Pod`, `Deployment`, ...).
    pub kind: &'static str,
    /// The name (`generateName` when there is no name).
    pub name: String,
    /// The file (`-` for standard input).
    pub file: Arc<str>,
    /// Where the object starts.
    pub pos: Pos,
    /// PSA's message at the target: `violates PodSecurity "<lv>": ...`.
    pub message: String,
    /// The failed checks, as `check` reports them.
    pub violations: Vec<ViolationFinding>,
}

/// The suggestion for one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceSuggestion {
    /// The namespace.
    pub namespace: String,
    /// Workloads judged in it.
    pub workloads: usize,
    /// Of which exempt.
    pub exempt: usize,
    /// Where its Namespace object is in the input (file, position), if there is one.
    pub declared: Option<(Arc<str>, Pos)>,
    /// The policy it has now (its Namespace's labels over the defaults).
    pub current: Policy,
    /// What all its non-exempt workloads pass.
    pub passes: LevelPasses,
    /// The suggested enforce level and version, and the stricter targets.
    pub decision: Decision,
    /// The labels to set.
    pub labels: Vec<(&'static str, String)>,
    /// The policy once they are set.
    pub policy: Policy,
    /// The stricter targets with their blockers ([`SuggestReport::add_blockers`]).
    pub stricter: Vec<Stricter>,
}

impl NamespaceSuggestion {
    /// `kubectl label --overwrite ns NAME ...` for [`NamespaceSuggestion::labels`].
    pub fn command(&self) -> String {
        kubectl_label(&self.namespace, &self.labels)
    }
}

/// Every namespace's suggestion, sorted by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SuggestReport {
    /// The namespaces, sorted by name.
    pub namespaces: Vec<NamespaceSuggestion>,
}

impl SuggestReport {
    /// The suggestion for a namespace.
    pub fn get(&self, namespace: &str) -> Option<&NamespaceSuggestion> {
        self.namespaces
            .binary_search_by(|n| n.namespace.as_str().cmp(namespace))
            .ok()
            .map(|i| &self.namespaces[i])
    }

    /// Phase 3: records `w` as a blocker of each stricter target of its namespace it fails.
    pub fn add_blockers(&mut self, w: &Workload, opts: &CheckOptions) {
        let namespace = w.namespace().unwrap_or(&opts.default_namespace);
        let Ok(i) = self
            .namespaces
            .binary_search_by(|n| n.namespace.as_str().cmp(namespace))
        else {
            return;
        };
        let ns = &mut self.namespaces[i];
        if ns.stricter.is_empty() || exemption(w, namespace, opts).is_some() {
            return;
        }
        let spec = defaulted(w);
        for s in &mut ns.stricter {
            let eval = pss::evaluate(s.target, &w.pod_meta, &spec);
            let Some(message) = eval.enforce_message() else {
                continue;
            };
            s.blockers.push(Blocker {
                kind: w.kind.as_str(),
                name: w.name().to_owned(),
                file: w.origin.file.clone(),
                pos: w.origin.pos(),
                message,
                violations: violation_findings(w, &spec, &eval),
            });
        }
    }
}

/// The violations of `eval` with the containers and the positions of the offending fields.
fn violation_findings(
    w: &Workload,
    spec: &PodSpec,
    eval: &pss::Evaluation,
) -> Vec<ViolationFinding> {
    let template = w.template_path();
    eval.violations
        .iter()
        .map(|v| ViolationFinding {
            check: v.check_id,
            reason: v.reason.to_string(),
            detail: v.detail.clone(),
            containers: v
                .container_names(spec)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            // A blocker is what the API server would refuse at the stricter level: repository
            // suppressions do not change that, so they are not applied here.
            suppressed: None,
            fields: v
                .field_paths()
                .iter()
                .map(|p| {
                    let full = template.join(p);
                    let (pos, present) = w.origin.locate(&full);
                    FieldFinding {
                        path: full.to_string(),
                        reported: p.to_string(),
                        pos,
                        present,
                    }
                })
                .collect(),
        })
        .collect()
}

/// All three phases over `loaded`: every namespace with a workload or a Namespace object.
pub fn suggest(loaded: &Loaded, opts: &CheckOptions) -> SuggestReport {
    let mut tally = SuggestTally::new(opts);
    for obj in &loaded.objects {
        match obj {
            Object::Workload(w) => tally.add_workload(&WorkloadLevels::of(w, opts)),
            Object::Namespace(ns, origin) => tally.add_namespace(ns, origin),
            Object::ConfigMap(..) | Object::Secret(..) => {}
        }
    }
    let mut report = tally.finish();
    for w in loaded.workloads() {
        report.add_blockers(w, opts);
    }
    report
}

#[cfg(test)]
mod tests;
