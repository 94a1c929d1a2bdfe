//! `hostNamespaces`: `hostNetwork`, `hostPID`, `hostIPC` → `false` (needs a choice: the pod
//! stops seeing the node's network, processes or IPC objects).

use serde_json::json;

use super::Ctx;
use crate::fix::allow::Allow;
use crate::fix::remedy::Remedy;
use crate::pss::Violation;
use crate::pss::visit::containers;

/// Whether the pod or a container sets `windowsOptions.hostProcess: true`.
fn host_process(spec: &k8s_openapi::api::core::v1::PodSpec) -> bool {
    let hp = |sc: Option<&k8s_openapi::api::core::v1::WindowsSecurityContextOptions>| {
        sc.and_then(|w| w.host_process) == Some(true)
    };
    hp(spec
        .security_context
        .as_ref()
        .and_then(|s| s.windows_options.as_ref()))
        || containers(spec).any(|c| hp(c.security_context.and_then(|s| s.windows_options.as_ref())))
}

pub(super) fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    for loc in &v.fields {
        let field = loc.to_field_path();
        let name = field.to_string();
        if name == "spec.hostNetwork" && host_process(ctx.spec) {
            out.push(Remedy::not_fixable(
                v.check_id,
                field,
                "a Windows HostProcess pod must use the node's network (the API server refuses hostProcess without hostNetwork)",
            ));
            continue;
        }
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
