//! `hostPathVolumes`: never fixed. A hostPath volume gives the pod the node's files; no other
//! volume type gives it them, so replacing it would break the workload.

use super::Ctx;
use crate::fix::remedy::Remedy;
use crate::path::Segment;
use crate::pss::Violation;

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        let field = loc.to_field_path();
        let volume = field.segments().iter().find_map(|s| match s {
            Segment::Index(i) => ctx.spec.volumes.as_deref()?.get(*i),
            _ => None,
        });
        let (name, path) = volume.map_or(("", ""), |vol| {
            (
                vol.name.as_str(),
                vol.host_path.as_ref().map_or("", |h| h.path.as_str()),
            )
        });
        out.push(Remedy::not_fixable(
            v.check_id,
            field,
            format!(
                "volume {name:?} mounts the node's {path:?}; no other volume type gives the pod the node's files, so only its author can drop it"
            ),
        ));
    }
}
