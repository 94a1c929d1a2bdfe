//! Which levels and versions a workload passes: one bit per policy minor version, for baseline
//! and for restricted (privileged passes everything).

use std::sync::LazyLock;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::pss::{Level, LevelVersion, Registry, Version, default_registry};

/// The `(level, version)` pairs passed, as bit sets over the minors `v1.0..=v1.<max>` of the
/// standard registry; `latest` (and any newer version) evaluates as the newest minor.
///
/// [`LevelPasses::all`] is the identity of [`LevelPasses::intersect`]: the passes of a set of
/// workloads are the intersection of theirs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelPasses {
    baseline: u64,
    restricted: u64,
}

/// The newest minor of the standard registry (what `latest` means).
fn max_minor() -> u64 {
    default_registry().max_version().minor().unwrap_or(0)
}

/// Bits `0..=max_minor`.
fn full_mask() -> u64 {
    let m = max_minor();
    assert!(
        m < 64,
        "policy minor versions beyond v1.63 need a wider bit set"
    );
    if m == 63 {
        u64::MAX
    } else {
        (1 << (m + 1)) - 1
    }
}

/// Minors of one level whose check tables are identical (same revisions, same order).
#[derive(Clone, Copy, Debug)]
struct Group {
    level: Level,
    /// The minor evaluated for the whole group.
    first: u64,
    /// Bit `m` set for every minor `m` of the group.
    mask: u64,
}

/// For each level, the minors grouped by identical check tables: one evaluation per group
/// tells the result for every minor of the group.
static GROUPS: LazyLock<Vec<Group>> = LazyLock::new(|| groups(default_registry()));

fn groups(registry: &Registry) -> Vec<Group> {
    let mut out = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        let mut tables: Vec<Vec<(&str, Version)>> = Vec::new();
        let mut level_groups: Vec<Group> = Vec::new();
        for minor in 0..=max_minor() {
            let table: Vec<(&str, Version)> = registry
                .checks(LevelVersion::new(level, Version::V1(minor)))
                .iter()
                .map(|c| (c.id, c.min_version))
                .collect();
            match tables.iter().position(|t| *t == table) {
                Some(i) => level_groups[i].mask |= 1 << minor,
                None => {
                    tables.push(table);
                    level_groups.push(Group {
                        level,
                        first: minor,
                        mask: 1 << minor,
                    });
                }
            }
        }
        out.extend(level_groups);
    }
    out
}

impl LevelPasses {
    /// Every level at every version (what an empty set of workloads passes).
    pub fn all() -> LevelPasses {
        LevelPasses {
            baseline: full_mask(),
            restricted: full_mask(),
        }
    }

    /// Only privileged.
    pub fn none() -> LevelPasses {
        LevelPasses {
            baseline: 0,
            restricted: 0,
        }
    }

    /// Evaluates an (API-defaulted) pod at every level and version.
    pub fn of_pod(meta: &ObjectMeta, spec: &PodSpec) -> LevelPasses {
        let mut p = LevelPasses::none();
        for g in GROUPS.iter() {
            let lv = LevelVersion::new(g.level, Version::V1(g.first));
            if crate::pss::evaluate(lv, meta, spec).is_allowed() {
                p.add(g.level, g.mask);
            }
        }
        p
    }

    fn bits(&self, level: Level) -> u64 {
        match level {
            Level::Privileged => full_mask(),
            Level::Baseline => self.baseline,
            Level::Restricted => self.restricted,
        }
    }

    /// Marks the minors of `mask` as passed at `level` (privileged passes everything already).
    fn add(&mut self, level: Level, mask: u64) {
        match level {
            Level::Privileged => {}
            Level::Baseline => self.baseline |= mask,
            Level::Restricted => self.restricted |= mask,
        }
    }

    /// Keeps what both pass.
    pub fn intersect(&mut self, other: &LevelPasses) {
        self.baseline &= other.baseline;
        self.restricted &= other.restricted;
    }

    /// Whether `lv` passes (privileged always does; versions newer than the newest minor
    /// evaluate as it, as PSA clamps them).
    pub fn passes(&self, lv: LevelVersion) -> bool {
        let minor = default_registry()
            .effective_version(lv.version)
            .minor()
            .unwrap_or_else(max_minor);
        self.bits(lv.level) & (1 << minor) != 0
    }

    /// The newest version `level` passes at: `latest` when it passes at the newest minor,
    /// else the greatest `v1.N`; `None` when it passes at no version.
    pub fn newest(&self, level: Level) -> Option<Version> {
        let bits = self.bits(level);
        if bits == 0 {
            return None;
        }
        if bits & (1 << max_minor()) != 0 {
            return Some(Version::Latest);
        }
        Some(Version::V1(u64::from(63 - bits.leading_zeros())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_every_minor_once_per_level() {
        for level in [Level::Baseline, Level::Restricted] {
            let masks: Vec<u64> = GROUPS
                .iter()
                .filter(|g| g.level == level)
                .map(|g| g.mask)
                .collect();
            assert_eq!(masks.iter().fold(0, |a, m| a | m), full_mask());
            assert_eq!(masks.iter().map(|m| m.count_ones()).sum::<u32>(), {
                u32::try_from(max_minor() + 1).unwrap()
            });
        }
        // Fewer evaluations than (level, minor) pairs: tables repeat across versions.
        assert!(GROUPS.len() < 2 * usize::try_from(max_minor() + 1).unwrap());
    }

    #[test]
    fn newest_prefers_latest_then_the_greatest_minor() {
        let mut p = LevelPasses::all();
        assert_eq!(p.newest(Level::Restricted), Some(Version::Latest));
        p.restricted = 0b1011;
        assert_eq!(p.newest(Level::Restricted), Some(Version::V1(3)));
        assert!(p.passes(LevelVersion::new(Level::Restricted, Version::V1(1))));
        assert!(!p.passes(LevelVersion::new(Level::Restricted, Version::V1(2))));
        assert!(!p.passes(LevelVersion::new(Level::Restricted, Version::Latest)));
        assert!(p.passes(LevelVersion::new(Level::Privileged, Version::V1(2))));
        p.restricted = 0;
        assert_eq!(p.newest(Level::Restricted), None);
        assert_eq!(p.newest(Level::Privileged), Some(Version::Latest));
    }
}
