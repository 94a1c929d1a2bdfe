//! `secctx fix`: the field edits that make a workload pass a Pod Security level, decided as
//! data, each with the check it satisfies and whether it is
//!
//! * **safe** — it adds a restriction the workload cannot notice in normal operation
//!   (`allowPrivilegeEscalation: false`, a `RuntimeDefault` seccomp profile where none was
//!   set, `drop: [ALL]`, `runAsNonRoot: true` where the image is known to run as a non-root
//!   uid, the numeric uid of a named image `USER`), always applied;
//! * **a choice** — it changes identity or behaviour (picking a `runAsUser`, removing an added
//!   capability, `privileged: false`, host namespaces, ports, sysctls...), applied only with
//!   the matching `--allow` opt-in ([`Allow`]) and always reported;
//! * **not fixable** — no edit satisfies the check without breaking the workload (hostPath
//!   and other restricted volumes, Windows HostProcess, a root image with no other user),
//!   reported with the reason and the field's position.
//!
//! Remedies are computed from the loaded object and the PSA result, round after round on the
//! edited pod ([`fix_workload`]), and come out as [`crate::edit::Edit`]s with paths into the
//! document as written (Pod, workload template, `List` item; init and ephemeral containers
//! included), for the lossless editor to apply.
//!
//! - [`allow`]: the opt-ins; [`remedy`]: a remedy and its class; [`checks`]: one file per
//!   check; [`image_user`]: who an image runs as; [`rules`]: what SCC defaulting shares;
//!   [`state`]: the pod being fixed, as JSON; [`plan`]: the rounds.

pub mod allow;
pub mod checks;
pub mod image_user;
pub mod plan;
pub mod remedy;
pub mod rules;
pub mod state;

#[cfg(test)]
mod tests;

pub use allow::{Allow, AllowSet, UnknownAllow};
pub use checks::has_remedy;
pub use plan::{FixOptions, Planned, Remaining, Status, WorkloadFix, document_path, fix_workload};
pub use remedy::{Class, Remedy};
