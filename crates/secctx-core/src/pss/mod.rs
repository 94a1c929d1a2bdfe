//! Pod Security Standards, evaluated exactly as Kubernetes Pod Security Admission (PSA,
//! `kubernetes/pod-security-admission` at `8f84a87c`) does, for every policy version
//! `v1.0`..`v1.37` and `latest`.

pub mod checks;
pub mod level;
pub mod quote;
pub mod result;
pub mod version;
pub mod visit;
