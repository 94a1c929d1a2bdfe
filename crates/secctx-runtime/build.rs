//! Builds the pod sandbox's pause program (`src/pod/pause.c`) as a static executable into
//! `OUT_DIR/pause`; `pod::sandbox` embeds it. Static, so the sandbox's root needs nothing of
//! the host (no loader, no C library).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let src = "src/pod/pause.c";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-env-changed=CC");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("pause");
    let cc = std::env::var("CC").unwrap_or_else(|_| "gcc".into());
    let result = Command::new(&cc)
        .args(["-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&out)
        .arg(src)
        .output();
    match result {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "{cc} could not build the pod sandbox's pause program ({src}) as a static binary; \
             it needs gcc and static glibc (libc6-dev, scripts/lib/packages.sh):\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "{cc} is missing ({e}): building the pod sandbox's pause program needs gcc and \
             libc6-dev (scripts/lib/packages.sh)"
        ),
    }
}
