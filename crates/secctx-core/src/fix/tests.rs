use serde_json::json;

use super::*;
use crate::edit::{Op, Seg};
use crate::image::{ImageFile, ImageInfo, parse_group, parse_passwd};
use crate::load::load_text;
use crate::pss::default_registry;

fn image(user: &str) -> ImageInfo {
    ImageInfo {
        source: "test".into(),
        user: user.into(),
        env: vec![],
        entrypoint: vec![],
        cmd: vec![],
        working_dir: String::new(),
        passwd: ImageFile::Present {
            entries: parse_passwd(
                "root:x:0:0::/root:/bin/sh\napp:x:1001:1002::/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
            ),
            meta: None,
        },
        group: ImageFile::Present {
            entries: parse_group("root:x:0:\n"),
            meta: None,
        },
    }
}

fn fix(yaml: &str, level: &str, allow: AllowSet, images: &[(&str, ImageInfo)]) -> WorkloadFix {
    let loaded = load_text("t.yaml", yaml);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let w = loaded.workloads().next().expect("a workload");
    let lookup = |r: &str| images.iter().find(|(n, _)| *n == r).map(|(_, i)| i);
    fix_workload(
        w,
        &FixOptions {
            level: level.parse().unwrap(),
            allow,
            images: &lookup,
            registry: default_registry(),
        },
    )
}

fn summary(f: &WorkloadFix) -> Vec<String> {
    f.remedies
        .iter()
        .map(|p| {
            let class = match &p.remedy.class {
                Class::Safe => "safe".to_owned(),
                Class::Choice { needs } => {
                    format!(
                        "needs {}",
                        needs.iter().map(|a| a.name()).collect::<Vec<_>>().join("+")
                    )
                }
                Class::NotFixable { .. } => "not fixable".to_owned(),
            };
            format!(
                "{} {} = {} [{class}{}]",
                p.remedy.check,
                p.remedy.field,
                p.remedy
                    .new
                    .as_ref()
                    .map_or("(removed)".to_owned(), |v| v.to_string()),
                if p.applied { ", applied" } else { "" }
            )
        })
        .collect()
}

const BARE: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: app:1}\n";

#[test]
fn restricted_without_image_needs_run_as_non_root() {
    let f = fix(BARE, "restricted:latest", AllowSet::none(), &[]);
    assert_eq!(
        summary(&f),
        [
            "allowPrivilegeEscalation spec.containers[0].securityContext.allowPrivilegeEscalation = false [safe, applied]",
            "capabilities_restricted spec.containers[0].securityContext.capabilities.drop = [\"ALL\"] [safe, applied]",
            "runAsNonRoot spec.securityContext.runAsNonRoot = true [needs run-as-non-root]",
            "seccompProfile_restricted spec.securityContext.seccompProfile = {\"type\":\"RuntimeDefault\"} [safe, applied]",
        ]
    );
    assert_eq!(f.status, Status::Partly);
    assert_eq!(f.remaining.len(), 1);
    assert_eq!(f.remaining[0].check, "runAsNonRoot");
    let all = fix(BARE, "restricted:latest", AllowSet::all(), &[]);
    assert_eq!(all.status, Status::Fixed);
    assert_eq!(all.edits.len(), 4);
    assert_eq!(
        all.edits[0].path,
        ["spec", "containers"]
            .map(|k| Seg::Key(k.into()))
            .into_iter()
            .chain([
                Seg::Index(0),
                Seg::Key("securityContext".into()),
                Seg::Key("allowPrivilegeEscalation".into())
            ])
            .collect::<Vec<_>>()
    );
    assert_eq!(all.edits[0].op, Op::Set(json!(false)));
}

#[test]
fn numeric_image_user_makes_run_as_non_root_safe() {
    let f = fix(
        BARE,
        "restricted:latest",
        AllowSet::none(),
        &[("app:1", image("1001"))],
    );
    assert_eq!(f.status, Status::Fixed, "{:#?}", summary(&f));
    assert!(summary(&f).contains(
        &"runAsNonRoot spec.securityContext.runAsNonRoot = true [safe, applied]".to_owned()
    ));
}

#[test]
fn named_image_user_gets_its_numeric_uid() {
    let f = fix(
        BARE,
        "restricted:latest",
        AllowSet::none(),
        &[("app:1", image("app"))],
    );
    assert_eq!(f.status, Status::Fixed, "{:#?}", summary(&f));
    let s = summary(&f);
    assert!(
        s.contains(
            &"runAsNonRoot spec.containers[0].securityContext.runAsUser = 1001 [safe, applied]"
                .to_owned()
        ),
        "{s:#?}"
    );
    let why = &f
        .remedies
        .iter()
        .find(|p| p.remedy.field.to_string().ends_with("runAsUser"))
        .unwrap()
        .remedy
        .why;
    assert!(why.contains("cannot verify"), "{why}");
}

#[test]
fn root_image_gets_a_user_of_its_passwd_and_fs_group_for_a_written_volume() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - {name: data, emptyDir: {}}\n  - {name: cfg, configMap: {name: c}}\n  containers:\n  - name: app\n    image: app:1\n    volumeMounts:\n    - {name: cfg, mountPath: /cfg}\n    - {name: data, mountPath: /data}\n";
    let f = fix(
        yaml,
        "restricted:latest",
        AllowSet::none(),
        &[("app:1", image(""))],
    );
    assert_eq!(f.status, Status::Partly);
    let s = summary(&f);
    assert!(s.contains(&"runAsNonRoot spec.containers[0].securityContext.runAsUser = 65534 [needs run-as-user]".to_owned()), "{s:#?}");
    assert!(
        s.contains(
            &"runAsNonRoot spec.securityContext.fsGroup = 65534 [needs run-as-user]".to_owned()
        ),
        "{s:#?}"
    );
    assert!(
        s.contains(
            &"runAsNonRoot spec.securityContext.runAsNonRoot = true [needs run-as-user]".to_owned()
        ),
        "{s:#?}"
    );
    let allowed = fix(
        yaml,
        "restricted:latest",
        [Allow::RunAsUser].into_iter().collect(),
        &[("app:1", image(""))],
    );
    assert_eq!(allowed.status, Status::Fixed, "{:#?}", summary(&allowed));
}

#[test]
fn run_as_user_zero_without_image_is_not_fixable() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: app\n    image: app:1\n    securityContext: {runAsUser: 0, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n";
    let f = fix(yaml, "restricted:latest", AllowSet::all(), &[]);
    assert_eq!(f.status, Status::Unchanged);
    assert!(
        matches!(&f.remedies[0].remedy.class, Class::NotFixable { reason } if reason.contains("never a guess"))
    );
    assert_eq!(f.remedies[0].pos.line, 9);
    let with_image = fix(
        yaml,
        "restricted:latest",
        AllowSet::all(),
        &[("app:1", image("1001"))],
    );
    assert_eq!(
        with_image.status,
        Status::Fixed,
        "{:#?}",
        summary(&with_image)
    );
}

#[test]
fn baseline_choices_and_host_path() {
    let yaml = "apiVersion: apps/v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n  spec:\n    selector: {matchLabels: {a: b}}\n    template:\n      metadata: {labels: {a: b}}\n      spec:\n        hostNetwork: true\n        volumes:\n        - {name: h, hostPath: {path: /var/run}}\n        containers:\n        - name: c\n          image: x\n          securityContext: {privileged: true, capabilities: {add: [NET_ADMIN, CHOWN, SYS_TIME]}}\n          ports: [{containerPort: 80, hostPort: 80}]\n";
    let yaml = yaml.replace(
        "apiVersion: apps/v1\nkind: List",
        "apiVersion: v1\nkind: List",
    );
    let f = fix(&yaml, "baseline:latest", AllowSet::none(), &[]);
    assert_eq!(f.status, Status::Unchanged);
    let s = summary(&f);
    assert_eq!(
        s,
        [
            "capabilities_baseline spec.containers[0].securityContext.capabilities.add[0] = (removed) [needs capabilities]",
            "capabilities_baseline spec.containers[0].securityContext.capabilities.add[2] = (removed) [needs capabilities]",
            "hostNamespaces spec.hostNetwork = false [needs host-namespaces]",
            "hostPathVolumes spec.volumes[0].hostPath = (removed) [not fixable]",
            "hostPorts spec.containers[0].ports[0].hostPort = (removed) [needs host-ports]",
            "privileged spec.containers[0].securityContext.privileged = false [needs privileged]",
        ]
    );
    let all = fix(&yaml, "baseline:latest", AllowSet::all(), &[]);
    assert_eq!(all.status, Status::Partly);
    assert_eq!(
        all.remaining.iter().map(|r| r.check).collect::<Vec<_>>(),
        ["hostPathVolumes"]
    );
    // Removals come last, highest index first, with paths into the List item's template.
    let removes: Vec<String> = all
        .edits
        .iter()
        .filter(|e| e.op == Op::Remove)
        .map(|e| format!("{:?}", e.path))
        .collect();
    assert_eq!(removes.len(), 3);
    assert!(
        removes[0].contains("Index(2)") && removes[0].contains("add"),
        "{removes:?}"
    );
    assert!(
        removes[1].contains("Index(0)") && removes[1].contains("add"),
        "{removes:?}"
    );
    assert!(removes[2].contains("hostPort"), "{removes:?}");
    assert!(
        removes[0].starts_with(
            "[Key(\"items\"), Index(0), Key(\"spec\"), Key(\"template\"), Key(\"spec\")"
        ),
        "{removes:?}"
    );
}

#[test]
fn explicit_unconfined_then_unset_takes_two_rounds() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 1000}\n  containers:\n  - name: app\n    image: app:1\n    securityContext: {seccompProfile: {type: Unconfined}, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n  - name: b\n    image: app:1\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n";
    let none = fix(yaml, "restricted:latest", AllowSet::none(), &[]);
    assert_eq!(none.status, Status::Unchanged, "{:#?}", summary(&none));
    let f = fix(
        yaml,
        "restricted:latest",
        [Allow::Seccomp].into_iter().collect(),
        &[],
    );
    assert_eq!(f.status, Status::Fixed, "{:#?}", summary(&f));
    let s = summary(&f);
    assert!(
        s.iter().any(|l| l.contains(
            "annotations[seccomp.security.alpha.kubernetes.io/pod] = \"runtime/default\""
        )),
        "{s:#?}"
    );
}

#[test]
fn escalation_next_to_privileged_needs_privileged() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: app:1, securityContext: {privileged: true}}\n";
    let f = fix(
        yaml,
        "restricted:latest",
        [Allow::RunAsNonRoot].into_iter().collect(),
        &[],
    );
    let s = summary(&f);
    assert!(s.contains(&"allowPrivilegeEscalation spec.containers[0].securityContext.allowPrivilegeEscalation = false [needs privileged]".to_owned()), "{s:#?}");
    assert_eq!(
        fix(yaml, "restricted:latest", AllowSet::all(), &[]).status,
        Status::Fixed
    );
}

#[test]
fn passing_pods_are_left_alone() {
    let f = fix(BARE, "baseline:latest", AllowSet::all(), &[]);
    assert_eq!(f.status, Status::Passing);
    assert!(f.edits.is_empty() && f.remedies.is_empty());
}
