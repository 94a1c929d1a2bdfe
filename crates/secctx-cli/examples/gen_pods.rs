//! Generates N pod manifests (default 100,000) as one multi-document YAML stream on stdout, for
//! `scripts/bench-check`. Deterministic mix: about half pass `restricted:latest`, a quarter
//! fail several checks, a quarter have init containers (half of those failing).
//!
//! `cargo run --release -p secctx-cli --example gen_pods -- 100000 > pods.yaml`

use std::io::{BufWriter, Write};

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

const HARDENED: &str = "    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: [\"ALL\"]
";

fn container(out: &mut String, name: &str, hardened: bool, rng: &mut Rng) {
    out.push_str(&format!(
        "  - name: {name}\n    image: registry.k8s.io/pause:3.9\n    ports:\n    - containerPort: 8080\n"
    ));
    if rng.below(2) == 0 {
        out.push_str(
            "    readinessProbe:\n      httpGet:\n        path: /healthz\n        port: 8080\n",
        );
    }
    if hardened {
        out.push_str(HARDENED);
    } else {
        match rng.below(3) {
            0 => out.push_str("    securityContext:\n      privileged: true\n"),
            1 => out.push_str("    securityContext:\n      runAsUser: 0\n      capabilities:\n        add: [\"NET_ADMIN\", \"SYS_TIME\"]\n"),
            _ => {}
        }
    }
}

fn pod(i: usize, rng: &mut Rng) -> String {
    let kind = rng.below(4);
    let passing = kind < 2 || (kind == 3 && rng.below(2) == 0);
    let mut s = format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  namespace: ns-{}\n  labels:\n    app: app-{}\nspec:\n",
        i % 50,
        i % 1000
    );
    if passing {
        s.push_str("  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n");
    } else if rng.below(2) == 0 {
        s.push_str("  hostNetwork: true\n");
    }
    if kind == 3 {
        s.push_str("  initContainers:\n");
        container(&mut s, "init", passing, rng);
    }
    s.push_str("  containers:\n");
    for c in 0..1 + rng.below(3) {
        container(&mut s, &format!("c{c}"), passing, rng);
    }
    s.push_str("  volumes:\n  - name: data\n    emptyDir: {}\n  - name: config\n    configMap:\n      name: cfg\n");
    s
}

fn main() -> std::io::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for i in 0..n {
        out.write_all(pod(i, &mut rng).as_bytes())?;
    }
    out.flush()
}
