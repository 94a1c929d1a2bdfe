//! Shared by the `secctx run` tests: a private store and state directory, the probe, and
//! the comparison of what the probe saw with what `secctx explain` predicted.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::{images, secctx};

/// The probe every regular container runs instead of its command.
pub const PROBE: &str = "id; grep -E '^(CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/1/status";

/// A private image store and pod state directory, removed (pods first) on drop.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            std::fs::metadata("/proc/self").unwrap().uid(),
            0,
            "secctx run tests need root (CI runs as root)"
        );
        let env = Env {
            dir: tempfile::Builder::new()
                .prefix("secctx-run-")
                .tempdir()
                .unwrap(),
        };
        for (name, path) in images() {
            let o = env
                .cmd()
                .args(["image", "import", name, path])
                .output()
                .unwrap();
            assert!(o.status.success(), "import {name}: {}", text(&o));
        }
        env
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn cmd(&self) -> Command {
        let mut c = secctx();
        c.env("SECCTX_ROOT", self.store())
            .env("SECCTX_STATE_DIR", self.state());
        c
    }

    pub fn run(&self, file: &Path, extra: &[&str]) -> Output {
        self.cmd()
            .arg("run")
            .arg(file)
            .args(extra)
            .output()
            .unwrap()
    }

    pub fn explain(&self, file: &Path) -> Value {
        let mut c = self.cmd();
        c.arg("explain")
            .arg(file)
            .args(["-o", "json", "--node-from-host"]);
        for (name, _) in images() {
            c.args(["--image", name]);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "explain: {}", text(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    }

    pub fn inspect(&self, pod: &str) -> Value {
        let o = self.cmd().args(["inspect", pod]).output().unwrap();
        assert!(o.status.success(), "inspect: {}", text(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    }

    pub fn rm(&self, pod: &str) {
        let o = self.cmd().args(["rm", pod]).output().unwrap();
        assert!(o.status.success(), "rm {pod}: {}", text(&o));
    }

    pub fn write(&self, name: &str, yaml: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, yaml).unwrap();
        p
    }

    pub fn pods(&self) -> Vec<String> {
        std::fs::read_dir(self.state())
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for p in self.pods() {
            let _ = self.cmd().args(["rm", &p]).output();
        }
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "exit={:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `[container] line` output → lines per container.
pub fn by_container(o: &Output) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in String::from_utf8_lossy(&o.stdout).lines() {
        if let Some((c, rest)) = l.strip_prefix('[').and_then(|l| l.split_once("] ")) {
            out.entry(c.to_string()).or_default().push(rest.to_string());
        }
    }
    out
}

/// What the probe printed, as explain's field names.
pub fn observed(lines: &[String]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for l in lines {
        if l.starts_with("uid=") {
            m.insert("id".into(), l.clone());
        } else if let Some((k, v)) = l.split_once(":\t") {
            m.insert(k.to_string(), v.trim().to_string());
        }
    }
    m
}

/// explain's prediction in the probe's terms.
pub fn predicted(c: &Value) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("id".into(), c["idLine"].as_str().unwrap_or("?").to_string());
    let caps = &c["caps"]["value"];
    m.insert("CapPrm".into(), caps["prm"].as_str().unwrap_or("?").into());
    m.insert("CapEff".into(), caps["eff"].as_str().unwrap_or("?").into());
    m.insert("CapBnd".into(), caps["bnd"].as_str().unwrap_or("?").into());
    let nnp = c["noNewPrivs"]["value"].as_bool().unwrap_or(false);
    m.insert("NoNewPrivs".into(), if nnp { "1" } else { "0" }.into());
    m.insert("Seccomp".into(), c["seccomp"]["procMode"].to_string());
    m
}

/// `secctx ARGS` as [`crate::common::without_cgroup2_mount`] runs it (for `--runtime crun`).
pub fn in_crun_namespace(env: &Env, args: &[&str]) -> Output {
    crate::common::without_cgroup2_mount("exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_secctx"))
        .args(args)
        .env("SECCTX_ROOT", env.store())
        .env("SECCTX_STATE_DIR", env.state())
        .current_dir(crate::common::repo())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}
