//! Issue 18, item 3 and bar 3 (root): a pod's requests and limits reach the cgroups as the
//! kubelet + containerd set them (values read back from the host's cgroup v1 files, and equal
//! to what `secctx oci` renders), the pod cgroup holds the pod's totals and is gone after
//! `rm`, and a container allocating past its memory limit ends `OOMKilled` with exit code 137
//! in `secctx inspect`. Then the embedded executor's cgroup v1 resources on a bundle (item 1):
//! every field this host's controllers offer, read back from inside the container, beside
//! crun; what the host lacks is refused by field.

mod common;
mod executor_support;
mod pods_support;

use std::path::{Path, PathBuf};

use pods_support::{Env, text};
use serde_json::{Value, json};

/// The one directory under `/sys/fs/cgroup/<controller>/secctx/*/` at `rel` (the state root's
/// tag is not known to the test).
fn find(controller: &str, rel: &str) -> Option<PathBuf> {
    let base = Path::new("/sys/fs/cgroup").join(controller).join("secctx");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&base)
        .ok()?
        .flatten()
        .map(|e| e.path().join(rel))
        .filter(|p| p.is_dir())
        .collect();
    assert!(
        found.len() <= 1,
        "{rel}: several state roots hold it: {found:?}"
    );
    found.pop()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
        .trim()
        .to_string()
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: res, uid: res-uid-1}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.28
    command: [sleep, '300']
    resources:
      requests: {cpu: 250m, memory: 32Mi}
      limits: {cpu: '0.5', memory: 64Mi}
  - name: side
    image: busybox:1.28
    command: [sleep, '300']
    resources:
      requests: {cpu: '0.5'}
      limits: {memory: 123Mi}
";

#[test]
fn run_applies_the_kubelets_values_and_the_pod_cgroup() {
    let env = Env::new();
    let f = env.write("res.yaml", POD);
    let o = env.run(&f, &["-d"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Burstable: both containers under kubepods/burstable/pod<uid>.
    let pod_rel = "kubepods/burstable/podres-uid-1";
    let app_mem = find("memory", &format!("{pod_rel}/res_app")).expect("app's memory cgroup");
    let app_cpu = find("cpu", &format!("{pod_rel}/res_app")).expect("app's cpu cgroup");
    let side_mem = find("memory", &format!("{pod_rel}/res_side")).expect("side's memory cgroup");
    let side_cpu = find("cpu", &format!("{pod_rel}/res_side")).expect("side's cpu cgroup");
    let pod_mem = find("memory", pod_rel).unwrap();
    let pod_cpu = find("cpu", pod_rel).unwrap();

    // app: shares 250m × 1024 / 1000 = 256; quota 500m × 100000 / 1000 = 50000 per 100000;
    // 64Mi, and memory+swap = the limit (NoSwap).
    assert_eq!(read(&app_cpu, "cpu.shares"), "256");
    assert_eq!(read(&app_cpu, "cpu.cfs_quota_us"), "50000");
    assert_eq!(read(&app_cpu, "cpu.cfs_period_us"), "100000");
    assert_eq!(read(&app_mem, "memory.limit_in_bytes"), "67108864");
    assert_eq!(read(&app_mem, "memory.memsw.limit_in_bytes"), "67108864");
    // side: 0.5 cpu requested: 512 shares, no limit: no quota; 123Mi = 128974848 bytes.
    assert_eq!(read(&side_cpu, "cpu.shares"), "512");
    assert_eq!(read(&side_cpu, "cpu.cfs_quota_us"), "-1");
    assert_eq!(read(&side_mem, "memory.limit_in_bytes"), "128974848");
    // The pod: shares from the summed requests (750m: 768); side sets no cpu limit, so no
    // quota; both limit memory: 64Mi + 123Mi.
    assert_eq!(read(&pod_cpu, "cpu.shares"), "768");
    assert_eq!(read(&pod_cpu, "cpu.cfs_quota_us"), "-1");
    assert_eq!(read(&pod_mem, "memory.limit_in_bytes"), "196083712");
    // The processes are in those cgroups.
    let procs = read(&app_mem, "cgroup.procs");
    assert!(!procs.is_empty(), "no process in {}", app_mem.display());

    // What `oci` renders for the same containers is what was applied.
    for (c, mem, cpu) in [("app", &app_mem, &app_cpu), ("side", &side_mem, &side_cpu)] {
        let o = env
            .cmd()
            .args(["oci"])
            .arg(&f)
            .args(["-c", c, "--image", "busybox:1.28"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let r = &v["linux"]["resources"];
        assert_eq!(
            r["cpu"]["shares"].to_string(),
            read(cpu, "cpu.shares"),
            "{c}"
        );
        assert_eq!(
            r["cpu"]["period"].to_string(),
            read(cpu, "cpu.cfs_period_us"),
            "{c}"
        );
        let quota = r["cpu"]["quota"].as_i64().unwrap_or(-1);
        assert_eq!(quota.to_string(), read(cpu, "cpu.cfs_quota_us"), "{c}");
        assert_eq!(
            r["memory"]["limit"].to_string(),
            read(mem, "memory.limit_in_bytes"),
            "{c}"
        );
        assert_eq!(
            v["linux"]["cgroupsPath"],
            json!(format!("/{pod_rel}/<container-id>")),
            "{c}"
        );
    }

    env.rm("res");
    assert_eq!(find("memory", pod_rel), None, "pod cgroup left after rm");
    assert_eq!(find("cpu", pod_rel), None, "pod cgroup left after rm");
}

#[test]
fn a_container_past_its_memory_limit_ends_oom_killed_137() {
    let env = Env::new();
    // busybox tail keeps every byte of a line in memory: /dev/zero has no newline, so it
    // grows until the kernel kills it at the 32Mi limit. It is the container's pid 1.
    let f = env.write(
        "oom.yaml",
        "apiVersion: v1
kind: Pod
metadata: {name: oom}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox:1.28
    command: [tail, /dev/zero]
    resources:
      limits: {memory: 32Mi}
  - name: fine
    image: busybox:1.28
    command: ['true']
",
    );
    let o = env.run(&f, &[]);
    assert!(!o.status.success(), "{}", text(&o));
    let v = env.inspect("oom");
    let statuses = v["status"]["containerStatuses"].as_array().unwrap();
    let by_name = |n: &str| {
        statuses
            .iter()
            .find(|s| s["name"] == n)
            .unwrap_or_else(|| panic!("no status for {n}: {v:#}"))
    };
    let hog = &by_name("hog")["state"]["terminated"];
    assert_eq!(hog["reason"], "OOMKilled", "{v:#}");
    assert_eq!(hog["exitCode"], 137, "{v:#}");
    let fine = &by_name("fine")["state"]["terminated"];
    assert_eq!(fine["reason"], "Completed", "{v:#}");
    assert_eq!(v["status"]["phase"], "Failed", "{v:#}");
    env.rm("oom");
}

/// `metadata.uid` names the pod cgroup (`pod<uid>`), and a manifest may set it: a uid that
/// climbs (`x/../../../../name`) must not create or write a cgroup outside secctx's hierarchy.
#[test]
fn a_pod_uid_that_climbs_out_of_the_pod_cgroup_is_refused() {
    let env = Env::new();
    let escape = "secctx-test-uid-escape";
    let f = env.write(
        "climb.yaml",
        &format!(
            "apiVersion: v1
kind: Pod
metadata: {{name: climb, uid: 'x/../../../../{escape}'}}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:1.28
    command: ['true']
    resources:
      limits: {{cpu: 100m, memory: 16Mi}}
"
        ),
    );
    let o = env.run(&f, &[]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("metadata.uid"), "{t}");
    for controller in [
        "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids",
    ] {
        let outside = Path::new("/sys/fs/cgroup").join(controller).join(escape);
        assert!(!outside.exists(), "{} was created", outside.display());
    }
    // A failed run leaves no pod behind (or one `rm` removes).
    if env.pods().iter().any(|p| p == "climb") {
        env.rm("climb");
    }
}

/// A bundle whose process prints the container's own cgroup files, through a read-only bind
/// of the host's `/sys/fs/cgroup`.
fn resources_bundle(name: &str, cgroups_path: &str, resources: Value, files: &[&str]) -> PathBuf {
    let script: String = files
        .iter()
        .map(|f| {
            // Each file's prefix is its controller's name.
            let controller = f.split('.').next().unwrap();
            format!("echo {f}=$(cat /sys/fs/cgroup/{controller}{cgroups_path}/{f}); ")
        })
        .collect();
    let mut config = executor_support::base_config(&["sh", "-c", &script]);
    let mut res = resources;
    res["devices"] = json!([{"allow": false, "access": "rwm"}]);
    config["linux"]["resources"] = res;
    config["linux"]["cgroupsPath"] = json!(cgroups_path);
    config["mounts"].as_array_mut().unwrap().push(json!({
        "destination": "/sys/fs/cgroup", "type": "bind", "source": "/sys/fs/cgroup",
        "options": ["rbind", "ro", "nosuid", "noexec", "nodev"]
    }));
    executor_support::bundle(name, &config)
}

#[test]
fn bundle_cgroup_v1_resources_read_back_from_inside_beside_crun() {
    let cpus = std::fs::read_to_string("/sys/fs/cgroup/cpuset/cpuset.cpus").unwrap();
    let first_cpu = cpus.trim().split([',', '-']).next().unwrap().to_string();
    let dev = std::fs::read_to_string("/sys/block/vda/dev")
        .or_else(|_| std::fs::read_to_string("/sys/dev/block/7:0/dev"))
        .unwrap_or_else(|_| "7:0\n".into());
    let (major, minor) = dev.trim().split_once(':').unwrap();
    let (major, minor): (i64, i64) = (major.parse().unwrap(), minor.parse().unwrap());
    let resources = json!({
        "memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "swappiness": 20},
        "cpu": {"shares": 512, "quota": 20000, "period": 50000,
                "realtimeRuntime": 5000, "realtimePeriod": 100000,
                "cpus": first_cpu, "mems": "0"},
        "pids": {"limit": 64},
        "blockIO": {"throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 1048576}]}
    });
    let files = [
        "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes",
        "memory.memsw.limit_in_bytes",
        "memory.swappiness",
        "cpu.shares",
        "cpu.cfs_quota_us",
        "cpu.cfs_period_us",
        "cpu.rt_runtime_us",
        "cpu.rt_period_us",
        "cpuset.cpus",
        "cpuset.mems",
        "pids.max",
        "blkio.throttle.read_bps_device",
    ];
    let path = format!("/secctx-test-{}/res", std::process::id());
    let b = resources_bundle("res-v1", &path, resources.clone(), &files);
    let ours = executor_support::run_secctx(&b, "res-v1");
    let got = String::from_utf8_lossy(&ours.stdout).into_owned();
    let expected = format!(
        "memory.limit_in_bytes=67108864\nmemory.soft_limit_in_bytes=33554432\n\
         memory.memsw.limit_in_bytes=134217728\nmemory.swappiness=20\ncpu.shares=512\n\
         cpu.cfs_quota_us=20000\ncpu.cfs_period_us=50000\ncpu.rt_runtime_us=5000\n\
         cpu.rt_period_us=100000\ncpuset.cpus={first_cpu}\ncpuset.mems=0\npids.max=64\n\
         blkio.throttle.read_bps_device={major}:{minor} 1048576\n"
    );
    // crun reads the same bundle the same way (its own cgroup path), realtime left out: crun
    // does not grant the parents a realtime budget, so its result depends on what other
    // cgroups of the machine hold at that moment.
    let crun_path = format!("/secctx-test-{}/res-crun", std::process::id());
    let mut no_rt = resources;
    for k in ["realtimeRuntime", "realtimePeriod"] {
        no_rt["cpu"].as_object_mut().unwrap().remove(k);
    }
    let crun_files: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| !f.starts_with("cpu.rt_"))
        .collect();
    let b = resources_bundle("res-v1-crun", &crun_path, no_rt, &crun_files);
    let o = executor_support::run_crun(&b, "res-v1-crun");
    let crun_expected: String = expected
        .lines()
        .filter(|l| !l.starts_with("cpu.rt_"))
        .map(|l| format!("{l}\n"))
        .collect();
    let crun_out = String::from_utf8_lossy(&o.stdout).into_owned();
    // crun leaves its cgroup's parents; remove both runtimes' from every hierarchy.
    for h in std::fs::read_dir("/sys/fs/cgroup").unwrap().flatten() {
        let top = h.path().join(format!("secctx-test-{}", std::process::id()));
        for leaf in ["res", "res-crun"] {
            let _ = std::fs::remove_dir(top.join(leaf));
        }
        let _ = std::fs::remove_dir(&top);
    }
    assert_eq!(
        ours.status.code(),
        Some(0),
        "{}",
        executor_support::text(&ours)
    );
    assert_eq!(got, expected);
    assert_eq!(o.status.code(), Some(0), "{}", executor_support::text(&o));
    assert_eq!(crun_out, crun_expected, "crun");
}

#[test]
fn bundle_resources_the_host_lacks_are_refused_by_field() {
    for (resources, field) in [
        (
            json!({"blockIO": {"weight": 500}}),
            "linux.resources.blockIO.weight",
        ),
        (
            json!({"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}]}),
            "linux.resources.hugepageLimits",
        ),
        (
            json!({"unified": {"memory.max": "1"}}),
            "linux.resources.unified",
        ),
        (
            json!({"memory": {"limit": 67108864, "kernel": 67108864}}),
            "linux.resources.memory.kernel",
        ),
    ] {
        let b = resources_bundle("res-refused", "", resources, &[]);
        let o = executor_support::run_secctx(&b, "res-refused");
        assert_ne!(
            o.status.code(),
            Some(0),
            "{field}: {}",
            executor_support::text(&o)
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(field),
            "{field}: {}",
            executor_support::text(&o)
        );
    }
}
