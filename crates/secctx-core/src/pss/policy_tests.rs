//! `policy_to_evaluate` tests (cases of PSA `api/helpers_test.go: TestPolicyToEvaluate`, plus
//! error strings, version fallbacks and non-privileged defaults).

use super::*;

fn labels(kvs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::from([("other-label".to_owned(), "foo-bar".to_owned())]);
    for (k, v) in kvs {
        m.insert(format!("{LABEL_PREFIX}{k}"), (*v).to_owned());
    }
    m
}

fn lv(s: &str) -> LevelVersion {
    s.parse().unwrap()
}

fn policy(enforce: &str, audit: &str, warn: &str) -> Policy {
    Policy {
        enforce: lv(enforce),
        audit: lv(audit),
        warn: lv(warn),
    }
}

const P: &str = "privileged:latest";

#[test]
fn psa_cases() {
    /// (name, labels, expected policy, expect errors)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Policy, bool);
    let cases: Vec<Case<'_>> = vec![
        (
            "simple enforce",
            vec![("enforce", "baseline")],
            policy("baseline:latest", P, "baseline:latest"),
            false,
        ),
        (
            "simple warn",
            vec![("warn", "restricted")],
            policy(P, P, "restricted:latest"),
            false,
        ),
        (
            "simple audit",
            vec![("audit", "baseline")],
            policy(P, "baseline:latest", P),
            false,
        ),
        (
            "enforce & warn",
            vec![("enforce", "baseline"), ("warn", "restricted")],
            policy("baseline:latest", P, "restricted:latest"),
            false,
        ),
        (
            "enforce version",
            vec![("enforce", "baseline"), ("enforce-version", "v1.22")],
            policy("baseline:v1.22", P, "baseline:v1.22"),
            false,
        ),
        (
            "enforce version & warn-version",
            vec![
                ("enforce", "baseline"),
                ("enforce-version", "v1.22"),
                ("warn-version", "latest"),
            ],
            policy("baseline:v1.22", P, "baseline:latest"),
            false,
        ),
        (
            "enforce & warn-version",
            vec![("enforce", "baseline"), ("warn-version", "v1.23")],
            policy("baseline:latest", P, "baseline:v1.23"),
            false,
        ),
        (
            "fully specd",
            vec![
                ("enforce", "baseline"),
                ("enforce-version", "v1.20"),
                ("warn", "restricted"),
                ("warn-version", "v1.21"),
                ("audit", "restricted"),
                ("audit-version", "v1.22"),
            ],
            policy("baseline:v1.20", "restricted:v1.22", "restricted:v1.21"),
            false,
        ),
        (
            "enforce no warn",
            vec![("enforce", "baseline"), ("warn", "privileged")],
            policy("baseline:latest", P, P),
            false,
        ),
        (
            "enforce warn error",
            vec![("enforce", "baseline"), ("warn", "foo")],
            policy("baseline:latest", P, P),
            true,
        ),
        (
            "enforce error",
            vec![("enforce", "foo")],
            policy("restricted:latest", P, P),
            true,
        ),
    ];
    for (name, kvs, want, want_err) in cases {
        let (got, errs) = policy_to_evaluate(&labels(&kvs), &Policy::default());
        assert_eq!(got, want, "{name}");
        assert_eq!(!errs.is_empty(), want_err, "{name}");
    }
}

#[test]
fn error_strings_and_fallbacks() {
    let kvs = [
        ("enforce", "foo"),
        ("enforce-version", "v1.01"),
        ("audit", "Baseline"),
        ("audit-version", "1.20"),
        ("warn", ""),
        ("warn-version", "v2.0"),
    ];
    let (got, errs) = policy_to_evaluate(&labels(&kvs), &Policy::default());
    assert_eq!(got, policy("restricted:latest", P, P));
    let rendered: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            r#"metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted"#,
            r#"metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.01": must be "latest" or "v1.x""#,
            r#"metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "Baseline": must be one of privileged, baseline, restricted"#,
            r#"metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.20": must be "latest" or "v1.x""#,
            r#"metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "": must be one of privileged, baseline, restricted"#,
            r#"metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v2.0": must be "latest" or "v1.x""#,
        ]
    );
    assert_eq!(
        namespace_invalid_message("ns", &errs[..1]),
        r#"Namespace "ns" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted"#
    );
    assert_eq!(
        namespace_invalid_message("ns", &errs[..2]),
        format!(
            r#"Namespace "ns" is invalid: [{}, {}]"#,
            rendered[0], rendered[1]
        )
    );
    assert_eq!(
        policy_error_annotation(&errs[..1]),
        format!("Failed to parse policy: {}", rendered[0])
    );
}

#[test]
fn defaults_apply_and_warn_defaulting_compares_with_default_warn() {
    let defaults = policy("baseline:v1.30", "restricted:latest", "baseline:v1.25");
    // No labels: defaults unchanged.
    let (got, errs) = policy_to_evaluate(&BTreeMap::new(), &defaults);
    assert_eq!((got, errs.len()), (defaults, 0));
    // Enforce restricted is stricter than the default warn baseline → warn follows enforce.
    let (got, _) = policy_to_evaluate(&labels(&[("enforce", "restricted")]), &defaults);
    assert_eq!(
        got,
        policy("restricted:v1.30", "restricted:latest", "restricted:v1.30")
    );
    // Enforce baseline is not stricter than warn baseline → warn keeps its default.
    let (got, _) = policy_to_evaluate(&labels(&[("enforce", "baseline")]), &defaults);
    assert_eq!(got.warn, lv("baseline:v1.25"));
    // Only the enforce version label: no warn defaulting (no enforce level label).
    let (got, _) = policy_to_evaluate(&labels(&[("enforce-version", "v1.2")]), &defaults);
    assert_eq!(
        got,
        policy("baseline:v1.2", "restricted:latest", "baseline:v1.25")
    );
}

#[test]
fn policy_helpers() {
    assert!(Policy::default().fully_privileged());
    let p = policy("baseline:v1.30", P, "privileged:v1.2");
    assert!(!p.fully_privileged());
    assert!(p.equivalent(&policy("baseline:v1.30", "privileged:v1.9", P)));
    assert!(!p.equivalent(&policy("baseline:latest", P, P)));
    assert_eq!(
        p.to_string(),
        "enforce=baseline:v1.30, audit=privileged:latest, warn=privileged:v1.2"
    );
}
