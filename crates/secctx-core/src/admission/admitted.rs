//! The admitted pod, rendered from a decision only when a caller needs it: a decision says
//! which SCC admits the pod and for whom, and nothing is copied to reach it; the copy of the
//! pod, the record of every field set and the JSONPatch are built here, afterwards, for the
//! callers that show or send them (`secctx admit`, the webhook's `/mutate`).

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value as Json;

use super::authz::Subject;
use super::containers::split_mut;
use super::decide::{SCC_ANNOTATION, SUBJECT_ANNOTATION};
use super::mutate::{Change, Parts, mutate_parts};
use super::patch::{diff, pod_json};
use super::provider::Provider;
use super::seccomp;

/// A pod as admission leaves it.
#[derive(Clone, Debug, PartialEq)]
pub struct Admitted {
    /// The admitted pod's metadata (annotations added).
    pub meta: ObjectMeta,
    /// The admitted pod's spec.
    pub spec: PodSpec,
    /// Every field admission set, in order.
    pub changes: Vec<Change>,
    /// The RFC 6902 operations from the submitted pod to this one (empty when unchanged),
    /// as the AdmissionReview response carries them.
    pub patch: Vec<Json>,
}

impl Admitted {
    /// The pod under the SCC of `p`, chosen for `subject`: a copy of the submitted pod with
    /// its unset fields filled, every change recorded, annotated with the SCC and the subject.
    pub(crate) fn build(p: &Provider, subject: Subject, meta: &ObjectMeta, spec: &PodSpec) -> Self {
        let mut out_meta = meta.clone();
        let mut out_spec = spec.clone();
        let mut changes = Vec::new();
        let (psc, containers) = split_mut(&mut out_spec);
        let pod_seccomp = mutate_parts(
            p,
            Parts {
                annotations: meta.annotations.as_ref(),
                psc,
                containers,
            },
            Some(&mut changes),
        );
        let a = out_meta.annotations.get_or_insert_with(Default::default);
        if let Some(profile) = pod_seccomp {
            a.insert(seccomp::POD_ANNOTATION.into(), profile);
        }
        for (key, value) in [
            (SCC_ANNOTATION, p.scc.name.as_str()),
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
        Self::with_patch(meta, spec, out_meta, out_spec, changes)
    }

    /// A pod admission lets through as it is (a Windows pod).
    pub(crate) fn unchanged(meta: &ObjectMeta, spec: &PodSpec) -> Self {
        Admitted {
            meta: meta.clone(),
            spec: spec.clone(),
            changes: Vec::new(),
            patch: Vec::new(),
        }
    }

    /// `after`, with the patch from the submitted pod to it.
    pub(crate) fn with_patch(
        meta: &ObjectMeta,
        spec: &PodSpec,
        after_meta: ObjectMeta,
        after_spec: PodSpec,
        changes: Vec<Change>,
    ) -> Self {
        let patch = diff(&pod_json(meta, spec), &pod_json(&after_meta, &after_spec));
        Admitted {
            meta: after_meta,
            spec: after_spec,
            changes,
            patch,
        }
    }
}
