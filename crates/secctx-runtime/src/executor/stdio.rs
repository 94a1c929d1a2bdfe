//! Where the container's stdin/stdout/stderr go.

use std::os::fd::OwnedFd;
use std::path::PathBuf;

use super::ExecError;

/// The container process's standard streams.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Stdio {
    /// The caller's own stdin, stdout and stderr.
    #[default]
    Inherit,
    /// `/dev/null` for all three.
    Null,
    /// stdin from `/dev/null`; stdout and stderr appended to files (created when missing).
    Files {
        /// stdout file.
        stdout: PathBuf,
        /// stderr file.
        stderr: PathBuf,
    },
}

impl Stdio {
    /// Opens the three descriptors (`None` for `Inherit`).
    pub fn open(&self) -> Result<Option<[OwnedFd; 3]>, ExecError> {
        let null = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .map(OwnedFd::from)
                .map_err(|e| ExecError::io("/dev/null", e))
        };
        let append = |p: &PathBuf| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map(OwnedFd::from)
                .map_err(|e| ExecError::io(p.display().to_string(), e))
        };
        Ok(match self {
            Stdio::Inherit => None,
            Stdio::Null => Some([null()?, null()?, null()?]),
            Stdio::Files { stdout, stderr } => Some([null()?, append(stdout)?, append(stderr)?]),
        })
    }

    /// The same streams for a `std::process::Command`.
    pub fn command_stdio(&self) -> Result<[std::process::Stdio; 3], ExecError> {
        Ok(match self.open()? {
            None => [
                std::process::Stdio::inherit(),
                std::process::Stdio::inherit(),
                std::process::Stdio::inherit(),
            ],
            Some([a, b, c]) => [a.into(), b.into(), c.into()],
        })
    }
}
