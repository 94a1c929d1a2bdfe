//! `windowsHostProcess`: never fixed. A HostProcess container is a process on the Windows node
//! by design; without `hostProcess` it is a different workload.

use super::{Ctx, container_path};
use crate::fix::remedy::Remedy;
use crate::pss::Violation;

pub(super) fn remedies(_ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    let reason = "a Windows HostProcess container runs as a process of the node by design; without hostProcess it would not do its job";
    let mut fields: Vec<_> = v.fields.iter().map(|l| l.to_field_path()).collect();
    for &id in &v.containers {
        let p = container_path(id, "securityContext.windowsOptions.hostProcess");
        if !fields.contains(&p) {
            fields.push(p);
        }
    }
    for field in fields {
        out.push(Remedy::not_fixable(v.check_id, field, reason));
    }
}
