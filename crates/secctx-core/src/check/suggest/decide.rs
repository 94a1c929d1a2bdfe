//! The suggestion for one namespace from what all its workloads pass: the enforce level and
//! version, the stricter targets to explain, and the labels that set it.
//!
//! * **Enforce**: the strictest level that passes at `latest`. Only when nothing stricter than
//!   privileged passes at `latest`: the strictest level that passes at some older version,
//!   pinned to the newest such version (an old version evaluates fewer or older checks, so the
//!   pin is weaker than the same level at `latest`). Else `privileged:latest`.
//! * **Stricter targets**: the next level up at the same version (`privileged` → `baseline:latest`),
//!   and, for a pinned version, the same level at `latest`. By construction every target fails
//!   for at least one workload.
//! * **Labels**: `enforce` and `enforce-version` always; `audit`/`warn` (level and version, set to
//!   the enforce level and version) only when, with the namespace's current labels and the
//!   defaults, that mode would still flag a workload, or its current label is invalid, so that
//!   `check` passes once the labels are applied.

use std::collections::BTreeMap;

use super::passes::LevelPasses;
use crate::pss::policy::{
    AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL,
    WARN_LEVEL_LABEL, WARN_VERSION_LABEL, policy_to_evaluate,
};
use crate::pss::{Level, LevelVersion, Policy, Version};

/// The enforce level and version suggested, and the stricter targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// What to enforce.
    pub enforce: LevelVersion,
    /// The next level up at the enforce version (`None` for restricted).
    pub next: Option<LevelVersion>,
    /// The enforce level at `latest` when the version is pinned older.
    pub latest: Option<LevelVersion>,
}

impl Decision {
    /// The stricter targets: [`Decision::next`], then [`Decision::latest`].
    pub fn targets(&self) -> impl Iterator<Item = LevelVersion> {
        self.next.into_iter().chain(self.latest)
    }
}

const STRICTEST_FIRST: [Level; 2] = [Level::Restricted, Level::Baseline];

/// Decides from the passes of all the namespace's workloads (see the module docs).
pub fn decide(passes: &LevelPasses) -> Decision {
    let at_latest = STRICTEST_FIRST
        .into_iter()
        .find(|&l| passes.passes(LevelVersion::new(l, Version::Latest)))
        .map(|l| LevelVersion::new(l, Version::Latest));
    let older = || {
        STRICTEST_FIRST
            .into_iter()
            .find_map(|l| Some(LevelVersion::new(l, passes.newest(l)?)))
    };
    let enforce = at_latest
        .or_else(older)
        .unwrap_or(LevelVersion::new(Level::Privileged, Version::Latest));
    let next = match enforce.level {
        Level::Privileged => Some(LevelVersion::new(Level::Baseline, Version::Latest)),
        Level::Baseline => Some(LevelVersion::new(Level::Restricted, enforce.version)),
        Level::Restricted => None,
    };
    let latest =
        (!enforce.version.is_latest()).then_some(LevelVersion::new(enforce.level, Version::Latest));
    Decision {
        enforce,
        next,
        latest,
    }
}

/// The labels to set (in the order enforce, audit, warn; level then version) and the policy
/// the namespace then has, given its `current` labels and the `defaults`.
pub fn labels(
    enforce: LevelVersion,
    current: &BTreeMap<String, String>,
    defaults: &Policy,
    passes: &LevelPasses,
) -> (Vec<(&'static str, String)>, Policy) {
    let mut set: Vec<(&'static str, String)> = vec![
        (ENFORCE_LEVEL_LABEL, enforce.level.to_string()),
        (ENFORCE_VERSION_LABEL, enforce.version.to_string()),
    ];
    let apply = |set: &[(&'static str, String)]| {
        let mut merged = current.clone();
        for (k, v) in set {
            merged.insert((*k).to_owned(), v.clone());
        }
        policy_to_evaluate(&merged, defaults).0
    };
    let invalid = |level_label: &str, version_label: &str| {
        current
            .get(level_label)
            .is_some_and(|v| v.parse::<Level>().is_err())
            || current
                .get(version_label)
                .is_some_and(|v| v.parse::<Version>().is_err())
    };
    // Audit before warn: pinning audit never changes warn's defaulting (it follows enforce).
    for (level_label, version_label, mode) in [
        (AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, Mode::Audit),
        (WARN_LEVEL_LABEL, WARN_VERSION_LABEL, Mode::Warn),
    ] {
        let policy = apply(&set);
        let lv = match mode {
            Mode::Audit => policy.audit,
            Mode::Warn => policy.warn,
        };
        if !passes.passes(lv) || invalid(level_label, version_label) {
            set.push((level_label, enforce.level.to_string()));
            set.push((version_label, enforce.version.to_string()));
        }
    }
    let policy = apply(&set);
    (set, policy)
}

enum Mode {
    Audit,
    Warn,
}

/// `kubectl label --overwrite ns NAME k=v ...`, with the name shell-quoted when it is not a
/// plain word (input names are not trusted to be valid).
pub fn kubectl_label(namespace: &str, labels: &[(&'static str, String)]) -> String {
    let mut s = format!("kubectl label --overwrite ns {}", shell_word(namespace));
    for (k, v) in labels {
        s.push(' ');
        s.push_str(&shell_word(&format!("{k}={v}")));
    }
    s
}

fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/=:".contains(&b));
    if plain {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}
