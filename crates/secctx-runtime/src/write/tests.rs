use std::os::unix::fs::{PermissionsExt, symlink};

use super::*;

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn contents_are_replaced_and_the_mode_kept_with_no_temporary_left() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pod.yaml");
    std::fs::write(&file, "a: 1\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    replace_file(&file, b"a: 2\n", Some(b"a: 1\n")).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: 2\n");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640);
    assert_eq!(entries(dir.path()), ["pod.yaml"]);
}

#[test]
fn a_symlink_is_kept_and_its_target_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.yaml");
    let link = dir.path().join("link.yaml");
    std::fs::write(&real, "a: 1\n").unwrap();
    symlink(&real, &link).unwrap();
    replace_file(&link, b"a: 3\n", None).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "a: 3\n");
    assert_eq!(entries(dir.path()), ["link.yaml", "real.yaml"]);
}

#[test]
fn a_file_changed_since_it_was_read_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pod.yaml");
    std::fs::write(&file, "a: changed\n").unwrap();
    let err = replace_file(&file, b"a: 2\n", Some(b"a: 1\n")).unwrap_err();
    assert!(matches!(err, WriteError::Changed(_)), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: changed\n");
    assert_eq!(entries(dir.path()), ["pod.yaml"]);
}

#[test]
fn missing_files_and_directories_are_errors_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = replace_file(&dir.path().join("none.yaml"), b"x", None).unwrap_err();
    assert!(err.to_string().contains("none.yaml: resolve"), "{err}");
    let err = replace_file(dir.path(), b"x", None).unwrap_err();
    assert!(matches!(err, WriteError::NotAFile(_)), "{err}");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn a_failed_write_leaves_the_original_and_no_temporary() {
    // The child runs with a 2 KiB file size limit and SIGXFSZ ignored (set by the shell and
    // kept across exec), so writing 64 KiB fails part way with EFBIG.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pod.yaml");
    std::fs::write(&file, "a: 1\n").unwrap();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4; exec \"$0\" \"$@\"")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "write::tests::child_write_too_large",
            "--ignored",
            "--nocapture",
        ])
        .env("SECCTX_WRITE_CHILD", &file)
        .status()
        .unwrap();
    assert!(status.success(), "the child saw the write fail cleanly");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: 1\n");
    assert_eq!(entries(dir.path()), ["pod.yaml"]);
}

/// The child of the test above (it needs the limits the shell sets).
#[test]
#[ignore = "run as a child process by a_failed_write_leaves_the_original_and_no_temporary"]
fn child_write_too_large() {
    let file = std::env::var_os("SECCTX_WRITE_CHILD").expect("SECCTX_WRITE_CHILD names the file");
    let big = vec![b'x'; 64 * 1024];
    let err = replace_file(Path::new(&file), &big, None).unwrap_err();
    assert!(err.to_string().contains(": write: "), "{err}");
}
