//! `capabilities_restricted`: add `ALL` to `capabilities.drop` (safe: it drops only what the
//! container does not add back) and remove every added capability but `NET_BIND_SERVICE`
//! (needs a choice).

use serde_json::{Value as Json, json};

use super::{Ctx, container_path, container_sc};
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::pss::Violation;

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for &id in &v.containers {
        let caps = container_sc(ctx.spec, id).and_then(|sc| sc.capabilities.as_ref());
        let drop = caps.and_then(|c| c.drop.as_deref()).unwrap_or(&[]);
        if !drop.iter().any(|d| d == "ALL") {
            let mut list: Vec<Json> = drop.iter().map(|d| json!(d)).collect();
            list.push(json!("ALL"));
            out.push(Remedy::set(
                v.check_id,
                container_path(id, "securityContext.capabilities.drop"),
                Json::Array(list),
                "drops every capability the container does not add back",
            ));
        }
        let add = caps.and_then(|c| c.add.as_deref()).unwrap_or(&[]);
        for (j, cap) in add.iter().enumerate() {
            if cap != "NET_BIND_SERVICE" {
                out.push(
                    Remedy::remove(
                        v.check_id,
                        container_path(id, "securityContext.capabilities.add").index(j),
                        format!("the restricted level lets a container add NET_BIND_SERVICE only, not {cap}"),
                    )
                    .needs(Allow::Capabilities),
                );
            }
        }
    }
}
