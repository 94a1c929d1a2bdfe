use super::*;
use crate::load::load_text;
use crate::pss::Level;

fn pod(name: &str, ns: &str, spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{spec}---\n"
    )
}

const HARDENED: &str = "  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: nginx
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: [ALL]
";

const PLAIN: &str = "  containers:
  - name: app
    image: nginx
";

const PRIVILEGED: &str = "  containers:
  - name: app
    image: nginx
    securityContext:
      privileged: true
";

/// Fails only `hostProbesAndHostLifecycle` (baseline since v1.34) among the baseline checks.
const PROBE_HOST: &str = "  containers:
  - name: app
    image: nginx
    livenessProbe:
      httpGet:
        host: 10.0.0.1
        port: 80
";

fn run(text: &str, opts: &CheckOptions) -> SuggestReport {
    suggest(&load_text("t.yaml", text), opts)
}

fn lv(s: &str) -> LevelVersion {
    s.parse().unwrap()
}

fn label_keys(n: &NamespaceSuggestion) -> Vec<&str> {
    n.labels.iter().map(|(k, _)| *k).collect()
}

#[test]
fn hardened_pods_get_restricted_latest_and_nothing_stricter() {
    let r = run(&pod("a", "web", HARDENED), &CheckOptions::default());
    let n = r.get("web").unwrap();
    assert_eq!(n.decision.enforce, lv("restricted:latest"));
    assert!(n.stricter.is_empty());
    // The defaults are restricted:latest already: audit and warn need no label.
    assert_eq!(
        n.command(),
        "kubectl label --overwrite ns web pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest"
    );
    assert_eq!(
        n.policy.to_string(),
        "enforce=restricted:latest, audit=restricted:latest, warn=restricted:latest"
    );
}

#[test]
fn one_plain_pod_holds_the_namespace_at_baseline_and_is_the_blocker() {
    let text = pod("a", "web", HARDENED) + &pod("b", "web", PLAIN);
    let r = run(&text, &CheckOptions::default());
    let n = r.get("web").unwrap();
    assert_eq!(n.workloads, 2);
    assert_eq!(n.decision.enforce, lv("baseline:latest"));
    // With check's defaults (restricted:latest) audit and warn would still flag pod b.
    assert_eq!(
        label_keys(n),
        [
            "pod-security.kubernetes.io/enforce",
            "pod-security.kubernetes.io/enforce-version",
            "pod-security.kubernetes.io/audit",
            "pod-security.kubernetes.io/audit-version",
            "pod-security.kubernetes.io/warn",
            "pod-security.kubernetes.io/warn-version",
        ]
    );
    assert_eq!(n.stricter.len(), 1);
    let s = &n.stricter[0];
    assert_eq!(s.target, lv("restricted:latest"));
    // runAsNonRoot is a restricted check since v1.0: restricted passes at no version.
    assert_eq!(s.passes_at, None);
    assert_eq!(s.blockers.len(), 1);
    let b = &s.blockers[0];
    assert_eq!((b.kind, b.name.as_str()), ("Pod", "b"));
    let checks: Vec<_> = b.violations.iter().map(|v| v.check).collect();
    assert_eq!(
        checks,
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "runAsNonRoot",
            "seccompProfile_restricted"
        ]
    );
    assert!(b.message.starts_with(
        r#"violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false"#
    ));
}

#[test]
fn with_privileged_defaults_only_enforce_is_labelled() {
    let opts = CheckOptions {
        default_policy: Policy::default(),
        ..CheckOptions::default()
    };
    let r = run(&pod("b", "web", PLAIN), &opts);
    let n = r.get("web").unwrap();
    assert_eq!(n.decision.enforce, lv("baseline:latest"));
    assert_eq!(label_keys(n).len(), 2);
    // Warn defaulting: warn follows an enforce level stricter than the default warn.
    assert_eq!(
        n.policy.to_string(),
        "enforce=baseline:latest, audit=privileged:latest, warn=baseline:latest"
    );
}

#[test]
fn an_older_restricted_version_is_reported_for_the_next_level() {
    let spec = "  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: app\n    image: nginx\n";
    let r = run(&pod("a", "web", spec), &CheckOptions::default());
    let n = r.get("web").unwrap();
    assert_eq!(n.decision.enforce, lv("baseline:latest"));
    // allowPrivilegeEscalation is restricted from v1.8.
    assert_eq!(n.stricter[0].passes_at, Some(Version::V1(7)));
}

#[test]
fn privileged_pod_gets_privileged_and_baseline_blockers() {
    let r = run(&pod("p", "sys", PRIVILEGED), &CheckOptions::default());
    let n = r.get("sys").unwrap();
    assert_eq!(n.decision.enforce, lv("privileged:latest"));
    assert_eq!(n.stricter[0].target, lv("baseline:latest"));
    let checks: Vec<_> = n.stricter[0].blockers[0]
        .violations
        .iter()
        .map(|v| v.check)
        .collect();
    assert_eq!(checks, ["privileged"]);
}

#[test]
fn a_check_added_later_pins_the_newest_version_that_passes() {
    let r = run(&pod("h", "web", PROBE_HOST), &CheckOptions::default());
    let n = r.get("web").unwrap();
    assert_eq!(n.decision.enforce, lv("baseline:v1.33"));
    let targets: Vec<_> = n.stricter.iter().map(|s| s.target.to_string()).collect();
    assert_eq!(targets, ["restricted:v1.33", "baseline:latest"]);
    let latest = &n.stricter[1];
    assert_eq!(
        latest.blockers[0].violations[0].check,
        "hostProbesAndHostLifecycle"
    );
    assert_eq!(
        latest.blockers[0].violations[0].fields[0].path,
        "spec.containers[0].livenessProbe.httpGet.host"
    );
}

#[test]
fn namespaces_come_from_metadata_the_default_and_namespace_objects() {
    let text = format!(
        "{}apiVersion: v1\nkind: Pod\nmetadata:\n  name: d\nspec:\n{PLAIN}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: empty\n",
        pod("a", "web", HARDENED)
    );
    let opts = CheckOptions {
        default_namespace: "team".to_owned(),
        ..CheckOptions::default()
    };
    let r = run(&text, &opts);
    let names: Vec<_> = r.namespaces.iter().map(|n| n.namespace.as_str()).collect();
    assert_eq!(names, ["empty", "team", "web"]);
    let empty = r.get("empty").unwrap();
    assert_eq!(empty.workloads, 0);
    assert!(empty.declared.is_some());
    assert_eq!(empty.decision.enforce, lv("restricted:latest"));
    assert_eq!(
        r.get("team").unwrap().decision.enforce.level,
        Level::Baseline
    );
}

#[test]
fn current_labels_are_kept_in_mind_and_invalid_ones_overwritten() {
    let text = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels:\n    pod-security.kubernetes.io/audit: bogus\n    pod-security.kubernetes.io/warn: privileged\n---\n{}",
        pod("a", "web", HARDENED)
    );
    let r = run(&text, &CheckOptions::default());
    let n = r.get("web").unwrap();
    assert_eq!(
        n.current.to_string(),
        "enforce=restricted:latest, audit=privileged:latest, warn=privileged:latest"
    );
    // audit is invalid: overwritten; warn=privileged passes everything: left alone.
    assert_eq!(
        label_keys(n)[2..],
        [
            "pod-security.kubernetes.io/audit",
            "pod-security.kubernetes.io/audit-version"
        ]
    );
    assert_eq!(
        n.policy.to_string(),
        "enforce=restricted:latest, audit=restricted:latest, warn=privileged:latest"
    );
}

#[test]
fn exempt_workloads_constrain_nothing() {
    let mut opts = CheckOptions::default();
    opts.exemptions.runtime_classes = vec!["kata".to_owned()];
    let spec = format!("  runtimeClassName: kata\n{PRIVILEGED}");
    let r = run(&pod("p", "web", &spec), &opts);
    let n = r.get("web").unwrap();
    assert_eq!((n.workloads, n.exempt), (1, 1));
    assert_eq!(n.decision.enforce, lv("restricted:latest"));
}

#[test]
fn hostile_namespace_names_are_shell_quoted() {
    let labels = vec![("pod-security.kubernetes.io/enforce", "baseline".to_owned())];
    assert_eq!(
        kubectl_label("a'b $(x)", &labels),
        r"kubectl label --overwrite ns 'a'\''b $(x)' pod-security.kubernetes.io/enforce=baseline"
    );
    assert_eq!(
        kubectl_label("", &labels),
        "kubectl label --overwrite ns '' pod-security.kubernetes.io/enforce=baseline"
    );
}
