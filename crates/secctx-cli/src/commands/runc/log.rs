//! runc's `--log` / `--log-format`: where errors and warnings go, in the format containerd's
//! shim reads back (one JSON object per line: `level`, `msg`, `time`).

use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// The log destination chosen by the global options.
#[derive(Clone, Debug)]
pub struct Log {
    /// `--log FILE` (appended to); stderr when absent.
    pub file: Option<PathBuf>,
    /// `--log-format json`.
    pub json: bool,
}

impl Log {
    /// Writes one entry at `level` (`error`, `warning`, `debug`).
    pub fn write(&self, level: &str, msg: &str) {
        let line = if self.json {
            let entry =
                serde_json::json!({"level": level, "msg": msg, "time": rfc3339(SystemTime::now())});
            format!("{entry}\n")
        } else {
            format!(
                "time=\"{}\" level={level} msg={:?}\n",
                rfc3339(SystemTime::now()),
                msg
            )
        };
        let written = self.file.as_ref().is_some_and(|f| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(f)
                .and_then(|mut f| f.write_all(line.as_bytes()))
                .is_ok()
        });
        // runc writes to stderr when there is no log file; an error also goes to stderr so
        // that a person running the command sees it.
        if !written || level == "error" {
            #[allow(clippy::print_stderr)]
            {
                eprint!("{line}");
            }
        }
    }
}

/// `t` as RFC 3339 in UTC with nanoseconds (`2026-12-07T19:26:15.123456789Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, dd) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_nanos()
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
        // date -u -d @1796671575 +%FT%T
        let t = UNIX_EPOCH + Duration::new(1_796_671_575, 5);
        assert_eq!(rfc3339(t), "2026-12-07T19:26:15.000000005Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000000000Z");
    }
}
