//! Issue 16 bar 5: `check --suggest` over the 4537 upstream PSA conformance fixtures
//! (`shared/conformance/pss`) grouped into namespaces, as a property test over random
//! groupings (fixtures hashed one by one, by directory, or by check and directory into N
//! namespaces; namespace 0 is left
//! unset, so those pods fall in the default namespace as `check` places them).
//!
//! For every grouping, with the suggestion made by [`suggest`]:
//!
//! 1. **Applying the suggested labels makes `check` pass**: Namespace objects carrying exactly
//!    the suggested labels are added to the input, and [`check`] (default options, i.e.
//!    restricted:latest wherever a label does not say) finds no Pod Security violation in any
//!    mode and no invalid Namespace. API validation errors are not a matter of level: the
//!    objects that have them must be exactly those that have them without the labels.
//! 2. **Each stricter target fails, for exactly the reported blockers**: with a namespace's
//!    enforce, audit and warn set to a stricter target instead (the next level up at the same
//!    version; for a version pinned older than `latest`, also the same level at `latest`),
//!    `check` rejects at least one of its pods, and the pods it rejects, with their findings,
//!    are exactly the suggestion's blockers of that target.
//!
//! A fixed grouping (one namespace per check and fixture directory) must reach every kind of suggestion:
//! restricted:latest, baseline:latest, a version pinned older than latest, and privileged.
//!
//! A missing fixture tree is a failure, never a skip.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use proptest::prelude::*;
use secctx_core::check::suggest::{SuggestReport, suggest};
use secctx_core::check::{CheckOptions, ObjectResult, ViolationFinding, check};
use secctx_core::load::{self, Loaded, Object, Workload};
use secctx_core::pss::{Level, LevelVersion, Version};
use secctx_core::yaml::Pos;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/pss"
);
const EXPECTED_FILES: usize = 4537;

/// A fixture pod, its directory (`restricted/v1.30/pass`) and its check (the file stem
/// without trailing digits, `runasnonroot`).
struct Fixture {
    dir: String,
    check: String,
    workload: Workload,
}

impl Fixture {
    /// The grouping key: 0 the file, 1 the directory, 2 the directory and the check.
    fn key(&self, by: u8) -> String {
        match by {
            0 => self.workload.origin.file.to_string(),
            1 => self.dir.clone(),
            _ => format!("{}/{}", self.dir, self.check),
        }
    }
}

static ALL: LazyLock<Vec<Fixture>> = LazyLock::new(|| {
    let root = Path::new(FIXTURES);
    assert!(
        root.is_dir(),
        "PSS conformance fixtures not found at {} (they are part of the shared tree, \
         shared/conformance/pss); this test never skips",
        root.display()
    );
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let rel = path.strip_prefix(root).unwrap();
        let loaded = load::load_text(&rel.display().to_string(), &text);
        assert!(
            loaded.errors.is_empty(),
            "{}: {:?}",
            rel.display(),
            loaded.errors
        );
        let mut ws = loaded.workloads();
        let w = ws.next().expect("one pod").clone();
        assert!(ws.next().is_none(), "{}: one pod", rel.display());
        let stem = rel.file_stem().unwrap().to_string_lossy();
        out.push(Fixture {
            dir: rel.parent().unwrap().display().to_string(),
            check: stem
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_owned(),
            workload: w,
        });
    }
    assert_eq!(out.len(), EXPECTED_FILES, "fixture count");
    out
});

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read fixture dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// The fixtures with `namespace(i)` as their namespace (`None`: left unset).
fn grouped(namespace: impl Fn(usize, &Fixture) -> Option<String>) -> Loaded {
    let mut loaded = Loaded::default();
    for (i, f) in ALL.iter().enumerate() {
        let mut w = f.workload.clone();
        w.meta.namespace = namespace(i, f);
        w.pod_meta.namespace = w.meta.namespace.clone();
        loaded.objects.push(Object::Workload(Box::new(w)));
    }
    loaded
}

/// `loaded` with Namespace objects carrying `labels` in front.
fn with_namespaces(loaded: &Loaded, labels: &BTreeMap<String, Vec<(String, String)>>) -> Loaded {
    let mut text = String::new();
    for (name, ls) in labels {
        text.push_str(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name:?}\n  labels:\n"
        ));
        for (k, v) in ls {
            text.push_str(&format!("    {k:?}: {v:?}\n"));
        }
        text.push_str("---\n");
    }
    let mut out = load::load_text("namespaces.yaml", &text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.objects.extend(loaded.objects.iter().cloned());
    out
}

/// An object by where it starts.
type Key = (Arc<str>, Pos);

/// Per namespace, the rejected objects and their findings.
type Rejections = BTreeMap<String, BTreeMap<Key, Vec<ViolationFinding>>>;

fn key(o: &ObjectResult) -> Key {
    (o.file.clone(), o.pos)
}

fn mode_labels(lv: LevelVersion) -> Vec<(String, String)> {
    ["enforce", "audit", "warn"]
        .iter()
        .flat_map(|m| {
            [
                (
                    format!("pod-security.kubernetes.io/{m}"),
                    lv.level.to_string(),
                ),
                (
                    format!("pod-security.kubernetes.io/{m}-version"),
                    lv.version.to_string(),
                ),
            ]
        })
        .collect()
}

/// How many namespaces got each kind of suggestion.
#[derive(Debug, Default)]
struct Tally {
    restricted_latest: usize,
    baseline_latest: usize,
    pinned: usize,
    privileged: usize,
    targets: usize,
}

/// Runs suggest on `loaded` and checks both properties; returns what was suggested.
fn verify(loaded: &Loaded) -> Result<Tally, TestCaseError> {
    let opts = CheckOptions::default();
    let report: SuggestReport = suggest(loaded, &opts);
    let mut tally = Tally::default();
    for n in &report.namespaces {
        let e = n.decision.enforce;
        match (e.level, e.version) {
            (Level::Privileged, _) => tally.privileged += 1,
            (_, v) if !v.is_latest() => tally.pinned += 1,
            (Level::Restricted, _) => tally.restricted_latest += 1,
            (Level::Baseline, _) => tally.baseline_latest += 1,
        }
    }

    // API validation errors, without any label.
    let invalid_before: BTreeSet<_> = check(loaded, &opts)
        .objects
        .iter()
        .filter(|o| !o.validation.is_empty())
        .map(key)
        .collect();

    // 1. The suggested labels make check pass.
    let suggested: BTreeMap<String, Vec<(String, String)>> = report
        .namespaces
        .iter()
        .map(|n| {
            let ls = n.labels.iter().map(|(k, v)| ((*k).to_owned(), v.clone()));
            (n.namespace.clone(), ls.collect())
        })
        .collect();
    let after = check(&with_namespaces(loaded, &suggested), &opts);
    let mut invalid_after = BTreeSet::new();
    for o in &after.objects {
        prop_assert!(
            o.violations.is_empty(),
            "{} {} in namespace {} fails {:?} after the suggested labels ({}): {:?}",
            o.kind,
            o.file,
            o.namespace,
            o.mode,
            report
                .get(&o.namespace)
                .map(|n| n.command())
                .unwrap_or_default(),
            o.message
        );
        prop_assert!(
            o.kind != "Namespace",
            "invalid Namespace {}: {:?}",
            o.name,
            o.validation_message
        );
        if !o.validation.is_empty() {
            invalid_after.insert(key(o));
        }
    }
    prop_assert_eq!(&invalid_after, &invalid_before);

    // 2. Every stricter target fails, for exactly its blockers.
    for k in 0..2 {
        let mut labels = suggested.clone();
        let mut expected = Rejections::new();
        for n in &report.namespaces {
            let Some(s) = n.stricter.get(k) else { continue };
            tally.targets += 1;
            prop_assert!(
                !s.blockers.is_empty(),
                "{}: nothing blocks {}",
                n.namespace,
                s.target
            );
            labels.insert(n.namespace.clone(), mode_labels(s.target));
            expected.insert(
                n.namespace.clone(),
                s.blockers
                    .iter()
                    .map(|b| ((b.file.clone(), b.pos), b.violations.clone()))
                    .collect(),
            );
        }
        let r = check(&with_namespaces(loaded, &labels), &opts);
        let mut rejected = Rejections::new();
        for o in &r.objects {
            if expected.contains_key(&o.namespace) {
                if !o.violations.is_empty() {
                    prop_assert!(!o.allowed, "{} {}: violations but admitted", o.kind, o.file);
                    rejected
                        .entry(o.namespace.clone())
                        .or_default()
                        .insert(key(o), o.violations.clone());
                }
            } else {
                prop_assert!(o.violations.is_empty(), "{}: {:?}", o.file, o.message);
            }
        }
        for (ns, want) in &expected {
            let got = rejected.remove(ns).unwrap_or_default();
            prop_assert!(
                got == *want,
                "namespace {ns}: check at the stricter target rejects {:?}, suggest reported {:?}",
                got.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>()
            );
        }
    }
    Ok(tally)
}

fn hash(seed: u64, s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (seed, s).hash(&mut h);
    h.finish()
}

fn namespace_of(index: u64) -> Option<String> {
    (index != 0).then(|| format!("ns-{index}"))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(6),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random groupings: each fixture, each fixture directory, or each check's fixtures in a
    /// directory, hashed into `n` namespaces.
    #[test]
    fn suggested_labels_pass_and_stricter_targets_fail(
        n in 1u64..=2000,
        seed in any::<u64>(),
        by in 0u8..3,
    ) {
        let loaded = grouped(|_, f| namespace_of(hash(seed, &f.key(by)) % n));
        let tally = verify(&loaded)?;
        println!("n={n} by={by}: {tally:?}");
    }
}

/// One namespace per check and fixture directory: every kind of suggestion occurs.
#[test]
fn one_namespace_per_check_and_directory_reaches_every_kind_of_suggestion() {
    let loaded = grouped(|_, f| Some(f.key(2).replace(['/', '.', '_'], "-")));
    let tally = verify(&loaded).unwrap_or_else(|e| panic!("{e}"));
    println!("{tally:?}");
    assert!(tally.restricted_latest > 0, "{tally:?}");
    assert!(tally.baseline_latest > 0, "{tally:?}");
    assert!(tally.pinned > 0, "{tally:?}");
    assert!(tally.privileged > 0, "{tally:?}");
}

/// Each fixture alone in its namespace: what suggest says it passes agrees with upstream's
/// verdict for its directory (a `pass/` pod passes its level and version, a `fail/` pod fails
/// them), and the suggested level and version pass.
#[test]
fn one_namespace_per_fixture_agrees_with_the_fixture_verdicts() {
    let loaded = grouped(|i, _| Some(format!("f{i}")));
    let report = suggest(&loaded, &CheckOptions::default());
    assert_eq!(report.namespaces.len(), EXPECTED_FILES);
    for (i, f) in ALL.iter().enumerate() {
        let n = report.get(&format!("f{i}")).expect("namespace");
        let mut parts = f.dir.split('/');
        let level: Level = parts.next().unwrap().parse().unwrap();
        let version: Version = parts.next().unwrap().parse().unwrap();
        let pass = parts.next() == Some("pass");
        let lv = LevelVersion::new(level, version);
        let file = &f.workload.origin.file;
        assert_eq!(n.passes.passes(lv), pass, "{file} at {lv}");
        assert!(n.passes.passes(n.decision.enforce), "{file}");
    }
}
