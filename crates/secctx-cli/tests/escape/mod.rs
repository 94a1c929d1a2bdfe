//! Host-escape classes beyond the bundle attempts of `executor_escape.rs`: each class performs
//! its attacks (an image, a pod spec, a container process racing host-side work) and compares
//! the host before and after. Every class is one file with `pub fn attempts() -> Vec<Outcome>`
//! and one line in [`CLASSES`]; `executor_escape` runs them all and prints one tally.
#![allow(dead_code)]

mod exec_join;
mod hooks;
mod image_layers;
mod lifecycle;
mod mount_swap_race;
mod pause_root;
mod pod_cgroup;
mod recursive_read_only;
mod rootfs_symlinks;
mod runc_cli;
mod subpath;
mod userns_shift;

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
        name: "rootfs_symlinks",
        attempts: rootfs_symlinks::attempts,
    },
    Class {
        name: "mount_swap_race",
        attempts: mount_swap_race::attempts,
    },
    Class {
        name: "lifecycle",
        attempts: lifecycle::attempts,
    },
    Class {
        name: "userns_shift",
        attempts: userns_shift::attempts,
    },
    Class {
        name: "recursive_read_only",
        attempts: recursive_read_only::attempts,
    },
    Class {
        name: "subpath",
        attempts: subpath::attempts,
    },
    Class {
        name: "image_layers",
        attempts: image_layers::attempts,
    },
    Class {
        name: "pause_root",
        attempts: pause_root::attempts,
    },
    Class {
        name: "runc_cli",
        attempts: runc_cli::attempts,
    },
    Class {
        name: "pod_cgroup",
        attempts: pod_cgroup::attempts,
    },
    Class {
        name: "hooks",
        attempts: hooks::attempts,
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
