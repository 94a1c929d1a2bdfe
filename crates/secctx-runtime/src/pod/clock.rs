//! Wall-clock times as Kubernetes writes them (UTC).

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `metav1.Time` text for a UNIX time: `2026-12-05T21:47:42Z`.
pub fn rfc3339(secs: i64) -> String {
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Go's `time.RFC3339Nano` for a UNIX time with nanoseconds (trailing zeros trimmed).
pub fn rfc3339_nano(secs: i64, nanos: u32) -> String {
    let base = rfc3339(secs);
    let base = base.trim_end_matches('Z');
    if nanos == 0 {
        return format!("{base}Z");
    }
    let frac = format!("{nanos:09}");
    format!("{base}.{}Z", frac.trim_end_matches('0'))
}

fn now_parts() -> (i64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.subsec_nanos())
}

/// Now, as `metav1.Time`.
pub fn now() -> String {
    rfc3339(now_parts().0)
}

/// Now, as RFC 3339 with nanoseconds (CRI log lines).
pub fn now_nano() -> String {
    let (s, n) = now_parts();
    rfc3339_nano(s, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_507_262), "2026-12-05T21:47:42Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_nano(0, 120_000_000), "1970-01-01T00:00:00.12Z");
        assert_eq!(rfc3339_nano(0, 0), "1970-01-01T00:00:00Z");
    }
}
