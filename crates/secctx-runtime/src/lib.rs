//! secctx-runtime: every Linux effect secctx has: reading and unpacking images, volumes and
//! their ownership, running containers.

pub mod executor;
pub mod host;
pub mod image;
pub mod pod;
pub mod private;
pub mod record;
pub mod store;
pub mod volume;
pub mod write;
