//! `hostPorts`: remove each `hostPort` (needs a choice: the port is no longer reachable on the
//! node's address). A `hostPort` the API server defaults from `containerPort` because of
//! `hostNetwork: true` goes away with `hostNetwork`.

use serde_json::json;

use super::Ctx;
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::path::{FieldPath, Segment};
use crate::pss::Violation;
use crate::pss::visit::containers;

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        let field = loc.to_field_path();
        if written_host_port(ctx, &field).unwrap_or(0) != 0 {
            out.push(
                Remedy::remove(
                    v.check_id,
                    field,
                    "the port would be opened on the node's address",
                )
                .needs(Allow::HostPorts),
            );
        } else {
            out.push(
                Remedy::set(
                    v.check_id,
                    FieldPath::new("spec.hostNetwork"),
                    json!(false),
                    "with hostNetwork: true the API server sets every hostPort to its containerPort",
                )
                .needs(Allow::HostNamespaces),
            );
        }
    }
}

/// The `hostPort` at `spec.<kind>[i].ports[j].hostPort` as written.
fn written_host_port(ctx: &Ctx<'_, '_>, field: &FieldPath) -> Option<i32> {
    let segs = field.segments();
    let (Segment::Field(kind), Segment::Index(i), Segment::Index(j)) =
        (segs.get(1)?, segs.get(2)?, segs.get(4)?)
    else {
        return None;
    };
    let c = containers(ctx.written).find(|c| c.kind.field() == kind && c.index == *i)?;
    c.ports().get(*j)?.host_port
}
