//! The policies the Namespace objects of the input set, by namespace name.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::Namespace;

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
        let mut policies = NamespacePolicies::default();
        for obj in &loaded.objects {
            if let Object::Namespace(ns, origin) = obj {
                policies.add(ns, origin, defaults);
            }
        }
        policies
    }

    /// Resolves one more Namespace against `defaults` (a later declaration of a name replaces
    /// an earlier one).
    pub fn add(&mut self, ns: &Namespace, origin: &Origin, defaults: &Policy) {
        let empty = BTreeMap::new();
        let name = ns.metadata.name.clone().unwrap_or_default();
        let labels = ns.metadata.labels.as_ref().unwrap_or(&empty);
        let (policy, errors) = policy_to_evaluate(labels, defaults);
        self.by_name.insert(
            name,
            NamespaceEntry {
                policy,
                errors,
                origin: origin.clone(),
            },
        );
    }

    /// How many namespaces the input declares.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether the input declares no namespace.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The entry for a namespace declared in the input.
    pub fn get(&self, name: &str) -> Option<&NamespaceEntry> {
        self.by_name.get(name)
    }
}
