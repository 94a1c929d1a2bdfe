//! One-line remedies, one per Pod Security check: what to write so the check passes at the
//! restricted level (or baseline, for the baseline-only checks).

/// The remedy for a check ID (`None` for an unknown ID).
pub fn hint(check: &str) -> Option<&'static str> {
    Some(match check {
        "allowPrivilegeEscalation" => {
            "set securityContext.allowPrivilegeEscalation: false in every container"
        }
        "appArmorProfile" => {
            "use appArmorProfile.type RuntimeDefault or Localhost (or leave it unset), never Unconfined"
        }
        "capabilities_baseline" => {
            "add no capabilities beyond the default set (drop what you do not need instead)"
        }
        "capabilities_restricted" => {
            "set securityContext.capabilities.drop: [\"ALL\"] and add at most NET_BIND_SERVICE"
        }
        "hostNamespaces" => "remove hostNetwork, hostPID and hostIPC (or set them to false)",
        "hostPathVolumes" => {
            "replace hostPath volumes with emptyDir, configMap, secret or a persistentVolumeClaim"
        }
        "hostPorts" => "remove hostPort from the container ports (use a Service instead)",
        "hostProbesAndHostLifecycle" => {
            "remove the host field from probes and lifecycle handlers (they must target the pod)"
        }
        "privileged" => "remove securityContext.privileged or set it to false",
        "procMount" | "procMount_restricted" => {
            "remove securityContext.procMount or set it to Default"
        }
        "restrictedVolumes" => {
            "use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes"
        }
        "runAsNonRoot" => {
            "set securityContext.runAsNonRoot: true on the pod (or every container) and use an image with a non-root USER"
        }
        "runAsUser" => "do not set runAsUser: 0; pick a non-zero uid or leave it unset",
        "seLinuxOptions" => {
            "set only seLinuxOptions.level, or type container_t, container_init_t, container_kvm_t or container_engine_t"
        }
        "seccompProfile_baseline" => "do not use seccompProfile.type Unconfined",
        "seccompProfile_restricted" => {
            "set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile)"
        }
        "sysctls" => {
            "set only the safe sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, ...)"
        }
        "windowsHostProcess" => "remove windowsOptions.hostProcess or set it to false",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::hint;
    use crate::pss::checks::ALL_CHECKS;

    #[test]
    fn every_check_has_a_hint() {
        for c in ALL_CHECKS {
            assert!(hint(c.id).is_some(), "no hint for {}", c.id);
        }
        assert_eq!(hint("nope"), None);
    }
}
