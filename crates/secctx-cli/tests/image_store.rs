//! The image store end to end: `secctx image import/pull/ls/rm/unpack` and `explain --image
//! NAME`. Pulls run against a real registry: Debian's `docker-registry` on 127.0.0.1 (plain
//! HTTP, and HTTPS with a private CA made with `openssl`), images pushed with `skopeo`.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{images, repo, secctx};

/// The busybox test image (an OCI layout).
fn busybox() -> PathBuf {
    repo().join(&images()[0].1)
}

/// A copy of the busybox test image's layout at `dest`, to alter without touching the shared one.
fn copy_of_busybox(dest: &Path) {
    let cp = Command::new("cp")
        .arg("-a")
        .arg(busybox())
        .arg(dest)
        .status()
        .unwrap();
    assert!(
        cp.success(),
        "cp -a {} {}",
        busybox().display(),
        dest.display()
    );
}

/// `secctx ARGS --root ROOT`.
fn run(root: &Path, args: &[&str]) -> Output {
    secctx()
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

fn ok(root: &Path, args: &[&str]) -> String {
    let out = run(root, args);
    assert!(
        out.status.success(),
        "secctx {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(root: &Path, args: &[&str]) -> String {
    let out = run(root, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "secctx {args:?} should fail with exit code 2; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn manifest_digest(layout: &Path) -> String {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

fn need(bin: &str, package: &str) {
    assert!(
        Path::new(bin).exists(),
        "{bin} is missing: install Debian's {package} (scripts/lib/packages.sh lists it)"
    );
}

/// A `docker-registry` process, killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry on a free port; `tls` = (certificate, key) for HTTPS.
    fn start(tls: Option<(&Path, &Path)>) -> Registry {
        need("/usr/bin/docker-registry", "docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((cert, key)) = tls {
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("/usr/bin/docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reg = Registry {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on 127.0.0.1:{port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        reg
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `skopeo copy` of an OCI layout to `name:tag` in this registry (TLS not verified).
    fn push(&self, layout: &Path, tag_in_layout: &str, dest: &str, extra: &[&str]) {
        need("/usr/bin/skopeo", "skopeo");
        let out = Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .args(extra)
            .arg(format!("oci:{}:{tag_in_layout}", layout.display()))
            .arg(format!("docker://{}/{dest}", self.host()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo copy failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn import_all_three_kinds_then_ls_unpack_rm() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let root = root.as_path();
    let oci = busybox();

    // OCI layout.
    let out = ok(
        root,
        &["image", "import", "busybox:1.28", oci.to_str().unwrap()],
    );
    assert_eq!(out, format!("busybox:1.28 {}\n", manifest_digest(&oci)));

    // A rootfs directory: the busybox image unpacked.
    let rootfs = tmp.path().join("rootfs");
    ok(
        root,
        &["image", "unpack", "busybox:1.28", rootfs.to_str().unwrap()],
    );
    assert!(rootfs.join("bin/busybox").is_file());
    assert_eq!(
        std::fs::read_link(rootfs.join("bin/sh")).unwrap(),
        Path::new("/bin/busybox")
    );
    ok(
        root,
        &["image", "import", "plain", rootfs.to_str().unwrap()],
    );

    // A docker-archive tar built from that rootfs.
    let archive = tmp.path().join("app.tar");
    let built = secctx()
        .args([
            "image",
            "build",
            "--format",
            "docker-archive",
            "--user",
            "1234",
        ])
        .arg("--rootfs")
        .arg(&rootfs)
        .args(["--tag", "app:1", "-o"])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(built.status.success());
    ok(
        root,
        &["image", "import", "app:1", archive.to_str().unwrap()],
    );

    let list: serde_json::Value =
        serde_json::from_str(&ok(root, &["image", "ls", "-o", "json"])).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app:1", "busybox:1.28", "plain"]);
    let sources: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert!(sources[0].starts_with("docker-archive "));
    assert!(sources[1].starts_with("OCI layout "));
    assert!(sources[2].starts_with("rootfs directory "));
    let text = ok(root, &["image", "ls"]);
    assert!(text.starts_with("NAME"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");

    for name in ["app:1", "plain"] {
        let dest = tmp.path().join(format!("u-{name}"));
        ok(root, &["image", "unpack", name, dest.to_str().unwrap()]);
        assert!(dest.join("bin/busybox").is_file(), "{name}");
        assert_eq!(
            std::fs::read(dest.join("etc/passwd")).unwrap(),
            std::fs::read(rootfs.join("etc/passwd")).unwrap()
        );
    }
    // A non-empty destination is refused.
    let err = fails(
        root,
        &["image", "unpack", "plain", rootfs.to_str().unwrap()],
    );
    assert!(err.contains("must be empty"), "{err}");

    ok(root, &["image", "rm", "app:1"]);
    ok(root, &["image", "rm", "plain"]);
    let err = fails(root, &["image", "rm", "plain"]);
    assert!(err.contains("no image named \"plain\""), "{err}");
    let left: serde_json::Value =
        serde_json::from_str(&ok(root, &["image", "ls", "-o", "json"])).unwrap();
    assert_eq!(left.as_array().unwrap().len(), 1);
}

#[test]
fn root_comes_from_secctx_root_too() {
    let tmp = tempfile::tempdir().unwrap();
    let out = secctx()
        .args(["image", "import", "busybox:1.28"])
        .arg(busybox())
        .env("SECCTX_ROOT", tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(tmp.path().join("images/index.json").is_file());
}

#[test]
fn a_corrupt_layer_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let layout = tmp.path().join("oci");
    copy_of_busybox(&layout);
    // Corrupt the largest blob (the layer) in place, keeping its size.
    let layer = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&layer).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&layer, &bytes).unwrap();
    let err = fails(&root, &["image", "import", "bad", layout.to_str().unwrap()]);
    assert!(err.contains("content has digest sha256:"), "{err}");
    let list = ok(&root, &["image", "ls", "-o", "json"]);
    assert_eq!(list.trim(), "[]");
    let blobs = std::fs::read_dir(root.join("images/blobs/sha256"))
        .unwrap()
        .count();
    assert_eq!(blobs, 0, "nothing half-written is left");
}

#[test]
fn explain_reads_images_from_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let mut by_path = vec!["explain".to_string(), "examples/pods".to_string()];
    let mut by_name = by_path.clone();
    for (name, path) in images() {
        ok(root, &["image", "import", name, path]);
        by_path.extend(["--image".to_string(), format!("{name}={path}")]);
        by_name.extend(["--image".to_string(), name.clone()]);
    }
    let a: Vec<&str> = by_path.iter().map(String::as_str).collect();
    let b: Vec<&str> = by_name.iter().map(String::as_str).collect();
    let from_paths = ok(root, &a);
    let from_store = ok(root, &b);
    // Identical but for where the image came from.
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| match l.split_once(" = ") {
                Some((head, _)) if l.contains(" image ") => head.to_string(),
                _ => l.to_string(),
            })
            .collect()
    };
    assert_eq!(strip(&from_paths), strip(&from_store));
    assert!(from_store.contains("in the store"), "{from_store}");
    let err = fails(root, &["explain", "examples/pods", "--image", "nope:1"]);
    assert!(err.contains("no image named \"nope:1\""), "{err}");
}

/// `oci` takes its images from the store as `explain` does (`--image NAME`), and the config it
/// prints is the one it prints for the same image given by path.
#[test]
fn oci_reads_images_from_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (name, path) = &images()[0];
    ok(root, &["image", "import", name, path]);
    let pod = tmp.path().join("pod.yaml");
    std::fs::write(
        &pod,
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: c\n    image: {name}\n"
        ),
    )
    .unwrap();
    let pod = pod.to_str().unwrap();
    let by_path = ok(root, &["oci", pod, "--image", &format!("{name}={path}")]);
    let by_name = ok(root, &["oci", pod, "--image", name]);
    assert_eq!(by_path, by_name);
    let v: serde_json::Value = serde_json::from_str(&by_name).unwrap();
    assert!(v["process"]["user"]["uid"].is_u64(), "{by_name}");
    let err = fails(root, &["oci", pod, "--image", "nope:1"]);
    assert!(err.contains("no image named \"nope:1\""), "{err}");
}

#[test]
fn pull_over_plain_http_needs_insecure() {
    let reg = Registry::start(None);
    let oci = busybox();
    reg.push(&oci, "busybox:1.28", "library/busybox:1.28", &[]);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let reference = format!("{}/library/busybox:1.28", reg.host());

    let err = fails(root, &["image", "pull", &reference]);
    assert!(
        err.contains(&format!("https://{}/v2/", reg.host())),
        "{err}"
    );
    assert!(err.contains("--insecure"), "{err}");
    assert_eq!(ok(root, &["image", "ls", "-o", "json"]).trim(), "[]");

    let out = ok(root, &["image", "pull", "--insecure", &reference]);
    assert_eq!(out, format!("{reference} {}\n", manifest_digest(&oci)));
    let dest = root.join("rootfs");
    ok(
        root,
        &["image", "unpack", &reference, dest.to_str().unwrap()],
    );
    assert!(dest.join("bin/busybox").is_file());
    // A missing tag is a clear error.
    let err = fails(
        root,
        &[
            "image",
            "pull",
            "--insecure",
            &format!("{}/library/busybox:nope", reg.host()),
        ],
    );
    assert!(err.contains("HTTP 404"), "{err}");
}

#[test]
fn pull_docker_schema2_and_image_index() {
    let reg = Registry::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let root = root.as_path();

    // Docker v2 schema 2: skopeo converts on push.
    reg.push(&busybox(), "busybox:1.28", "v2s2:1", &["--format", "v2s2"]);
    let reference = format!("{}/v2s2:1", reg.host());
    let out = ok(root, &["image", "pull", "--insecure", &reference]);
    let digest = out.split_whitespace().nth(1).unwrap();
    let manifest = std::fs::read_to_string(
        root.join("images/blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
    )
    .unwrap();
    assert!(
        manifest.contains("application/vnd.docker.distribution.manifest.v2+json"),
        "{manifest}"
    );
    let dest = tmp.path().join("v2s2");
    ok(
        root,
        &["image", "unpack", &reference, dest.to_str().unwrap()],
    );
    assert!(dest.join("bin/busybox").is_file());

    // An image index: arm64 → busybox, amd64 → agnhost; linux/amd64 is chosen.
    let layout = tmp.path().join("multi");
    copy_of_busybox(&layout);
    let agnhost = repo().join(&images()[1].1);
    for e in std::fs::read_dir(agnhost.join("blobs/sha256")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), layout.join("blobs/sha256").join(e.file_name())).unwrap();
    }
    let entry = |l: &Path, arch: &str| {
        let d = manifest_digest(l);
        let size = std::fs::metadata(l.join("blobs/sha256").join(d.trim_start_matches("sha256:")))
            .unwrap()
            .len();
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": d, "size": size,
            "platform": {"architecture": arch, "os": "linux"},
        })
    };
    let nested = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [entry(&busybox(), "arm64"), entry(&agnhost, "amd64")],
    }))
    .unwrap();
    let nested_digest = sha256_hex(&nested);
    std::fs::write(layout.join("blobs/sha256").join(&nested_digest), &nested).unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": format!("sha256:{nested_digest}"),
            "size": nested.len(),
            "annotations": {"org.opencontainers.image.ref.name": "multi"},
        }],
    });
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    reg.push(&layout, "multi", "multi:1", &["--multi-arch", "all"]);
    let reference = format!("{}/multi:1", reg.host());
    let out = ok(root, &["image", "pull", "--insecure", &reference]);
    assert_eq!(out, format!("{reference} {}\n", manifest_digest(&agnhost)));
}

/// sha256 of some bytes, by coreutils' `sha256sum`.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// A private CA and a server certificate for 127.0.0.1, made with openssl.
fn private_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    need("/usr/bin/openssl", "openssl");
    let sh = |script: &str| {
        let out = Command::new("sh")
            .arg("-ec")
            .arg(script)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    sh(concat!(
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=secctx test CA'\n",
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1\n",
        "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf\n",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf\n",
    ));
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

#[test]
fn pull_over_https_with_a_private_ca() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = private_ca(certs.path());
    let reg = Registry::start(Some((&cert, &key)));
    let oci = busybox();
    reg.push(&oci, "busybox:1.28", "busybox:1.28", &[]);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let reference = format!("{}/busybox:1.28", reg.host());

    // The CA is not trusted by default.
    let err = fails(root, &["image", "pull", &reference]);
    assert!(
        err.contains("UnknownIssuer") || err.contains("certificate"),
        "{err}"
    );
    assert!(err.contains("--ca-file"), "{err}");
    // Plain HTTP to an HTTPS registry fails too.
    let err = fails(root, &["image", "pull", "--insecure", &reference]);
    assert!(err.contains("HTTP 400"), "{err}");

    let out = ok(
        root,
        &[
            "image",
            "pull",
            "--ca-file",
            ca.to_str().unwrap(),
            &reference,
        ],
    );
    assert_eq!(out, format!("{reference} {}\n", manifest_digest(&oci)));
    let list: serde_json::Value =
        serde_json::from_str(&ok(root, &["image", "ls", "-o", "json"])).unwrap();
    assert!(
        list[0]["source"]
            .as_str()
            .unwrap()
            .starts_with(&format!("registry https://{}/v2/busybox", reg.host()))
    );
}

/// Defect 10 at the CLI: a gzip bomb (1 GiB of zeros in about 1 MB) stops at
/// `--max-unpack-size`, names the layer and the limit, and leaves no partial unpack; a layout
/// whose layer claims to be `text/html` is refused by `image import`; a malformed size is a
/// usage error.
#[test]
fn unpack_limits_and_strict_import_at_the_cli() {
    use secctx_runtime::image::build::{ImageBuilder, TarEntry, gzip_bomb, raw_tar};
    use secctx_runtime::image::media;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("store");
    let layout = tmp.path().join("bomb");
    let ok_layer = raw_tar(&[TarEntry::File("ok".into(), b"ok".to_vec(), 0o644)]).unwrap();
    ImageBuilder::new()
        .layer_tar(ok_layer.clone())
        .layer_blob(
            gzip_bomb(1 << 30).unwrap(),
            media::OCI_LAYER_GZIP,
            &format!("sha256:{}", "0".repeat(64)),
        )
        .write_oci_layout(&layout, "bomb:1")
        .unwrap();
    ok(
        &root,
        &["image", "import", "bomb:1", layout.to_str().unwrap()],
    );
    let dest = tmp.path().join("rootfs");
    let err = fails(
        &root,
        &[
            "image",
            "unpack",
            "--max-unpack-size",
            "16Mi",
            "bomb:1",
            dest.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("unpacked-size limit of 16777216 bytes (16 MiB)")
            && err.contains("--max-unpack-size")
            && err.contains("the partial unpack in"),
        "{err}"
    );
    assert!(err.contains(": layer sha256:"), "the layer is named: {err}");
    assert!(!dest.exists(), "no partial unpack is left");
    // `explain --image NAME=PATH` reads the layers within the same limit.
    let spec = format!("bomb:1={}", layout.display());
    let err = fails(
        &root,
        &[
            "explain",
            "examples/pods",
            "--image",
            &spec,
            "--max-unpack-size",
            "16Mi",
        ],
    );
    assert!(
        err.contains("unpacked-size limit of 16777216 bytes (16 MiB)"),
        "{err}"
    );

    // A layer declared as text/html.
    let html = tmp.path().join("html");
    ImageBuilder::new()
        .layer_blob(
            ok_layer.clone(),
            "text/html",
            &format!("sha256:{}", "0".repeat(64)),
        )
        .write_oci_layout(&html, "html:1")
        .unwrap();
    let err = fails(
        &root,
        &["image", "import", "html:1", html.to_str().unwrap()],
    );
    assert!(
        err.contains("layer media type \"text/html\" is not one secctx can unpack"),
        "{err}"
    );
    let list: serde_json::Value =
        serde_json::from_str(&ok(&root, &["image", "ls", "-o", "json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "only bomb:1 was stored");

    // A size that does not parse.
    let out = run(
        &root,
        &[
            "image",
            "unpack",
            "--max-unpack-size",
            "lots",
            "bomb:1",
            "/x",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("\"lots\" is not a size"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
