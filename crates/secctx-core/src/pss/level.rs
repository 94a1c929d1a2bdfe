//! Pod Security Standards levels (`privileged` < `baseline` < `restricted`), parsed with the
//! exact rules and messages of PSA `api/helpers.go: ParseLevel`.

use std::fmt;
use std::str::FromStr;

/// A Pod Security Standards level. Ordered by strictness (`CompareLevels`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Unrestricted: evaluates no check.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Heavily restricted, current pod-hardening best practice.
    Restricted,
}

impl Level {
    /// The three levels, least strict first.
    pub const ALL: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

    /// The label/configuration spelling: `privileged`, `baseline` or `restricted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value is not one of the three level names (exact, case-sensitive match).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("must be one of privileged, baseline, restricted")]
pub struct LevelParseError;

impl FromStr for Level {
    type Err = LevelParseError;

    fn from_str(s: &str) -> Result<Level, LevelParseError> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(LevelParseError),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_names_only() {
        for l in Level::ALL {
            assert_eq!(l.as_str().parse::<Level>(), Ok(l));
        }
        for bad in ["", "Restricted", "restricted ", "foo"] {
            let err = bad.parse::<Level>().unwrap_err();
            assert_eq!(
                err.to_string(),
                "must be one of privileged, baseline, restricted"
            );
        }
    }

    #[test]
    fn ordered_by_strictness() {
        assert!(Level::Privileged < Level::Baseline);
        assert!(Level::Baseline < Level::Restricted);
    }
}
