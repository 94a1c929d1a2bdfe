//! The transport of `secctx serve`: an admission webhook over HTTPS, the cluster state it
//! reads (namespaces, SecurityContextConstraints, RBAC grants) and the leader-elected
//! namespace allocator. Policy lives in `secctx-core`; this crate only carries requests to it
//! and answers back (spec `admission-semantics.md` §1, §2, §4).
//!
//! Layout:
//! - [`state`]: the cluster snapshot every request reads, published whole by whichever source
//!   keeps it (files for tests and air-gapped use, kube-rs watches in a cluster).
//! - [`cluster`]: the kube-rs side: watches that publish snapshots, the live namespace GET,
//!   and the Lease-elected namespace allocator.

pub mod cluster;
pub mod state;
