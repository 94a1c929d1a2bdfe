//! `appArmorProfile`: an `Unconfined` profile → `RuntimeDefault`, an `unconfined` annotation →
//! `runtime/default` (needs a choice: the profile was written explicitly).

use serde_json::json;

use super::Ctx;
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::path::Segment;
use crate::pss::Violation;

pub(super) fn remedies(_ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        let field = loc.to_field_path();
        let annotation = matches!(field.segments().last(), Some(Segment::Key(_)));
        let value = if annotation {
            json!("runtime/default")
        } else {
            json!("RuntimeDefault")
        };
        out.push(
            Remedy::set(
                v.check_id,
                field,
                value,
                "the container would run without AppArmor confinement; the runtime's default profile confines it",
            )
            .needs(Allow::Apparmor),
        );
    }
}
