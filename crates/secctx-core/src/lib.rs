//! secctx-core: the pure engine behind `secctx`. Values in, values out: nothing in this crate
//! touches the filesystem, the network, the clock or the environment.
//!
//! - [`caps`]: capability names, bits and `/proc`-style sets.
//! - [`path`]: API-server field paths (`spec.containers[0].securityContext`).

pub mod caps;
pub mod image;
pub mod load;
pub mod path;
pub mod resolve;
pub mod validate;
pub mod yaml;
