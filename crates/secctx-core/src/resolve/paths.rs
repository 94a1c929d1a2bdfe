//! Masked and read-only `/proc` and `/sys` paths (`ConvertToRuntimeMaskedPaths` /
//! `ConvertToRuntimeReadonlyPaths`): the kubelet's lists unless `procMount: Unmasked`;
//! containerd clears both for privileged containers.

/// The kubelet's masked paths.
pub const MASKED_PATHS: [&str; 11] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];

/// The kubelet's read-only paths.
pub const READONLY_PATHS: [&str; 5] = [
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The masked and read-only paths for a container.
pub fn proc_paths(
    unmasked: bool,
    privileged: bool,
) -> (&'static [&'static str], &'static [&'static str]) {
    if unmasked || privileged {
        return (&[], &[]);
    }
    (&MASKED_PATHS, &READONLY_PATHS)
}
