//! Fixing one workload: evaluate, collect the remedies of every violation, apply those that
//! are safe or allowed, and evaluate again, until nothing more can be applied.

use serde::Serialize;

use super::allow::AllowSet;
use super::checks::{self, Ctx};
use super::remedy::Remedy;
use super::state::{State, apply_order};
use crate::edit::{Edit, Op, Seg};
use crate::image::ImageInfo;
use crate::load::{Workload, WorkloadKind};
use crate::path::{FieldPath, Segment};
use crate::pss::defaults::{SpecOwner, apply_api_defaults};
use crate::pss::{Evaluation, LevelVersion, Registry};
use crate::yaml::Pos;

/// Rounds of remedies at most: a remedy of one round may reveal a finding the next round
/// fixes (an explicit `Unconfined` profile hides the unset pod profile), never more than two
/// deep; the bound only guards against a remedy that undoes another.
const MAX_ROUNDS: usize = 4;

/// A remedy as planned for one workload.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Planned {
    /// The remedy.
    #[serde(flatten)]
    pub remedy: Remedy,
    /// Whether it was applied (safe, or allowed).
    pub applied: bool,
    /// Where the field (or its nearest written ancestor) is in the file.
    pub pos: Pos,
}

/// A finding that remains after the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remaining {
    /// The check.
    pub check: &'static str,
    /// PSA's reason and detail: `allowPrivilegeEscalation != false (container "a" must ...)`.
    pub message: String,
}

/// How far a workload was fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// It already passed the level.
    Passing,
    /// Every finding was fixed.
    Fixed,
    /// Some edits were applied and findings remain.
    Partly,
    /// Findings remain and nothing was applied.
    Unchanged,
}

/// The fix of one workload.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadFix {
    /// Every remedy considered, applied or not, in the order found.
    pub remedies: Vec<Planned>,
    /// The findings left after the applied remedies.
    pub remaining: Vec<Remaining>,
    /// How far it was fixed.
    pub status: Status,
    /// The edits to the workload's document, in the order they must be applied.
    #[serde(skip)]
    pub edits: Vec<Edit>,
}

/// What to fix to.
pub struct FixOptions<'a, 'i> {
    /// The level and version.
    pub level: LevelVersion,
    /// The opt-ins given.
    pub allow: AllowSet,
    /// The images' data by reference.
    pub images: &'a dyn Fn(&str) -> Option<&'i ImageInfo>,
    /// The checks (normally [`crate::pss::default_registry`]).
    pub registry: &'a Registry,
}

fn evaluate(
    opts: &FixOptions<'_, '_>,
    kind: WorkloadKind,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: &k8s_openapi::api::core::v1::PodSpec,
) -> (Evaluation, k8s_openapi::api::core::v1::PodSpec) {
    let mut defaulted = spec.clone();
    let owner = if kind == WorkloadKind::Pod {
        SpecOwner::Pod
    } else {
        SpecOwner::Template
    };
    apply_api_defaults(&mut defaulted, owner);
    (
        opts.registry.evaluate(opts.level, meta, &defaulted),
        defaulted,
    )
}

/// Plans the fix of `w`.
pub fn fix_workload(w: &Workload, opts: &FixOptions<'_, '_>) -> WorkloadFix {
    let (first, defaulted) = evaluate(opts, w.kind, &w.pod_meta, &w.spec);
    if first.is_allowed() {
        return WorkloadFix {
            remedies: Vec::new(),
            remaining: Vec::new(),
            status: Status::Passing,
            edits: Vec::new(),
        };
    }
    let mut state = State::new(&w.pod_meta, &w.spec);
    let mut remedies: Vec<Planned> = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    let (mut eval, mut meta, mut spec, mut defaulted) =
        (first, w.pod_meta.clone(), w.spec.clone(), defaulted);
    for _ in 0..MAX_ROUNDS {
        let ctx = Ctx {
            meta: &meta,
            spec: &defaulted,
            written: &spec,
            images: opts.images,
        };
        let mut found = Vec::new();
        for v in &eval.violations {
            checks::remedies(&ctx, v, &mut found);
        }
        let mut round: Vec<Remedy> = Vec::new();
        for mut r in found {
            r.old = state.get(&r.field).cloned();
            let no_op = !r.is_not_fixable() && r.old == r.new;
            if no_op
                || remedies.iter().any(|p| p.remedy.same_edit(&r))
                || round.iter().any(|p| p.same_edit(&r))
            {
                continue;
            }
            let applied = !r.is_not_fixable() && opts.allow.covers(r.needed());
            let pos = w.locate(&r.field).0;
            if applied {
                round.push(r.clone());
            }
            remedies.push(Planned {
                remedy: r,
                applied,
                pos,
            });
        }
        if round.is_empty() {
            break;
        }
        round.sort_by(|a, b| apply_order((&a.field, a.new.is_none()), (&b.field, b.new.is_none())));
        for r in &round {
            state.apply(&r.field, r.new.as_ref());
            edits.push(Edit {
                document: w.origin.doc_index,
                path: document_path(w, &r.field),
                op: r.new.clone().map_or(Op::Remove, Op::Set),
            });
        }
        let Ok((m, s)) = state.typed() else {
            break;
        };
        (meta, spec) = (m, s);
        (eval, defaulted) = evaluate(opts, w.kind, &meta, &spec);
        if eval.is_allowed() {
            break;
        }
    }
    let remaining: Vec<Remaining> = eval
        .violations
        .iter()
        .map(|v| Remaining {
            check: v.check_id,
            message: if v.detail.is_empty() {
                v.reason.to_string()
            } else {
                format!("{} ({})", v.reason, v.detail)
            },
        })
        .collect();
    let status = match (remaining.is_empty(), edits.is_empty()) {
        (true, _) => Status::Fixed,
        (false, false) => Status::Partly,
        (false, true) => Status::Unchanged,
    };
    WorkloadFix {
        remedies,
        remaining,
        status,
        edits,
    }
}

/// The path of a pod-template field in the workload's document: the List item, the
/// template, the field.
pub fn document_path(w: &Workload, field: &FieldPath) -> Vec<Seg> {
    w.origin
        .prefix
        .join(&w.template_path())
        .join(field)
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Field(k) | Segment::Key(k) => Seg::Key(k.clone()),
            Segment::Index(i) => Seg::Index(*i),
        })
        .collect()
}
