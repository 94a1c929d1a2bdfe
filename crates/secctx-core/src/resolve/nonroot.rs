//! The kubelet's runAsNonRoot verification (`verifyRunAsNonRoot`, non-Windows), with its exact
//! messages. A failure keeps the container in `CreateContainerConfigError`.

use serde::Serialize;

use super::effective::EffectiveContext;
use super::quoted::Quoted;
use crate::image::ImageInfo;

/// The verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "message", rename_all = "camelCase")]
pub enum NonRootVerdict {
    /// runAsNonRoot is unset or false.
    NotRequested,
    /// The check passes.
    Passes,
    /// The kubelet refuses to start the container, with this message.
    Fails(String),
    /// Cannot tell without the image.
    Unknown(String),
}

/// Runs the check. `pod_ref` is `format.Pod(pod)`: `<name>_<namespace>(<uid>)`.
pub fn verify_run_as_non_root(
    eff: &EffectiveContext<'_>,
    image: Option<&ImageInfo>,
    image_name: &str,
    pod_ref: &str,
    container: &str,
) -> NonRootVerdict {
    if !eff.run_as_non_root.as_ref().is_some_and(|v| v.value) {
        return NonRootVerdict::NotRequested;
    }
    if let Some(u) = &eff.run_as_user {
        if u.value == 0 {
            return NonRootVerdict::Fails(format!(
                "container's runAsUser breaks non-root policy (pod: {}, container: {container})",
                Quoted(pod_ref)
            ));
        }
        return NonRootVerdict::Passes;
    }
    let Some(img) = image else {
        return NonRootVerdict::Unknown(format!(
            "runAsNonRoot is set without runAsUser, so the image USER decides; image {} was not given (use --image {image_name}=PATH)",
            Quoted(image_name)
        ));
    };
    // getImageUser: numeric USER → uid; a name → username; empty → uid 0.
    let user = img.user.split(':').next().unwrap_or("");
    let uid = if user.is_empty() {
        Some(0)
    } else {
        user.parse::<i64>().ok()
    };
    match uid {
        None => NonRootVerdict::Fails(format!(
            "container has runAsNonRoot and image has non-numeric user ({user}), cannot verify user is non-root (pod: {}, container: {container})",
            Quoted(pod_ref)
        )),
        Some(0) => NonRootVerdict::Fails(format!(
            "container has runAsNonRoot and image will run as root (pod: {}, container: {container})",
            Quoted(pod_ref)
        )),
        Some(u) if !(0..=i64::from(i32::MAX)).contains(&u) => NonRootVerdict::Fails(format!(
            "container has runAsNonRoot and image has an invalid user id ({u}). (Must be 1-({})): must be between 0 and 2147483647, inclusive (pod: {}, container: {container})",
            i32::MAX,
            Quoted(pod_ref)
        )),
        Some(_) => NonRootVerdict::Passes,
    }
}
