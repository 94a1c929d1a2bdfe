//! `hostNamespaces`: `hostNetwork`, `hostPID`, `hostIPC` → `false` (needs a choice: the pod
//! stops seeing the node's network, processes or IPC objects).

use serde_json::json;

use super::Ctx;
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::pss::Violation;

pub(super) fn remedies(_ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        let field = loc.to_field_path();
        let name = field.to_string();
        let what = match name.rsplit('.').next().unwrap_or("") {
            "hostNetwork" => "the node's network namespace",
            "hostPID" => "the node's process namespace",
            _ => "the node's IPC namespace",
        };
        out.push(
            Remedy::set(
                v.check_id,
                field,
                json!(false),
                format!("the pod would share {what}; with false it gets its own"),
            )
            .needs(Allow::HostNamespaces),
        );
    }
}
