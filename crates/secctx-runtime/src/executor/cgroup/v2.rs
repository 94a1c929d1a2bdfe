//! `linux.resources` as cgroup v2 (unified) files, with runc's conversions: values in, files
//! and contents out. This host runs cgroup v1 (its cgroup2 mount has no controllers), so the
//! v2 files are rendered and unit-tested, never written here; what v2 has no file for is
//! refused by field.
//!
//! Conversions (runc, `opencontainers/cgroups`): `cpu.weight` from shares (the current
//! quadratic fit over log2(shares): 2 → 1, 1024 → 100, 262144 → 10000); `cpu.max` =
//! `<quota|max> <period>`; `memory.swap.max` = memory+swap − memory; `io.weight` from the v1
//! weight `1 + (w − 10) × 9999 / 990`; `io.max` per device; `hugetlb.<size>.max`; `unified`
//! passed through (plain file names only).

use std::collections::BTreeMap;

use oci_spec::runtime::LinuxResources;

use crate::executor::ExecError;

fn refuse(field: &str, why: &str) -> ExecError {
    ExecError::Unsupported(format!("linux.resources.{field}: {why}"))
}

/// runc's `ConvertCPUSharesToCgroupV2Value`: 0 stays unset.
pub fn cpu_weight(shares: u64) -> u64 {
    if shares == 0 {
        return 0;
    }
    if shares <= 2 {
        return 1;
    }
    if shares >= 262_144 {
        return 10_000;
    }
    let l = (shares as f64).log2();
    let exponent = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
    10f64.powf(exponent).ceil() as u64
}

/// runc's `ConvertBlkIOToIOWeightValue`: v1 [10, 1000] to v2 [1, 10000].
pub fn io_weight(blkio_weight: u16) -> u64 {
    if blkio_weight == 0 {
        return 0;
    }
    1 + (u64::from(blkio_weight).saturating_sub(10)) * 9999 / 990
}

/// runc's `ConvertMemorySwapToCgroupV2Value`: `None` leaves memory.swap.max unset.
pub fn swap_max(swap: i64, memory: i64) -> Result<Option<String>, ExecError> {
    let field = "memory.swap";
    Ok(match (memory, swap) {
        (-1, 0) | (_, -1) => Some("max".into()),
        (_, 0) => None,
        (0 | -1, _) => return Err(refuse(field, "a swap limit needs a memory limit")),
        (m, _) if m < 0 => return Err(refuse("memory.limit", "invalid value")),
        (m, s) if s < m => {
            return Err(refuse(field, "memory+swap limit should be >= memory limit"));
        }
        (m, s) => Some((s - m).to_string()),
    })
}

fn max_or(v: i64) -> String {
    if v < 0 { "max".into() } else { v.to_string() }
}

/// The files (name → content) of a container's v2 cgroup for `r`; device rules excluded
/// (v2 has no devices files: they are an eBPF program).
pub fn files(r: &LinuxResources) -> Result<BTreeMap<String, String>, ExecError> {
    let mut f = BTreeMap::new();
    if let Some(m) = r.memory() {
        let limit = m.limit().unwrap_or(0);
        if let Some(l) = m.limit().filter(|l| *l != 0) {
            f.insert("memory.max".into(), max_or(l));
        }
        if let Some(v) = m.reservation().filter(|v| *v != 0) {
            f.insert("memory.low".into(), max_or(v));
        }
        if let Some(s) = swap_max(m.swap().unwrap_or(0), limit)? {
            f.insert("memory.swap.max".into(), s);
        }
        if m.kernel().is_some() || m.kernel_tcp().is_some() {
            return Err(refuse(
                "memory.kernel",
                "cgroup v2 has no kernel memory limit",
            ));
        }
        if m.swappiness().is_some() {
            return Err(refuse(
                "memory.swappiness",
                "cgroup v2 has no per-cgroup swappiness",
            ));
        }
        if m.disable_oom_killer() == Some(true) {
            return Err(refuse(
                "memory.disableOOMKiller",
                "cgroup v2 cannot disable the OOM killer",
            ));
        }
    }
    if let Some(c) = r.cpu() {
        if let Some(s) = c.shares().filter(|s| *s != 0) {
            f.insert("cpu.weight".into(), cpu_weight(s).to_string());
        }
        let quota = c.quota().filter(|q| *q != 0);
        let period = c.period().filter(|p| *p != 0);
        if quota.is_some() || period.is_some() {
            let q = quota.map_or("max".to_string(), max_or);
            f.insert(
                "cpu.max".into(),
                format!("{q} {}", period.unwrap_or(100_000)),
            );
        }
        if let Some(b) = c.burst() {
            f.insert("cpu.max.burst".into(), b.to_string());
        }
        if let Some(i) = c.idle() {
            f.insert("cpu.idle".into(), i.to_string());
        }
        if c.realtime_runtime().is_some() || c.realtime_period().is_some() {
            return Err(refuse(
                "cpu.realtimeRuntime",
                "cgroup v2 has no realtime cpu files",
            ));
        }
        if let Some(v) = c.cpus().as_deref().filter(|v| !v.is_empty()) {
            f.insert("cpuset.cpus".into(), v.into());
        }
        if let Some(v) = c.mems().as_deref().filter(|v| !v.is_empty()) {
            f.insert("cpuset.mems".into(), v.into());
        }
    }
    if let Some(p) = r.pids() {
        f.insert(
            "pids.max".into(),
            if p.limit() > 0 {
                p.limit().to_string()
            } else {
                "max".into()
            },
        );
    }
    if let Some(b) = r.block_io() {
        if let Some(w) = b.weight() {
            f.insert("io.weight".into(), io_weight(w).to_string());
        }
        if b.leaf_weight().is_some() {
            return Err(refuse("blockIO.leafWeight", "cgroup v2 has no leaf weight"));
        }
        let mut weights = Vec::new();
        for d in b.weight_device().iter().flatten() {
            if let Some(w) = d.weight() {
                weights.push(format!("{}:{} {}", d.major(), d.minor(), io_weight(w)));
            }
        }
        if !weights.is_empty() {
            let mut all = f
                .remove("io.weight")
                .map(|w| vec![format!("default {w}")])
                .unwrap_or_default();
            all.extend(weights);
            f.insert("io.weight".into(), all.join("\n"));
        }
        let mut max: BTreeMap<(i64, i64), Vec<String>> = BTreeMap::new();
        for (key, list) in [
            ("rbps", b.throttle_read_bps_device()),
            ("wbps", b.throttle_write_bps_device()),
            ("riops", b.throttle_read_iops_device()),
            ("wiops", b.throttle_write_iops_device()),
        ] {
            for d in list.iter().flatten() {
                max.entry((d.major(), d.minor()))
                    .or_default()
                    .push(format!("{key}={}", d.rate()));
            }
        }
        if !max.is_empty() {
            let lines: Vec<String> = max
                .into_iter()
                .map(|((ma, mi), kv)| format!("{ma}:{mi} {}", kv.join(" ")))
                .collect();
            f.insert("io.max".into(), lines.join("\n"));
        }
    }
    for h in r.hugepage_limits().iter().flatten() {
        f.insert(
            format!("hugetlb.{}.max", h.page_size()),
            h.limit().to_string(),
        );
    }
    if r.network().is_some() {
        return Err(refuse(
            "network",
            "cgroup v2 has no net_cls/net_prio controllers",
        ));
    }
    if let Some(rdma) = r.rdma() {
        let mut lines: Vec<String> = rdma
            .iter()
            .map(|(dev, l)| {
                let mut v = dev.clone();
                if let Some(h) = l.hca_handles() {
                    v.push_str(&format!(" hca_handle={h}"));
                }
                if let Some(h) = l.hca_objects() {
                    v.push_str(&format!(" hca_object={h}"));
                }
                v
            })
            .collect();
        lines.sort();
        if !lines.is_empty() {
            f.insert("rdma.max".into(), lines.join("\n"));
        }
    }
    for (k, v) in r.unified().iter().flatten() {
        if k.is_empty() || k.contains('/') || k.starts_with('.') || !k.contains('.') {
            return Err(refuse(
                "unified",
                &format!("{k:?} is not a cgroup file name"),
            ));
        }
        f.insert(k.clone(), v.clone());
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_of(json: &str) -> Vec<(String, String)> {
        let r: LinuxResources = serde_json::from_str(json).unwrap();
        files(&r).unwrap().into_iter().collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn shares_to_weight_as_runc_converts() {
        assert_eq!(cpu_weight(0), 0);
        assert_eq!(cpu_weight(2), 1);
        assert_eq!(cpu_weight(1024), 100);
        assert_eq!(cpu_weight(262_144), 10_000);
        assert_eq!(cpu_weight(512), 59);
        assert_eq!(cpu_weight(102), 17);
    }

    #[test]
    fn a_kubelet_container_on_cgroup_v2() {
        // What `oci` renders for limits {cpu: 500m, memory: 64Mi} on a v2 node.
        let got = files_of(
            r#"{"memory": {"limit": 67108864, "swap": 67108864},
                "cpu": {"shares": 512, "quota": 50000, "period": 100000},
                "unified": {"memory.oom.group": "1", "memory.swap.max": "0"}}"#,
        );
        assert_eq!(
            got,
            pairs(&[
                ("cpu.max", "50000 100000"),
                ("cpu.weight", "59"),
                ("memory.max", "67108864"),
                ("memory.oom.group", "1"),
                ("memory.swap.max", "0"),
            ])
        );
    }

    #[test]
    fn memory_reservation_swap_pids_cpuset() {
        let got = files_of(
            r#"{"memory": {"limit": 1000, "reservation": 500, "swap": 3000},
                "cpu": {"shares": 2, "cpus": "0-1", "mems": "0"}, "pids": {"limit": 32}}"#,
        );
        assert_eq!(
            got,
            pairs(&[
                ("cpu.weight", "1"),
                ("cpuset.cpus", "0-1"),
                ("cpuset.mems", "0"),
                ("memory.low", "500"),
                ("memory.max", "1000"),
                ("memory.swap.max", "2000"),
                ("pids.max", "32"),
            ])
        );
        // No quota: "max" with the period.
        assert_eq!(
            files_of(r#"{"cpu": {"period": 50000}}"#),
            pairs(&[("cpu.max", "max 50000")])
        );
        assert_eq!(
            files_of(r#"{"memory": {"limit": -1}}"#),
            pairs(&[("memory.max", "max"), ("memory.swap.max", "max")])
        );
    }

    #[test]
    fn io_and_hugetlb() {
        let got = files_of(
            r#"{"blockIO": {"weight": 500,
                "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 100}],
                "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 7}]},
                "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}"#,
        );
        assert_eq!(
            got,
            pairs(&[
                ("hugetlb.2MB.max", "4194304"),
                ("io.max", "8:0 rbps=100 wiops=7"),
                ("io.weight", "4950"),
            ])
        );
    }

    #[test]
    fn what_v2_has_no_file_for_is_refused_by_field() {
        for (json, field) in [
            (
                r#"{"memory": {"limit": 10, "kernel": 10}}"#,
                "memory.kernel",
            ),
            (r#"{"cpu": {"realtimeRuntime": 10}}"#, "cpu.realtimeRuntime"),
            (r#"{"memory": {"swap": 10}}"#, "memory.swap"),
            (r#"{"network": {"classID": 1}}"#, "network"),
            (r#"{"unified": {"../x": "1"}}"#, "unified"),
        ] {
            let r: LinuxResources = serde_json::from_str(json).unwrap();
            let e = files(&r).unwrap_err().to_string();
            assert!(
                e.contains(&format!("linux.resources.{field}:")),
                "{json}: {e}"
            );
        }
    }
}
