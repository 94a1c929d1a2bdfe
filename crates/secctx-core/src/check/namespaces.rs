//! The policies the Namespace objects of the input set, by namespace name.

use std::collections::{BTreeMap, HashMap};

use crate::load::{Loaded, Object, Origin};
use crate::pss::Policy;
use crate::pss::field_error::FieldError;
use crate::pss::policy::policy_to_evaluate;

/// A namespace's resolved policy, label errors and where it was declared.
#[derive(Clone, Debug)]
pub struct NamespaceEntry {
    /// The policy (with fallbacks for invalid labels).
    pub policy: Policy,
    /// The label errors.
    pub errors: Vec<FieldError>,
    /// Where the Namespace object is.
    pub origin: Origin,
}

/// Namespace name → policy. A namespace declared twice: the last declaration wins.
#[derive(Clone, Debug, Default)]
pub struct NamespacePolicies {
    by_name: HashMap<String, NamespaceEntry>,
}

impl NamespacePolicies {
    /// Resolves every Namespace of `loaded` against `defaults`.
    pub fn from_loaded(loaded: &Loaded, defaults: &Policy) -> NamespacePolicies {
        let mut by_name = HashMap::new();
        let empty = BTreeMap::new();
        for obj in &loaded.objects {
            if let Object::Namespace(ns, origin) = obj {
                let name = ns.metadata.name.clone().unwrap_or_default();
                let labels = ns.metadata.labels.as_ref().unwrap_or(&empty);
                let (policy, errors) = policy_to_evaluate(labels, defaults);
                by_name.insert(
                    name,
                    NamespaceEntry {
                        policy,
                        errors,
                        origin: origin.clone(),
                    },
                );
            }
        }
        NamespacePolicies { by_name }
    }

    /// The entry for a namespace declared in the input.
    pub fn get(&self, name: &str) -> Option<&NamespaceEntry> {
        self.by_name.get(name)
    }
}
