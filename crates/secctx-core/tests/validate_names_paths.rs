//! API validation of names, volume item paths and volume mounts (issue 17 extras): each rule
//! with the exact `kubectl` text, in upstream order.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::load::WorkloadKind;
use secctx_core::validate::{
    FieldError, ValidationOptions, invalid_message, validate_kind, validate_pod,
};
use serde_json::{Value, json};

const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG: &str = r"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

fn errors(pod: &Value) -> Vec<String> {
    let meta: ObjectMeta = serde_json::from_value(pod["metadata"].clone()).unwrap();
    let spec: PodSpec = serde_json::from_value(pod["spec"].clone()).unwrap();
    validate_pod(&meta, &spec, &ValidationOptions::default())
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn named(name: &str, spec: Value) -> Value {
    json!({ "metadata": { "name": name }, "spec": spec })
}

fn one(c: Value) -> Value {
    json!({ "containers": [c] })
}

fn with_volume(vol: Value, mount: Value) -> Value {
    json!({
        "volumes": [vol],
        "containers": [{ "name": "c", "image": "i", "volumeMounts": [mount] }],
    })
}

#[test]
fn pod_name_must_be_a_subdomain() {
    let spec = one(json!({ "name": "c", "image": "i" }));
    assert_eq!(
        errors(&named("UPPER", spec.clone())),
        [format!(
            r#"metadata.name: Invalid value: "UPPER": {SUBDOMAIN_MSG}"#
        )]
    );
    assert_eq!(
        errors(&named("-dash", spec.clone())),
        [format!(
            r#"metadata.name: Invalid value: "-dash": {SUBDOMAIN_MSG}"#
        )]
    );
    let long = "a".repeat(254);
    assert_eq!(
        errors(&named(&long, spec.clone())),
        [format!(
            r#"metadata.name: Invalid value: "{long}": must be no more than 253 characters"#
        )]
    );
    assert!(errors(&named("a.b-c", spec.clone())).is_empty());
    // A path is not a name.
    assert_eq!(
        errors(&named("../x", spec.clone())),
        [format!(
            r#"metadata.name: Invalid value: "../x": {SUBDOMAIN_MSG}"#
        )]
    );
    // generateName: a prefix, trailing `-` allowed.
    let generated = json!({ "metadata": { "generateName": "web-" }, "spec": spec.clone() });
    assert!(errors(&generated).is_empty());
    let generated = json!({ "metadata": { "generateName": "Web-" }, "spec": spec.clone() });
    assert_eq!(
        errors(&generated),
        [format!(
            r#"metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_MSG}"#
        )]
    );
    let ns = json!({ "metadata": { "name": "x", "namespace": "a.b" }, "spec": spec });
    assert_eq!(
        errors(&ns),
        [r#"metadata.namespace: Invalid value: "a.b": must not contain dots"#]
    );
}

#[test]
fn container_names_are_labels_and_unique() {
    let spec = json!({
        "containers": [
            { "name": "-dash", "image": "i" },
            { "name": "Up", "image": "i" },
            { "name": "a", "image": "i" },
            { "name": "a", "image": "i" },
        ],
        "initContainers": [{ "name": "a", "image": "i" }, { "name": "", "image": "i" }],
    });
    assert_eq!(
        errors(&named("x", spec)),
        [
            format!(r#"spec.containers[0].name: Invalid value: "-dash": {LABEL_MSG}"#),
            format!(r#"spec.containers[1].name: Invalid value: "Up": {LABEL_MSG}"#),
            r#"spec.containers[3].name: Duplicate value: "a""#.to_string(),
            r#"spec.initContainers[0].name: Duplicate value: "a""#.to_string(),
            "spec.initContainers[1].name: Required value".to_string(),
        ]
    );
}

#[test]
fn volume_names_are_labels() {
    let spec = json!({
        "volumes": [{ "name": "../../etc", "emptyDir": {} }, { "name": "v", "emptyDir": {} }, { "name": "v", "emptyDir": {} }],
        "containers": [{ "name": "c", "image": "i", "volumeMounts": [{ "name": "../../etc", "mountPath": "/m" }] }],
    });
    assert_eq!(
        errors(&named("x", spec)),
        [
            format!(r#"spec.volumes[0].name: Invalid value: "../../etc": {LABEL_MSG}"#),
            r#"spec.volumes[2].name: Duplicate value: "v""#.to_string(),
            // A volume with errors is not one a mount can name.
            r#"spec.containers[0].volumeMounts[0].name: Not found: "../../etc""#.to_string(),
        ]
    );
}

#[test]
fn bidirectional_needs_privileged() {
    let mount = json!({ "name": "v", "mountPath": "/m", "mountPropagation": "Bidirectional" });
    let p = named(
        "x",
        with_volume(json!({ "name": "v", "emptyDir": {} }), mount.clone()),
    );
    let errs = errors(&p);
    assert_eq!(
        errs,
        [
            "spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"
        ]
    );
    let mut privileged = p.clone();
    privileged["spec"]["containers"][0]["securityContext"] = json!({ "privileged": true });
    assert!(errors(&privileged).is_empty());
    let mut other = p;
    other["spec"]["containers"][0]["volumeMounts"][0]["mountPropagation"] = json!("Shared");
    assert_eq!(
        errors(&other),
        [
            r#"spec.containers[0].volumeMounts.mountPropagation: Unsupported value: "Shared": supported values: "Bidirectional", "HostToContainer", "None""#
        ]
    );
}

#[test]
fn sub_path_must_descend() {
    let vol = json!({ "name": "v", "emptyDir": {} });
    let p = named(
        "x",
        with_volume(
            vol.clone(),
            json!({ "name": "v", "mountPath": "/m", "subPath": "../../../etc" }),
        ),
    );
    assert_eq!(
        errors(&p),
        [
            r#"spec.containers[0].volumeMounts.subPath: Invalid value: "../../../etc": must not contain '..'"#
        ]
    );
    let p = named(
        "x",
        with_volume(
            vol.clone(),
            json!({ "name": "v", "mountPath": "/m", "subPath": "/etc" }),
        ),
    );
    assert_eq!(
        errors(&p),
        [
            r#"spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a relative path"#
        ]
    );
    let p = named(
        "x",
        with_volume(
            vol.clone(),
            json!({ "name": "v", "mountPath": "/m", "subPath": "a", "subPathExpr": "$(X)/../b" }),
        ),
    );
    assert_eq!(
        errors(&p),
        [
            r#"spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(X)/../b": subPathExpr and subPath are mutually exclusive"#,
            r#"spec.containers[0].volumeMounts.subPathExpr: Invalid value: "$(X)/../b": must not contain '..'"#,
        ]
    );
    // `..` inside a name is not a `..` element.
    let p = named(
        "x",
        with_volume(
            vol,
            json!({ "name": "v", "mountPath": "/m", "subPath": "a..b/..c" }),
        ),
    );
    assert!(errors(&p).is_empty());
}

#[test]
fn item_paths_are_local_and_not_reserved() {
    let mount = json!({ "name": "v", "mountPath": "/m" });
    let cm = json!({ "name": "v", "configMap": { "name": "cm", "items": [
        { "key": "a", "path": "../evil" },
        { "key": "b", "path": "..data" },
        { "key": "c", "path": "/abs" },
        { "key": "d", "path": "ok/..x" },
    ] } });
    assert_eq!(
        errors(&named("x", with_volume(cm, mount.clone()))),
        [
            r#"spec.volumes[0].configMap.items[0].path: Invalid value: "../evil": must not contain '..'"#,
            r#"spec.volumes[0].configMap.items[1].path: Invalid value: "..data": must not start with '..'"#,
            r#"spec.volumes[0].configMap.items[2].path: Invalid value: "/abs": must be a relative path"#,
            r#"spec.containers[0].volumeMounts[0].name: Not found: "v""#,
        ]
    );
    let secret = json!({ "name": "v", "secret": { "secretName": "s", "items": [{ "key": "k", "path": ".." }] } });
    assert_eq!(
        errors(&named("x", with_volume(secret, mount.clone()))),
        [
            r#"spec.volumes[0].secret.items[0].path: Invalid value: "..": must not contain '..'"#,
            r#"spec.volumes[0].secret.items[0].path: Invalid value: "..": must not start with '..'"#,
            r#"spec.containers[0].volumeMounts[0].name: Not found: "v""#,
        ]
    );
    let dapi = json!({ "name": "v", "downwardAPI": { "items": [
        { "path": "ok", "fieldRef": { "fieldPath": "metadata.name" } },
        { "path": "../../x", "fieldRef": { "fieldPath": "metadata.name" } },
    ] } });
    assert_eq!(
        errors(&named("x", with_volume(dapi, mount.clone()))),
        [
            r#"spec.volumes[0].downwardAPI.path: Invalid value: "../../x": must not contain '..'"#,
            r#"spec.containers[0].volumeMounts[0].name: Not found: "v""#,
        ]
    );
    let projected = json!({ "name": "v", "projected": { "sources": [
        { "configMap": { "name": "cm", "items": [{ "key": "a", "path": "..a" }] } },
        { "secret": { "name": "s", "items": [{ "key": "a", "path": "x/../../y" }] } },
        { "downwardAPI": { "items": [{ "path": "/p", "fieldRef": { "fieldPath": "metadata.name" } }] } },
    ] } });
    assert_eq!(
        errors(&named("x", with_volume(projected, mount))),
        [
            r#"spec.volumes[0].projected.sources[0].configMap.items[0].path: Invalid value: "..a": must not start with '..'"#,
            r#"spec.volumes[0].projected.sources[1].secret.items[0].path: Invalid value: "x/../../y": must not contain '..'"#,
            r#"spec.volumes[0].projected.sources[2].downwardAPI.path: Invalid value: "/p": must be a relative path"#,
            r#"spec.containers[0].volumeMounts[0].name: Not found: "v""#,
        ]
    );
}

#[test]
fn whole_message_and_templates() {
    let p = named(
        "UPPER",
        with_volume(
            json!({ "name": "v", "emptyDir": {} }),
            json!({ "name": "v", "mountPath": "/m", "subPath": ".." }),
        ),
    );
    let meta: ObjectMeta = serde_json::from_value(p["metadata"].clone()).unwrap();
    let spec: PodSpec = serde_json::from_value(p["spec"].clone()).unwrap();
    let errs: Vec<FieldError> = validate_pod(&meta, &spec, &ValidationOptions::default());
    assert_eq!(
        invalid_message("Pod", "UPPER", &errs),
        format!(
            r#"Pod "UPPER" is invalid: [metadata.name: Invalid value: "UPPER": {SUBDOMAIN_MSG}, spec.containers[0].volumeMounts.subPath: Invalid value: "..": must not contain '..']"#
        )
    );
    // A template's name is not validated; its mounts are.
    let t = validate_kind(
        WorkloadKind::Deployment,
        &meta,
        &spec,
        &ValidationOptions::default(),
    );
    let t: Vec<String> = t.iter().map(ToString::to_string).collect();
    assert_eq!(
        t,
        [
            r#"spec.template.spec.containers[0].volumeMounts.subPath: Invalid value: "..": must not contain '..'"#
        ]
    );
}

#[test]
fn ephemeral_containers_may_not_use_sub_paths() {
    let spec = json!({
        "volumes": [{ "name": "v", "emptyDir": {} }],
        "containers": [{ "name": "c", "image": "i" }],
        "ephemeralContainers": [{ "name": "c", "image": "i", "volumeMounts": [{ "name": "v", "mountPath": "/m", "subPath": "s" }] }],
    });
    assert_eq!(
        errors(&named("x", spec)),
        [
            r#"spec.ephemeralContainers[0].name: Duplicate value: "c""#,
            "spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container",
            "spec.ephemeralContainers: Forbidden: cannot be set on create",
        ]
    );
}
