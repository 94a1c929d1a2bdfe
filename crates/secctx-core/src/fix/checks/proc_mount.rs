//! `procMount`, `procMount_restricted`: `procMount` → `Default` (needs a choice: the
//! container's /proc gets the usual masked and read-only paths).

use serde_json::json;

use super::Ctx;
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::pss::Violation;

pub(super) fn remedies(_ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        out.push(
            Remedy::set(
                v.check_id,
                loc.to_field_path(),
                json!("Default"),
                "an unmasked /proc shows the node's kernel settings",
            )
            .needs(Allow::ProcMount),
        );
    }
}
