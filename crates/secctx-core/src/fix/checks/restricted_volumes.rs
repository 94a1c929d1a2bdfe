//! `restrictedVolumes`: never fixed. The volume's data lives where only that volume type
//! reaches it (a hostPath, an NFS export, a cloud disk); replacing it would lose the data.

use super::Ctx;
use crate::fix::remedy::Remedy;
use crate::path::Segment;
use crate::pss::Violation;

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        let field = loc.to_field_path();
        let segs = field.segments();
        let name = segs
            .iter()
            .find_map(|s| match s {
                Segment::Index(i) => ctx.spec.volumes.as_deref()?.get(*i),
                _ => None,
            })
            .map_or("", |vol| vol.name.as_str());
        let kind = match segs.last() {
            Some(Segment::Field(f)) => f.as_str(),
            _ => "unknown",
        };
        out.push(Remedy::not_fixable(
            v.check_id,
            field.clone(),
            format!(
                "volume {name:?} is a {kind} volume, which the restricted level forbids; its data is reachable only through that volume type (a PVC can take its place, which only the workload's author can set up)"
            ),
        ));
    }
}
