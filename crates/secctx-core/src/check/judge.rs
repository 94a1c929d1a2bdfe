//! The verdict on each object.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;

use super::namespaces::NamespacePolicies;
use super::options::CheckOptions;
use super::result::{
    CheckReport, FieldFinding, Mode, ObjectResult, ValidationFinding, ViolationFinding,
};
use super::suppress::apply_suppressions;
use crate::load::{Loaded, Object, Origin, Workload, WorkloadKind};
use crate::path::FieldPath;
use crate::pss::defaults::{SpecOwner, apply_api_defaults};
use crate::pss::policy::namespace_invalid_message;
use crate::pss::{self, Evaluation, LevelVersion, Policy};
use crate::validate::{validate_workload, workload_message};

/// Judges every workload and Namespace of `loaded`, in input order.
pub fn check(loaded: &Loaded, opts: &CheckOptions) -> CheckReport {
    let namespaces = NamespacePolicies::from_loaded(loaded, &opts.default_policy);
    let judge = Judge::new(&namespaces, opts);
    CheckReport {
        objects: loaded
            .objects
            .iter()
            .filter_map(|o| judge.judge(o))
            .collect(),
    }
}

/// Judges objects one at a time, for inputs read as a stream: the policies of every Namespace
/// of the input must be known first ([`NamespacePolicies::add`]), since a Namespace sets the
/// policy of objects written before it too.
#[derive(Clone, Copy, Debug)]
pub struct Judge<'a> {
    namespaces: &'a NamespacePolicies,
    opts: &'a CheckOptions,
}

impl<'a> Judge<'a> {
    /// A judge with the policies of the input's Namespaces and the options.
    pub fn new(namespaces: &'a NamespacePolicies, opts: &'a CheckOptions) -> Self {
        Judge { namespaces, opts }
    }

    /// The verdict on one object: every workload has one; a Namespace only when its labels are
    /// invalid; other objects none.
    pub fn judge(&self, obj: &Object) -> Option<ObjectResult> {
        match obj {
            Object::Workload(w) => Some(judge_workload(w, self.namespaces, self.opts)),
            Object::Namespace(ns, origin) => judge_namespace(ns, origin, self.namespaces),
            Object::ConfigMap(..) | Object::Secret(..) => None,
        }
    }
}

/// A Namespace is reported only when its labels are invalid (its create would be rejected).
fn judge_namespace(
    ns: &Namespace,
    origin: &Origin,
    namespaces: &NamespacePolicies,
) -> Option<ObjectResult> {
    let name = ns.metadata.name.clone().unwrap_or_default();
    let entry = namespaces.get(&name)?;
    // A later declaration of the same name wins; judge each declaration on its own labels.
    let empty = BTreeMap::new();
    let labels = ns.metadata.labels.as_ref().unwrap_or(&empty);
    let (_, errors) = pss::policy_to_evaluate(labels, &entry.policy);
    if errors.is_empty() {
        return None;
    }
    let validation = errors
        .iter()
        .map(|e| ValidationFinding {
            message: e.to_string(),
            field: field_finding(origin, &e.path, &e.path),
        })
        .collect();
    Some(ObjectResult {
        kind: "Namespace",
        name: name.clone(),
        namespace: name.clone(),
        file: origin.file.clone(),
        pos: origin.pos(),
        template: false,
        policy: None,
        mode: None,
        level_version: None,
        allowed: false,
        exempt: None,
        validation,
        validation_message: Some(namespace_invalid_message(&name, &errors)),
        violations: Vec::new(),
        message: None,
        forbidden_message: None,
        source: None,
        notes: Vec::new(),
    })
}

fn field_finding(origin: &Origin, full: &FieldPath, reported: &FieldPath) -> FieldFinding {
    let (pos, present) = origin.locate(full);
    FieldFinding {
        path: full.to_string(),
        reported: reported.to_string(),
        pos,
        present,
    }
}

fn judge_workload(
    w: &Workload,
    namespaces: &NamespacePolicies,
    opts: &CheckOptions,
) -> ObjectResult {
    let is_pod = w.kind == WorkloadKind::Pod;
    let namespace = w.namespace().unwrap_or(&opts.default_namespace).to_owned();
    let policy = namespaces.get(&namespace).map_or_else(
        || {
            opts.repo
                .default_policy(opts.default_policy, &namespace, &w.origin.file)
        },
        |e| e.policy,
    );

    let errors = validate_workload(w, &opts.validation);
    let validation: Vec<ValidationFinding> = errors
        .iter()
        .map(|e| ValidationFinding {
            message: e.to_string(),
            field: field_finding(&w.origin, &e.path, &e.path),
        })
        .collect();
    let validation_message = (!errors.is_empty()).then(|| workload_message(w, &errors));

    let mut result = ObjectResult {
        kind: w.kind.as_str(),
        name: w.name().to_owned(),
        namespace,
        file: w.origin.file.clone(),
        pos: w.origin.pos(),
        template: !is_pod,
        policy: Some(policy),
        mode: None,
        level_version: None,
        allowed: errors.is_empty(),
        exempt: None,
        validation,
        validation_message,
        violations: Vec::new(),
        message: None,
        forbidden_message: None,
        source: None,
        notes: Vec::new(),
    };

    let runtime_class = w.spec.runtime_class_name.as_deref();
    if let Some(ex) = opts
        .exemptions
        .exemption(&result.namespace, &opts.username, runtime_class)
    {
        result.exempt = Some(ex);
        return result;
    }

    // Admission judges the defaulted object.
    let mut spec = w.spec.clone();
    apply_api_defaults(
        &mut spec,
        if is_pod {
            SpecOwner::Pod
        } else {
            SpecOwner::Template
        },
    );
    let verdict = evaluate_modes(&policy, is_pod, |lv| pss::evaluate(lv, &w.pod_meta, &spec));
    let (mode, eval) = verdict;
    result.mode = Some(mode);
    result.level_version = Some(eval.level_version);
    let annotations = [w.meta.annotations.as_ref(), w.pod_meta.annotations.as_ref()];
    if eval.is_allowed() {
        // Nothing to suppress; a malformed suppression annotation is still noted.
        apply_suppressions(&mut result, &annotations, &opts.repo);
        return result;
    }
    if mode == Mode::Enforce {
        let message = eval.enforce_message().unwrap_or_default();
        result.allowed = false;
        result.forbidden_message = Some(pss::forbidden_message(w.name(), &message));
        result.message = Some(message);
    } else {
        result.message = eval.warn_message();
    }
    let template = w.template_path();
    result.violations = eval
        .violations
        .iter()
        .map(|v| ViolationFinding {
            check: v.check_id,
            reason: v.reason.to_string(),
            detail: v.detail.clone(),
            containers: v
                .container_names(&spec)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            fields: v
                .field_paths()
                .iter()
                .map(|p| field_finding(&w.origin, &template.join(p), p))
                .collect(),
            suppressed: None,
        })
        .collect();
    let annotations = [w.meta.annotations.as_ref(), w.pod_meta.annotations.as_ref()];
    apply_suppressions(&mut result, &annotations, &opts.repo);
    result
}

/// The first failing mode, in PSA's order (enforce for pods, then warn, then audit), reusing
/// evaluations of an identical level and version; when nothing fails, enforce (pods) or warn
/// (templates) with its passing evaluation.
fn evaluate_modes(
    policy: &Policy,
    is_pod: bool,
    eval: impl Fn(LevelVersion) -> Evaluation,
) -> (Mode, Evaluation) {
    let mut modes = Vec::with_capacity(3);
    if is_pod {
        modes.push((Mode::Enforce, policy.enforce));
    }
    modes.push((Mode::Warn, policy.warn));
    modes.push((Mode::Audit, policy.audit));
    let mut first: Option<(Mode, Evaluation)> = None;
    let mut done: Vec<LevelVersion> = Vec::with_capacity(3);
    for (mode, lv) in modes {
        if done.iter().any(|d| d.equivalent(&lv)) {
            continue;
        }
        done.push(lv);
        let e = eval(lv);
        if !e.is_allowed() {
            return (mode, e);
        }
        if first.is_none() {
            first = Some((mode, e));
        }
    }
    first.unwrap_or_else(|| {
        (
            Mode::Enforce,
            Evaluation {
                level_version: policy.enforce,
                violations: Vec::new(),
            },
        )
    })
}
