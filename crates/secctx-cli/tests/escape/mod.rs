//! Host-escape classes beyond the bundle attempts of `executor_escape.rs`: each class performs
//! its attacks (an image, a pod spec, a container process racing host-side work) and compares
//! the host before and after. Every class is one file with `pub fn attempts() -> Vec<Outcome>`
//! and one line in [`CLASSES`]; `executor_escape` runs them all and prints one tally.
#![allow(dead_code)]

mod exec_join;
mod pause_root;

/// One attack and what became of it.
pub struct Outcome {
    /// What was tried, in a few words.
    pub name: String,
    /// The host was unchanged, or the pod was refused with a clear message.
    pub blocked: bool,
    /// What was seen (messages, the host difference found).
    pub detail: String,
}

impl Outcome {
    pub fn new(name: impl Into<String>, blocked: bool, detail: impl Into<String>) -> Outcome {
        Outcome {
            name: name.into(),
            blocked,
            detail: detail.into(),
        }
    }
}

/// A class of attacks: its name and the function that performs them.
pub struct Class {
    pub name: &'static str,
    pub attempts: fn() -> Vec<Outcome>,
}

/// Every class, in the order of the hardening issue's defects.
pub const CLASSES: &[Class] = &[
    Class {
        name: "exec_join",
        attempts: exec_join::attempts,
    },
    Class {
        name: "pause_root",
        attempts: pause_root::attempts,
    },
];

/// The classes to run: all, or those whose name contains `SECCTX_ESCAPE_ONLY` (for working
/// on one class; the tally in CI always runs all).
pub fn selected() -> Vec<&'static Class> {
    let only = std::env::var("SECCTX_ESCAPE_ONLY").unwrap_or_default();
    CLASSES
        .iter()
        .filter(|c| only.is_empty() || c.name.contains(&only))
        .collect()
}
