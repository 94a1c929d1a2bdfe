use super::*;
use crate::load::load_text;
use crate::pss::{Exemption, Policy};

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
  - name: app
    image: nginx
";

fn run(text: &str, opts: &CheckOptions) -> CheckReport {
    check(&load_text("t.yaml", text), opts)
}

#[test]
fn worked_example_is_an_enforce_error() {
    let r = run(POD, &CheckOptions::default());
    let o = &r.objects[0];
    assert_eq!(o.mode, Some(Mode::Enforce));
    assert!(!o.allowed);
    assert_eq!(o.severity(), Severity::Error);
    assert_eq!(
        o.forbidden_message.as_deref(),
        Some(
            r#"pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        )
    );
    let checks: Vec<_> = o.violations.iter().map(|v| v.check).collect();
    assert_eq!(
        checks,
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "runAsNonRoot",
            "seccompProfile_restricted"
        ]
    );
    assert_eq!(o.violations[0].containers, ["app"]);
    let f = &o.violations[0].fields[0];
    // PSA points a missing field at its nearest written ancestor: the container.
    assert_eq!(f.path, "spec.containers[0]");
    assert!(f.present);
    assert_eq!((f.pos.line, f.pos.column), (7, 5));
}

#[test]
fn namespace_labels_set_the_policy_and_warn_defaults_to_enforce() {
    let text = format!(
        "apiVersion: v1
kind: Namespace
metadata:
  name: web
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
{}  namespace: web
{}",
        &POD[..POD.find("spec:").unwrap()],
        &POD[POD.find("spec:").unwrap()..]
    );
    let opts = CheckOptions {
        default_policy: Policy::default(), // privileged everywhere
        ..CheckOptions::default()
    };
    let r = run(&text, &opts);
    let o = &r.objects[0];
    assert!(o.allowed);
    assert_eq!(o.mode, Some(Mode::Enforce));
    assert_eq!(o.level_version.unwrap().to_string(), "baseline:latest");
    assert_eq!(o.policy.unwrap().warn.to_string(), "baseline:latest");
    assert_eq!(o.severity(), Severity::None);
}

#[test]
fn invalid_labels_are_reported_and_enforce_falls_back_to_restricted() {
    let text = "apiVersion: v1
kind: Namespace
metadata:
  name: web
  labels:
    pod-security.kubernetes.io/enforce: strict
---
apiVersion: v1
kind: Pod
metadata:
  name: x
  namespace: web
spec:
  containers:
  - name: app
    image: nginx
";
    let opts = CheckOptions {
        default_policy: Policy::default(),
        ..CheckOptions::default()
    };
    let r = run(text, &opts);
    assert_eq!(r.objects.len(), 2);
    assert_eq!(
        r.objects[0].validation_message.as_deref(),
        Some(
            r#"Namespace "web" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted"#
        )
    );
    assert_eq!((r.objects[0].validation[0].field.pos.line), 6);
    assert_eq!(r.objects[1].mode, Some(Mode::Enforce));
    assert_eq!(
        r.objects[1].level_version.unwrap().to_string(),
        "restricted:latest"
    );
    assert!(!r.objects[1].allowed);
}

#[test]
fn templates_are_warnings_at_the_template_path() {
    let text = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: nginx
";
    let r = run(text, &CheckOptions::at("baseline:latest".parse().unwrap()));
    let o = &r.objects[0];
    assert!(o.template);
    assert!(o.allowed);
    assert_eq!(o.mode, Some(Mode::Warn));
    assert_eq!(o.severity(), Severity::Warning);
    assert_eq!(
        o.message.as_deref(),
        Some(r#"would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)"#)
    );
    let f = &o.violations[0].fields[0];
    assert_eq!(f.path, "spec.template.spec.hostNetwork");
    assert_eq!(f.reported, "spec.hostNetwork");
    assert!(f.present);
    assert_eq!(f.pos.line, 8, "{f:?}");
}

#[test]
fn exemptions_in_psa_order() {
    let mut opts = CheckOptions::default();
    opts.exemptions.usernames = vec!["ci".into()];
    opts.exemptions.namespaces = vec!["default".into()];
    let r = run(POD, &opts);
    assert_eq!(r.objects[0].exempt, Some(Exemption::Namespace));
    assert!(r.objects[0].allowed);
    opts.exemptions.namespaces.clear();
    opts.username = "ci".into();
    assert_eq!(run(POD, &opts).objects[0].exempt, Some(Exemption::User));
    opts.username.clear();
    opts.exemptions.runtime_classes = vec!["gvisor".into()];
    let text = POD.replace("spec:\n", "spec:\n  runtimeClassName: gvisor\n");
    assert_eq!(
        run(&text, &opts).objects[0].exempt,
        Some(Exemption::RuntimeClass)
    );
    assert!(run(POD, &opts).objects[0].exempt.is_none());
}

#[test]
fn validation_errors_come_first_and_reject() {
    let text = POD.replace(
        "    image: nginx\n",
        "    image: nginx\n    securityContext:\n      runAsUser: -1\n",
    );
    let r = run(
        &text,
        &CheckOptions::at("privileged:latest".parse().unwrap()),
    );
    let o = &r.objects[0];
    assert!(!o.allowed);
    assert_eq!(o.severity(), Severity::Error);
    assert_eq!(
        o.validation_message.as_deref(),
        Some(
            r#"Pod "x" is invalid: spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive"#
        )
    );
    assert_eq!(o.validation[0].field.pos.line, 10);
}
