//! The check registry (PSA `policy/registry.go`): validates a set of checks, then precomputes,
//! for every policy minor version up to the newest one, the ordered list of check functions of
//! the baseline and the restricted level.
//!
//! * The revision of a check valid at version V is the one with the greatest minimum version
//!   `<= V`; a check whose revisions all start after V is absent at V.
//! * Baseline at V = the baseline checks present at V.
//! * Restricted at V = the restricted checks present at V, plus the baseline checks present at V
//!   that no restricted revision active at V overrides.
//! * Order: baseline IDs sorted (byte order), then restricted IDs sorted — the order of the
//!   reasons in PSA's messages.
//! * `latest`, and any version newer than the newest minimum version (v1.37 for
//!   [`ALL_CHECKS`]), evaluate as the newest version. An emulation version older than that
//!   lowers the newest version to it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use super::checks::{ALL_CHECKS, Check, CheckFn};
use super::level::Level;
use super::version::{LevelVersion, Version};

/// One check function active at a (level, version), with what it was selected from.
#[derive(Clone, Copy, Debug)]
pub struct ActiveCheck {
    /// The check ID.
    pub id: &'static str,
    /// The minimum version of the selected revision.
    pub min_version: Version,
    /// The selected implementation.
    pub check: CheckFn,
    /// The check's position in the check set the registry was built from (for [`ALL_CHECKS`],
    /// its bit in [`suspects`](super::fast_path::suspects)).
    pub index: usize,
}

/// Why a set of checks is not a valid registry (messages as PSA `validateChecks`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Two checks share an ID.
    #[error("multiple checks registered for ID {0}")]
    DuplicateId(&'static str),
    /// A check's level is not baseline or restricted.
    #[error("check {id}: invalid level {level}")]
    InvalidLevel {
        /// The check.
        id: &'static str,
        /// Its level.
        level: Level,
    },
    /// A check has no revision.
    #[error("check {0}: empty")]
    Empty(&'static str),
    /// A revision's minimum version is `latest`.
    #[error("check {0}: version cannot be 'latest'")]
    LatestVersion(&'static str),
    /// Two revisions share a minimum version.
    #[error("check {id}: duplicate version {version}")]
    DuplicateVersion {
        /// The check.
        id: &'static str,
        /// The repeated version.
        version: Version,
    },
    /// Minimum versions decrease.
    #[error("check {0}: versions must be strictly increasing")]
    NotIncreasing(&'static str),
    /// A baseline check declares overrides.
    #[error("check {0}: only restricted checks may set overrides")]
    OverrideFromNonRestricted(&'static str),
    /// A restricted check overrides a check that is not a baseline check.
    #[error("check {id}: overrides {level} check {overridden}")]
    OverridesNonBaseline {
        /// The overriding check.
        id: &'static str,
        /// The level of the overridden check.
        level: Level,
        /// The overridden check.
        overridden: &'static str,
    },
}

/// Validated checks inflated into per-(level, minor version) tables.
#[derive(Clone, Debug)]
pub struct Registry {
    /// Newest minor version; newer versions and `latest` clamp to it.
    max_minor: u64,
    /// `baseline[minor]`, in report order.
    baseline: Vec<Vec<ActiveCheck>>,
    /// `restricted[minor]`, in report order (non-overridden baseline checks included).
    restricted: Vec<Vec<ActiveCheck>>,
    /// Whether [`certainly_passes`](super::fast_path::certainly_passes) may short-cut evaluation (only for
    /// [`ALL_CHECKS`], whose semantics it encodes).
    fast_path: bool,
}

/// The registry of [`ALL_CHECKS`] ([`Registry::standard`]), built once.
pub fn default_registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry::standard(None));
    &REGISTRY
}

impl Registry {
    /// The registry of [`ALL_CHECKS`], with the single-pass fast path for compliant pods.
    pub fn standard(emulation_version: Option<Version>) -> Registry {
        let mut r = Registry::new(ALL_CHECKS, emulation_version)
            .expect("ALL_CHECKS is a valid check set (tested)");
        r.fast_path = true;
        r
    }

    /// Whether evaluation short-cuts compliant pods with [`certainly_passes`](super::fast_path::certainly_passes).
    pub fn uses_fast_path(&self) -> bool {
        self.fast_path
    }

    /// Validates `checks` and builds the tables. With `emulation_version` older than the newest
    /// minimum version, the newest version (what `latest` means) is lowered to it.
    pub fn new(
        checks: &[Check],
        emulation_version: Option<Version>,
    ) -> Result<Registry, RegistryError> {
        validate(checks)?;
        let newest = checks
            .iter()
            .filter_map(|c| c.versions.last()?.min_version.minor())
            .max()
            .unwrap_or(0);
        let max_minor = match emulation_version {
            Some(Version::V1(m)) if m < newest => m,
            _ => newest,
        };
        let mut order: Vec<&Check> = checks.iter().collect();
        // Baseline first, then restricted; IDs sorted within each level.
        order.sort_by_key(|c| (c.level != Level::Baseline, c.id));

        let mut baseline = Vec::new();
        let mut restricted = Vec::new();
        for minor in 0..=max_minor {
            let active: Vec<(&Check, ActiveCheck)> = order
                .iter()
                .filter_map(|c| Some((*c, active_at(c, index_of(checks, c), minor)?)))
                .collect();
            let overridden: BTreeSet<&str> = active
                .iter()
                .filter(|(c, _)| c.level == Level::Restricted)
                .flat_map(|(c, a)| revision_overrides(c, a.min_version))
                .collect();
            baseline.push(
                active
                    .iter()
                    .filter(|(c, _)| c.level == Level::Baseline)
                    .map(|(_, a)| *a)
                    .collect(),
            );
            restricted.push(
                active
                    .iter()
                    .filter(|(c, _)| c.level == Level::Restricted || !overridden.contains(c.id))
                    .map(|(_, a)| *a)
                    .collect(),
            );
        }
        Ok(Registry {
            max_minor,
            baseline,
            restricted,
            fast_path: false,
        })
    }

    /// The newest version the registry evaluates (what `latest` means).
    pub fn max_version(&self) -> Version {
        Version::V1(self.max_minor)
    }

    /// The version actually evaluated for `version` (`latest` and newer versions clamp).
    pub fn effective_version(&self, version: Version) -> Version {
        match version {
            Version::V1(m) if m < self.max_minor => Version::V1(m),
            _ => self.max_version(),
        }
    }

    /// The checks evaluated for `lv`, in report order; empty for `privileged`.
    pub fn checks(&self, lv: LevelVersion) -> &[ActiveCheck] {
        let minor = match self.effective_version(lv.version) {
            Version::V1(m) => m,
            Version::Latest => self.max_minor,
        };
        // `minor <= max_minor` and the tables hold `0..=max_minor`.
        let index = usize::try_from(minor).unwrap_or(usize::MAX);
        let table = match lv.level {
            Level::Privileged => return &[],
            Level::Baseline => &self.baseline,
            Level::Restricted => &self.restricted,
        };
        table.get(index).map_or(&[], Vec::as_slice)
    }
}

/// The revision of `check` active at `minor`, if any.
fn active_at(check: &Check, index: usize, minor: u64) -> Option<ActiveCheck> {
    check
        .versions
        .iter()
        .rev()
        .find(|v| v.min_version <= Version::V1(minor))
        .map(|v| ActiveCheck {
            id: check.id,
            min_version: v.min_version,
            check: v.check,
            index,
        })
}

/// The position of `check` in `checks` (IDs are unique once validated).
fn index_of(checks: &[Check], check: &Check) -> usize {
    checks
        .iter()
        .position(|c| c.id == check.id)
        .unwrap_or(usize::MAX)
}

fn revision_overrides(check: &Check, min_version: Version) -> impl Iterator<Item = &'static str> {
    check
        .versions
        .iter()
        .filter(move |v| v.min_version == min_version)
        .flat_map(|v| v.overrides.iter().copied())
}

/// PSA `validateChecks`.
fn validate(checks: &[Check]) -> Result<(), RegistryError> {
    let mut levels: BTreeMap<&str, Level> = BTreeMap::new();
    for check in checks {
        if levels.insert(check.id, check.level).is_some() {
            return Err(RegistryError::DuplicateId(check.id));
        }
        if check.level == Level::Privileged {
            return Err(RegistryError::InvalidLevel {
                id: check.id,
                level: check.level,
            });
        }
        if check.versions.is_empty() {
            return Err(RegistryError::Empty(check.id));
        }
        let mut previous: Option<Version> = None;
        for v in check.versions {
            if v.min_version.is_latest() {
                return Err(RegistryError::LatestVersion(check.id));
            }
            if previous == Some(v.min_version) {
                return Err(RegistryError::DuplicateVersion {
                    id: check.id,
                    version: v.min_version,
                });
            }
            if previous.is_some_and(|p| p > v.min_version) {
                return Err(RegistryError::NotIncreasing(check.id));
            }
            previous = Some(v.min_version);
        }
    }
    for check in checks {
        for v in check.versions.iter().filter(|v| !v.overrides.is_empty()) {
            if check.level != Level::Restricted {
                return Err(RegistryError::OverrideFromNonRestricted(check.id));
            }
            for overridden in v.overrides {
                match levels.get(overridden) {
                    Some(&level) if level != Level::Baseline => {
                        return Err(RegistryError::OverridesNonBaseline {
                            id: check.id,
                            level,
                            overridden,
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
