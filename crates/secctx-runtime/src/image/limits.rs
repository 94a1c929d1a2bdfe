//! Size limits on everything read from an image: the JSON documents (read into memory) and
//! the unpacked layers (written to disk).

/// The largest manifest or image index read: 4 MiB. containerd's registry resolver caps
/// manifests at `4 * 1048 * 1048` bytes (`MaxManifestSize`, meant as 4 MiB); secctx uses the
/// 4 MiB it meant.
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;
/// The largest image config read: 8 MiB (a config with a long history is a few hundred KiB).
pub const MAX_CONFIG_SIZE: u64 = 8 << 20;
/// The largest `index.json` of an OCI layout or `manifest.json` of a docker-archive read.
pub const MAX_INDEX_SIZE: u64 = 4 << 20;

/// The default unpacked-size limit: 32 GiB.
pub const DEFAULT_MAX_UNPACK_SIZE: u64 = 32 << 30;
/// The default free-space floor: 1 GiB.
pub const DEFAULT_MIN_FREE_SPACE: u64 = 1 << 30;

/// Limits on unpacking (and on staging blobs during import and pull).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnpackLimits {
    /// The most bytes an image's layers may expand to: the uncompressed tar streams of all
    /// layers together, and separately the bytes written to files (sparse files count at
    /// their full size). `0` means no limit.
    pub max_size: u64,
    /// Stop when the file system being written has less than this many bytes free (for
    /// unprivileged users: `f_bavail`). `0` means no floor.
    pub min_free: u64,
}

impl Default for UnpackLimits {
    fn default() -> UnpackLimits {
        UnpackLimits {
            max_size: DEFAULT_MAX_UNPACK_SIZE,
            min_free: DEFAULT_MIN_FREE_SPACE,
        }
    }
}

/// Parses a size: bytes, or a number with a suffix `K`/`M`/`G`/`T` (powers of 1000) or
/// `Ki`/`Mi`/`Gi`/`Ti` (powers of 1024), as Kubernetes quantities write them.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| {
        format!("{s:?} is not a size (bytes, or a number with K, M, G, T, Ki, Mi, Gi or Ti)")
    })?;
    let mult: u64 = match unit {
        "" => 1,
        "K" | "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        _ => {
            return Err(format!(
                "{s:?}: unknown unit {unit:?} (K, M, G, T, Ki, Mi, Gi or Ti)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// A size for messages: `1073741824 bytes (1 GiB)`.
pub fn show_size(n: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (name, unit) in UNITS {
        if n >= unit {
            let whole = n / unit;
            let tenth = (n % unit) * 10 / unit;
            return if tenth == 0 {
                format!("{n} bytes ({whole} {name})")
            } else {
                format!("{n} bytes ({whole}.{tenth} {name})")
            };
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("4Ki"), Ok(4096));
        assert_eq!(parse_size("32Gi"), Ok(32 << 30));
        assert_eq!(parse_size("2M"), Ok(2_000_000));
        assert!(parse_size("1.5Gi").is_err());
        assert!(parse_size("Gi").is_err());
        assert!(parse_size("1Xi").is_err());
        assert!(parse_size("99999999999Ti").is_err());
        assert_eq!(show_size(1 << 30), "1073741824 bytes (1 GiB)");
        assert_eq!(show_size(1536), "1536 bytes (1.5 KiB)");
        assert_eq!(show_size(10), "10 bytes");
    }
}
