//! Policy versions (`latest` | `v1.N`) and [`LevelVersion`], parsed and printed exactly as PSA
//! `api/helpers.go` (`ParseVersion`, `Version.String`, `LevelVersion.String`).

use std::fmt;
use std::str::FromStr;

use super::level::{Level, LevelParseError};

/// A policy version. `Latest` is newer than every `v1.N`, even future ones.
///
/// Only major version 1 exists (PSA's parser accepts nothing else), so a version is its minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `v1.N`.
    V1(u64),
    /// `latest`: the newest version the evaluator knows.
    Latest,
}

impl Version {
    /// `v1.minor`.
    pub const fn v1(minor: u64) -> Version {
        Version::V1(minor)
    }

    /// Whether this is `latest`.
    pub const fn is_latest(self) -> bool {
        matches!(self, Version::Latest)
    }

    /// The minor number, or `None` for `latest`.
    pub const fn minor(self) -> Option<u64> {
        match self {
            Version::V1(m) => Some(m),
            Version::Latest => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::V1(minor) => write!(f, "v1.{minor}"),
            Version::Latest => f.write_str("latest"),
        }
    }
}

/// The value is neither `latest` nor `v1.N` (`^v1\.([0-9]|[1-9][0-9]*)$`, N fitting Go's `int`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("must be \"latest\" or \"v1.x\"")]
pub struct VersionParseError;

impl FromStr for Version {
    type Err = VersionParseError;

    fn from_str(s: &str) -> Result<Version, VersionParseError> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let digits = s.strip_prefix("v1.").ok_or(VersionParseError)?;
        let well_formed = match digits.as_bytes() {
            [] => false,
            [b'0'] => true,
            [b'0', ..] => false, // `v1.01`: leading zero
            bytes => bytes.iter().all(u8::is_ascii_digit),
        };
        if !well_formed {
            return Err(VersionParseError);
        }
        // Go's strconv.Atoi fails beyond int64.
        match digits.parse::<i64>() {
            Ok(n) => Ok(Version::V1(n.unsigned_abs())),
            Err(_) => Err(VersionParseError),
        }
    }
}

/// A level at a version, printed `<level>:<version>` (`restricted:latest`, `baseline:v1.30`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl LevelVersion {
    /// A level at a version.
    pub const fn new(level: Level, version: Version) -> LevelVersion {
        LevelVersion { level, version }
    }

    /// PSA `Equivalent`: both privileged (any version), or same level and version.
    pub fn equivalent(&self, other: &LevelVersion) -> bool {
        (self.level == Level::Privileged && other.level == Level::Privileged) || self == other
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// Why a `<level>:<version>` string did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LevelVersionParseError {
    /// There is no `:` separating level and version.
    #[error("must be <level>:<version>")]
    MissingSeparator,
    /// The level part is invalid.
    #[error(transparent)]
    Level(#[from] LevelParseError),
    /// The version part is invalid.
    #[error(transparent)]
    Version(#[from] VersionParseError),
}

impl FromStr for LevelVersion {
    type Err = LevelVersionParseError;

    /// Parses the `Display` form, `restricted:latest` or `baseline:v1.30`.
    fn from_str(s: &str) -> Result<LevelVersion, LevelVersionParseError> {
        let (level, version) = s
            .split_once(':')
            .ok_or(LevelVersionParseError::MissingSeparator)?;
        Ok(LevelVersion::new(level.parse()?, version.parse()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_psa() {
        let ok = [
            ("latest", Version::Latest),
            ("v1.0", Version::V1(0)),
            ("v1.9", Version::V1(9)),
            ("v1.37", Version::V1(37)),
            ("v1.1000", Version::V1(1000)),
            ("v1.9223372036854775807", Version::V1(i64::MAX as u64)),
        ];
        for (s, v) in ok {
            assert_eq!(s.parse::<Version>(), Ok(v), "{s}");
        }
        let bad = [
            "",
            "Latest",
            "v1.01",
            "v1.00",
            "v1.",
            "v1",
            "1.20",
            "v2.0",
            "v1.2.3",
            "v1.-1",
            "v1.+1",
            "v1.1a",
            " v1.1",
            "v1.9223372036854775808",
        ];
        for s in bad {
            let err = s.parse::<Version>().unwrap_err();
            assert_eq!(err.to_string(), r#"must be "latest" or "v1.x""#, "{s}");
        }
    }

    #[test]
    fn latest_is_newest() {
        assert!(Version::V1(u64::MAX) < Version::Latest);
        assert!(Version::V1(2) < Version::V1(10));
    }

    #[test]
    fn displays_like_psa() {
        let lv = LevelVersion::new(Level::Restricted, Version::Latest);
        assert_eq!(lv.to_string(), "restricted:latest");
        let lv = LevelVersion::new(Level::Baseline, Version::V1(30));
        assert_eq!(lv.to_string(), "baseline:v1.30");
        assert_eq!("baseline:v1.30".parse::<LevelVersion>(), Ok(lv));
        assert!("baseline".parse::<LevelVersion>().is_err());
    }

    #[test]
    fn equivalence() {
        let p1 = LevelVersion::new(Level::Privileged, Version::V1(1));
        let p2 = LevelVersion::new(Level::Privileged, Version::Latest);
        assert!(p1.equivalent(&p2));
        let b1 = LevelVersion::new(Level::Baseline, Version::V1(1));
        let b2 = LevelVersion::new(Level::Baseline, Version::Latest);
        assert!(!b1.equivalent(&b2));
        assert!(b1.equivalent(&b1));
    }
}
