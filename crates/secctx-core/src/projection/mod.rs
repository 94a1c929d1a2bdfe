//! What the kubelet writes into configMap, secret, downwardAPI and projected volumes, and the
//! environment it builds from `env`/`envFrom`, using ConfigMaps and Secrets given in the same
//! input. Pure: the result is a list of files (path, bytes, mode) for the runtime to write.
//!
//! Rules: `pkg/volume/{configmap,secret,downwardapi,projected}`, `MakePayload` in each, and
//! `makeEnvironmentVariables` in `pkg/kubelet/kubelet_pods.go`. The kubelet's `AtomicWriter`
//! layout (a `..<timestamp>` directory, a `..data` symlink to it and one symlink per top-level
//! name) is reproduced by the runtime writer, not here.

mod env;
mod error;
mod field;
mod objects;
mod volume;

pub use env::container_env;
pub use error::ProjectionError;
pub use field::{PodFacts, field_value};
pub use objects::Objects;
pub use volume::{FileProjection, Payload, volume_payload};

/// The kubelet's default file mode for these volumes (`0644`).
pub const DEFAULT_MODE: u32 = 0o644;

#[cfg(test)]
mod tests;
