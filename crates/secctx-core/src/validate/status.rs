//! `validateContainerStatusUsers` (part of `ValidatePodStatusUpdate`): the user a container
//! status reports.
//!
//! The OS is `spec.os.name`, Linux when `spec.os` is absent; an empty or unknown name checks
//! nothing. Linux: `uid`, `gid` and every `supplementalGroups[j]` in 0..2147483647. Windows:
//! `user.linux` must be absent. Upstream builds the paths from the status entry without the
//! `user` segment: `status.containerStatuses[0].linux.uid`.

use k8s_openapi::api::core::v1::{ContainerStatus, PodSpec, PodStatus};

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::validate_id;

/// Validates the reported users of `status.containerStatuses`, `status.initContainerStatuses`
/// and `status.ephemeralContainerStatuses`, in that order.
pub fn validate_status_user(spec: &PodSpec, status: &PodStatus) -> Vec<FieldError> {
    let os = spec.os.as_ref().map_or("linux", |os| os.name.as_str());
    let status_path = FieldPath::new("status");
    let lists = [
        ("containerStatuses", &status.container_statuses),
        ("initContainerStatuses", &status.init_container_statuses),
        (
            "ephemeralContainerStatuses",
            &status.ephemeral_container_statuses,
        ),
    ];
    let mut errs = Vec::new();
    for (name, list) in lists {
        errs.extend(validate_list(
            list.as_deref().unwrap_or_default(),
            &status_path.child(name),
            os,
        ));
    }
    errs
}

fn validate_list(statuses: &[ContainerStatus], path: &FieldPath, os: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, cs) in statuses.iter().enumerate() {
        let Some(user) = &cs.user else { continue };
        let linux_path = path.index(i).child("linux");
        match os {
            "windows" if user.linux.is_some() => {
                errs.push(FieldError::forbidden(
                    linux_path,
                    "cannot be set for a windows pod",
                ));
            }
            "linux" => {
                let Some(linux) = &user.linux else { continue };
                errs.extend(validate_id(linux.uid, linux_path.child("uid")));
                errs.extend(validate_id(linux.gid, linux_path.child("gid")));
                for (j, gid) in linux.supplemental_groups.iter().flatten().enumerate() {
                    errs.extend(validate_id(
                        *gid,
                        linux_path.child("supplementalGroups").index(j),
                    ));
                }
            }
            _ => {}
        }
    }
    errs
}
