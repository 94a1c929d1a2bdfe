//! Linux capabilities: names, bit numbers and the 64-bit sets `/proc/<pid>/status` prints.
//!
//! Kubernetes passes capability names through as strings; containerd upper-cases them and
//! prefixes `CAP_`, and runc ignores names the kernel does not know. This module owns the name ⇄
//! bit mapping; the add/drop calculus lives in `resolve::caps`.

use std::fmt;
use std::sync::OnceLock;

/// Every capability Linux defines today, indexed by bit number (`CAP_CHOWN` = bit 0 …
/// `CAP_CHECKPOINT_RESTORE` = bit 40). From `include/uapi/linux/capability.h`.
pub const CAPABILITY_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The highest capability bit of current kernels (`/proc/sys/kernel/cap_last_cap`).
pub const LAST_CAP: u8 = 40;

/// containerd's default capability list (`pkg/oci/spec.go`, `defaultUnixCaps`), in its order.
pub const CONTAINERD_DEFAULT_CAPS: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// The bit number of a `CAP_`-prefixed, upper-case capability name, as runc would look it up.
/// Returns `None` for names the kernel does not know (runc ignores those with a warning).
pub fn bit_of(name: &str) -> Option<u8> {
    // A hot path of resolution (every name of every OCI list): an open-addressing table over a
    // cheap hash of a few bytes, then one comparison, instead of a scan of 41 strings.
    static TABLE: OnceLock<[u8; TABLE_SLOTS]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [EMPTY_SLOT; TABLE_SLOTS];
        for (bit, name) in CAPABILITY_NAMES.iter().enumerate() {
            let mut i = name_hash(name.as_bytes());
            while t[i] != EMPTY_SLOT {
                i = (i + 1) % TABLE_SLOTS;
            }
            t[i] = u8::try_from(bit).unwrap_or(EMPTY_SLOT);
        }
        t
    });
    let bytes = name.as_bytes();
    if bytes.len() < 5 {
        return None;
    }
    let mut i = name_hash(bytes);
    loop {
        let bit = table[i];
        if bit == EMPTY_SLOT {
            return None;
        }
        if CAPABILITY_NAMES[usize::from(bit)] == name {
            return Some(bit);
        }
        i = (i + 1) % TABLE_SLOTS;
    }
}

const TABLE_SLOTS: usize = 128;
const EMPTY_SLOT: u8 = u8::MAX;

/// The slot of a name of at least 5 bytes: its length and three of its bytes.
fn name_hash(b: &[u8]) -> usize {
    let n = b.len();
    (n * 131 + usize::from(b[4]) * 31 + usize::from(b[n - 1]) * 7 + usize::from(b[n - 2]))
        % TABLE_SLOTS
}

/// A set of capabilities as a bit mask, printed the way `/proc/<pid>/status` prints `CapEff`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CapSet(pub u64);

impl CapSet {
    /// The empty set.
    pub const EMPTY: CapSet = CapSet(0);

    /// Every capability up to and including `last_cap`.
    pub fn all(last_cap: u8) -> CapSet {
        CapSet(if last_cap >= 63 {
            u64::MAX
        } else {
            (1u64 << (last_cap + 1)) - 1
        })
    }

    /// The set of the names given; unknown names are ignored (see [`CapSet::from_names_split`]).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> CapSet {
        Self::from_names_split(names).0
    }

    /// The set of the known names, plus the names the kernel does not know, in input order.
    pub fn from_names_split<'a>(names: impl IntoIterator<Item = &'a str>) -> (CapSet, Vec<String>) {
        let mut set = 0u64;
        let mut unknown = Vec::new();
        for name in names {
            match bit_of(name) {
                Some(bit) => set |= 1 << bit,
                None => unknown.push(name.to_string()),
            }
        }
        (CapSet(set), unknown)
    }

    /// Whether bit `bit` is in the set.
    pub fn contains_bit(self, bit: u8) -> bool {
        bit < 64 && self.0 & (1 << bit) != 0
    }

    /// Whether the named capability (`CAP_` form) is in the set.
    pub fn contains(self, name: &str) -> bool {
        bit_of(name).is_some_and(|b| self.contains_bit(b))
    }

    /// The `CAP_` names of the members, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        CAPABILITY_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for CapSet {
    /// 16 hex digits, as in `/proc/<pid>/status`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl serde::Serialize for CapSet {
    /// As the 16 hex digits `/proc` prints.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containerd_default_is_a80425fb() {
        let set = CapSet::from_names(CONTAINERD_DEFAULT_CAPS);
        assert_eq!(set.to_string(), "00000000a80425fb");
    }

    #[test]
    fn all_caps_of_a_current_kernel() {
        assert_eq!(CapSet::all(LAST_CAP).to_string(), "000001ffffffffff");
        assert_eq!(CAPABILITY_NAMES.len(), usize::from(LAST_CAP) + 1);
    }

    #[test]
    fn bit_of_every_name() {
        for (bit, name) in CAPABILITY_NAMES.iter().enumerate() {
            assert_eq!(bit_of(name), Some(bit as u8), "{name}");
        }
        for name in [
            "",
            "CAP_",
            "CAP_ALL",
            "cap_chown",
            "CAP_CHOWNX",
            "CAP_CAP_CHOWN",
            "ZZZ",
        ] {
            assert_eq!(bit_of(name), None, "{name}");
        }
    }

    #[test]
    fn unknown_names_are_split_out() {
        let (set, unknown) = CapSet::from_names_split(["CAP_CAP_CHOWN", "CAP_NET_ADMIN"]);
        assert_eq!(set, CapSet(1 << 12));
        assert_eq!(unknown, vec!["CAP_CAP_CHOWN".to_string()]);
    }
}
