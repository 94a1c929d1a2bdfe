//! `procMount_restricted` (restricted): the default `/proc` masks are required by the restricted
//! profile, even in a user namespace.
//!
//! **Restricted Fields:**
//! - `spec.containers[*].securityContext.procMount`
//! - `spec.initContainers[*].securityContext.procMount`
//! - `spec.ephemeralContainers[*].securityContext.procMount`
//!
//! **Allowed Values:** undefined/null, `Default`
//!
//! Versions: 1.35. Before 1.35 the baseline `procMount` check blocked unmasked `/proc`
//! unconditionally; from 1.35 baseline relaxes for `hostUsers: false`, so the restricted level
//! keeps the unconditional block (`procMount_1_0`, same messages) and overrides `procMount`.

use super::{Check, VersionedCheck, proc_mount};
use crate::pss::level::Level;
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "procMount_restricted",
    level: Level::Restricted,
    versions: &[VersionedCheck {
        min_version: Version::v1(35),
        check: proc_mount::proc_mount_1_0,
        overrides: &[proc_mount::ID],
    }],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{case, run_cases};
    use serde_json::json;

    #[test]
    fn unconditional_even_with_user_namespace() {
        run_cases(
            CHECK.versions[0].check,
            &[
                case(
                    "hostUsers false",
                    json!({"spec": {"hostUsers": false, "containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]}}),
                    Some((
                        "procMount",
                        r#"container "a" must not set securityContext.procMount to "Unmasked""#,
                    )),
                ),
                case(
                    "Default",
                    json!({"spec": {"hostUsers": false, "containers": [{"name": "a", "securityContext": {"procMount": "Default"}}]}}),
                    None,
                ),
            ],
        );
    }
}
