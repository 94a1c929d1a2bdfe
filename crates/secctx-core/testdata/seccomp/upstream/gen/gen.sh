#!/usr/bin/env bash
# Regenerates ../*.json and ../manifest.tsv by running containerd's and moby's own Go code
# (not secctx's) for every GOARCH under qemu-user, with the kernel release set by `qemu -r`.
#
# Needs: go (1.19 works), qemu-user, golang.org/x/sys source (Debian: golang-golang-x-sys-dev),
# and git checkouts: CONTAINERD (containerd/containerd), MOBY_PROFILES (moby/profiles),
# RUNTIME_SPEC (opencontainers/runtime-spec). Upstream files are taken verbatim at the commits
# below; the only edits are for Go 1.19 (sync.OnceValues, package slices), marked PATCH.
set -euo pipefail
: "${CONTAINERD:?}" "${MOBY_PROFILES:?}" "${RUNTIME_SPEC:?}"
XSYS=${XSYS:-/usr/share/gocode/src/golang.org/x/sys}
CONTAINERD_REV=301026e58c619e63d09c0ec411012e54c0124b03 # 2026-08-22
MOBY_REV=seccomp/v0.2.3
SPEC_REV=v1.3.0 # containerd's go.mod
here=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/src

mkdir -p "$src/golang.org/x" "$src/github.com/opencontainers/runtime-spec" \
  "$src/github.com/containerd/containerd/v2/contrib/seccomp" \
  "$src/github.com/containerd/containerd/v2/pkg/kernelversion" \
  "$src/github.com/moby/profiles/seccomp" "$src/upstream"
ln -s "$XSYS" "$src/golang.org/x/sys"
git -C "$RUNTIME_SPEC" archive "$SPEC_REV" specs-go | tar -x -C "$src/github.com/opencontainers/runtime-spec"
git -C "$CONTAINERD" show "$CONTAINERD_REV:contrib/seccomp/seccomp_default.go" \
  >"$src/github.com/containerd/containerd/v2/contrib/seccomp/seccomp_default.go"
# PATCH: sync.OnceValues is Go 1.21; call uname every time instead.
git -C "$CONTAINERD" show "$CONTAINERD_REV:pkg/kernelversion/kernel_linux.go" |
  sed -e 's/sync\.OnceValues(func/(func/' -e '/^\t"sync"$/d' \
  >"$src/github.com/containerd/containerd/v2/pkg/kernelversion/kernel_linux.go"
for f in seccomp.go seccomp_linux.go default_linux.go kernel_linux.go; do
  # PATCH: package slices is Go 1.21; use an equivalent helper.
  git -C "$MOBY_PROFILES" show "$MOBY_REV:seccomp/$f" |
    sed -e '/^\t"slices"$/d' -e 's/slices\.Contains(/sliceContains(/g' \
    >"$src/github.com/moby/profiles/seccomp/$f"
done
printf 'package seccomp\n\nfunc sliceContains(s []string, v string) bool {\n\tfor _, e := range s {\n\t\tif e == v {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n' \
  >"$src/github.com/moby/profiles/seccomp/compat.go"
cp "$here/main.go" "$src/upstream/"

declare -A QEMU=([386]=i386 [amd64]=x86_64 [arm]=arm [arm64]=aarch64 [loong64]=loongarch64
  [mips]=mips [mipsle]=mipsel [mips64]=mips64 [mips64le]=mips64el [ppc64]=ppc64
  [ppc64le]=ppc64le [riscv64]=riscv64 [s390x]=s390x)
for a in "${!QEMU[@]}"; do
  (cd "$src/upstream" && GOPATH=$work GO111MODULE=off CGO_ENABLED=0 GOOS=linux GOARCH=$a \
    go build -o "$work/upstream-$a" .)
done
run() { # arch release args...
  local a=$1 r=$2
  shift 2
  if [ "$a" = 386 ]; then
    # qemu-i386 cannot run Go binaries; 386 runs natively on amd64 hosts (release not settable).
    "$work/upstream-$a" "$@"
  else
    "qemu-${QEMU[$a]}" -r "$r" "$work/upstream-$a" "$@"
  fi
}

default=CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE
all=CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_DAC_READ_SEARCH,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_SETGID,CAP_SETUID,CAP_SETPCAP,CAP_LINUX_IMMUTABLE,CAP_NET_BIND_SERVICE,CAP_NET_BROADCAST,CAP_NET_ADMIN,CAP_NET_RAW,CAP_IPC_LOCK,CAP_IPC_OWNER,CAP_SYS_MODULE,CAP_SYS_RAWIO,CAP_SYS_CHROOT,CAP_SYS_PTRACE,CAP_SYS_PACCT,CAP_SYS_ADMIN,CAP_SYS_BOOT,CAP_SYS_NICE,CAP_SYS_RESOURCE,CAP_SYS_TIME,CAP_SYS_TTY_CONFIG,CAP_MKNOD,CAP_LEASE,CAP_AUDIT_WRITE,CAP_AUDIT_CONTROL,CAP_SETFCAP,CAP_MAC_OVERRIDE,CAP_MAC_ADMIN,CAP_SYSLOG,CAP_WAKE_ALARM,CAP_BLOCK_SUSPEND,CAP_AUDIT_READ,CAP_PERFMON,CAP_BPF,CAP_CHECKPOINT_RESTORE

manifest=$out/manifest.tsv
{
  printf '# generator\tgoarch\tkernel\tbounding\tsha256 of the compact JSON upstream prints\n'
  for a in $(printf '%s\n' "${!QEMU[@]}" | sort); do
    k=6.1.0
    [ "$a" = 386 ] && k=$(uname -r)
    for b in "" "$default" "$default,CAP_SYS_ADMIN" "$all"; do
      printf 'containerd\t%s\t%s\t%s\t%s\n' "$a" "$k" "$b" "$(run "$a" "$k" containerd "$b" | sha256sum | cut -c1-64)"
      printf 'moby\t%s\t%s\t%s\t%s\n' "$a" "$k" "$b" \
        "$(run "$a" "$k" moby "$out/../moby-default-v0.2.3.json" "$b" | sha256sum | cut -c1-64)"
    done
  done
  for k in 4.7.0 4.8.0 3.10.0-1160.el7.x86_64 5.15.0-91-generic; do
    for g in containerd moby; do
      if [ $g = moby ]; then extra=("$out/../moby-default-v0.2.3.json"); else extra=(); fi
      printf '%s\tamd64\t%s\t%s\t%s\n' $g "$k" "$default" "$(run amd64 "$k" $g "${extra[@]}" "$default" | sha256sum | cut -c1-64)"
    done
  done
  # containerd: capability rules follow the bounding list's order, duplicates and unknown names included.
  for b in "$default,CAP_DAC_READ_SEARCH" "CAP_SYS_PTRACE,CAP_SYS_ADMIN,CAP_SYS_PTRACE,CAP_CAP_CHOWN,cap_sys_boot"; do
    printf 'containerd\tamd64\t6.1.0\t%s\t%s\n' "$b" "$(run amd64 6.1.0 containerd "$b" | sha256sum | cut -c1-64)"
  done
} >"$manifest"

# Full outputs for the cases tests show in full.
run amd64 6.1.0 containerd "$default" >"$out/containerd-amd64-default.json"
run amd64 6.1.0 containerd "$default,CAP_SYS_ADMIN" >"$out/containerd-amd64-sys-admin.json"
run s390x 6.1.0 containerd "$default" >"$out/containerd-s390x-default.json"
run mips64le 6.1.0 containerd "$default" >"$out/containerd-mips64le-default.json"
run amd64 4.7.0 containerd "$default" >"$out/containerd-amd64-kernel-4.7.json"
run amd64 6.1.0 moby "$out/../moby-default-v0.2.3.json" "$default" >"$out/moby-amd64-default.json"
for f in "$out"/oci-in-*.json; do
  run amd64 6.1.0 oci "$f" >"${f/oci-in-/oci-out-}"
done
