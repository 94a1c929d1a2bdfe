# System packages the build and the tests need; installed with apt-get when missing (needs root).
# kubectl: the oracle of the YAML corpus test (crates/secctx-core/tests/yaml_corpus.rs); it decodes offline.
# It also renders deploy/ (kubectl kustomize) in crates/secctx-cli/tests/deploy_kustomize.rs.
# shellcheck shell=bash
SECCTX_PACKAGES=(libseccomp-dev pkg-config busybox-static crun runc skopeo umoci docker-registry hyperfine gcc libc6-dev util-linux openssl time python3-venv containerd kubectl)

ensure_packages() {
  local missing=()
  for p in "${SECCTX_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: these packages are missing and installing them needs root: ${missing[*]}" >&2
      exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "${missing[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; }
  fi
}
