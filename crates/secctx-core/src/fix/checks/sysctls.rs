//! `sysctls`: remove each sysctl outside the safe set (needs a choice: the kernel default
//! applies).

use super::{Ctx, parent};
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::pss::Violation;

pub(super) fn remedies(_ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        // The location is `spec.securityContext.sysctls[i].name`: the item goes.
        out.push(
            Remedy::remove(
                v.check_id,
                parent(&loc.to_field_path()),
                "the sysctl is not namespaced safely for the level; the kernel's default applies",
            )
            .needs(Allow::Sysctls),
        );
    }
}
