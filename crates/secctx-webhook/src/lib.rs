//! The transport of `secctx serve`: an admission webhook over HTTPS, the cluster state it
//! reads (namespaces, SecurityContextConstraints, RBAC grants) and the leader-elected
//! namespace allocator. Policy lives in `secctx-core`; this crate only carries requests to it
//! and answers back (spec `admission-semantics.md` §1, §2, §4).
//!
//! Layout:
//! - [`state`]: the cluster snapshot every request reads, published whole by whichever source
//!   keeps it (files for tests and air-gapped use, kube-rs watches in a cluster).
//! - [`cluster`]: the kube-rs side: watches that publish snapshots, the live namespace GET
//!   and pod LIST, and the Lease-elected namespace allocator.
//! - [`files`]: the file-backed source (`--namespaces FILE`, `--scc DIR`).
//! - [`review`]: the AdmissionReview v1 codec.
//! - [`validate`]: `/validate`, Pod Security Admission as upstream's webhook decides.
//! - [`mutate`]: `/mutate`, SCC admission as `secctx admit` decides.
//! - [`metrics`]: PSA's `pod_security_*` metrics and request durations.
//! - [`server`]: HTTPS, routes, limits, certificate reload, graceful shutdown.
//! - [`cert`]: a CA and serving certificate for a first install.

pub mod cert;
pub mod cluster;
pub mod files;
pub mod metrics;
pub mod mutate;
pub mod review;
pub mod server;
pub mod state;
pub mod validate;
