//! `seccompProfile_baseline`, `seccompProfile_restricted`: an unset pod profile →
//! `RuntimeDefault` (safe: the runtime's default filter blocks only calls ordinary workloads do
//! not make); an explicit `Unconfined` (field or annotation) → `RuntimeDefault` (needs a
//! choice). A legacy annotation that disagrees with the field is set with it (the API server
//! refuses the two disagreeing).

use serde_json::json;

use super::{Ctx, container_name, container_path};
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::fix::rules::RUNTIME_DEFAULT;
use crate::path::{FieldPath, Segment};
use crate::pss::Violation;
use crate::pss::checks::seccomp_profile_baseline::{CONTAINER_ANNOTATION_PREFIX, POD_ANNOTATION};
use crate::pss::visit::containers;

const WHY_EXPLICIT: &str = "the profile was written as Unconfined: the container could make every system call; the runtime's default filter blocks the dangerous ones";

fn annotations_path() -> FieldPath {
    FieldPath::new("metadata.annotations")
}

fn agrees(annotation: &str) -> bool {
    annotation == "runtime/default" || annotation == "docker/default"
}

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    let annotations = ctx.meta.annotations.as_ref();
    let explicit = v
        .fields
        .iter()
        .map(|l| l.to_field_path())
        .filter(|f| {
            matches!(f.segments().last(), Some(Segment::Key(_)))
                || matches!(f.segments().last(), Some(Segment::Field(n)) if n == "type")
        })
        .collect::<Vec<_>>();
    if explicit.is_empty() {
        // Unset everywhere: the pod-level profile covers every container without its own.
        let pod_annotation = annotations.and_then(|a| a.get(POD_ANNOTATION));
        let mut r = Remedy::set(
            v.check_id,
            FieldPath::new("spec.securityContext.seccompProfile"),
            json!({"type": RUNTIME_DEFAULT}),
            "no seccomp filter was set; the runtime's default filter blocks only calls ordinary workloads do not make",
        );
        if let Some(a) = pod_annotation.filter(|a| !agrees(a)) {
            r = r.needs(Allow::Seccomp);
            out.push(
                Remedy::set(
                    v.check_id,
                    annotations_path().key(POD_ANNOTATION),
                    json!("runtime/default"),
                    format!("the annotation says {a:?} and must agree with the field"),
                )
                .needs(Allow::Seccomp),
            );
        }
        out.push(r);
        return;
    }
    for field in explicit {
        if matches!(field.segments().last(), Some(Segment::Key(_))) {
            out.push(
                Remedy::set(v.check_id, field, json!("runtime/default"), WHY_EXPLICIT)
                    .needs(Allow::Seccomp),
            );
            continue;
        }
        out.push(
            Remedy::set(
                v.check_id,
                field.clone(),
                json!(RUNTIME_DEFAULT),
                WHY_EXPLICIT,
            )
            .needs(Allow::Seccomp),
        );
        // The annotation that must agree with this field, if one is written.
        let key = if field.segments().get(1) == Some(&Segment::Field("securityContext".into())) {
            POD_ANNOTATION.to_owned()
        } else {
            let Some(c) = containers(ctx.spec)
                .find(|c| container_path(c.id(), "securityContext.seccompProfile.type") == field)
            else {
                continue;
            };
            format!(
                "{CONTAINER_ANNOTATION_PREFIX}{}",
                container_name(ctx.spec, c.id())
            )
        };
        if annotations
            .and_then(|a| a.get(&key))
            .is_some_and(|a| !agrees(a))
        {
            out.push(
                Remedy::set(
                    v.check_id,
                    annotations_path().key(&key),
                    json!("runtime/default"),
                    "the annotation must agree with the field",
                )
                .needs(Allow::Seccomp),
            );
        }
    }
}
