//! `allowPrivilegeEscalation`: set `false` (safe when unset: setuid binaries stop gaining
//! privileges, which a workload that does not run as root cannot notice; an explicit `true`
//! needs a choice). The API server refuses `false` next to `privileged: true` or an added
//! `CAP_SYS_ADMIN`, so the remedy then also needs those removed.

use serde_json::json;

use super::{Ctx, container_path, container_sc};
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::fix::rules::EscalationBlockers;
use crate::pss::Violation;

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for &id in &v.containers {
        let sc = container_sc(ctx.spec, id);
        let mut r = Remedy::set(
            v.check_id,
            container_path(id, "securityContext.allowPrivilegeEscalation"),
            json!(false),
            "no process of the container can gain privileges through setuid binaries or file capabilities",
        );
        if sc.and_then(|s| s.allow_privilege_escalation) == Some(true) {
            r = r.needs(Allow::PrivilegeEscalation);
        }
        let blockers = EscalationBlockers::of(sc);
        if blockers.privileged {
            r = r.needs(Allow::Privileged);
        }
        if blockers.sys_admin {
            r = r.needs(Allow::Capabilities);
        }
        out.push(r);
    }
}
