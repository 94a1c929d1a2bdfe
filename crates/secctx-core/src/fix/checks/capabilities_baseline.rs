//! `capabilities_baseline`: remove each added capability outside the baseline set (needs a
//! choice: the process loses what it asked for).

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
                "the capability is not in the baseline set a container may add",
            )
            .needs(Allow::Capabilities),
        );
    }
}
