//! secctx-core: the pure engine behind `secctx`. Values in, values out: nothing in this crate
//! touches the filesystem, the network, the clock or the environment.
//!
//! - [`admission`]: SecurityContextConstraints admission and namespace uid/MCS allocation.
//! - [`caps`]: capability names, bits and `/proc`-style sets.
//! - [`check`]: manifests judged by API validation and Pod Security Admission, as data.
//! - [`edit`]: lossless edits of manifest files, as `fix` decides them.
//! - [`fix`]: the remedies that make a workload pass a Pod Security level.
//! - [`path`]: API-server field paths (`spec.containers[0].securityContext`).
//! - [`pss`]: Pod Security Standards, evaluated exactly as Pod Security Admission.
//! - [`validate`]: API-server validation of every security field, with upstream's messages.
//! - [`seccomp`]: OCI seccomp profiles: containerd's RuntimeDefault, Localhost and moby loaders.
//! - [`oci`]: the OCI runtime `config.json` containerd builds for a container.
//! - [`record`]: a recorded run's observations → the tightest security context and profile.

pub mod admission;
pub mod caps;
pub mod check;
pub mod edit;
pub mod fix;
pub mod image;
pub mod load;
pub mod oci;
pub mod path;
pub mod projection;
pub mod pss;
pub mod record;
pub mod resolve;
pub mod seccomp;
pub mod status;
pub mod validate;
pub mod yaml;
