//! Bar 1 of issue 13, over the wire: every one of the 4537 upstream PSA fixtures
//! (`shared/conformance/pss/<level>/v1.<minor>/<pass|fail>/<name>.yaml`) sent as a Pod CREATE
//! AdmissionReview over HTTPS to a running server, in a namespace labelled
//! `enforce=<level>, enforce-version=v1.<minor>`:
//!
//! * `pass/` pods are allowed;
//! * `fail/` pods are denied with PSA's Status (403, Forbidden, details) whose message is
//!   PSA's full message for that pod (`pods "<name>" is forbidden: violates PodSecurity
//!   "<level>:v1.<minor>": <detail>`, as secctx-core's PSS evaluation builds it and as the
//!   core conformance test checks against upstream), contains upstream's expected substring
//!   for the check, and never `unknown forbidden reason`.
//!
//! And in a namespace labelled only `warn=<level>, warn-version=v1.<minor>`, the same pods are
//! allowed, `fail/` ones with exactly one warning carrying the same text
//! (`would violate PodSecurity "<lv>": <detail>`), `pass/` ones with none.
//!
//! The pod is sent as the API server sends it: defaulted ([`apply_api_defaults`]).

mod support;

use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Pod;
use secctx_core::load::{self, WorkloadKind};
use secctx_core::pss::checks::ALL_CHECKS;
use secctx_core::pss::defaults::{SpecOwner, apply_api_defaults};
use secctx_core::pss::{self, Level, LevelVersion, Version};
use support::{Setup, TestServer, check_rules, namespace, pod_create, snapshot};

const EXPECTED_FILES: usize = 4537;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pss")
}

/// Upstream's expected error substring per check (its `test/fixtures_*.go` `expectErrorSubstring`,
/// default: the check ID).
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

fn fixture_check(stem: &str) -> Option<&'static str> {
    let id = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    ALL_CHECKS
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(id))
        .map(|c| c.id)
}

struct Fixture {
    path: PathBuf,
    level: Level,
    minor: u64,
    pass: bool,
    stem: String,
}

fn fixtures() -> Vec<Fixture> {
    let root = root();
    assert!(
        root.is_dir(),
        "PSS conformance fixtures not found at {} (shared/conformance/pss); this test never skips",
        root.display()
    );
    let mut out = Vec::new();
    let dir = |p: &Path| {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    for level in [Level::Baseline, Level::Restricted] {
        for vdir in dir(&root.join(level.as_str())) {
            let name = vdir.file_name().unwrap().to_string_lossy().into_owned();
            let Ok(Version::V1(minor)) = name.parse::<Version>() else {
                panic!("unexpected directory {}", vdir.display());
            };
            for outcome in ["pass", "fail"] {
                for path in dir(&vdir.join(outcome)) {
                    let stem = path
                        .file_name()
                        .and_then(|f| f.to_str())
                        .and_then(|f| f.strip_suffix(".yaml"))
                        .unwrap_or_else(|| panic!("unexpected file {}", path.display()))
                        .to_owned();
                    out.push(Fixture {
                        path,
                        level,
                        minor,
                        pass: outcome == "pass",
                        stem,
                    });
                }
            }
        }
    }
    out
}

/// The defaulted pod as JSON, and PSA's message for it at `lv` (None: allowed).
fn pod_and_message(f: &Fixture, lv: LevelVersion) -> (serde_json::Value, Option<String>) {
    let text = std::fs::read_to_string(&f.path).unwrap();
    let loaded = load::load_text(&f.path.display().to_string(), &text);
    assert!(
        loaded.errors.is_empty(),
        "{}: {:?}",
        f.path.display(),
        loaded.errors
    );
    let w = loaded
        .workloads()
        .find(|w| w.kind == WorkloadKind::Pod)
        .unwrap_or_else(|| panic!("{}: no Pod", f.path.display()));
    let mut spec = w.spec.clone();
    apply_api_defaults(&mut spec, SpecOwner::Pod);
    let eval = pss::evaluate(lv, &w.pod_meta, &spec);
    let mut json = serde_json::to_value(Pod {
        metadata: w.pod_meta.clone(),
        spec: Some(spec),
        status: None,
    })
    .unwrap();
    json["apiVersion"] = "v1".into();
    json["kind"] = "Pod".into();
    (json, eval.enforce_message())
}

fn ns_name(mode: &str, level: Level, minor: u64) -> String {
    format!("{mode}-{}-v1-{minor}", level.as_str())
}

#[test]
fn all_fixtures_over_https_enforce_and_warn() {
    let all = fixtures();
    assert_eq!(all.len(), EXPECTED_FILES, "fixture count");
    let mut namespaces = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for f in &all {
        if seen.insert((f.level, f.minor)) {
            let (level, version) = (f.level.as_str(), format!("v1.{}", f.minor));
            namespaces.push(namespace(
                &ns_name("enforce", f.level, f.minor),
                &[
                    ("pod-security.kubernetes.io/enforce", level),
                    ("pod-security.kubernetes.io/enforce-version", &version),
                ],
            ));
            namespaces.push(namespace(
                &ns_name("warn", f.level, f.minor),
                &[
                    ("pod-security.kubernetes.io/warn", level),
                    ("pod-security.kubernetes.io/warn-version", &version),
                ],
            ));
        }
    }
    assert_eq!(seen.len(), 76, "76 level/version directories");
    let server = TestServer::start(Setup {
        snapshot: snapshot(namespaces),
        ..Setup::default()
    });
    let mut client = server.client();
    let mut disagreements = Vec::new();
    let (mut allowed, mut denied) = (0, 0);
    for (i, f) in all.iter().enumerate() {
        let lv = LevelVersion::new(f.level, Version::V1(f.minor));
        let (pod, message) = pod_and_message(f, lv);
        let rel = f.path.strip_prefix(root()).unwrap().display().to_string();
        let mut fail = |why: String| disagreements.push(format!("{rel}: {why}"));
        // Enforce.
        let uid = format!("uid-e-{i}");
        let r = client
            .review(
                "/validate",
                &pod_create(&uid, &ns_name("enforce", f.level, f.minor), &f.stem, &pod),
            )
            .expect("response");
        let resp = check_rules("/validate", &uid, &r);
        if resp["auditAnnotations"]["enforce-policy"] != lv.to_string() {
            fail(format!(
                "enforce-policy annotation: {}",
                resp["auditAnnotations"]
            ));
        }
        let detail = match (f.pass, resp["allowed"].as_bool().unwrap(), &message) {
            (true, true, None) => {
                allowed += 1;
                if resp.get("warnings").is_some() {
                    fail(format!("pass fixture warned: {}", resp["warnings"]));
                }
                None
            }
            (false, false, Some(m)) => {
                denied += 1;
                let st = &resp["status"];
                let want = pss::forbidden_message(&f.stem, m);
                if st["message"] != want.as_str() {
                    fail(format!("message {} != {want:?}", st["message"]));
                }
                if st["code"] != 403 || st["reason"] != "Forbidden" {
                    fail(format!("status shape: {st}"));
                }
                if st["details"] != serde_json::json!({"name": f.stem, "kind": "pods"}) {
                    fail(format!("details: {}", st["details"]));
                }
                let check = fixture_check(&f.stem).expect("fail fixture names a check");
                let sub = expected_substring(check);
                let text = st["message"].as_str().unwrap_or("");
                if !text.contains(sub) {
                    fail(format!("message lacks {sub:?}: {text}"));
                }
                if text.contains("unknown forbidden reason") {
                    fail(format!("unknown forbidden reason: {text}"));
                }
                if resp.get("warnings").is_some() {
                    fail("a denial carries warnings".into());
                }
                m.strip_prefix("violates ").map(str::to_owned)
            }
            (pass, got, _) => {
                fail(format!(
                    "expected {} got allowed={got}: {resp}",
                    if pass { "allowed" } else { "denied" }
                ));
                None
            }
        };
        // Warn.
        let uid = format!("uid-w-{i}");
        let r = client
            .review(
                "/validate",
                &pod_create(&uid, &ns_name("warn", f.level, f.minor), &f.stem, &pod),
            )
            .expect("response");
        let resp = check_rules("/validate", &uid, &r);
        if resp["allowed"] != true {
            fail(format!("warn namespace denied: {resp}"));
        }
        let warnings: Vec<String> = resp
            .get("warnings")
            .map(|w| serde_json::from_value(w.clone()).unwrap())
            .unwrap_or_default();
        let want: Vec<String> = detail
            .iter()
            .map(|d| format!("would violate {d}"))
            .collect();
        if warnings != want {
            fail(format!("warnings {warnings:?} != {want:?}"));
        }
    }
    println!(
        "over HTTPS: {allowed} allowed, {denied} denied of {} fixtures; warn namespaces agree",
        all.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} fixtures disagree:\n{}",
        disagreements.len(),
        all.len(),
        disagreements.join("\n")
    );
    assert_eq!(allowed + denied, EXPECTED_FILES);
}
