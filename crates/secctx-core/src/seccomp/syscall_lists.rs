//! The syscall names and constants of containerd's RuntimeDefault profile
//! (`contrib/seccomp/seccomp_default.go`, containerd `301026e5`, 2026-08-22), in containerd's
//! order. Data only; [`super::runtime_default`] assembles them.
//!
//! Compared with moby's `default.json` v0.2.3 (spec §6.2): the main list drops
//! `riscv_hwprobe` (riscv64 group instead) and adds `lsm_get_self_attr`, `lsm_list_modules`,
//! `lsm_set_self_attr` (moby gates those on `CAP_SYS_ADMIN`); the `CAP_SYS_ADMIN` group has
//! 23 names (no `lsm_*`). Trailing comments are containerd's.

use super::kernel::KernelVersion;

/// The names allowed unconditionally on every architecture (363).
pub const MAIN_ALLOW: [&str; 363] = [
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "cachestat", // kernel v6.5, libseccomp v2.5.5
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2", // kernel v6.6, libseccomp v2.5.5
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_requeue", // kernel v6.7, libseccomp v2.5.5
    "futex_time64",
    "futex_wait", // kernel v6.7, libseccomp v2.5.5
    "futex_waitv",
    "futex_wake", // kernel v6.7, libseccomp v2.5.5
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "getxattrat", // kernel v6.13, libseccomp v2.6.0
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listmount", // kernel v6.8, libseccomp v2.6.0
    "listxattr",
    "listxattrat", // kernel v6.13, libseccomp v2.6.0
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lsm_get_self_attr", // kernel v6.8, libseccomp v2.6.0
    "lsm_list_modules",  // kernel v6.8, libseccomp v2.6.0
    "lsm_set_self_attr", // kernel v6.8, libseccomp v2.6.0
    "lstat",
    "lstat64",
    "madvise",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "map_shadow_stack", // kernel v6.6, libseccomp v2.5.5
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "mseal", // kernel v6.10, libseccomp v2.6.0
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "removexattrat", // kernel v6.13, libseccomp v2.6.0
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "setxattrat", // kernel v6.13, libseccomp v2.6.0
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statmount", // kernel v6.8, libseccomp v2.6.0
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "uretprobe", // kernel v6.11, libseccomp v2.6.0
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
];

/// `process_vm_readv`, `process_vm_writev` and `ptrace` are allowed without `CAP_SYS_PTRACE`
/// from this kernel on (before 4.8, ptrace could bypass seccomp).
pub const PTRACE_MIN_KERNEL: KernelVersion = KernelVersion::new(4, 8);

/// The names allowed on kernels ≥ [`PTRACE_MIN_KERNEL`].
pub const PTRACE_NAMES: [&str; 3] = ["process_vm_readv", "process_vm_writev", "ptrace"];

/// Extra names for GOARCH `ppc64le`.
pub const PPC64LE_NAMES: [&str; 2] = ["sync_file_range2", "swapcontext"];

/// Extra names for GOARCH `arm` and `arm64`.
pub const ARM_NAMES: [&str; 6] = [
    "arm_fadvise64_64",
    "arm_sync_file_range",
    "sync_file_range2",
    "breakpoint",
    "cacheflush",
    "set_tls",
];

/// Extra names for GOARCH `amd64` (one rule).
pub const AMD64_NAMES: [&str; 2] = ["arch_prctl", "modify_ldt"];

/// Extra names for GOARCH `386`.
pub const I386_NAMES: [&str; 1] = ["modify_ldt"];

/// Extra names for GOARCH `s390x`.
pub const S390_NAMES: [&str; 3] = [
    "s390_pci_mmio_read",
    "s390_pci_mmio_write",
    "s390_runtime_instr",
];

/// Extra names for GOARCH `riscv64`.
pub const RISCV64_NAMES: [&str; 2] = [
    "riscv_flush_icache",
    "riscv_hwprobe", // kernel v6.12, libseccomp v2.6.0
];

/// The capability that switches off the masked-`clone` and `clone3` → `ENOSYS` rules.
pub const CAP_SYS_ADMIN: &str = "CAP_SYS_ADMIN";

/// One rule per bounding capability that has one: `(capability, names)`, in the order of
/// containerd's `switch` (the rules themselves come out in the order of the bounding list).
pub const CAP_GROUPS: [(&str, &[&str]); 14] = [
    ("CAP_DAC_READ_SEARCH", &["open_by_handle_at"]),
    (
        CAP_SYS_ADMIN,
        &[
            "bpf",
            "clone",
            "clone3",
            "fanotify_init",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "lookup_dcookie",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "perf_event_open",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
            "syslog",
            "umount",
            "umount2",
            "unshare",
        ],
    ),
    ("CAP_SYS_BOOT", &["reboot"]),
    ("CAP_SYS_CHROOT", &["chroot"]),
    (
        "CAP_SYS_MODULE",
        &["delete_module", "init_module", "finit_module"],
    ),
    ("CAP_SYS_PACCT", &["acct"]),
    (
        "CAP_SYS_PTRACE",
        &[
            "kcmp",
            "pidfd_getfd",
            "process_madvise",
            "process_vm_readv",
            "process_vm_writev",
            "ptrace",
        ],
    ),
    ("CAP_SYS_RAWIO", &["iopl", "ioperm"]),
    (
        "CAP_SYS_TIME",
        &["settimeofday", "stime", "clock_settime", "clock_settime64"],
    ),
    ("CAP_SYS_TTY_CONFIG", &["vhangup"]),
    (
        "CAP_SYS_NICE",
        &[
            "get_mempolicy",
            "mbind",
            "set_mempolicy",
            "set_mempolicy_home_node", // kernel v5.17, libseccomp v2.5.4
        ],
    ),
    ("CAP_SYSLOG", &["syslog"]),
    ("CAP_BPF", &["bpf"]),
    ("CAP_PERFMON", &["perf_event_open"]),
];

/// `AF_ALG`: `socket(2)` is allowed for `domain < AF_ALG`, `== AF_ALG + 1` (`AF_NFC`) and
/// `> AF_VSOCK`, i.e. every family but `AF_ALG` (38) and `AF_VSOCK` (40).
pub const AF_ALG: u64 = 38;

/// `AF_VSOCK`.
pub const AF_VSOCK: u64 = 40;

/// The `personality(2)` arguments allowed: `PER_LINUX` (0), `PER_LINUX32` (8), `UNAME26`
/// (0x20000), `UNAME26 | PER_LINUX32` (0x20008) and 0xffffffff (query the current persona).
pub const PERSONALITY_VALUES: [u64; 5] = [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff];

/// `CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
/// CLONE_NEWCGROUP` = 0x7E020000: without `CAP_SYS_ADMIN`, `clone` is allowed only when none of
/// these flags is set (`flags & mask == 0`).
pub const CLONE_NAMESPACE_FLAGS: u64 =
    0x0002_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000 | 0x0200_0000;

/// `ENOSYS` on most architectures: what `clone3` returns without `CAP_SYS_ADMIN`, so libc falls
/// back to `clone` (whose flags the filter can inspect; `clone3` passes them in memory).
/// containerd uses `unix.ENOSYS` of the GOARCH it was built for: see [`GoArch::enosys`].
///
/// [`GoArch::enosys`]: super::GoArch::enosys
pub const ENOSYS: u32 = 38;

/// `ENOSYS` on MIPS (`mips`, `mipsle`, `mips64`, `mips64le`), whose errno numbers differ.
pub const ENOSYS_MIPS: u32 = 89;
