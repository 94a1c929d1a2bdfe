//! `seLinuxOptions`: remove the forbidden `type`, `user` and `role` (needs a choice: the
//! container gets the runtime's default label for them).

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
                "the SELinux label part is outside what the level allows; the runtime's default applies",
            )
            .needs(Allow::Selinux),
        );
    }
}
