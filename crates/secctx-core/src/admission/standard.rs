//! The standard SCC set shipped as data (`standard-sccs.yaml`), and the RBAC grant that makes
//! restricted-v2 the default: ClusterRoleBinding `system:openshift:scc:restricted-v2` gives
//! group `system:authenticated` the verb `use` on it (spec §3.8).

use std::sync::OnceLock;

use super::authz::Grant;
use super::scc::{Scc, parse_sccs};

/// The embedded manifests.
pub const STANDARD_SCCS_YAML: &str = include_str!("standard-sccs.yaml");

/// The standard SCCs, parsed once.
pub fn standard_sccs() -> &'static [Scc] {
    static SET: OnceLock<Vec<Scc>> = OnceLock::new();
    SET.get_or_init(|| {
        parse_sccs(STANDARD_SCCS_YAML)
            .into_iter()
            .map(|r| r.expect("the embedded standard SCCs parse"))
            .collect()
    })
}

/// The RBAC grants that ship with the standard set.
pub fn standard_grants() -> Vec<Grant> {
    vec![Grant {
        scc: "restricted-v2".into(),
        namespace: None,
        users: vec![],
        groups: vec!["system:authenticated".into()],
        source: "ClusterRoleBinding system:openshift:scc:restricted-v2".into(),
    }]
}
