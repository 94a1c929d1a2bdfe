//! `--fail-on` / `failOn`: which findings make `check` exit 1.

use std::fmt;
use std::str::FromStr;

use super::result::Severity;

/// The least severity that fails the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FailOn {
    /// Only errors (validation errors, enforce violations) fail.
    Error,
    /// Errors and warnings (warn and audit violations, controllers' templates) fail: the default.
    #[default]
    Warning,
    /// Findings never fail the run (input errors still exit 2).
    Never,
}

impl FailOn {
    /// `error`, `warning` or `never`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Never => "never",
        }
    }

    /// Whether an object of severity `s` (its unsuppressed findings) fails the run.
    pub fn fails(self, s: Severity) -> bool {
        match self {
            FailOn::Error => s >= Severity::Error,
            FailOn::Warning => s >= Severity::Warning,
            FailOn::Never => false,
        }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `failOn` value that is not `error`, `warning` or `never`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("must be one of error, warning, never")]
pub struct FailOnParseError;

impl FromStr for FailOn {
    type Err = FailOnParseError;

    fn from_str(s: &str) -> Result<FailOn, FailOnParseError> {
        match s {
            "error" => Ok(FailOn::Error),
            "warning" => Ok(FailOn::Warning),
            "never" => Ok(FailOn::Never),
            _ => Err(FailOnParseError),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        use Severity::{Error, None, Warning};
        let table = [
            (FailOn::Error, [false, false, true]),
            (FailOn::Warning, [false, true, true]),
            (FailOn::Never, [false, false, false]),
        ];
        for (f, want) in table {
            let got = [None, Warning, Error].map(|s| f.fails(s));
            assert_eq!(got, want, "{f}");
            assert_eq!(f.as_str().parse::<FailOn>(), Ok(f));
        }
        assert_eq!("warn".parse::<FailOn>(), Err(FailOnParseError));
    }
}
