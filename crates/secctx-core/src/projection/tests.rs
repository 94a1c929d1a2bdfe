use super::*;
use crate::load::{LoadOptions, load_text_with};

const INPUT: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1", b: "2"}
binaryData: {bin: AAE=}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
data: {user: YWRtaW4=}
stringData: {pass: hunter2}
---
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: web, tier: "a\"b"}}
spec:
  containers:
  - name: c
    image: busybox
    envFrom: [{prefix: CFG_, configMapRef: {name: cfg}}]
    env:
    - {name: U, valueFrom: {secretKeyRef: {name: sec, key: user}}}
    - {name: NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: X, value: "$(CFG_a)/$(NAME)"}
  volumes:
  - {name: all, configMap: {name: cfg, defaultMode: 0400}}
  - {name: some, configMap: {name: cfg, items: [{key: b, path: dir/bee, mode: 0600}]}}
  - {name: s, secret: {secretName: sec}}
  - {name: d, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
  - name: p
    projected:
      defaultMode: 0440
      sources:
      - configMap: {name: cfg, items: [{key: a, path: a}]}
      - secret: {name: sec, items: [{key: pass, path: creds/pass}]}
  - {name: missing, configMap: {name: nope}}
  - {name: opt, configMap: {name: nope, optional: true}}
  - {name: badkey, secret: {secretName: sec, items: [{key: zz, path: z}]}}
  - {name: e, emptyDir: {}}
"#;

fn setup() -> (crate::load::Loaded, Objects) {
    // ConfigMaps and Secrets are decoded only when asked (run's volume sources).
    let opts = LoadOptions {
        volume_sources: true,
        ..LoadOptions::default()
    };
    let l = load_text_with("t.yaml", INPUT, &opts);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let o = Objects::from_loaded(&l);
    (l, o)
}

fn payload(name: &str) -> Option<Result<Payload, ProjectionError>> {
    let (l, o) = setup();
    let w = l.workloads().next().unwrap();
    let v = w
        .spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == name)
        .unwrap();
    volume_payload(v, &w.pod_meta, &w.spec, &o, &PodFacts::default())
}

fn summary(p: &Payload) -> Vec<(String, String, String)> {
    p.iter()
        .map(|(k, f)| {
            (
                k.clone(),
                String::from_utf8_lossy(&f.data).into_owned(),
                format!("{:o}", f.mode),
            )
        })
        .collect()
}

#[test]
fn config_map_all_keys_with_default_mode() {
    let p = payload("all").unwrap().unwrap();
    assert_eq!(
        summary(&p),
        vec![
            ("a".into(), "1".into(), "400".into()),
            ("b".into(), "2".into(), "400".into()),
            ("bin".into(), "\0\u{1}".into(), "400".into()),
        ]
    );
}

#[test]
fn items_pick_keys_paths_and_modes() {
    let p = payload("some").unwrap().unwrap();
    assert_eq!(
        summary(&p),
        vec![("dir/bee".into(), "2".into(), "600".into())]
    );
}

#[test]
fn secret_merges_string_data() {
    let p = payload("s").unwrap().unwrap();
    assert_eq!(
        summary(&p),
        vec![
            ("pass".into(), "hunter2".into(), "644".into()),
            ("user".into(), "admin".into(), "644".into()),
        ]
    );
}

#[test]
fn downward_labels_are_go_quoted_and_sorted() {
    let p = payload("d").unwrap().unwrap();
    assert_eq!(
        summary(&p),
        vec![(
            "labels".into(),
            "app=\"web\"\ntier=\"a\\\"b\"".into(),
            "644".into()
        )]
    );
}

#[test]
fn projected_uses_its_default_mode() {
    let p = payload("p").unwrap().unwrap();
    assert_eq!(
        summary(&p),
        vec![
            ("a".into(), "1".into(), "440".into()),
            ("creds/pass".into(), "hunter2".into(), "440".into()),
        ]
    );
}

#[test]
fn missing_objects_and_keys_use_kubelet_messages() {
    let e = payload("missing").unwrap().unwrap_err();
    assert_eq!(e.to_string(), "configmap \"nope\" not found");
    assert!(payload("opt").unwrap().unwrap().is_empty());
    let e = payload("badkey").unwrap().unwrap_err();
    assert_eq!(e.to_string(), "references non-existent secret key: zz");
    assert!(payload("e").is_none());
}

#[test]
fn environment_from_objects() {
    let (l, o) = setup();
    let w = l.workloads().next().unwrap();
    let env = container_env(
        &w.spec.containers[0],
        &w.pod_meta,
        &w.spec,
        &o,
        &PodFacts::default(),
    )
    .unwrap();
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("CFG_a"), Some("1"));
    assert_eq!(get("U"), Some("admin"));
    assert_eq!(get("X"), Some("1/p"));
    let mut c = w.spec.containers[0].clone();
    c.env_from = None;
    c.env = Some(vec![k8s_openapi::api::core::v1::EnvVar {
        name: "Y".into(),
        value_from: Some(k8s_openapi::api::core::v1::EnvVarSource {
            config_map_key_ref: Some(k8s_openapi::api::core::v1::ConfigMapKeySelector {
                name: "cfg".into(),
                key: "zz".into(),
                optional: None,
            }),
            ..Default::default()
        }),
        value: None,
    }]);
    let e = container_env(&c, &w.pod_meta, &w.spec, &o, &PodFacts::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "couldn't find key zz in ConfigMap default/cfg"
    );
    let mut c2 = c.clone();
    c2.env = None;
    c2.env_from = Some(vec![k8s_openapi::api::core::v1::EnvFromSource {
        config_map_ref: Some(k8s_openapi::api::core::v1::ConfigMapEnvSource {
            name: "x".into(),
            optional: None,
        }),
        ..Default::default()
    }]);
    let e = container_env(&c2, &w.pod_meta, &w.spec, &o, &PodFacts::default()).unwrap_err();
    assert_eq!(e.to_string(), "configmap \"x\" not found");
}
