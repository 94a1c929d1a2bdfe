//! `privileged`: `privileged: true` → `false` (needs a choice: the container loses every
//! capability beyond the default set and the node's devices).

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
                json!(false),
                "a privileged container has every capability and the node's devices",
            )
            .needs(Allow::Privileged),
        );
    }
}
