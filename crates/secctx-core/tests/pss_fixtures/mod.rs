//! The upstream PSA fixtures in `../shared/conformance/pss`: where they are and every YAML file
//! under them, in name order (shared by the admission conformance tests).

use std::path::{Path, PathBuf};

/// The fixture directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pss")
}

/// Every `*.yaml` under `dir`, recursively, in name order; an unreadable directory panics
/// with its name (a missing `../shared` is a failure, never a skip).
pub fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}
