//! Registry tests: the real check set (counts and order per version, spec §1.2) and synthetic
//! sets for validation, inflation, overrides and clamping (as PSA `registry_test.go`).

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::*;
use crate::pss::checks::VersionedCheck;
use crate::pss::result::CheckResult;

fn lv(level: Level, version: Version) -> LevelVersion {
    LevelVersion::new(level, version)
}

fn ids(r: &Registry, l: LevelVersion) -> Vec<&'static str> {
    r.checks(l).iter().map(|c| c.id).collect()
}

#[test]
fn real_checks_are_valid() {
    let r = Registry::new(ALL_CHECKS, None).unwrap();
    assert_eq!(r.max_version(), Version::V1(37));
}

#[test]
fn per_version_counts_match_the_spec_table() {
    // (first minor, last minor, #baseline, #restricted) — kubernetes-semantics.md §1.2.
    let table: [(u64, u64, usize, usize); 13] = [
        (0, 7, 11, 12),
        (8, 18, 11, 13),
        (19, 21, 11, 13),
        (22, 22, 11, 13),
        (23, 24, 11, 14),
        (25, 26, 11, 14),
        (27, 28, 11, 14),
        (29, 30, 11, 14),
        (31, 31, 11, 14),
        (32, 33, 11, 14),
        (34, 34, 12, 15),
        (35, 36, 12, 15),
        (37, 37, 12, 15),
    ];
    let r = default_registry();
    for (first, last, nb, nr) in table {
        for m in first..=last {
            let v = Version::V1(m);
            assert_eq!(
                r.checks(lv(Level::Baseline, v)).len(),
                nb,
                "baseline v1.{m}"
            );
            assert_eq!(
                r.checks(lv(Level::Restricted, v)).len(),
                nr,
                "restricted v1.{m}"
            );
            assert!(r.checks(lv(Level::Privileged, v)).is_empty());
        }
    }
}

#[test]
fn latest_order_matches_psa() {
    let r = default_registry();
    let baseline = [
        "appArmorProfile",
        "capabilities_baseline",
        "hostNamespaces",
        "hostPathVolumes",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "procMount",
        "seLinuxOptions",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
    ];
    assert_eq!(ids(r, lv(Level::Baseline, Version::Latest)), baseline);
    let restricted = [
        "appArmorProfile",
        "hostNamespaces",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "privileged",
        "seLinuxOptions",
        "sysctls",
        "windowsHostProcess",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "procMount_restricted",
        "restrictedVolumes",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
    ];
    assert_eq!(ids(r, lv(Level::Restricted, Version::Latest)), restricted);
}

#[test]
fn version_boundaries() {
    let r = default_registry();
    let restricted = |m| ids(r, lv(Level::Restricted, Version::V1(m)));
    // R(v1.0) = B − hostPathVolumes + restrictedVolumes + runAsNonRoot.
    assert_eq!(
        restricted(0),
        [
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPorts",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "seccompProfile_baseline",
            "sysctls",
            "windowsHostProcess",
            "restrictedVolumes",
            "runAsNonRoot",
        ]
    );
    assert!(restricted(18).contains(&"seccompProfile_baseline"));
    assert!(!restricted(19).contains(&"seccompProfile_baseline"));
    assert!(restricted(21).contains(&"capabilities_baseline"));
    assert!(!restricted(22).contains(&"capabilities_baseline"));
    assert!(restricted(34).contains(&"procMount"));
    assert!(!restricted(35).contains(&"procMount"));
    // Revisions selected per version.
    let minimum = |level, m, id| {
        r.checks(lv(level, Version::V1(m)))
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.min_version)
    };
    assert_eq!(
        minimum(Level::Baseline, 26, "sysctls"),
        Some(Version::V1(0))
    );
    assert_eq!(
        minimum(Level::Baseline, 28, "sysctls"),
        Some(Version::V1(27))
    );
    assert_eq!(
        minimum(Level::Baseline, 36, "sysctls"),
        Some(Version::V1(32))
    );
    assert_eq!(
        minimum(Level::Baseline, 37, "sysctls"),
        Some(Version::V1(37))
    );
    assert_eq!(
        minimum(Level::Baseline, 30, "seLinuxOptions"),
        Some(Version::V1(0))
    );
    assert_eq!(
        minimum(Level::Baseline, 31, "seLinuxOptions"),
        Some(Version::V1(31))
    );
    assert_eq!(
        minimum(Level::Restricted, 24, "allowPrivilegeEscalation"),
        Some(Version::V1(8))
    );
    assert_eq!(
        minimum(Level::Restricted, 25, "allowPrivilegeEscalation"),
        Some(Version::V1(25))
    );
    assert_eq!(
        minimum(Level::Restricted, 7, "allowPrivilegeEscalation"),
        None
    );
}

#[test]
fn newer_versions_clamp_to_latest() {
    let r = default_registry();
    for level in [Level::Baseline, Level::Restricted] {
        let latest = ids(r, lv(level, Version::Latest));
        assert_eq!(ids(r, lv(level, Version::V1(37))), latest);
        assert_eq!(ids(r, lv(level, Version::V1(38))), latest);
        assert_eq!(ids(r, lv(level, Version::V1(u64::MAX))), latest);
    }
    assert_eq!(r.effective_version(Version::V1(99)), Version::V1(37));
    assert_eq!(r.effective_version(Version::V1(3)), Version::V1(3));
}

// ---- synthetic checks -------------------------------------------------------------------

fn allow(_: &ObjectMeta, _: &PodSpec) -> CheckResult {
    CheckResult::Allowed
}

const fn rev(minor: u64, overrides: &'static [&'static str]) -> VersionedCheck {
    VersionedCheck {
        min_version: Version::V1(minor),
        check: allow,
        overrides,
    }
}

/// A synthetic check (leaks its revisions: `Check` holds `'static` data).
fn check(id: &'static str, level: Level, versions: &[VersionedCheck]) -> Check {
    Check {
        id,
        level,
        versions: Vec::leak(versions.to_vec()),
    }
}

fn id_versions(r: &Registry, l: LevelVersion) -> Vec<String> {
    r.checks(l)
        .iter()
        .map(|c| format!("{}:{}", c.id, c.min_version))
        .collect()
}

#[test]
fn validation_errors() {
    let b = Level::Baseline;
    let r = Level::Restricted;
    let cases: Vec<(Vec<Check>, &str)> = vec![
        (
            vec![check("a", b, &[rev(0, &[])]), check("a", r, &[rev(1, &[])])],
            "multiple checks registered for ID a",
        ),
        (
            vec![check("a", Level::Privileged, &[rev(0, &[])])],
            "check a: invalid level privileged",
        ),
        (vec![check("a", b, &[])], "check a: empty"),
        (
            vec![check(
                "a",
                b,
                &[VersionedCheck {
                    min_version: Version::Latest,
                    check: allow,
                    overrides: &[],
                }],
            )],
            "check a: version cannot be 'latest'",
        ),
        (
            vec![check("a", b, &[rev(3, &[]), rev(3, &[])])],
            "check a: duplicate version v1.3",
        ),
        (
            vec![check("a", b, &[rev(3, &[]), rev(2, &[])])],
            "check a: versions must be strictly increasing",
        ),
        (
            vec![check("a", b, &[rev(0, &["x"])])],
            "check a: only restricted checks may set overrides",
        ),
        (
            vec![
                check("a", r, &[rev(0, &["b"])]),
                check("b", r, &[rev(0, &[])]),
            ],
            "check a: overrides restricted check b",
        ),
    ];
    for (checks, want) in cases {
        let err = Registry::new(&checks, None).unwrap_err();
        assert_eq!(err.to_string(), want);
    }
    // Overriding an unknown ID is tolerated, as in PSA.
    assert!(Registry::new(&[check("a", r, &[rev(0, &["nope"])])], None).is_ok());
}

#[test]
fn inflation_overrides_and_order() {
    let b = Level::Baseline;
    let r = Level::Restricted;
    let checks = [
        check("z_base", b, &[rev(0, &[]), rev(3, &[])]),
        check("a_base", b, &[rev(1, &[])]),
        check("m_base", b, &[rev(0, &[])]),
        check("y_restr", r, &[rev(2, &["m_base"]), rev(4, &[])]),
        check("b_restr", r, &[rev(0, &[])]),
    ];
    let reg = Registry::new(&checks, None).unwrap();
    assert_eq!(reg.max_version(), Version::V1(4));
    let at = |level, m| id_versions(&reg, lv(level, Version::V1(m)));
    assert_eq!(at(b, 0), ["m_base:v1.0", "z_base:v1.0"]);
    assert_eq!(at(b, 1), ["a_base:v1.1", "m_base:v1.0", "z_base:v1.0"]);
    assert_eq!(at(r, 0), ["m_base:v1.0", "z_base:v1.0", "b_restr:v1.0"]);
    // y_restr v1.2 overrides m_base, only while that revision is active.
    assert_eq!(
        at(r, 2),
        ["a_base:v1.1", "z_base:v1.0", "b_restr:v1.0", "y_restr:v1.2"]
    );
    assert_eq!(
        at(r, 3),
        ["a_base:v1.1", "z_base:v1.3", "b_restr:v1.0", "y_restr:v1.2"]
    );
    assert_eq!(
        at(r, 4),
        [
            "a_base:v1.1",
            "m_base:v1.0",
            "z_base:v1.3",
            "b_restr:v1.0",
            "y_restr:v1.4"
        ]
    );
    assert_eq!(id_versions(&reg, lv(r, Version::Latest)), at(r, 4));
    assert_eq!(at(r, 10), at(r, 4));
}

#[test]
fn emulation_version_lowers_latest() {
    let reg = Registry::new(ALL_CHECKS, Some(Version::V1(30))).unwrap();
    assert_eq!(reg.max_version(), Version::V1(30));
    let r30 = ids(default_registry(), lv(Level::Restricted, Version::V1(30)));
    assert_eq!(ids(&reg, lv(Level::Restricted, Version::Latest)), r30);
    assert_eq!(ids(&reg, lv(Level::Restricted, Version::V1(37))), r30);
    // A newer (or latest) emulation version changes nothing.
    for v in [Version::V1(40), Version::Latest] {
        let reg = Registry::new(ALL_CHECKS, Some(v)).unwrap();
        assert_eq!(reg.max_version(), Version::V1(37));
    }
}
