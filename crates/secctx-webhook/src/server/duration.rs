//! Go's `time.ParseDuration`, for the API server's `?timeout=` (e.g. `10s`, `1m30s`,
//! `2.5s`, `300ms`). Hand-written: the grammar is a few lines, and no crate parses exactly
//! Go's (signed, fractional, multi-unit, `0` without unit).

use std::time::Duration;

/// Why a duration did not parse (the value is ignored, as PSA ignores it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time: invalid duration {0:?}")]
pub struct DurationError(pub String);

fn unit_nanos(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return None,
    })
}

/// Parses a Go duration. Negative durations parse to zero (already expired).
pub fn parse_go_duration(s: &str) -> Result<Duration, DurationError> {
    let err = || DurationError(s.to_owned());
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut nanos = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        let number = &rest[..num_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(err());
        }
        let value: f64 = number.parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = unit_nanos(&rest[..unit_len]).ok_or_else(err)?;
        rest = &rest[unit_len..];
        nanos += value * unit;
    }
    if !nanos.is_finite() || nanos > 9.223_372_036_854_776e18 {
        return Err(err());
    }
    Ok(if negative {
        Duration::ZERO
    } else {
        Duration::from_nanos(nanos as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_forms() {
        let ok = |s: &str| parse_go_duration(s).unwrap();
        assert_eq!(ok("10s"), Duration::from_secs(10));
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok("2.5s"), Duration::from_millis(2500));
        assert_eq!(ok("300ms"), Duration::from_millis(300));
        assert_eq!(ok("1h"), Duration::from_secs(3600));
        assert_eq!(ok("15µs"), Duration::from_micros(15));
        assert_eq!(ok("-3s"), Duration::ZERO);
        for bad in ["", "10", "s", "1x", "1..2s", "-", ".s", "9999999999h"] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?}");
        }
    }
}
