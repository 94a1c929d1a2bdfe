//! `linux.seccomp`: nothing for Unconfined and privileged containers; containerd's
//! RuntimeDefault profile built from the final bounding list; a Localhost profile as decoded
//! from the text the caller read.

use super::RenderError;
use super::options::RenderOptions;
use crate::resolve::{ResolvedContainer, ResolvedPod, SeccompChoice};
use crate::seccomp::{KernelVersion, LinuxSeccomp, parse_localhost, runtime_default};

/// The profile containerd puts into `linux.seccomp`, if any.
pub fn seccomp(
    pod: &ResolvedPod,
    c: &ResolvedContainer,
    opts: &RenderOptions,
    notes: &mut Vec<String>,
) -> Result<Option<LinuxSeccomp>, RenderError> {
    match &c.seccomp.applied {
        SeccompChoice::Unconfined => Ok(None),
        SeccompChoice::RuntimeDefault => {
            let (major, minor) = pod.node.kernel;
            let kernel = KernelVersion::new(u64::from(major), u64::from(minor));
            notes.push(format!(
                "seccomp: containerd's RuntimeDefault for GOARCH {} and kernel {major}.{minor}",
                opts.arch.as_str()
            ));
            Ok(Some(runtime_default(
                &c.oci_caps.bounding[..],
                opts.arch,
                Some(kernel),
            )))
        }
        SeccompChoice::Localhost { path } => {
            let text = opts
                .localhost_profile
                .as_deref()
                .ok_or_else(|| RenderError::LocalhostMissing { path: path.clone() })?;
            parse_localhost(text)
                .map(Some)
                .map_err(|e| RenderError::LocalhostInvalid {
                    path: path.clone(),
                    message: e.to_string(),
                })
        }
    }
}
