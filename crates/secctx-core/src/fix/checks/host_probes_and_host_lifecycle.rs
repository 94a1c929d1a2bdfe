//! `hostProbesAndHostLifecycle`: remove `host` from probes and lifecycle handlers (needs a
//! choice: they then reach the pod's own IP).

use super::Ctx;
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::pss::Violation;

pub(super) fn remedies(_ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        out.push(
            Remedy::remove(
                v.check_id,
                loc.to_field_path(),
                "the handler would connect to another host instead of the pod",
            )
            .needs(Allow::ProbeHost),
        );
    }
}
