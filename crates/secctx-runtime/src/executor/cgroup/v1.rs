//! `linux.resources` as cgroup v1 files, with runc's file names and write order: a pure
//! function of the resources and of what the host's hierarchies offer, so the refusals (a
//! controller not mounted, a file the kernel does not have) happen before anything is created
//! and name the field.

use oci_spec::runtime::LinuxResources;

use crate::executor::ExecError;

/// One write: `value` into `file` of the container's directory in hierarchy `controller`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    /// The v1 controller (`memory`, `cpu`, ...).
    pub controller: &'static str,
    /// The file name.
    pub file: String,
    /// The text written.
    pub value: String,
}

/// What the host's v1 hierarchies offer: `has(controller, file)` is whether `controller` is
/// mounted and (for a non-empty `file`) that file exists in its root.
pub trait Host {
    /// See the trait.
    fn has(&self, controller: &str, file: &str) -> bool;
}

fn refuse(field: &str, why: String) -> ExecError {
    ExecError::Unsupported(format!("linux.resources.{field}: {why}"))
}

struct Out<'a> {
    host: &'a dyn Host,
    writes: Vec<Write>,
}

impl Out<'_> {
    /// Adds a write after checking the host has the file (`root_file`: whether the file exists
    /// in the hierarchy root too, so it can be checked before anything is created).
    fn put(
        &mut self,
        field: &str,
        controller: &'static str,
        file: &str,
        value: String,
        root_file: bool,
    ) -> Result<(), ExecError> {
        if !self.host.has(controller, "") {
            return Err(refuse(
                field,
                format!("no cgroup v1 {controller} hierarchy is mounted on this host"),
            ));
        }
        if root_file && !self.host.has(controller, file) {
            return Err(refuse(
                field,
                format!("this host's kernel has no {controller} file {file}"),
            ));
        }
        self.writes.push(Write {
            controller,
            file: file.to_string(),
            value,
        });
        Ok(())
    }
}

/// The writes for `r` (device rules excluded: they are the caller's), in runc's order.
pub fn writes(r: &LinuxResources, host: &dyn Host) -> Result<Vec<Write>, ExecError> {
    let mut o = Out {
        host,
        writes: Vec::new(),
    };
    if let Some(m) = r.memory() {
        let limit = m.limit();
        let swap = m.swap().or_else(|| (limit == Some(-1)).then_some(-1));
        let put_limit = |o: &mut Out| match limit {
            Some(l) => o.put(
                "memory.limit",
                "memory",
                "memory.limit_in_bytes",
                l.to_string(),
                true,
            ),
            None => Ok(()),
        };
        let put_swap = |o: &mut Out| match swap {
            Some(s) => o.put(
                "memory.swap",
                "memory",
                "memory.memsw.limit_in_bytes",
                s.to_string(),
                true,
            ),
            None => Ok(()),
        };
        // memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at every step: an
        // unlimited swap goes first, a finite one after the limit (runc's order).
        if swap == Some(-1) {
            put_swap(&mut o)?;
            put_limit(&mut o)?;
        } else {
            if let (Some(l), Some(s)) = (limit, swap)
                && l > 0
                && s >= 0
                && s < l
            {
                return Err(refuse(
                    "memory.swap",
                    format!("{s} is below memory.limit {l} (it is memory+swap)"),
                ));
            }
            put_limit(&mut o)?;
            put_swap(&mut o)?;
        }
        if let Some(v) = m.reservation() {
            o.put(
                "memory.reservation",
                "memory",
                "memory.soft_limit_in_bytes",
                v.to_string(),
                true,
            )?;
        }
        if let Some(v) = m.kernel() {
            o.put(
                "memory.kernel",
                "memory",
                "memory.kmem.limit_in_bytes",
                v.to_string(),
                true,
            )?;
        }
        if let Some(v) = m.kernel_tcp() {
            o.put(
                "memory.kernelTCP",
                "memory",
                "memory.kmem.tcp.limit_in_bytes",
                v.to_string(),
                true,
            )?;
        }
        if let Some(v) = m.swappiness() {
            if v > 100 {
                return Err(refuse("memory.swappiness", format!("{v} is above 100")));
            }
            o.put(
                "memory.swappiness",
                "memory",
                "memory.swappiness",
                v.to_string(),
                true,
            )?;
        }
        if m.disable_oom_killer() == Some(true) {
            o.put(
                "memory.disableOOMKiller",
                "memory",
                "memory.oom_control",
                "1".into(),
                true,
            )?;
        }
        if let Some(h) = m.use_hierarchy() {
            o.put(
                "memory.useHierarchy",
                "memory",
                "memory.use_hierarchy",
                u8::from(h).to_string(),
                true,
            )?;
        }
    }
    if let Some(c) = r.cpu() {
        if let Some(v) = c.shares().filter(|v| *v != 0) {
            o.put("cpu.shares", "cpu", "cpu.shares", v.to_string(), true)?;
        }
        if let Some(v) = c.period().filter(|v| *v != 0) {
            o.put(
                "cpu.period",
                "cpu",
                "cpu.cfs_period_us",
                v.to_string(),
                true,
            )?;
        }
        if let Some(v) = c.quota().filter(|v| *v != 0) {
            o.put("cpu.quota", "cpu", "cpu.cfs_quota_us", v.to_string(), true)?;
        }
        if let Some(v) = c.burst() {
            o.put("cpu.burst", "cpu", "cpu.cfs_burst_us", v.to_string(), true)?;
        }
        if let Some(v) = c.realtime_period().filter(|v| *v != 0) {
            o.put(
                "cpu.realtimePeriod",
                "cpu",
                "cpu.rt_period_us",
                v.to_string(),
                true,
            )?;
        }
        if let Some(v) = c.realtime_runtime().filter(|v| *v != 0) {
            o.put(
                "cpu.realtimeRuntime",
                "cpu",
                "cpu.rt_runtime_us",
                v.to_string(),
                true,
            )?;
        }
        if let Some(v) = c.idle() {
            o.put("cpu.idle", "cpu", "cpu.idle", v.to_string(), true)?;
        }
        if let Some(v) = c.cpus().as_deref().filter(|v| !v.is_empty()) {
            o.put("cpu.cpus", "cpuset", "cpuset.cpus", v.to_string(), true)?;
        }
        if let Some(v) = c.mems().as_deref().filter(|v| !v.is_empty()) {
            o.put("cpu.mems", "cpuset", "cpuset.mems", v.to_string(), true)?;
        }
    }
    if let Some(p) = r.pids() {
        let v = if p.limit() > 0 {
            p.limit().to_string()
        } else {
            "max".into()
        };
        // pids.max exists only below the root.
        o.put("pids.limit", "pids", "pids.max", v, false)?;
    }
    if let Some(b) = r.block_io() {
        if let Some(w) = b.weight() {
            o.put(
                "blockIO.weight",
                "blkio",
                "blkio.weight",
                w.to_string(),
                true,
            )?;
        }
        if let Some(w) = b.leaf_weight() {
            o.put(
                "blockIO.leafWeight",
                "blkio",
                "blkio.leaf_weight",
                w.to_string(),
                true,
            )?;
        }
        for d in b.weight_device().iter().flatten() {
            if let Some(w) = d.weight() {
                let v = format!("{}:{} {w}", d.major(), d.minor());
                o.put(
                    "blockIO.weightDevice",
                    "blkio",
                    "blkio.weight_device",
                    v,
                    true,
                )?;
            }
            if let Some(w) = d.leaf_weight() {
                let v = format!("{}:{} {w}", d.major(), d.minor());
                o.put(
                    "blockIO.weightDevice",
                    "blkio",
                    "blkio.leaf_weight_device",
                    v,
                    true,
                )?;
            }
        }
        for (field, file, list) in [
            (
                "blockIO.throttleReadBpsDevice",
                "blkio.throttle.read_bps_device",
                b.throttle_read_bps_device(),
            ),
            (
                "blockIO.throttleWriteBpsDevice",
                "blkio.throttle.write_bps_device",
                b.throttle_write_bps_device(),
            ),
            (
                "blockIO.throttleReadIOPSDevice",
                "blkio.throttle.read_iops_device",
                b.throttle_read_iops_device(),
            ),
            (
                "blockIO.throttleWriteIOPSDevice",
                "blkio.throttle.write_iops_device",
                b.throttle_write_iops_device(),
            ),
        ] {
            for d in list.iter().flatten() {
                let v = format!("{}:{} {}", d.major(), d.minor(), d.rate());
                o.put(field, "blkio", file, v, true)?;
            }
        }
    }
    for h in r.hugepage_limits().iter().flatten() {
        let size = h.page_size();
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(refuse(
                "hugepageLimits",
                format!("invalid page size {size:?}"),
            ));
        }
        let file = format!("hugetlb.{size}.limit_in_bytes");
        o.put(
            "hugepageLimits",
            "hugetlb",
            &file,
            h.limit().to_string(),
            true,
        )?;
    }
    if let Some(n) = r.network() {
        if let Some(id) = n.class_id() {
            o.put(
                "network.classID",
                "net_cls",
                "net_cls.classid",
                id.to_string(),
                true,
            )?;
        }
        for p in n.priorities().iter().flatten() {
            let v = format!("{} {}", p.name(), p.priority());
            o.put(
                "network.priorities",
                "net_prio",
                "net_prio.ifpriomap",
                v,
                true,
            )?;
        }
    }
    if let Some(rdma) = r.rdma() {
        let mut devices: Vec<_> = rdma.iter().collect();
        devices.sort_by(|a, b| a.0.cmp(b.0));
        for (dev, l) in devices {
            let mut v = dev.clone();
            if let Some(h) = l.hca_handles() {
                v.push_str(&format!(" hca_handle={h}"));
            }
            if let Some(h) = l.hca_objects() {
                v.push_str(&format!(" hca_object={h}"));
            }
            o.put("rdma", "rdma", "rdma.max", v, false)?;
        }
    }
    if r.unified().as_ref().is_some_and(|u| !u.is_empty()) {
        return Err(refuse(
            "unified",
            "cgroup v2 files, and this host runs the cgroup v1 hierarchies".into(),
        ));
    }
    Ok(o.writes)
}

#[cfg(test)]
mod tests {
    use oci_spec::runtime::LinuxResources;

    use super::*;

    struct Everything;
    impl Host for Everything {
        fn has(&self, _: &str, _: &str) -> bool {
            true
        }
    }
    /// This machine: no blkio weight, no hugetlb v1 hierarchy, no net_cls.
    struct ThisHost;
    impl Host for ThisHost {
        fn has(&self, c: &str, f: &str) -> bool {
            !matches!(c, "hugetlb" | "net_cls" | "net_prio" | "rdma")
                && !f.starts_with("blkio.weight")
        }
    }

    fn res(json: &str) -> LinuxResources {
        serde_json::from_str(json).unwrap()
    }

    fn text(w: &[Write]) -> Vec<String> {
        w.iter()
            .map(|w| format!("{}/{}={}", w.controller, w.file, w.value))
            .collect()
    }

    #[test]
    fn memory_files_in_runcs_order() {
        let r = res(
            r#"{"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728,
            "swappiness": 10, "disableOOMKiller": true}}"#,
        );
        assert_eq!(
            text(&writes(&r, &Everything).unwrap()),
            [
                "memory/memory.limit_in_bytes=67108864",
                "memory/memory.memsw.limit_in_bytes=134217728",
                "memory/memory.soft_limit_in_bytes=33554432",
                "memory/memory.swappiness=10",
                "memory/memory.oom_control=1",
            ]
        );
        // Unlimited swap goes first; a limit of -1 alone unlimits swap too.
        let r = res(r#"{"memory": {"limit": -1}}"#);
        assert_eq!(
            text(&writes(&r, &Everything).unwrap()),
            [
                "memory/memory.memsw.limit_in_bytes=-1",
                "memory/memory.limit_in_bytes=-1"
            ]
        );
        let e = writes(
            &res(r#"{"memory": {"limit": 100, "swap": 50}}"#),
            &Everything,
        )
        .unwrap_err();
        assert!(e.to_string().contains("linux.resources.memory.swap"), "{e}");
    }

    #[test]
    fn cpu_cpuset_pids() {
        let r = res(
            r#"{"cpu": {"shares": 1024, "quota": 50000, "period": 100000,
            "realtimeRuntime": 1000, "realtimePeriod": 100000, "cpus": "0", "mems": "0"},
            "pids": {"limit": 0}}"#,
        );
        assert_eq!(
            text(&writes(&r, &ThisHost).unwrap()),
            [
                "cpu/cpu.shares=1024",
                "cpu/cpu.cfs_period_us=100000",
                "cpu/cpu.cfs_quota_us=50000",
                "cpu/cpu.rt_period_us=100000",
                "cpu/cpu.rt_runtime_us=1000",
                "cpuset/cpuset.cpus=0",
                "cpuset/cpuset.mems=0",
                "pids/pids.max=max",
            ]
        );
    }

    #[test]
    fn blkio_throttle_applies_and_weight_is_refused_where_the_kernel_has_none() {
        let r = res(
            r#"{"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]}}"#,
        );
        assert_eq!(
            text(&writes(&r, &ThisHost).unwrap()),
            ["blkio/blkio.throttle.read_bps_device=8:0 1048576"]
        );
        let e = writes(&res(r#"{"blockIO": {"weight": 500}}"#), &ThisHost).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not supported: linux.resources.blockIO.weight: this host's kernel has no blkio file blkio.weight"
        );
    }

    #[test]
    fn what_the_host_lacks_is_refused_by_field() {
        let e = writes(
            &res(r#"{"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}"#),
            &ThisHost,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("linux.resources.hugepageLimits: no cgroup v1 hugetlb hierarchy"),
            "{e}"
        );
        let r = res(r#"{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}"#);
        assert_eq!(
            text(&writes(&r, &Everything).unwrap()),
            ["hugetlb/hugetlb.2MB.limit_in_bytes=4194304"]
        );
        let e = writes(&res(r#"{"unified": {"memory.max": "1"}}"#), &Everything).unwrap_err();
        assert!(e.to_string().contains("linux.resources.unified"), "{e}");
        let e = writes(&res(r#"{"network": {"classID": 1}}"#), &ThisHost).unwrap_err();
        assert!(
            e.to_string().contains("linux.resources.network.classID"),
            "{e}"
        );
    }
}
