//! Conformance with upstream Pod Security Admission: all 4537 fixtures of
//! `kubernetes/pod-security-admission` `test/testdata` (copied to
//! `shared/conformance/pss/<level>/v1.<minor>/<pass|fail>/<name>.yaml`), judged as upstream's
//! harness (`test/run.go`) judges a Pod create in a namespace labelled
//! `enforce=<level>, enforce-version=v1.<minor>`:
//!
//! * a `pass/` pod must be admitted: no violation at all (upstream creates it and fails on any
//!   error);
//! * a `fail/` pod must be rejected with a message containing the check's expected substring,
//!   and never `unknown forbidden reason`.
//!
//! Pods are judged after the API server's defaulting ([`pss::defaults`]), as admission sees
//! them. Every disagreement is printed; a missing fixture directory is a failure, never a skip.
//!
//! Fixtures are read with the project's loader ([`secctx_core::load`], YAML 1.1 as kubectl
//! reads it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::load::{self, WorkloadKind};
use secctx_core::pss::defaults::{SpecOwner, apply_api_defaults};
use secctx_core::pss::{self, Level, LevelVersion, Version, checks::ALL_CHECKS};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/pss"
);
const EXPECTED_FILES: usize = 4537;

/// Upstream's expected error substring per check (default: the check ID).
fn expected_substring(check_id: &str) -> &str {
    match check_id {
        "appArmorProfile" => "forbidden AppArmor profile",
        "capabilities_baseline" => "capabilities",
        "capabilities_restricted" => "unrestricted capabilities",
        "hostNamespaces" => "host namespaces",
        "hostPathVolumes" => "hostPath",
        "hostPorts" => "hostPort",
        "hostProbesAndHostLifecycle" => "probe or lifecycle host",
        "procMount" | "procMount_restricted" => "procMount",
        "restrictedVolumes" => "restricted volume types",
        "seLinuxOptions" => "seLinuxOptions",
        "seccompProfile_baseline" | "seccompProfile_restricted" => "seccompProfile",
        "sysctls" => "forbidden sysctl",
        "windowsHostProcess" => "hostProcess",
        other => other,
    }
}

/// The check a fixture exercises: its stem without trailing digits, matched case-insensitively
/// against the check IDs; `None` for the minimal pods (`base`, `base_linux`, `base_windows`).
fn fixture_check(stem: &str) -> Result<Option<&'static str>, String> {
    let id = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    if id.starts_with("base") {
        return Ok(None);
    }
    ALL_CHECKS
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(id))
        .map(|c| Some(c.id))
        .ok_or_else(|| format!("no check matches fixture name {stem:?}"))
}

struct Fixture {
    path: PathBuf,
    level: Level,
    minor: u64,
    pass: bool,
    stem: String,
}

fn fixtures(root: &Path) -> Result<Vec<Fixture>, String> {
    let read = |p: &Path| std::fs::read_dir(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut out = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        for version_dir in read(&root.join(level.as_str()))? {
            let version_dir = version_dir.map_err(|e| e.to_string())?.path();
            let name = version_dir
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let minor = match name.parse::<Version>() {
                Ok(Version::V1(m)) => m,
                _ => return Err(format!("unexpected directory {}", version_dir.display())),
            };
            for outcome in ["pass", "fail"] {
                for file in read(&version_dir.join(outcome))? {
                    let path = file.map_err(|e| e.to_string())?.path();
                    let Some(stem) = path
                        .file_name()
                        .and_then(|f| f.to_str())
                        .and_then(|f| f.strip_suffix(".yaml"))
                    else {
                        return Err(format!("unexpected file {}", path.display()));
                    };
                    out.push(Fixture {
                        stem: stem.to_owned(),
                        path,
                        level,
                        minor,
                        pass: outcome == "pass",
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The fixture's pod (metadata, spec), read with the project's loader.
fn load(path: &Path) -> Result<(ObjectMeta, PodSpec), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let loaded = load::load_text(&path.display().to_string(), &text);
    if let Some(e) = loaded.errors.first() {
        return Err(e.to_string());
    }
    let mut workloads = loaded.workloads();
    match (workloads.next(), workloads.next()) {
        (Some(w), None) if w.kind == WorkloadKind::Pod => Ok((w.pod_meta.clone(), w.spec.clone())),
        _ => Err("expected exactly one Pod".to_owned()),
    }
}

/// `Ok(())` when our verdict agrees with upstream's, else what went wrong.
fn judge(f: &Fixture) -> Result<(), String> {
    let check = fixture_check(&f.stem)?;
    let (meta, mut spec) = load(&f.path)?;
    let name = meta.name.clone().unwrap_or_default();
    if name != f.stem {
        return Err(format!("metadata.name {name:?} differs from the file name"));
    }
    apply_api_defaults(&mut spec, SpecOwner::Pod);
    let lv = LevelVersion::new(f.level, Version::V1(f.minor));
    let eval = pss::evaluate(lv, &meta, &spec);
    let message = eval
        .enforce_message()
        .map(|m| pss::forbidden_message(&name, &m));
    match (f.pass, message) {
        (true, None) => Ok(()),
        (true, Some(m)) => Err(format!("pass fixture rejected: {m}")),
        (false, None) => Err("fail fixture admitted".to_owned()),
        (false, Some(m)) => {
            let want = expected_substring(check.ok_or("fail fixture without a check")?);
            if m.contains("unknown forbidden reason") {
                Err(format!("unknown forbidden reason: {m}"))
            } else if !m.contains(want) {
                Err(format!("message lacks {want:?}: {m}"))
            } else {
                Ok(())
            }
        }
    }
}

#[test]
fn pss_conformance_fixtures_agree_with_upstream() {
    let root = Path::new(FIXTURES);
    if !root.is_dir() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        panic!(
            "PSS conformance fixtures not found at {} (CI={ci}); they are part of the shared \
             tree (shared/conformance/pss) and this test never skips",
            root.display()
        );
    }
    let all = fixtures(root).unwrap_or_else(|e| panic!("reading fixtures: {e}"));
    let mut disagreements = Vec::new();
    let mut per_dir: BTreeMap<(Level, u64), usize> = BTreeMap::new();
    for f in &all {
        *per_dir.entry((f.level, f.minor)).or_default() += 1;
        if let Err(why) = judge(f) {
            let rel = f.path.strip_prefix(root).unwrap_or(&f.path);
            disagreements.push(format!("{}: {why}", rel.display()));
        }
    }
    let agree = all.len() - disagreements.len();
    println!("PSS conformance: {agree}/{} fixtures agree", all.len());
    assert!(
        disagreements.is_empty(),
        "{} of {} fixtures disagree:\n{}",
        disagreements.len(),
        all.len(),
        disagreements.join("\n")
    );
    assert_eq!(all.len(), EXPECTED_FILES, "fixture count");
    assert_eq!(per_dir.len(), 76, "76 level/version directories");
}

/// The standard registry short-cuts compliant pods ([`pss::fast_path`]); on every fixture, at
/// every level and version, it must agree with a registry of the same checks without it.
#[test]
fn pss_fast_path_agrees_on_all_fixtures() {
    let root = Path::new(FIXTURES);
    assert!(
        root.is_dir(),
        "PSS conformance fixtures not found at {}",
        root.display()
    );
    let slow = pss::Registry::new(ALL_CHECKS, None).expect("valid checks");
    let fast = pss::default_registry();
    let mut accepted = 0;
    for f in fixtures(root).expect("fixtures") {
        let (meta, mut spec) = load(&f.path).expect("fixture loads");
        apply_api_defaults(&mut spec, SpecOwner::Pod);
        let quick = pss::fast_path::certainly_passes(&meta, &spec);
        accepted += usize::from(quick);
        for level in [Level::Baseline, Level::Restricted] {
            for minor in 0..=38 {
                let lv = LevelVersion::new(level, Version::V1(minor));
                let want = slow.evaluate(lv, &meta, &spec);
                assert!(
                    !quick || want.is_allowed(),
                    "{}: accepted but {lv} fails",
                    f.path.display()
                );
                assert_eq!(
                    fast.evaluate(lv, &meta, &spec),
                    want,
                    "{} at {lv}",
                    f.path.display()
                );
            }
        }
    }
    assert!(accepted > 0);
}

#[test]
fn fixture_names_map_to_checks() {
    assert_eq!(fixture_check("runasnonroot2"), Ok(Some("runAsNonRoot")));
    assert_eq!(
        fixture_check("capabilities_baseline0"),
        Ok(Some("capabilities_baseline"))
    );
    assert_eq!(
        fixture_check("procmount_restricted1"),
        Ok(Some("procMount_restricted"))
    );
    assert_eq!(fixture_check("base_windows"), Ok(None));
    assert!(fixture_check("nosuchcheck0").is_err());
}
