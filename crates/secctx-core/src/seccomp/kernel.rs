//! Kernel versions as containerd and moby compare them: only the first two numbers count
//! (`3.12.25-gentoo` and `3.12-1-amd64` are both 3.12).
//!
//! secctx-core does not call `uname(2)`; callers pass the release string (or the parsed
//! version) in.

use std::fmt;

/// A kernel version reduced to its first two numbers, e.g. 4.8.
///
/// Go's `kernelversion.KernelVersion` calls these fields `Kernel` and `Major`.
/// Ordering is numeric, major first, which is exactly `GreaterEqualThan`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KernelVersion {
    /// The "4" of 4.8.
    pub major: u64,
    /// The "8" of 4.8.
    pub minor: u64,
}

/// A kernel version string that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KernelVersionError {
    /// A `uname -r` release that does not start with `<number>.<number>`.
    #[error("failed to parse kernel version {0:?}")]
    Release(String),
    /// A moby `minKernel` that is not `"<kernel>.<major>"` with both numbers in 0..=255,
    /// or is `"0.0"`.
    #[error("invalid kernel version: {0:?}, expected \"<kernel>.<major>\"")]
    MinKernel(String),
}

impl KernelVersion {
    /// The version `major.minor`.
    pub const fn new(major: u64, minor: u64) -> KernelVersion {
        KernelVersion { major, minor }
    }

    /// Parses a `uname -r` release the way containerd's and moby's `parseRelease` do
    /// (`fmt.Sscanf(release, "%d.%d")`): optional leading blanks, digits, `.`, optional blanks,
    /// digits; whatever follows is ignored. `6.1.0-18-amd64` → 6.1, `5.15` → 5.15, `6` → error.
    pub fn parse_release(release: &str) -> Result<KernelVersion, KernelVersionError> {
        let err = || KernelVersionError::Release(release.to_string());
        let (major, rest) = leading_number(release).ok_or_else(err)?;
        let rest = rest.strip_prefix('.').ok_or_else(err)?;
        let (minor, _) = leading_number(rest).ok_or_else(err)?;
        Ok(KernelVersion { major, minor })
    }

    /// Parses a moby profile's `minKernel` (`Filter.MinKernel.UnmarshalJSON`): exactly two
    /// dot-separated decimal numbers, each 0..=255, not both 0. An empty string is accepted and
    /// means 0.0, which every kernel satisfies.
    pub fn parse_min_kernel(s: &str) -> Result<KernelVersion, KernelVersionError> {
        if s.is_empty() {
            return Ok(KernelVersion::default());
        }
        let err = || KernelVersionError::MinKernel(s.to_string());
        let mut parts = s.splitn(3, '.');
        let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err());
        };
        let byte = |p: &str| {
            (!p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
                .then(|| p.parse::<u8>().ok())
                .flatten()
        };
        match (byte(a), byte(b)) {
            (Some(0), Some(0)) | (None, _) | (_, None) => Err(err()),
            (Some(major), Some(minor)) => Ok(KernelVersion::new(major.into(), minor.into())),
        }
    }
}

/// `%d` of Go's scanner for an unsigned target: skip blanks, then one or more ASCII digits.
fn leading_number(s: &str) -> Option<(u64, &str)> {
    let s = s.trim_start_matches([' ', '\t', '\r']);
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s[..end].parse().ok()?;
    Some((n, &s[end..]))
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        let v = |s| KernelVersion::parse_release(s);
        assert_eq!(v("6.1.0-18-amd64"), Ok(KernelVersion::new(6, 1)));
        assert_eq!(v("3.12-1-amd64"), Ok(KernelVersion::new(3, 12)));
        assert_eq!(v("4.8"), Ok(KernelVersion::new(4, 8)));
        assert_eq!(v(" 5. 15"), Ok(KernelVersion::new(5, 15)));
        for bad in [
            "",
            "6",
            "6.",
            "v6.1",
            "+6.1",
            "6-1",
            "99999999999999999999.1",
        ] {
            assert_eq!(
                v(bad),
                Err(KernelVersionError::Release(bad.into())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn min_kernels() {
        let v = |s| KernelVersion::parse_min_kernel(s);
        assert_eq!(v("4.8"), Ok(KernelVersion::new(4, 8)));
        assert_eq!(v("0.1"), Ok(KernelVersion::new(0, 1)));
        assert_eq!(v(""), Ok(KernelVersion::new(0, 0)));
        for bad in ["0.0", "4", "4.8.1", "4.", ".8", "256.1", "+4.8", "4.x"] {
            assert!(v(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ordering_is_greater_equal_than() {
        let k48 = KernelVersion::new(4, 8);
        assert!(KernelVersion::new(4, 8) >= k48);
        assert!(KernelVersion::new(5, 0) >= k48);
        assert!(KernelVersion::new(4, 7) < k48);
        assert!(KernelVersion::new(3, 99) < k48);
        assert_eq!(k48.to_string(), "4.8");
    }
}
