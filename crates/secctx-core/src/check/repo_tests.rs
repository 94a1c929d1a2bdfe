//! The repository configuration and suppressions, on crafted inputs.

use super::repo_config::{ConfigBase, RepoConfig};
use super::*;
use crate::load::load_text;
use crate::pss::{Level, Version};

fn cfg(text: &str) -> RepoConfig {
    let mut c = RepoConfig::parse(".secctx.yaml", text).unwrap();
    c.base = Some(ConfigBase {
        root: "/repo".into(),
        cwd: "/repo/sub".into(),
    });
    c
}

fn err(text: &str) -> String {
    RepoConfig::parse(".secctx.yaml", text)
        .unwrap_err()
        .to_string()
}

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  annotations:
    secctx.io/ignore-check.runAsNonRoot: \"the image runs as uid 1000\"
    secctx.io/ignore-check.seccompProfile_restricted: \"\"
spec:
  containers:
  - name: app
    image: nginx
";

#[test]
fn a_full_configuration_parses() {
    let c = cfg("
level: baseline
version: v1.30
failOn: error
strictFiles: true
ignore: [charts/**/tests, '*.tpl.yaml']
namespaces:
  kube-system: {level: privileged}
paths:
  - {path: legacy/**, level: restricted, version: v1.25}
suppressions:
  - checks: [runAsNonRoot, hostPorts]
    reason: legacy
    kind: Deploy*
");
    assert_eq!(c.default.level, Some(Level::Baseline));
    assert_eq!(c.default.version, Some("v1.30".parse::<Version>().unwrap()));
    assert_eq!(c.fail_on, Some(FailOn::Error));
    assert_eq!(c.strict_files, Some(true));
    assert!(c.ignored("../charts/x/tests/t.yaml"));
    assert!(c.ignored("deep/a.tpl.yaml"));
    assert!(!c.ignored("deep/a.yaml"));
    assert!(!c.ignored("-"));
    let base = CheckOptions::default().default_policy;
    let ks = c.default_policy(base, "kube-system", "a.yaml");
    assert_eq!(ks.enforce.level, Level::Privileged);
    // Relative to the configuration's directory, from the working directory /repo/sub.
    let legacy = c.default_policy(base, "kube-system", "/repo/legacy/a.yaml");
    assert_eq!(legacy.enforce.to_string(), "restricted:v1.25");
    assert_eq!(
        c.relative("../legacy/a.yaml").as_deref(),
        Some("legacy/a.yaml")
    );
    assert_eq!(c.relative("/elsewhere/a.yaml"), None);
    assert!(c.rule_matches(&c.suppressions[0], "Deployment", "x", "y", "a.yaml"));
    assert!(!c.rule_matches(&c.suppressions[0], "Pod", "x", "y", "a.yaml"));
}

#[test]
fn mistakes_are_errors_at_their_key() {
    assert_eq!(
        err("levl: baseline\n"),
        "1:1: levl: unknown field `levl`, expected one of `level`, `version`, `failOn`, `strictFiles`, `ignore`, `namespaces`, `paths`, `suppressions`"
    );
    assert_eq!(
        err("level: strict\n"),
        "1:1: level: \"strict\": must be one of privileged, baseline, restricted"
    );
    assert_eq!(
        err("failOn: warn\n"),
        "1:1: failOn: \"warn\": must be one of error, warning, never"
    );
    assert!(
        err("suppressions:\n- checks: [runAsNonroot]\n  reason: x\n")
            .starts_with("2:12: suppressions[0].checks[0]: unknown check \"runAsNonroot\""),
    );
    assert_eq!(
        err("suppressions:\n- checks: [runAsNonRoot]\n"),
        "2:3: suppressions[0]: a suppression needs a reason"
    );
    assert_eq!(
        err("ignore: ['a**/b']\n"),
        "1:10: ignore[0]: invalid glob \"a**/b\": `**` must be a whole path segment"
    );
    assert_eq!(
        RepoConfig::parse("f", "").unwrap(),
        RepoConfig {
            file: "f".into(),
            ..RepoConfig::default()
        }
    );
}

#[test]
fn annotations_suppress_with_a_reason_and_config_rules_by_filter() {
    let loaded = load_text("pod.yaml", POD);
    let report = check(&loaded, &CheckOptions::default());
    let o = &report.objects[0];
    let s = |id: &str| {
        o.violations
            .iter()
            .find(|v| v.check == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .suppressed
            .clone()
    };
    assert_eq!(
        s("runAsNonRoot"),
        Some(Suppression {
            by: SuppressedBy::Annotation("secctx.io/ignore-check.runAsNonRoot".into()),
            reason: "the image runs as uid 1000".into(),
        })
    );
    // An empty reason suppresses nothing, and says so.
    assert_eq!(s("seccompProfile_restricted"), None);
    assert_eq!(
        o.notes,
        [
            "annotation secctx.io/ignore-check.seccompProfile_restricted: no reason given; nothing suppressed"
        ]
    );
    assert_eq!(o.suppressed(), 1);
    assert_eq!(o.severity(), Severity::Error);

    let mut opts = CheckOptions {
        repo: cfg("suppressions:
- checks: [allowPrivilegeEscalation, capabilities_restricted, seccompProfile_restricted]
  reason: hardened by the platform
  namespace: shop
  name: web-*
"),
        ..CheckOptions::default()
    };
    let report = check(&loaded, &opts);
    let o = &report.objects[0];
    assert_eq!(o.suppressed(), o.violations.len(), "{o:#?}");
    assert_eq!(o.severity(), Severity::None);
    // The API server still rejects it: suppression changes the report, not the verdict.
    assert!(!o.allowed);
    let by = &o
        .violations
        .iter()
        .find(|v| v.check == "allowPrivilegeEscalation")
        .unwrap()
        .suppressed;
    assert_eq!(
        by.as_ref().map(Suppression::origin).as_deref(),
        Some(".secctx.yaml suppressions[0]")
    );
    // A filter that does not match leaves the findings.
    opts.repo.suppressions[0].namespace = Some("other".into());
    assert_eq!(check(&loaded, &opts).objects[0].suppressed(), 1);
}

#[test]
fn namespace_and_path_levels_apply_where_no_label_says() {
    let loaded = load_text("/repo/legacy/pod.yaml", POD);
    let opts = CheckOptions {
        repo: cfg("namespaces:\n  shop: {level: baseline}\n"),
        ..CheckOptions::default()
    };
    let o = &check(&loaded, &opts).objects[0];
    assert_eq!(o.level_version.unwrap().to_string(), "baseline:latest");
    assert_eq!(o.severity(), Severity::None);
    let opts = CheckOptions {
        repo: cfg(
            "namespaces:\n  shop: {level: baseline}\npaths:\n- {path: legacy, level: restricted}\n",
        ),
        ..CheckOptions::default()
    };
    let o = &check(&loaded, &opts).objects[0];
    assert_eq!(o.level_version.unwrap().to_string(), "restricted:latest");
}
