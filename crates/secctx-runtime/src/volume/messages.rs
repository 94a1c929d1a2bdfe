//! The kubelet's slow-change texts (`volume_linux.go`), verbatim, and when they are due.

use std::time::Duration;

/// The first warning fires after this long (`firstEventReportDuration`).
pub const FIRST_REPORT_AFTER: Duration = Duration::from_secs(30);
/// Then a progress message every this long (`progressReportDuration`).
pub const PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// The klog warning at 30 s; `dir` is the full volume directory.
pub fn slow_warning(dir: &str) -> String {
    format!(
        "Setting volume ownership for {dir} and fsGroup set. If the volume has a lot of files then setting volume ownership could be slow, see https://github.com/kubernetes/kubernetes/issues/69699"
    )
}

/// The Warning event sent at 30 s when a pod is attached; `dir` as from [`dir_to_report`].
pub fn slow_event(dir: &str) -> String {
    format!(
        "Setting volume ownership for {dir} is taking longer than expected, consider using OnRootMismatch - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#configure-volume-permission-and-ownership-change-policy-for-pods"
    )
}

/// The warning and event every 60 s; `processed` counts directories too.
pub fn progress(dir: &str, processed: u64) -> String {
    format!("Setting volume ownership for {dir}, processed {processed} files.")
}

/// The part of `dir` from the pod UID on, or all of it when the UID is not in it.
pub fn dir_to_report<'a>(dir: &'a str, pod_uid: &str) -> &'a str {
    dir.find(pod_uid).map_or(dir, |i| &dir[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_dir_starts_at_uid() {
        let d = "/var/lib/kubelet/pods/1234-ab/volumes/kubernetes.io~empty-dir/v";
        assert_eq!(
            dir_to_report(d, "1234-ab"),
            "1234-ab/volumes/kubernetes.io~empty-dir/v"
        );
        assert_eq!(dir_to_report(d, "zzz"), d);
        assert_eq!(
            progress("x", 7),
            "Setting volume ownership for x, processed 7 files."
        );
    }
}
