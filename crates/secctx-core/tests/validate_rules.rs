//! One case per API validation rule of the security fields (spec §2), each asserting the exact
//! rendered errors (path, type, value, detail) in upstream order and the whole
//! `Pod "x" is invalid: ...` message.

use k8s_openapi::api::core::v1::{PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::load::WorkloadKind;
use secctx_core::path::FieldPath;
use secctx_core::validate::{
    FieldError, ValidationOptions, invalid_message, pod_warnings, qualified_kind,
    template_warnings, validate_kind, validate_pod, validate_pod_template, validate_status_user,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Harness

fn meta_of(pod: &Value) -> ObjectMeta {
    serde_json::from_value(pod.get("metadata").cloned().unwrap_or(json!({}))).expect("metadata")
}

fn spec_of(pod: &Value) -> PodSpec {
    serde_json::from_value(pod["spec"].clone()).expect("spec")
}

fn rendered(errs: &[FieldError]) -> Vec<String> {
    errs.iter().map(ToString::to_string).collect()
}

/// The message `NewInvalid` builds from `want`: duplicates dropped, one bare, several bracketed.
fn expected_message(kind: &str, name: &str, want: &[String]) -> String {
    let mut unique: Vec<&String> = Vec::new();
    for w in want {
        if !unique.contains(&w) {
            unique.push(w);
        }
    }
    let joined: Vec<&str> = unique.iter().map(|s| s.as_str()).collect();
    match joined.len() {
        0 => format!("{kind} \"{name}\" is invalid"),
        1 => format!("{kind} \"{name}\" is invalid: {}", joined[0]),
        _ => format!("{kind} \"{name}\" is invalid: [{}]", joined.join(", ")),
    }
}

fn check_pod(rule: &str, pod: Value, opts: &ValidationOptions, want: &[String]) {
    let meta = meta_of(&pod);
    let errs = validate_pod(&meta, &spec_of(&pod), opts);
    assert_eq!(rendered(&errs), want, "rule {rule}");
    let name = meta.name.clone().unwrap_or_default();
    assert_eq!(
        invalid_message("Pod", &name, &errs),
        expected_message("Pod", &name, want),
        "rule {rule}: whole message"
    );
}

/// `pod(spec)`: a Pod named `x`; `pod(spec, annotations)` with annotations.
fn pod(spec: Value) -> Value {
    json!({ "metadata": { "name": "x" }, "spec": spec })
}

fn annotated(annotations: Value, spec: Value) -> Value {
    json!({ "metadata": { "name": "x", "annotations": annotations }, "spec": spec })
}

/// A spec with one container `c` whose securityContext is `sc`.
fn ctr_sc(sc: Value) -> Value {
    json!({ "containers": [{ "name": "c", "image": "i", "securityContext": sc }] })
}

/// A spec with one plain container and the pod-level securityContext `sc`.
fn pod_sc(sc: Value) -> Value {
    json!({ "securityContext": sc, "containers": [{ "name": "c", "image": "i" }] })
}

fn with(mut spec: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().expect("object") {
        spec[k] = v.clone();
    }
    spec
}

/// One `#[test]` per rule: `name: pod_json => [expected errors...];`, optionally with
/// `(opts)` after the name.
macro_rules! rules {
    (@opts) => { ValidationOptions::default() };
    (@opts $opts:expr) => { $opts };
    ($( $name:ident $( ($opts:expr) )? : $pod:expr => [ $( $want:expr ),* $(,)? ] ; )*) => {
        $(
            #[test]
            fn $name() {
                let opts: ValidationOptions = rules!(@opts $( $opts )?);
                let want: Vec<String> = vec![ $( $want.to_string() ),* ];
                check_pod(stringify!($name), $pod, &opts, &want);
            }
        )*
    };
}

fn no_privileged() -> ValidationOptions {
    ValidationOptions {
        allow_privileged: false,
        ..ValidationOptions::default()
    }
}

const WHOLE_SC_PRIVILEGED: &str = r#"{"Capabilities":null,"Privileged":true,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":null}"#;

const SUBDOMAIN_MSG: &str = r"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const SYSCTL_MSG: &str = r"must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$";

// ---------------------------------------------------------------------------------------------
// §2.2 Pod-level spec.securityContext

rules! {
    pod_fs_group_range: pod(pod_sc(json!({ "fsGroup": -1 }))) => [
        "spec.securityContext.fsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive",
    ];
    pod_run_as_user_range: pod(pod_sc(json!({ "runAsUser": -1 }))) => [
        "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
    ];
    pod_run_as_group_range: pod(pod_sc(json!({ "runAsGroup": 2147483648_i64 }))) => [
        "spec.securityContext.runAsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive",
    ];
    pod_supplemental_groups_range: pod(pod_sc(json!({ "supplementalGroups": [1, -5] }))) => [
        "spec.securityContext.supplementalGroups[1]: Invalid value: -5: must be between 0 and 2147483647, inclusive",
    ];
    pod_ids_in_range_pass: pod(pod_sc(json!({
        "fsGroup": 0, "runAsUser": 2147483647, "runAsGroup": 0, "supplementalGroups": [0, 2147483647]
    }))) => [];
    share_process_namespace_with_host_pid:
        pod(with(pod_sc(json!({})), json!({ "hostPID": true, "shareProcessNamespace": true }))) => [
        "spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled",
    ];
    share_process_namespace_false_with_host_pid_passes:
        pod(with(pod_sc(json!({})), json!({ "hostPID": true, "shareProcessNamespace": false }))) => [];
    sysctl_name_required: pod(pod_sc(json!({ "sysctls": [{ "name": "", "value": "1" }] }))) => [
        "spec.securityContext.sysctls[0].name: Required value",
    ];
    sysctl_name_format: pod(pod_sc(json!({ "sysctls": [{ "name": "Kernel.Foo", "value": "1" }] }))) => [
        format!(r#"spec.securityContext.sysctls[0].name: Invalid value: "Kernel.Foo": {SYSCTL_MSG}"#),
    ];
    sysctl_name_too_long: pod(pod_sc(json!({ "sysctls": [{ "name": "a".repeat(254), "value": "1" }] }))) => [
        format!(r#"spec.securityContext.sysctls[0].name: Invalid value: "{}": {SYSCTL_MSG}"#, "a".repeat(254)),
    ];
    sysctl_name_duplicate: pod(pod_sc(json!({ "sysctls": [
        { "name": "kernel.msgmax", "value": "1" },
        { "name": "vm.swappiness", "value": "1" },
        { "name": "kernel.msgmax", "value": "2" },
    ] }))) => [
        r#"spec.securityContext.sysctls[2].name: Duplicate value: "kernel.msgmax""#,
    ];
    sysctl_duplicate_not_reported_for_invalid_names: pod(pod_sc(json!({ "sysctls": [
        { "name": "A", "value": "1" },
        { "name": "A", "value": "1" },
    ] }))) => [
        format!(r#"spec.securityContext.sysctls[0].name: Invalid value: "A": {SYSCTL_MSG}"#),
        format!(r#"spec.securityContext.sysctls[1].name: Invalid value: "A": {SYSCTL_MSG}"#),
    ];
    sysctl_net_with_host_network: pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "net.ipv4.ip_local_port_range", "value": "1024 65535" }] })),
        json!({ "hostNetwork": true }),
    )) => [
        r#"spec.securityContext.sysctls[0].name: Invalid value: "net.ipv4.ip_local_port_range": may not be specified when 'hostNetwork' is true"#,
    ];
    sysctl_ipc_with_host_ipc: pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "kernel.shmmax", "value": "1" }] })),
        json!({ "hostIPC": true }),
    )) => [
        r#"spec.securityContext.sysctls[0].name: Invalid value: "kernel.shmmax": may not be specified when 'hostIPC' is true"#,
    ];
    sysctl_ipc_exact_kernel_sem: pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "kernel.sem", "value": "1" }] })),
        json!({ "hostIPC": true }),
    )) => [
        r#"spec.securityContext.sysctls[0].name: Invalid value: "kernel.sem": may not be specified when 'hostIPC' is true"#,
    ];
    sysctl_ipc_prefix_fs_mqueue: pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "fs.mqueue.msg_max", "value": "1" }] })),
        json!({ "hostIPC": true }),
    )) => [
        r#"spec.securityContext.sysctls[0].name: Invalid value: "fs.mqueue.msg_max": may not be specified when 'hostIPC' is true"#,
    ];
    // Upstream looks kernel.shm*/kernel.msg* names up exactly; they are not prefixes.
    sysctl_kernel_shm_is_not_a_prefix: pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "kernel.shmfoo", "value": "1" }] })),
        json!({ "hostIPC": true }),
    )) => [];
    sysctl_slash_names_normalized: pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "net/ipv4/ip_forward", "value": "1" }] })),
        json!({ "hostNetwork": true }),
    )) => [
        r#"spec.securityContext.sysctls[0].name: Invalid value: "net/ipv4/ip_forward": may not be specified when 'hostNetwork' is true"#,
    ];
    sysctl_net_without_host_network_passes:
        pod(pod_sc(json!({ "sysctls": [{ "name": "net.ipv4.ip_forward", "value": "1" }] }))) => [];
    sysctl_host_conflict_checked_for_invalid_names: pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "kernel.shm*", "value": "1" }] })),
        json!({ "hostIPC": true }),
    )) => [
        format!(r#"spec.securityContext.sysctls[0].name: Invalid value: "kernel.shm*": {SYSCTL_MSG}"#),
        r#"spec.securityContext.sysctls[0].name: Invalid value: "kernel.shm*": may not be specified when 'hostIPC' is true"#,
    ];
    sysctl_host_conflict_skipped_by_option(ValidationOptions {
        allow_namespaced_sysctls_for_host_net_and_host_ipc: true,
        ..ValidationOptions::default()
    }): pod(with(
        pod_sc(json!({ "sysctls": [{ "name": "net.core.somaxconn", "value": "1" }] })),
        json!({ "hostNetwork": true }),
    )) => [];
    fs_group_change_policy_supported: pod(pod_sc(json!({ "fsGroupChangePolicy": "Sometimes" }))) => [
        r#"spec.securityContext.fsGroupChangePolicy: Unsupported value: "Sometimes": supported values: "Always", "OnRootMismatch""#,
    ];
    // A *PodFSGroupChangePolicy prints through json.Marshal: HTML characters are \u-escaped.
    fs_group_change_policy_value_is_json: pod(pod_sc(json!({ "fsGroupChangePolicy": "<x>" }))) => [
        r#"spec.securityContext.fsGroupChangePolicy: Unsupported value: "\u003cx\u003e": supported values: "Always", "OnRootMismatch""#,
    ];
    supplemental_groups_policy_supported: pod(pod_sc(json!({ "supplementalGroupsPolicy": "Union" }))) => [
        r#"spec.securityContext.supplementalGroupsPolicy: Unsupported value: "Union": supported values: "Merge", "Strict""#,
    ];
    selinux_change_policy_only_recursive: pod(pod_sc(json!({ "seLinuxChangePolicy": "MountOption" }))) => [
        r#"spec.securityContext.seLinuxChangePolicy: Unsupported value: "MountOption": supported values: "Recursive""#,
    ];
    selinux_change_policy_with_selinux_mount(ValidationOptions {
        allow_only_recursive_selinux_change_policy: false,
        ..ValidationOptions::default()
    }): pod(pod_sc(json!({ "seLinuxChangePolicy": "Always" }))) => [
        r#"spec.securityContext.seLinuxChangePolicy: Unsupported value: "Always": supported values: "MountOption", "Recursive""#,
    ];
    selinux_change_policy_mount_option_with_selinux_mount(ValidationOptions {
        allow_only_recursive_selinux_change_policy: false,
        ..ValidationOptions::default()
    }): pod(pod_sc(json!({ "seLinuxChangePolicy": "MountOption" }))) => [];
    pod_seccomp_profile_checked: pod(pod_sc(json!({ "seccompProfile": { "type": "Default" } }))) => [
        r#"spec.securityContext.seccompProfile.type: Unsupported value: "Default": supported values: "Localhost", "RuntimeDefault", "Unconfined""#,
    ];
    pod_windows_options_checked: pod(pod_sc(json!({ "windowsOptions": { "runAsUserName": "" } }))) => [
        r#"spec.securityContext.windowsOptions.runAsUserName: Invalid value: "": runAsUserName cannot be an empty string"#,
    ];
    pod_apparmor_profile_checked: pod(pod_sc(json!({ "appArmorProfile": { "type": "" } }))) => [
        "spec.securityContext.appArmorProfile.type: Required value: type is required when appArmorProfile is set",
    ];
    pod_security_context_rules_in_upstream_order: pod(with(pod_sc(json!({
        "seLinuxChangePolicy": "X",
        "supplementalGroupsPolicy": "X",
        "appArmorProfile": { "type": "X" },
        "windowsOptions": { "gmsaCredentialSpec": "" },
        "seccompProfile": { "type": "X" },
        "fsGroupChangePolicy": "X",
        "sysctls": [{ "name": "", "value": "" }],
        "supplementalGroups": [-1],
        "runAsGroup": -1,
        "runAsUser": -1,
        "fsGroup": -1,
    })), json!({ "hostPID": true, "shareProcessNamespace": true }))) => [
        "spec.securityContext.fsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        "spec.securityContext.runAsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        "spec.securityContext.supplementalGroups[0]: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        "spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled",
        "spec.securityContext.sysctls[0].name: Required value",
        r#"spec.securityContext.fsGroupChangePolicy: Unsupported value: "X": supported values: "Always", "OnRootMismatch""#,
        r#"spec.securityContext.seccompProfile.type: Unsupported value: "X": supported values: "Localhost", "RuntimeDefault", "Unconfined""#,
        r#"spec.securityContext.windowsOptions.gmsaCredentialSpec: Invalid value: "": gmsaCredentialSpec cannot be an empty string"#,
        r#"spec.securityContext.appArmorProfile.type: Unsupported value: "X": supported values: "Localhost", "RuntimeDefault", "Unconfined""#,
        r#"spec.securityContext.supplementalGroupsPolicy: Unsupported value: "X": supported values: "Merge", "Strict""#,
        r#"spec.securityContext.seLinuxChangePolicy: Unsupported value: "X": supported values: "Recursive""#,
    ];
}

// ---------------------------------------------------------------------------------------------
// §2.3 Container securityContext

rules! {
    privileged_disallowed_by_cluster_policy(no_privileged()): pod(ctr_sc(json!({ "privileged": true }))) => [
        "spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy",
    ];
    privileged_allowed_by_default: pod(ctr_sc(json!({ "privileged": true }))) => [];
    privileged_false_always_allowed(no_privileged()): pod(ctr_sc(json!({ "privileged": false }))) => [];
    container_run_as_user_range: pod(ctr_sc(json!({ "runAsUser": -1 }))) => [
        "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
    ];
    container_run_as_group_range: pod(ctr_sc(json!({ "runAsGroup": 4294967295_i64 }))) => [
        "spec.containers[0].securityContext.runAsGroup: Invalid value: 4294967295: must be between 0 and 2147483647, inclusive",
    ];
    proc_mount_supported_values: pod(ctr_sc(json!({ "procMount": "Masked" }))) => [
        r#"spec.containers[0].securityContext.procMount: Unsupported value: "Masked": supported values: "Default", "Unmasked""#,
    ];
    proc_mount_unmasked_requires_host_users_false: pod(ctr_sc(json!({ "procMount": "Unmasked" }))) => [
        r#"spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`"#,
    ];
    proc_mount_unmasked_with_host_users_false_passes:
        pod(with(ctr_sc(json!({ "procMount": "Unmasked" })), json!({ "hostUsers": false }))) => [];
    allow_privilege_escalation_false_with_privileged:
        pod(ctr_sc(json!({ "privileged": true, "allowPrivilegeEscalation": false }))) => [
        format!("spec.containers[0].securityContext: Invalid value: {WHOLE_SC_PRIVILEGED}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"),
    ];
    allow_privilege_escalation_false_with_cap_sys_admin: pod(ctr_sc(json!({
        "allowPrivilegeEscalation": false,
        "capabilities": { "add": ["NET_ADMIN", "CAP_SYS_ADMIN"], "drop": [] },
        "seLinuxOptions": { "type": "spc_t" },
        "runAsUser": 1000,
        "seccompProfile": { "type": "RuntimeDefault" },
    }))) => [
        r#"spec.containers[0].securityContext: Invalid value: {"Capabilities":{"Add":["NET_ADMIN","CAP_SYS_ADMIN"],"Drop":[]},"Privileged":null,"SELinuxOptions":{"User":"","Role":"","Type":"spc_t","Level":""},"WindowsOptions":null,"RunAsUser":1000,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":{"Type":"RuntimeDefault","LocalhostProfile":null},"AppArmorProfile":null}: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"#,
    ];
    // Only the literal CAP_SYS_ADMIN is compared; the idiomatic SYS_ADMIN passes.
    allow_privilege_escalation_false_with_sys_admin_passes: pod(ctr_sc(json!({
        "allowPrivilegeEscalation": false,
        "capabilities": { "add": ["SYS_ADMIN"] },
    }))) => [];
    // One error per occurrence; NewInvalid drops the repeated message.
    allow_privilege_escalation_cap_sys_admin_per_occurrence: pod(ctr_sc(json!({
        "allowPrivilegeEscalation": false,
        "capabilities": { "add": ["CAP_SYS_ADMIN", "CAP_SYS_ADMIN"] },
    }))) => [
        r#"spec.containers[0].securityContext: Invalid value: {"Capabilities":{"Add":["CAP_SYS_ADMIN","CAP_SYS_ADMIN"],"Drop":null},"Privileged":null,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":null}: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"#,
        r#"spec.containers[0].securityContext: Invalid value: {"Capabilities":{"Add":["CAP_SYS_ADMIN","CAP_SYS_ADMIN"],"Drop":null},"Privileged":null,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":null}: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"#,
    ];
    allow_privilege_escalation_true_with_privileged_passes:
        pod(ctr_sc(json!({ "privileged": true, "allowPrivilegeEscalation": true }))) => [];
    capability_names_not_validated: pod(ctr_sc(json!({ "capabilities": { "add": ["NOT_A_CAP", ""], "drop": ["all"] } }))) => [];
    unvalidated_fields_pass: pod(ctr_sc(json!({
        "runAsNonRoot": false, "readOnlyRootFilesystem": true, "seLinuxOptions": { "level": "s0:c1" }
    }))) => [];
    init_container_security_context_checked: pod(json!({
        "initContainers": [{ "name": "init", "image": "i", "securityContext": { "runAsUser": -2 } }],
        "containers": [{ "name": "c", "image": "i" }],
    })) => [
        "spec.initContainers[0].securityContext.runAsUser: Invalid value: -2: must be between 0 and 2147483647, inclusive",
    ];
    ephemeral_container_security_context_checked: pod(json!({
        "containers": [{ "name": "c", "image": "i" }],
        "ephemeralContainers": [{ "name": "debug", "image": "i", "securityContext": { "runAsGroup": -3 } }],
    })) => [
        "spec.ephemeralContainers[0].securityContext.runAsGroup: Invalid value: -3: must be between 0 and 2147483647, inclusive",
        "spec.ephemeralContainers: Forbidden: cannot be set on create",
    ];
    container_rules_in_upstream_order(no_privileged()): pod(ctr_sc(json!({
        "appArmorProfile": { "type": "" },
        "windowsOptions": { "runAsUserName": "" },
        "allowPrivilegeEscalation": false,
        "seccompProfile": { "type": "" },
        "procMount": "Unmasked",
        "runAsGroup": -1,
        "runAsUser": -1,
        "privileged": true,
    }))) => [
        "spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy",
        "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        "spec.containers[0].securityContext.runAsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        r#"spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`"#,
        "spec.containers[0].securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set",
        r#"spec.containers[0].securityContext: Invalid value: {"Capabilities":null,"Privileged":true,"SELinuxOptions":null,"WindowsOptions":{"GMSACredentialSpecName":null,"GMSACredentialSpec":null,"RunAsUserName":"","HostProcess":null},"RunAsUser":-1,"RunAsGroup":-1,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":"Unmasked","SeccompProfile":{"Type":"","LocalhostProfile":null},"AppArmorProfile":{"Type":"","LocalhostProfile":null}}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"#,
        r#"spec.containers[0].securityContext.windowsOptions.runAsUserName: Invalid value: "": runAsUserName cannot be an empty string"#,
        "spec.containers[0].securityContext.appArmorProfile.type: Required value: type is required when appArmorProfile is set",
    ];
}

// ---------------------------------------------------------------------------------------------
// §2.4 Seccomp

const SC: &str = "spec.containers[0].securityContext";

rules! {
    seccomp_type_required: pod(ctr_sc(json!({ "seccompProfile": { "type": "" } }))) => [
        format!("{SC}.seccompProfile.type: Required value: type is required when seccompProfile is set"),
    ];
    seccomp_type_supported: pod(ctr_sc(json!({ "seccompProfile": { "type": "unconfined" } }))) => [
        format!(r#"{SC}.seccompProfile.type: Unsupported value: "unconfined": supported values: "Localhost", "RuntimeDefault", "Unconfined""#),
    ];
    seccomp_localhost_profile_required: pod(ctr_sc(json!({ "seccompProfile": { "type": "Localhost" } }))) => [
        format!("{SC}.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"),
    ];
    seccomp_localhost_profile_relative:
        pod(ctr_sc(json!({ "seccompProfile": { "type": "Localhost", "localhostProfile": "/etc/p.json" } }))) => [
        format!(r#"{SC}.seccompProfile.localhostProfile: Invalid value: "/etc/p.json": must be a relative path"#),
    ];
    seccomp_localhost_profile_no_dotdot:
        pod(ctr_sc(json!({ "seccompProfile": { "type": "Localhost", "localhostProfile": "a/../../b.json" } }))) => [
        format!(r#"{SC}.seccompProfile.localhostProfile: Invalid value: "a/../../b.json": must not contain '..'"#),
    ];
    seccomp_localhost_profile_absolute_and_dotdot:
        pod(ctr_sc(json!({ "seccompProfile": { "type": "Localhost", "localhostProfile": "/../b.json" } }))) => [
        format!(r#"{SC}.seccompProfile.localhostProfile: Invalid value: "/../b.json": must be a relative path"#),
        format!(r#"{SC}.seccompProfile.localhostProfile: Invalid value: "/../b.json": must not contain '..'"#),
    ];
    // On a Linux API server a backslash is no separator.
    seccomp_localhost_profile_backslash_dotdot_passes:
        pod(ctr_sc(json!({ "seccompProfile": { "type": "Localhost", "localhostProfile": "a\\..\\b" } }))) => [];
    // An empty name passes API validation; the kubelet rejects it.
    seccomp_empty_localhost_profile_passes:
        pod(ctr_sc(json!({ "seccompProfile": { "type": "Localhost", "localhostProfile": "" } }))) => [];
    seccomp_localhost_profile_only_for_localhost:
        pod(ctr_sc(json!({ "seccompProfile": { "type": "RuntimeDefault", "localhostProfile": "p.json" } }))) => [
        format!(r#"{SC}.seccompProfile.localhostProfile: Invalid value: {{"Type":"RuntimeDefault","LocalhostProfile":"p.json"}}: can only be set when seccomp type is Localhost"#),
    ];
    seccomp_pod_annotation_invalid: annotated(
        json!({ "seccomp.security.alpha.kubernetes.io/pod": "default" }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    ) => [
        r#"metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "default": must be a valid seccomp profile"#,
    ];
    seccomp_container_annotation_invalid: annotated(
        json!({ "container.seccomp.security.alpha.kubernetes.io/c": "runtime/defualt" }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    ) => [
        r#"metadata.annotations.container.seccomp.security.alpha.kubernetes.io/c: Invalid value: "runtime/defualt": must be a valid seccomp profile"#,
    ];
    // The container prefix is validated whatever the container name.
    seccomp_container_annotation_for_missing_container_still_validated: annotated(
        json!({ "container.seccomp.security.alpha.kubernetes.io/nope": "bogus" }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    ) => [
        r#"metadata.annotations.container.seccomp.security.alpha.kubernetes.io/nope: Invalid value: "bogus": must be a valid seccomp profile"#,
    ];
    // For localhost/ values the error carries the path after the prefix.
    seccomp_annotation_localhost_path: annotated(
        json!({ "seccomp.security.alpha.kubernetes.io/pod": "localhost//abs/../p" }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    ) => [
        r#"metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "/abs/../p": must be a relative path"#,
        r#"metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "/abs/../p": must not contain '..'"#,
    ];
    seccomp_annotation_known_values_pass: annotated(
        json!({
            "seccomp.security.alpha.kubernetes.io/pod": "docker/default",
            "container.seccomp.security.alpha.kubernetes.io/a": "runtime/default",
            "container.seccomp.security.alpha.kubernetes.io/b": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/c": "localhost/p.json",
            "container.seccomp.security.alpha.kubernetes.io/d": "localhost/",
        }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    ) => [];
    seccomp_annotation_and_pod_field_type_mismatch: annotated(
        json!({ "seccomp.security.alpha.kubernetes.io/pod": "runtime/default" }),
        pod_sc(json!({ "seccompProfile": { "type": "Unconfined" } })),
    ) => [
        "spec.securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match",
    ];
    seccomp_annotation_and_container_field_type_mismatch: annotated(
        json!({ "container.seccomp.security.alpha.kubernetes.io/c": "unconfined" }),
        ctr_sc(json!({ "seccompProfile": { "type": "Localhost", "localhostProfile": "p.json" } })),
    ) => [
        format!("{SC}.seccompProfile.type: Forbidden: seccomp type in annotation and field must match"),
    ];
    seccomp_annotation_and_field_profile_mismatch: annotated(
        json!({ "container.seccomp.security.alpha.kubernetes.io/c": "localhost/b.json" }),
        ctr_sc(json!({ "seccompProfile": { "type": "Localhost", "localhostProfile": "a.json" } })),
    ) => [
        format!("{SC}.seccompProfile.localhostProfile: Forbidden: seccomp profile in annotation and field must match"),
    ];
    seccomp_annotation_docker_default_matches_runtime_default: annotated(
        json!({ "seccomp.security.alpha.kubernetes.io/pod": "docker/default" }),
        pod_sc(json!({ "seccompProfile": { "type": "RuntimeDefault" } })),
    ) => [];
}

// ---------------------------------------------------------------------------------------------
// §2.5 AppArmor

const AA_KEY: &str = "container.apparmor.security.beta.kubernetes.io/c";

rules! {
    apparmor_localhost_profile_required: pod(ctr_sc(json!({ "appArmorProfile": { "type": "Localhost" } }))) => [
        format!("{SC}.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost"),
    ];
    apparmor_localhost_profile_padded:
        pod(ctr_sc(json!({ "appArmorProfile": { "type": "Localhost", "localhostProfile": " p\t" } }))) => [
        format!(r#"{SC}.appArmorProfile.localhostProfile: Invalid value: " p\t": must not be padded with whitespace"#),
    ];
    apparmor_localhost_profile_blank_is_padded:
        pod(ctr_sc(json!({ "appArmorProfile": { "type": "Localhost", "localhostProfile": "  " } }))) => [
        format!(r#"{SC}.appArmorProfile.localhostProfile: Invalid value: "  ": must not be padded with whitespace"#),
    ];
    apparmor_localhost_profile_empty_required:
        pod(ctr_sc(json!({ "appArmorProfile": { "type": "Localhost", "localhostProfile": "" } }))) => [
        format!("{SC}.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost"),
    ];
    apparmor_localhost_profile_too_long:
        pod(ctr_sc(json!({ "appArmorProfile": { "type": "Localhost", "localhostProfile": "p".repeat(4096) } }))) => [
        format!("{SC}.appArmorProfile.localhostProfile: Too long: may not be more than 4095 bytes"),
    ];
    apparmor_localhost_profile_max_length_passes:
        pod(ctr_sc(json!({ "appArmorProfile": { "type": "Localhost", "localhostProfile": "p".repeat(4095) } }))) => [];
    apparmor_localhost_profile_only_for_localhost:
        pod(ctr_sc(json!({ "appArmorProfile": { "type": "Unconfined", "localhostProfile": "a<b" } }))) => [
        format!(r#"{SC}.appArmorProfile.localhostProfile: Invalid value: "a\u003cb": can only be set when AppArmor type is Localhost"#),
    ];
    apparmor_type_required: pod(ctr_sc(json!({ "appArmorProfile": { "type": "" } }))) => [
        format!("{SC}.appArmorProfile.type: Required value: type is required when appArmorProfile is set"),
    ];
    apparmor_type_supported: pod(ctr_sc(json!({ "appArmorProfile": { "type": "runtime/default" } }))) => [
        format!(r#"{SC}.appArmorProfile.type: Unsupported value: "runtime/default": supported values: "Localhost", "RuntimeDefault", "Unconfined""#),
    ];
    apparmor_annotation_container_not_found: annotated(
        json!({ "container.apparmor.security.beta.kubernetes.io/nope": "runtime/default" }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    ) => [
        r#"metadata.annotations[container.apparmor.security.beta.kubernetes.io/nope]: Invalid value: "nope": container not found"#,
    ];
    apparmor_annotation_invalid_profile_name: annotated(
        json!({ AA_KEY: "docker-default" }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    ) => [
        format!(r#"metadata.annotations[{AA_KEY}]: Invalid value: "docker-default": invalid AppArmor profile name: "docker-default""#),
    ];
    apparmor_annotation_known_values_pass: annotated(
        json!({
            "container.apparmor.security.beta.kubernetes.io/a": "",
            "container.apparmor.security.beta.kubernetes.io/b": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/c": "localhost/p",
        }),
        json!({
            "initContainers": [{ "name": "a", "image": "i" }],
            "containers": [{ "name": "c", "image": "i" }, { "name": "b", "image": "i" }],
        }),
    ) => [];
    apparmor_annotation_and_field_type_mismatch: annotated(
        json!({ AA_KEY: "unconfined" }),
        ctr_sc(json!({ "appArmorProfile": { "type": "RuntimeDefault" } })),
    ) => [
        format!("{SC}.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match"),
    ];
    apparmor_annotation_and_field_profile_mismatch: annotated(
        json!({ AA_KEY: "localhost/b" }),
        ctr_sc(json!({ "appArmorProfile": { "type": "Localhost", "localhostProfile": "a" } })),
    ) => [
        format!("{SC}.appArmorProfile.localhostProfile: Forbidden: apparmor profile in annotation and field must match"),
    ];
    // An annotation that converts to no field is not copied, so it is compared with the pod field,
    // and the error lands on the container's path.
    apparmor_annotation_compared_with_pod_field: annotated(
        json!({ AA_KEY: "" }),
        pod_sc(json!({ "appArmorProfile": { "type": "RuntimeDefault" } })),
    ) => [
        format!("{SC}.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match"),
    ];
    // PrepareForCreate copies the annotation into the container field before validation: it
    // no longer disagrees with the pod field, and it shows in the whole-context value.
    apparmor_version_skew_copies_annotation_to_field: annotated(
        json!({ AA_KEY: "localhost/foo" }),
        with(
            ctr_sc(json!({ "privileged": true, "allowPrivilegeEscalation": false })),
            json!({ "securityContext": { "appArmorProfile": { "type": "RuntimeDefault" } } }),
        ),
    ) => [
        format!(r#"{SC}: Invalid value: {{"Capabilities":null,"Privileged":true,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":{{"Type":"Localhost","LocalhostProfile":"foo"}}}}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"#),
    ];
    apparmor_consistency_skipped_for_windows_pods: annotated(
        json!({ AA_KEY: "unconfined" }),
        with(ctr_sc(json!({ "appArmorProfile": { "type": "RuntimeDefault" } })), json!({ "os": { "name": "windows" } })),
    ) => [
        format!("{SC}.appArmorProfile: Forbidden: cannot be set for a windows pod"),
    ];
}

// ---------------------------------------------------------------------------------------------
// §2.6 Windows options, hostProcess, spec.os

const WO: &str = "spec.containers[0].securityContext.windowsOptions";

rules! {
    gmsa_credential_spec_name_dns_subdomain:
        pod(ctr_sc(json!({ "windowsOptions": { "gmsaCredentialSpecName": "Web_Spec" } }))) => [
        format!(r#"{WO}.gmsaCredentialSpecName: Invalid value: "Web_Spec": {SUBDOMAIN_MSG}"#),
    ];
    gmsa_credential_spec_name_too_long:
        pod(ctr_sc(json!({ "windowsOptions": { "gmsaCredentialSpecName": "A".repeat(254) } }))) => [
        format!(r#"{WO}.gmsaCredentialSpecName: Invalid value: "{}": must be no more than 253 characters"#, "A".repeat(254)),
        format!(r#"{WO}.gmsaCredentialSpecName: Invalid value: "{}": {SUBDOMAIN_MSG}"#, "A".repeat(254)),
    ];
    gmsa_credential_spec_empty: pod(ctr_sc(json!({ "windowsOptions": { "gmsaCredentialSpec": "" } }))) => [
        format!(r#"{WO}.gmsaCredentialSpec: Invalid value: "": gmsaCredentialSpec cannot be an empty string"#),
    ];
    gmsa_credential_spec_too_large:
        pod(ctr_sc(json!({ "windowsOptions": { "gmsaCredentialSpec": "x".repeat(65537) } }))) => [
        format!(r#"{WO}.gmsaCredentialSpec: Invalid value: "{}": gmsaCredentialSpec size must be under 64 KiB"#, "x".repeat(65537)),
    ];
    gmsa_credential_spec_max_size_passes:
        pod(ctr_sc(json!({ "windowsOptions": { "gmsaCredentialSpec": "x".repeat(65536) } }))) => [];
    run_as_user_name_empty: pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": "" } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: "": runAsUserName cannot be an empty string"#),
    ];
    // A *string prints through json.Marshal: \u0001, not %q's \x01.
    run_as_user_name_control_characters:
        pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": "us\u{1}er" } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: "us\u0001er": runAsUserName cannot contain control characters"#),
    ];
    run_as_user_name_backslashes:
        pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": "a\\b\\c" } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: "a\\b\\c": runAsUserName cannot contain more than one backslash"#),
    ];
    run_as_user_name_domain_too_long:
        pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": format!("{}\\user", "d".repeat(256)) } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: "{}\\user": runAsUserName's Domain length must be under 256 characters"#, "d".repeat(256)),
        format!(r#"{WO}.runAsUserName: Invalid value: "{}\\user": runAsUserName's Domain doesn't match the NetBios nor the DNS format"#, "d".repeat(256)),
    ];
    run_as_user_name_domain_format:
        pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": ".corp\\user" } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: ".corp\\user": runAsUserName's Domain doesn't match the NetBios nor the DNS format"#),
    ];
    run_as_user_name_user_empty: pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": "CORP\\" } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: "CORP\\": runAsUserName's User cannot be empty"#),
    ];
    run_as_user_name_user_too_long:
        pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": "u".repeat(105) } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: "{}": runAsUserName's User length must not be longer than 104 characters"#, "u".repeat(105)),
    ];
    run_as_user_name_user_only_periods_or_spaces:
        pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": ". ." } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: ". .": runAsUserName's User cannot contain only periods or spaces"#),
    ];
    run_as_user_name_user_forbidden_characters:
        pod(ctr_sc(json!({ "windowsOptions": { "runAsUserName": "CORP\\a<b" } }))) => [
        format!(r#"{WO}.runAsUserName: Invalid value: "CORP\\a\u003cb": runAsUserName's User cannot contain the following characters: "/\:;|=,+*?<>@[]"#),
    ];
    run_as_user_name_valid_forms_pass: pod(json!({ "containers": [
        { "name": "a", "image": "i", "securityContext": { "windowsOptions": { "runAsUserName": "ContainerUser" } } },
        { "name": "b", "image": "i", "securityContext": { "windowsOptions": { "runAsUserName": "NT AUTHORITY\\NETWORK SERVICE" } } },
        { "name": "c", "image": "i", "securityContext": { "windowsOptions": { "runAsUserName": "corp.example.com\\svc" } } },
    ] })) => [];
    host_process_must_match_pod: pod(json!({
        "hostNetwork": true,
        "securityContext": { "windowsOptions": { "hostProcess": true } },
        "containers": [{ "name": "c", "image": "i", "securityContext": { "windowsOptions": { "hostProcess": false } } }],
    })) => [
        "spec.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: pod hostProcess value must be identical if both are specified, was true",
    ];
    host_process_all_containers: pod(json!({
        "hostNetwork": true,
        "containers": [
            { "name": "a", "image": "i", "securityContext": { "windowsOptions": { "hostProcess": true } } },
            { "name": "b", "image": "i" },
        ],
    })) => [
        r#"spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers"#,
    ];
    host_process_inherited_from_pod_passes: pod(json!({
        "hostNetwork": true,
        "securityContext": { "windowsOptions": { "hostProcess": true } },
        "initContainers": [{ "name": "a", "image": "i" }],
        "containers": [{ "name": "b", "image": "i" }],
    })) => [];
    host_process_requires_host_network:
        pod(ctr_sc(json!({ "windowsOptions": { "hostProcess": true } }))) => [
        "spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers",
    ];
    host_process_disallowed_by_cluster_policy(no_privileged()): pod(with(
        ctr_sc(json!({ "windowsOptions": { "hostProcess": true } })),
        json!({ "hostNetwork": true }),
    )) => [
        "spec: Forbidden: hostProcess containers are disallowed by cluster policy",
    ];
    os_name_required: pod(json!({ "os": { "name": "" }, "containers": [{ "name": "c", "image": "i" }] })) => [
        "spec.os.name: Required value: cannot be empty",
    ];
    os_name_supported: pod(json!({ "os": { "name": "Linux" }, "containers": [{ "name": "c", "image": "i" }] })) => [
        r#"spec.os: Unsupported value: "Linux": supported values: "linux", "windows""#,
    ];
    // An invalid OS name skips the Linux/Windows field checks.
    os_invalid_name_skips_os_rules:
        pod(with(ctr_sc(json!({ "windowsOptions": {} })), json!({ "os": { "name": "darwin" } }))) => [
        r#"spec.os: Unsupported value: "darwin": supported values: "linux", "windows""#,
    ];
    linux_pod_forbids_windows_options: pod(json!({
        "os": { "name": "linux" },
        "securityContext": { "windowsOptions": {} },
        "initContainers": [{ "name": "a", "image": "i", "securityContext": { "windowsOptions": { "runAsUserName": "u" } } }],
        "containers": [{ "name": "c", "image": "i", "securityContext": { "windowsOptions": {} } }],
    })) => [
        "spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod",
        "spec.initContainers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod",
        "spec.containers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod",
    ];
    windows_pod_forbids_linux_fields: pod(json!({
        "os": { "name": "windows" },
        "hostPID": true,
        "hostIPC": true,
        "hostUsers": true,
        "shareProcessNamespace": false,
        "securityContext": {
            "appArmorProfile": { "type": "RuntimeDefault" },
            "seLinuxOptions": {},
            "seccompProfile": { "type": "RuntimeDefault" },
            "fsGroup": 1,
            "fsGroupChangePolicy": "Always",
            "sysctls": [{ "name": "vm.swappiness", "value": "1" }],
            "runAsUser": 1,
            "runAsGroup": 1,
            "supplementalGroups": [],
            "supplementalGroupsPolicy": "Merge",
            "seLinuxChangePolicy": "Recursive",
            "runAsNonRoot": true,
        },
        "containers": [{ "name": "c", "image": "i", "securityContext": {
            "appArmorProfile": { "type": "RuntimeDefault" },
            "seLinuxOptions": {},
            "seccompProfile": { "type": "RuntimeDefault" },
            "capabilities": {},
            "readOnlyRootFilesystem": false,
            "privileged": false,
            "allowPrivilegeEscalation": true,
            "procMount": "Default",
            "runAsUser": 1,
            "runAsGroup": 1,
            "runAsNonRoot": true,
        } }],
    })) => [
        "spec.securityContext.appArmorProfile: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.seLinuxOptions: Forbidden: cannot be set for a windows pod",
        "spec.hostUsers: Forbidden: cannot be set for a windows pod",
        "spec.hostPID: Forbidden: cannot be set for a windows pod",
        "spec.hostIPC: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.seccompProfile: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.fsGroup: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.fsGroupChangePolicy: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.sysctls: Forbidden: cannot be set for a windows pod",
        "spec.shareProcessNamespace: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.runAsGroup: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.supplementalGroups: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.supplementalGroupsPolicy: Forbidden: cannot be set for a windows pod",
        "spec.securityContext.seLinuxChangePolicy: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.appArmorProfile: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.seLinuxOptions: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.seccompProfile: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.capabilities: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.readOnlyRootFilesystem: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.allowPrivilegeEscalation: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.procMount: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.runAsUser: Forbidden: cannot be set for a windows pod",
        "spec.containers[0].securityContext.runAsGroup: Forbidden: cannot be set for a windows pod",
    ];
    // §2.9: the internal pod security context always exists, so the host fields are checked
    // even when the manifest has no securityContext.
    windows_pod_host_fields_without_security_context: pod(json!({
        "os": { "name": "windows" },
        "hostPID": true,
        "containers": [{ "name": "c", "image": "i" }],
    })) => [
        "spec.hostPID: Forbidden: cannot be set for a windows pod",
    ];
}

// ---------------------------------------------------------------------------------------------
// §2.7 hostUsers (Kubernetes 1.34 strings)

rules! {
    host_users_false_forbids_host_network:
        pod(with(pod_sc(json!({})), json!({ "hostUsers": false, "hostNetwork": true }))) => [
        "spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false",
    ];
    host_users_false_forbids_host_pid:
        pod(with(pod_sc(json!({})), json!({ "hostUsers": false, "hostPID": true }))) => [
        "spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false",
    ];
    host_users_false_forbids_host_ipc:
        pod(with(pod_sc(json!({})), json!({ "hostUsers": false, "hostIPC": true }))) => [
        "spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false",
    ];
    host_users_true_allows_host_namespaces: pod(with(
        pod_sc(json!({})),
        json!({ "hostUsers": true, "hostNetwork": true, "hostPID": true, "hostIPC": true }),
    )) => [];
}

// ---------------------------------------------------------------------------------------------
// Whole-object order and message

rules! {
    // Annotations, then containers (regular, init, ephemeral), then the pod securityContext,
    // hostProcess, hostUsers, spec.os, then ephemeral-on-create and the consistency checks.
    errors_follow_upstream_order: annotated(
        json!({
            "seccomp.security.alpha.kubernetes.io/pod": "bad",
            "container.apparmor.security.beta.kubernetes.io/c": "bad",
            "container.seccomp.security.alpha.kubernetes.io/c": "unconfined",
        }),
        json!({
            "hostUsers": false,
            "hostPID": true,
            "os": { "name": "linux" },
            "securityContext": { "runAsUser": -1, "windowsOptions": {} },
            "initContainers": [{ "name": "i", "image": "i", "securityContext": { "runAsUser": -2 } }],
            "containers": [{ "name": "c", "image": "i", "securityContext": {
                "runAsUser": -3, "seccompProfile": { "type": "RuntimeDefault" }
            } }],
            "ephemeralContainers": [{ "name": "e", "image": "i", "securityContext": { "runAsUser": -4 } }],
        }),
    ) => [
        r#"metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "bad": must be a valid seccomp profile"#,
        r#"metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Invalid value: "bad": invalid AppArmor profile name: "bad""#,
        "spec.containers[0].securityContext.runAsUser: Invalid value: -3: must be between 0 and 2147483647, inclusive",
        "spec.initContainers[0].securityContext.runAsUser: Invalid value: -2: must be between 0 and 2147483647, inclusive",
        "spec.ephemeralContainers[0].securityContext.runAsUser: Invalid value: -4: must be between 0 and 2147483647, inclusive",
        "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        "spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false",
        "spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod",
        "spec.ephemeralContainers: Forbidden: cannot be set on create",
        "spec.containers[0].securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match",
    ];
    valid_restricted_pod_passes: pod(json!({
        "securityContext": { "runAsNonRoot": true, "seccompProfile": { "type": "RuntimeDefault" } },
        "containers": [{ "name": "c", "image": "i", "securityContext": {
            "allowPrivilegeEscalation": false, "capabilities": { "drop": ["ALL"] }
        } }],
    })) => [];
}

#[test]
fn aggregate_single_error_is_bare() {
    let p = pod(ctr_sc(json!({ "runAsUser": -1 })));
    let errs = validate_pod(&meta_of(&p), &spec_of(&p), &ValidationOptions::default());
    assert_eq!(
        invalid_message("Pod", "x", &errs),
        r#"Pod "x" is invalid: spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"#
    );
}

#[test]
fn aggregate_several_errors_bracketed() {
    let p = pod(ctr_sc(json!({ "runAsUser": -1, "runAsGroup": -1 })));
    let errs = validate_pod(&meta_of(&p), &spec_of(&p), &ValidationOptions::default());
    assert_eq!(
        invalid_message("Pod", "x", &errs),
        "Pod \"x\" is invalid: [spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive, spec.containers[0].securityContext.runAsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive]"
    );
}

#[test]
fn aggregate_duplicates_removed() {
    let p = pod(ctr_sc(json!({
        "allowPrivilegeEscalation": false,
        "capabilities": { "add": ["CAP_SYS_ADMIN", "CAP_SYS_ADMIN"] },
    })));
    let errs = validate_pod(&meta_of(&p), &spec_of(&p), &ValidationOptions::default());
    assert_eq!(errs.len(), 2);
    let msg = invalid_message("Pod", "x", &errs);
    assert!(
        msg.starts_with(
            r#"Pod "x" is invalid: spec.containers[0].securityContext: Invalid value: {"#
        ),
        "{msg}"
    );
    assert!(!msg.contains("is invalid: ["), "{msg}");
    assert_eq!(
        msg.matches("cannot set `allowPrivilegeEscalation`").count(),
        1
    );
}

#[test]
fn pod_name_is_go_quoted() {
    assert_eq!(
        invalid_message("Pod", "we\"ird\n", &[]),
        r#"Pod "we\"ird\n" is invalid"#
    );
}

// ---------------------------------------------------------------------------------------------
// Pod templates of workloads

fn deployment_template(annotations: Value, spec: Value) -> (ObjectMeta, PodSpec) {
    let meta = serde_json::from_value(json!({ "annotations": annotations })).expect("meta");
    (meta, serde_json::from_value(spec).expect("spec"))
}

#[test]
fn template_paths_are_prefixed() {
    let (meta, spec) = deployment_template(
        json!({
            "seccomp.security.alpha.kubernetes.io/pod": "bad",
            "container.apparmor.security.beta.kubernetes.io/nope": "runtime/default",
        }),
        json!({
            "securityContext": { "runAsUser": -1 },
            "containers": [{ "name": "c", "image": "i", "securityContext": { "procMount": "Unmasked" } }],
        }),
    );
    let errs = validate_pod_template(
        &meta,
        &spec,
        &FieldPath::new("spec.template"),
        &ValidationOptions::default(),
    );
    let want = [
        r#"spec.template.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "bad": must be a valid seccomp profile"#,
        r#"spec.template.annotations[container.apparmor.security.beta.kubernetes.io/nope]: Invalid value: "nope": container not found"#,
        r#"spec.template.spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`"#,
        "spec.template.spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
    ];
    assert_eq!(rendered(&errs), want);
    assert_eq!(
        invalid_message(qualified_kind(WorkloadKind::Deployment), "web", &errs),
        format!(r#"Deployment.apps "web" is invalid: [{}]"#, want.join(", "))
    );
}

#[test]
fn template_ephemeral_containers_forbidden_last() {
    let (meta, spec) = deployment_template(
        json!({ "container.seccomp.security.alpha.kubernetes.io/c": "unconfined" }),
        json!({
            "containers": [{ "name": "c", "image": "i", "securityContext": { "seccompProfile": { "type": "RuntimeDefault" } } }],
            "ephemeralContainers": [{ "name": "e", "image": "i" }],
        }),
    );
    let errs = validate_pod_template(
        &meta,
        &spec,
        &FieldPath::new("spec.template"),
        &ValidationOptions::default(),
    );
    assert_eq!(
        rendered(&errs),
        [
            "spec.template.spec.containers[0].securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match",
            "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template",
        ]
    );
}

/// Templates are validated as written: no AppArmor version skew, so an annotation that a Pod
/// would have copied into its container disagrees with the pod-level field.
#[test]
fn template_has_no_apparmor_version_skew() {
    let annotations =
        json!({ "container.apparmor.security.beta.kubernetes.io/c": "localhost/foo" });
    let spec = json!({
        "securityContext": { "appArmorProfile": { "type": "RuntimeDefault" } },
        "containers": [{ "name": "c", "image": "i" }],
    });
    let (meta, pod_spec) = deployment_template(annotations.clone(), spec.clone());
    let errs = validate_kind(
        WorkloadKind::Deployment,
        &meta,
        &pod_spec,
        &ValidationOptions::default(),
    );
    assert_eq!(
        rendered(&errs),
        [
            "spec.template.spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match"
        ]
    );
    let errs = validate_pod(&meta, &pod_spec, &ValidationOptions::default());
    assert!(errs.is_empty(), "{:?}", rendered(&errs));
}

#[test]
fn cronjob_and_pod_template_paths() {
    let (meta, spec) = deployment_template(
        json!({}),
        json!({
            "containers": [{ "name": "c", "image": "i", "securityContext": { "runAsUser": -1 } }],
        }),
    );
    let opts = ValidationOptions::default();
    let cron = validate_kind(WorkloadKind::CronJob, &meta, &spec, &opts);
    assert_eq!(
        rendered(&cron),
        [
            "spec.jobTemplate.spec.template.spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"
        ]
    );
    let tmpl = validate_kind(WorkloadKind::PodTemplate, &meta, &spec, &opts);
    assert_eq!(
        rendered(&tmpl),
        [
            "template.spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"
        ]
    );
    assert_eq!(
        invalid_message(qualified_kind(WorkloadKind::CronJob), "nightly", &cron),
        format!(r#"CronJob.batch "nightly" is invalid: {}"#, cron[0])
    );
}

// ---------------------------------------------------------------------------------------------
// §2.8 Status users

fn status(spec: Value, status: Value) -> Vec<String> {
    let spec: PodSpec = serde_json::from_value(spec).expect("spec");
    let status: PodStatus = serde_json::from_value(status).expect("status");
    rendered(&validate_status_user(&spec, &status))
}

fn cs(user: Value) -> Value {
    json!({ "name": "c", "image": "i", "imageID": "", "ready": true, "restartCount": 0, "user": user })
}

fn linux_spec() -> Value {
    json!({ "containers": [{ "name": "c", "image": "i" }] })
}

#[test]
fn status_user_uid_range() {
    assert_eq!(
        status(
            linux_spec(),
            json!({ "containerStatuses": [cs(json!({ "linux": { "uid": -1, "gid": 0 } }))] })
        ),
        [
            "status.containerStatuses[0].linux.uid: Invalid value: -1: must be between 0 and 2147483647, inclusive"
        ]
    );
}

#[test]
fn status_user_gid_range() {
    assert_eq!(
        status(
            linux_spec(),
            json!({ "initContainerStatuses": [cs(json!({ "linux": { "uid": 0, "gid": 2147483648_i64 } }))] })
        ),
        [
            "status.initContainerStatuses[0].linux.gid: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive"
        ]
    );
}

#[test]
fn status_user_supplemental_groups_range() {
    assert_eq!(
        status(
            linux_spec(),
            json!({ "ephemeralContainerStatuses": [cs(json!({ "linux": { "uid": 0, "gid": 0, "supplementalGroups": [0, -7] } }))] })
        ),
        [
            "status.ephemeralContainerStatuses[0].linux.supplementalGroups[1]: Invalid value: -7: must be between 0 and 2147483647, inclusive"
        ]
    );
}

#[test]
fn status_user_lists_in_upstream_order() {
    let bad = || cs(json!({ "linux": { "uid": -1, "gid": 0 } }));
    assert_eq!(
        status(
            linux_spec(),
            json!({
                "ephemeralContainerStatuses": [bad()],
                "initContainerStatuses": [bad()],
                "containerStatuses": [cs(json!({})), bad()],
            })
        ),
        [
            "status.containerStatuses[1].linux.uid: Invalid value: -1: must be between 0 and 2147483647, inclusive",
            "status.initContainerStatuses[0].linux.uid: Invalid value: -1: must be between 0 and 2147483647, inclusive",
            "status.ephemeralContainerStatuses[0].linux.uid: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        ]
    );
}

#[test]
fn status_user_linux_forbidden_for_windows_pod() {
    let spec =
        json!({ "os": { "name": "windows" }, "containers": [{ "name": "c", "image": "i" }] });
    assert_eq!(
        status(
            spec,
            json!({ "containerStatuses": [cs(json!({ "linux": { "uid": 0, "gid": 0 } }))] })
        ),
        ["status.containerStatuses[0].linux: Forbidden: cannot be set for a windows pod"]
    );
}

#[test]
fn status_user_unknown_os_checks_nothing() {
    let spec = json!({ "os": { "name": "" }, "containers": [{ "name": "c", "image": "i" }] });
    assert!(
        status(
            spec,
            json!({ "containerStatuses": [cs(json!({ "linux": { "uid": -1, "gid": -1 } }))] })
        )
        .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Warnings (§2.4, §2.5)

#[test]
fn seccomp_annotation_without_field_warns() {
    let p = annotated(
        json!({
            "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
            "container.seccomp.security.alpha.kubernetes.io/c": "runtime/default",
            "container.seccomp.security.alpha.kubernetes.io/d": "runtime/default",
        }),
        json!({ "containers": [
            { "name": "c", "image": "i" },
            { "name": "d", "image": "i", "securityContext": { "seccompProfile": { "type": "RuntimeDefault" } } },
        ] }),
    );
    assert_eq!(
        pod_warnings(&meta_of(&p), &spec_of(&p)),
        [
            r#"metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead"#,
            r#"metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: non-functional in v1.27+; use the "seccompProfile" field instead"#,
        ]
    );
}

#[test]
fn apparmor_annotation_warnings_pod_and_template() {
    let p = annotated(
        json!({
            "container.apparmor.security.beta.kubernetes.io/a": "localhost/p",
            "container.apparmor.security.beta.kubernetes.io/b": "bogus",
            "container.apparmor.security.beta.kubernetes.io/c": "runtime/default",
        }),
        json!({ "containers": [
            { "name": "a", "image": "i" },
            { "name": "b", "image": "i" },
            { "name": "c", "image": "i", "securityContext": { "appArmorProfile": { "type": "RuntimeDefault" } } },
        ] }),
    );
    assert_eq!(
        pod_warnings(&meta_of(&p), &spec_of(&p)),
        [
            r#"metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]: deprecated since v1.30; use the "appArmorProfile" field instead"#,
            r#"metadata.annotations[container.apparmor.security.beta.kubernetes.io/b]: deprecated since v1.30; use the "appArmorProfile" field instead"#,
        ]
    );
    assert_eq!(
        template_warnings(&meta_of(&p), &spec_of(&p), &FieldPath::new("spec.template")),
        [
            r#"spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]: deprecated since v1.30; use the "appArmorProfile" field instead"#,
            r#"spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/b]: deprecated since v1.30; use the "appArmorProfile" field instead"#,
        ]
    );
}

#[test]
fn deprecated_sysctl_annotations_warn() {
    let p = annotated(
        json!({ "security.alpha.kubernetes.io/unsafe-sysctls": "kernel.msgmax=1" }),
        json!({ "containers": [{ "name": "c", "image": "i" }] }),
    );
    assert_eq!(
        pod_warnings(&meta_of(&p), &spec_of(&p)),
        [
            r#"metadata.annotations[security.alpha.kubernetes.io/unsafe-sysctls]: non-functional in v1.11+; use the "sysctls" field instead"#
        ]
    );
}
