//! SecurityContextConstraints admission, as OpenShift does it (spec
//! `admission-semantics.md` §3): per-namespace uid/MCS allocation, the SCC model and the
//! admission decision. Pure: namespaces, SCCs, the requesting user and the pod in; a decision
//! out.

pub mod admitted;
pub mod allocation;
pub mod authz;
pub mod block;
pub mod checks;
pub mod compiled;
pub mod containers;
pub mod decide;
pub mod fielderr;
pub mod mcs;
pub mod mutate;
pub mod order;
pub mod patch;
pub mod precheck;
pub mod provider;
pub mod rbac;
pub mod reference;
pub mod scc;
pub mod seccomp;
pub mod standard;

#[cfg(test)]
mod tests;
