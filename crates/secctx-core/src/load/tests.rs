use super::*;

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  volumes:
  - name: v
    secret:
      secretName: s
      defaultMode: 0644
  containers:
  - name: c
    image: busybox
    securityContext:
      readOnlyRootFilesystem: yes
";

#[test]
fn pod_with_kubectl_scalars() {
    let loaded = load_text("pod.yaml", POD);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let w = loaded.workloads().next().unwrap();
    assert_eq!(w.kind, WorkloadKind::Pod);
    assert_eq!(w.name(), "p");
    let mode = w.spec.volumes.as_ref().unwrap()[0]
        .secret
        .as_ref()
        .unwrap()
        .default_mode;
    assert_eq!(mode, Some(420));
    let sc = w.spec.containers[0].security_context.as_ref().unwrap();
    assert_eq!(sc.read_only_root_filesystem, Some(true));
    let (pos, found) = w.locate(&FieldPath::new("spec.containers").index(0).child("image"));
    assert!(found);
    assert_eq!(
        pos,
        Pos {
            line: 13,
            column: 5
        }
    );
}

#[test]
fn type_errors_name_file_line_column_and_field() {
    let text = POD.replace("readOnlyRootFilesystem: yes", "runAsUser: abc");
    let loaded = load_text("pod.yaml", &text);
    assert_eq!(loaded.objects.len(), 0);
    let e = &loaded.errors[0];
    assert_eq!(
        e.to_string(),
        "pod.yaml:15:7: spec.containers[0].securityContext.runAsUser: invalid type: string \"abc\", expected i64"
    );
}

#[test]
fn bad_documents_do_not_hide_good_ones() {
    let text =
        format!("{POD}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: a, name: b}}\n---\n{POD}");
    let loaded = load_text("x.yaml", &text);
    assert_eq!(loaded.workloads().count(), 2);
    assert_eq!(loaded.errors.len(), 1);
    assert!(
        loaded.errors[0].message.contains("already set"),
        "{}",
        loaded.errors[0]
    );
    assert_eq!(loaded.errors[0].pos.line, 19);
}

#[test]
fn every_workload_kind_and_lists() {
    let tpl = "template:\n      metadata: {labels: {a: b}}\n      spec:\n        containers: [{name: c, image: i}]";
    let mut text = String::new();
    for (api, kind) in [
        ("apps/v1", "Deployment"),
        ("apps/v1", "ReplicaSet"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
        ("batch/v1", "Job"),
        ("v1", "ReplicationController"),
    ] {
        text.push_str(&format!(
            "---\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: x}}\nspec:\n  selector: {{}}\n  {tpl}\n"
        ));
    }
    text.push_str("---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, image: i}]\n");
    text.push_str("---\napiVersion: v1\nkind: PodTemplate\nmetadata: {name: pt}\ntemplate:\n  spec:\n    containers: [{name: c, image: i}]\n");
    text.push_str("---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: in-list}, spec: {containers: [{name: c, image: i}]}}\n- {apiVersion: v1, kind: Service, metadata: {name: svc}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: ns, labels: {pod-security.kubernetes.io/enforce: baseline}}}\n");
    let loaded = load_text("all.yaml", &text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let kinds: Vec<_> = loaded.workloads().map(|w| w.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "ReplicationController",
            "CronJob",
            "PodTemplate",
            "Pod"
        ]
    );
    for w in loaded.workloads() {
        assert_eq!(w.spec.containers[0].name, "c");
    }
    assert_eq!(loaded.skipped.get("v1/Service"), Some(&1));
    assert!(matches!(loaded.objects.last(), Some(Object::Namespace(..))));
    let in_list = loaded.workloads().last().unwrap();
    let (pos, found) = in_list.locate(&FieldPath::new("spec.containers").index(0));
    assert!(found);
    assert_eq!(pos.line, in_list.origin.pos().line);
    let cj = loaded
        .workloads()
        .find(|w| w.kind == WorkloadKind::CronJob)
        .unwrap();
    let (pos, found) = cj.locate(&FieldPath::new("spec.containers").index(0).child("name"));
    assert!(found, "{pos}");
}

#[test]
fn json_documents() {
    let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}"#;
    let loaded = load_text("pod.json", text);
    assert_eq!(loaded.workloads().next().unwrap().name(), "j");
}

#[test]
fn ten_thousand_documents() {
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers: [{{name: c, image: i}}]\n"
        ));
    }
    let loaded = load_text("many.yaml", &text);
    assert_eq!(loaded.workloads().count(), 10_000);
    assert_eq!(loaded.documents, 10_000);
    let last = loaded.workloads().last().unwrap();
    assert_eq!(last.name(), "p9999");
    assert_eq!(last.origin.pos().line, 9999 * 6 + 2);
}

#[test]
fn missing_kind() {
    let loaded = load_text("x.yaml", "metadata: {name: x}\n");
    assert_eq!(
        loaded.errors[0].to_string(),
        "x.yaml:1:1: apiVersion and kind not set"
    );
}

#[test]
fn on_and_off_are_booleans_and_octal_modes_decimal() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: on\n  hostPID: off\n  hostIPC: no\n  volumes: [{name: v, configMap: {name: c, defaultMode: 0755, items: [{key: k, path: p, mode: 0400}]}}]\n  containers: [{name: c, image: i, securityContext: {privileged: Yes, runAsNonRoot: ON}}]\n";
    let loaded = load_text("pod.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let w = loaded.workloads().next().unwrap();
    assert_eq!(w.spec.host_network, Some(true));
    assert_eq!(w.spec.host_pid, Some(false));
    assert_eq!(w.spec.host_ipc, Some(false));
    let cm = w.spec.volumes.as_ref().unwrap()[0]
        .config_map
        .as_ref()
        .unwrap();
    assert_eq!(cm.default_mode, Some(493));
    assert_eq!(cm.items.as_ref().unwrap()[0].mode, Some(256));
    let sc = w.spec.containers[0].security_context.as_ref().unwrap();
    assert_eq!(
        (sc.privileged, sc.run_as_non_root),
        (Some(true), Some(true))
    );
}

#[test]
fn duplicate_keys_name_file_line_and_column() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n    image: j\n";
    let loaded = load_text("dup.yaml", text);
    assert_eq!(loaded.objects.len(), 0);
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(
        loaded.errors[0].to_string(),
        "dup.yaml:9:5: key \"image\" already set in map (first at line 8)"
    );
}

#[test]
fn json_list_and_yaml_list() {
    let json = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
  {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "b"}, "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"}, "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"runAsUser": "x"}}]}}
]}"#;
    let loaded = load_text("list.json", json);
    let names: Vec<_> = loaded.workloads().map(Workload::name).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(loaded.errors.len(), 1);
    let e = &loaded.errors[0];
    assert_eq!(e.pos.line, 4, "{e}");
    assert_eq!(
        e.field.as_deref(),
        Some("spec.containers[0].securityContext.runAsUser")
    );
    let yaml = "apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: yl}\n  spec: {containers: [{name: c, image: i}]}\n";
    let loaded = load_text("list.yaml", yaml);
    assert!(
        loaded.errors.is_empty(),
        "{:?} {:?}",
        loaded.errors,
        loaded.skipped
    );
    assert_eq!(loaded.workloads().next().unwrap().name(), "yl");
    let (pos, found) = loaded
        .workloads()
        .next()
        .unwrap()
        .locate(&FieldPath::new("spec.containers").index(0).child("image"));
    assert!(found);
    assert_eq!(pos.line, 7);
}

fn pod_with_args(args: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: c\n    image: i\n    args: [{args}]\n"
    )
}

#[test]
fn an_object_over_3mib_of_text_is_refused_before_parsing() {
    let big = pod_with_args(&format!("\"{}\"", "a".repeat(MAX_OBJECT_BYTES)));
    let text = format!("{big}---\n{}", pod_with_args("x"));
    let bounded = read_bounded(text.as_bytes(), MAX_OBJECT_BYTES).unwrap();
    assert!(bounded.text.len() < 1024, "the big document was kept");
    let loaded = load_bounded("big.yaml", &bounded);
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert_eq!(
        loaded.errors[0].to_string(),
        "big.yaml:1:1: Request entity too large: limit is 3145728"
    );
    // The next document keeps its own line numbers.
    let w = loaded.workloads().next().unwrap();
    assert_eq!(w.origin.pos().line, 11);
}

#[test]
fn an_object_whose_json_passes_3mib_is_refused() {
    // `a,` is 2 bytes of YAML and `"a",` 4 of JSON: under the limit as text, over it as JSON.
    let args = vec!["a"; MAX_OBJECT_BYTES / 3].join(",");
    let text = pod_with_args(&args);
    assert!(text.len() < MAX_OBJECT_BYTES);
    let bounded = read_bounded(text.as_bytes(), MAX_OBJECT_BYTES).unwrap();
    assert!(bounded.too_large.is_empty());
    let loaded = load_bounded("json.yaml", &bounded);
    assert_eq!(
        loaded
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["json.yaml:1:1: Request entity too large: limit is 3145728"]
    );
    // Just under: loads.
    let ok = pod_with_args(&vec!["a"; 1000].join(","));
    assert!(load_text("ok.yaml", &ok).errors.is_empty());
}
