//! A remedy: one field change that satisfies (part of) one Pod Security check, with its
//! class — safe, needs a choice (`--allow`), or not fixable.

use serde::Serialize;
use serde_json::Value as Json;

use super::allow::Allow;
use crate::path::FieldPath;

/// Whether a remedy is applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "camelCase")]
pub enum Class {
    /// Adds a restriction the workload cannot notice in normal operation: always applied.
    Safe,
    /// Changes identity or behaviour: applied only when every opt-in of `needs` is given.
    Choice {
        /// The opt-ins it needs (`--allow NAME`).
        needs: Vec<Allow>,
    },
    /// No edit satisfies the check without breaking the workload.
    NotFixable {
        /// Why.
        reason: String,
    },
}

/// One change to one field of a pod template (or pod), and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Remedy {
    /// The Pod Security check it satisfies (`allowPrivilegeEscalation`).
    pub check: &'static str,
    /// The field, relative to the pod template as PSA names it
    /// (`spec.containers[0].securityContext.allowPrivilegeEscalation`).
    #[serde(serialize_with = "display")]
    pub field: FieldPath,
    /// The value before (`None`: unset). Filled in by the planner.
    pub old: Option<Json>,
    /// The value after (`None`: removed; also `None` for a remedy that is not fixable).
    pub new: Option<Json>,
    /// Why this value, in a sentence.
    pub why: String,
    /// Safe, needs a choice, or not fixable.
    #[serde(flatten)]
    pub class: Class,
}

fn display<S: serde::Serializer>(p: &FieldPath, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(p)
}

impl Remedy {
    /// Sets `field` to `value` (a safe remedy until [`Remedy::needs`] says otherwise).
    pub fn set(
        check: &'static str,
        field: FieldPath,
        value: Json,
        why: impl Into<String>,
    ) -> Remedy {
        Remedy {
            check,
            field,
            old: None,
            new: Some(value),
            why: why.into(),
            class: Class::Safe,
        }
    }

    /// Removes `field` (a key or a list item).
    pub fn remove(check: &'static str, field: FieldPath, why: impl Into<String>) -> Remedy {
        Remedy {
            check,
            field,
            old: None,
            new: None,
            why: why.into(),
            class: Class::Safe,
        }
    }

    /// Reports `field` as not fixable.
    pub fn not_fixable(check: &'static str, field: FieldPath, reason: impl Into<String>) -> Remedy {
        let reason = reason.into();
        Remedy {
            check,
            field,
            old: None,
            new: None,
            why: reason.clone(),
            class: Class::NotFixable { reason },
        }
    }

    /// This remedy, applied only with the opt-in `a` (added to any it already needs).
    #[must_use]
    pub fn needs(mut self, a: Allow) -> Remedy {
        match &mut self.class {
            Class::Safe => self.class = Class::Choice { needs: vec![a] },
            Class::Choice { needs } => {
                if !needs.contains(&a) {
                    needs.push(a);
                    needs.sort();
                }
            }
            Class::NotFixable { .. } => {}
        }
        self
    }

    /// This remedy needing every one of `all`.
    #[must_use]
    pub fn needs_all(self, all: &[Allow]) -> Remedy {
        all.iter().fold(self, |r, &a| r.needs(a))
    }

    /// The opt-ins it needs (empty for a safe or not fixable remedy).
    pub fn needed(&self) -> &[Allow] {
        match &self.class {
            Class::Choice { needs } => needs,
            _ => &[],
        }
    }

    /// Whether it is not fixable.
    pub fn is_not_fixable(&self) -> bool {
        matches!(self.class, Class::NotFixable { .. })
    }

    /// Whether the edit (field and new value) is the same as `other`'s.
    pub fn same_edit(&self, other: &Remedy) -> bool {
        self.field == other.field
            && self.new == other.new
            && self.is_not_fixable() == other.is_not_fixable()
    }
}
