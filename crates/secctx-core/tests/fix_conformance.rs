//! Bar 1 of `secctx fix`, in the engine: every upstream PSA fixture (and every example pod),
//! fixed at its directory's level and version with every opt-in and no image data, then
//! judged again by `check` (API validation and Pod Security) on the file's text as the
//! lossless editor rewrites it.
//!
//! * A workload with no remaining finding must pass `check` at that level and version.
//! * Every remaining finding must be reported by a not-fixable remedy of the same check,
//!   with a reason: with every opt-in nothing is left waiting for a choice.
//!
//! * Fixing the fixed text again edits nothing (bar 4, idempotence).
//!
//! The counts per level (fixed fully, fixed partly, unchanged, already passing) are printed
//! (`cargo nextest run -p secctx-core -E 'binary(fix_conformance)' --no-capture`).

mod pss_fixtures;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pss_fixtures::{files, root};
use secctx_core::check::{CheckOptions, check};
use secctx_core::edit;
use secctx_core::fix::{AllowSet, Class, FixOptions, Status, fix_workload};
use secctx_core::load::load_text;
use secctx_core::pss::{LevelVersion, default_registry};

#[derive(Default, Debug)]
struct Counts {
    passing: usize,
    fixed: usize,
    partly: usize,
    unchanged: usize,
}

/// Fixes one file at `lv`; returns the statuses, or the failures of the bar.
fn fix_file(
    path: &Path,
    lv: LevelVersion,
    left: &mut BTreeMap<&'static str, usize>,
) -> Result<Vec<Status>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let name = path.display().to_string();
    let loaded = load_text(&name, &text);
    if !loaded.errors.is_empty() {
        return Err(format!("{name}: does not load: {:?}", loaded.errors));
    }
    let no_images = |_: &str| None;
    let opts = FixOptions {
        level: lv,
        allow: AllowSet::all(),
        images: &no_images,
        registry: default_registry(),
    };
    let mut edits = Vec::new();
    let mut statuses = Vec::new();
    let mut fully = Vec::new();
    for w in loaded.workloads() {
        let f = fix_workload(w, &opts);
        for r in &f.remaining {
            *left.entry(r.check).or_default() += 1;
            let reported = f.remedies.iter().any(|p| {
                p.remedy.check == r.check
                    && matches!(&p.remedy.class, Class::NotFixable { reason } if !reason.is_empty())
            });
            if !reported {
                return Err(format!(
                    "{name}: {} remains ({}) without a not-fixable remedy: {:#?}",
                    r.check, r.message, f.remedies
                ));
            }
        }
        edits.extend(f.edits.iter().cloned());
        if f.status == Status::Fixed {
            fully.push(w.name().to_owned());
        }
        statuses.push(f.status);
    }
    // The file's own bytes, edited losslessly, as `secctx fix --write` writes them.
    let fixed_text = edit::apply(&text, &edits)
        .map_err(|e| format!("{name}: the edits do not apply: {e}"))?
        .text;
    let reloaded = load_text(&name, &fixed_text);
    if !reloaded.errors.is_empty() {
        return Err(format!(
            "{name}: the fixed text does not load: {:?}",
            reloaded.errors
        ));
    }
    // Validation errors the file had before (fixture names with `_`) are not fix's to mend;
    // a new one would be.
    let before: Vec<String> = check(&loaded, &CheckOptions::at(lv))
        .objects
        .iter()
        .flat_map(|o| o.validation.iter().map(|v| v.message.clone()))
        .collect();
    // Bar 4: fix on its own output changes nothing.
    for w in reloaded.workloads() {
        let again = fix_workload(w, &opts);
        if !again.edits.is_empty() {
            return Err(format!(
                "{name}: a second fix still edits: {:?}",
                again.edits
            ));
        }
    }
    let report = check(&reloaded, &CheckOptions::at(lv));
    for o in &report.objects {
        let new_invalid = o.validation.iter().any(|v| !before.contains(&v.message));
        if new_invalid || (fully.contains(&o.name) && !o.violations.is_empty()) {
            return Err(format!(
                "{name}: {} was fixed fully but check still finds {:?} {:?}\n{fixed_text}",
                o.name, o.violations, o.validation
            ));
        }
    }
    Ok(statuses)
}

fn tally(c: &mut Counts, statuses: Vec<Status>) {
    for s in statuses {
        match s {
            Status::Passing => c.passing += 1,
            Status::Fixed => c.fixed += 1,
            Status::Partly => c.partly += 1,
            Status::Unchanged => c.unchanged += 1,
        }
    }
}

#[test]
fn every_fixture_passes_check_after_fix_or_is_reported_not_fixable() {
    let dir = root();
    assert!(
        dir.is_dir(),
        "PSS conformance fixtures not found at {} (shared/conformance/pss); this test never skips",
        dir.display()
    );
    let mut paths: Vec<PathBuf> = Vec::new();
    files(&dir, &mut paths);
    assert_eq!(paths.len(), 4537, "the fixture count changed");
    let mut per_level: BTreeMap<String, Counts> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut left = BTreeMap::new();
    for p in &paths {
        let rel = p.strip_prefix(&dir).unwrap();
        let mut parts = rel.iter().map(|s| s.to_str().unwrap());
        let (level, version) = (parts.next().unwrap(), parts.next().unwrap());
        let lv: LevelVersion = format!("{level}:{version}").parse().unwrap();
        match fix_file(p, lv, &mut left) {
            Ok(s) => tally(per_level.entry(level.to_owned()).or_default(), s),
            Err(e) => failures.push(e),
        }
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples/pods");
    let mut example_paths = Vec::new();
    files(&examples, &mut example_paths);
    assert!(
        !example_paths.is_empty(),
        "no example pods at {}",
        examples.display()
    );
    for p in &example_paths {
        for level in ["baseline", "restricted"] {
            let lv: LevelVersion = format!("{level}:latest").parse().unwrap();
            match fix_file(p, lv, &mut left) {
                Ok(s) => tally(
                    per_level.entry(format!("examples at {level}")).or_default(),
                    s,
                ),
                Err(e) => failures.push(e),
            }
        }
    }
    for (level, c) in &per_level {
        println!(
            "{level}: fixed fully {}, fixed partly {}, unchanged {}, already passing {}",
            c.fixed, c.partly, c.unchanged, c.passing
        );
    }
    println!("findings left (not fixable), by check: {left:?}");
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for f in &failures {
        let file = f.split(':').next().unwrap_or("");
        let base = file
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".yaml");
        let level = file
            .split("/pss/")
            .nth(1)
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("");
        *kinds
            .entry(format!(
                "{level} {}",
                base.trim_end_matches(|c: char| c.is_ascii_digit())
            ))
            .or_default() += 1;
    }
    println!("failing files by fixture family: {kinds:?}");
    assert!(
        failures.is_empty(),
        "{} of {} files fail the bar:\n{}",
        failures.len(),
        paths.len() + example_paths.len() * 2,
        failures
            .iter()
            .take(4)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
