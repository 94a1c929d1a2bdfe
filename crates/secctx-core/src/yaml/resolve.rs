//! Plain-scalar resolution the way Kubernetes reads YAML.
//!
//! kubectl and the API server decode YAML with go-yaml v2 (through `sigs.k8s.io/yaml`), which
//! resolves **YAML 1.1** scalars: `0644` is octal (420), `yes`/`on`/`y` are booleans, `1_000` is
//! 1000, and timestamp-looking values stay strings. YAML 1.2 parsers read `0644` as 644, a silent
//! file-mode bug, so the rules are written out here (no crate implements go-yaml v2's table; see
//! `shared/spec/dependencies.md` §3.2). Written from go-yaml v2's documented behaviour.

/// A resolved scalar.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// `~`, `null`, `Null`, `NULL` or empty.
    Null,
    /// A YAML 1.1 boolean.
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// A positive integer above `i64::MAX`.
    UInt(u64),
    /// A float (including `.inf` and `.nan`).
    Float(f64),
    /// Anything else.
    Str(String),
}

/// Resolves an untagged plain scalar exactly as go-yaml v2 does.
pub fn resolve_plain(s: &str) -> Scalar {
    let Some(&first) = s.as_bytes().first() else {
        return Scalar::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' | b'<' => {
            resolve_word(s)
        }
        b'.' => resolve_dot(s),
        b'+' | b'-' | b'0'..=b'9' => {
            if let Some(v) = resolve_word_opt(s) {
                return v;
            }
            resolve_number(s)
        }
        _ => Scalar::Str(s.to_string()),
    }
}

fn resolve_word(s: &str) -> Scalar {
    resolve_word_opt(s).unwrap_or_else(|| Scalar::Str(s.to_string()))
}

fn resolve_word_opt(s: &str) -> Option<Scalar> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Scalar::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

fn resolve_dot(s: &str) -> Scalar {
    if let Some(v) = resolve_word_opt(s) {
        return v;
    }
    match parse_go_float(s) {
        Some(f) => Scalar::Float(f),
        None => Scalar::Str(s.to_string()),
    }
}

fn resolve_number(s: &str) -> Scalar {
    // Timestamps are tried first and kept as strings (go-yaml v2 does so for compatibility).
    if looks_like_timestamp(s) {
        return Scalar::Str(s.to_string());
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(v) = parse_go_int(&plain) {
        return v;
    }
    if let Some(f) = parse_go_float(&plain) {
        return Scalar::Float(f);
    }
    Scalar::Str(s.to_string())
}

/// `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`: optional sign, then `0x`, `0o`,
/// `0b` or a leading `0` (octal) prefix.
fn parse_go_int(s: &str) -> Option<Scalar> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(rest) = strip_prefix_ci(body, "0x") {
        (16, rest)
    } else if let Some(rest) = strip_prefix_ci(body, "0o") {
        (8, rest)
    } else if let Some(rest) = strip_prefix_ci(body, "0b") {
        (2, rest)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u128 + 1 {
            return Some(Scalar::Int((-(magnitude as i128)) as i64));
        }
        return None;
    }
    if magnitude <= i64::MAX as u128 {
        Some(Scalar::Int(magnitude as i64))
    } else if magnitude <= u64::MAX as u128 {
        Some(Scalar::UInt(magnitude as u64))
    } else {
        None
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    // Compare bytes, not a `str` slice: the scalar may hold a multibyte character straddling
    // `prefix.len()` (found by fuzzing). An ASCII prefix that matches ends on a char boundary.
    let head = s.as_bytes().get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix.as_bytes()) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// go-yaml v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms YAML produces (no hex floats, no `inf`).
fn parse_go_float(s: &str) -> Option<f64> {
    if !is_yaml_style_float(s) {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Whether a plain scalar has one of go-yaml v2's timestamp shapes (such values stay strings
/// when untagged; `!!timestamp` requires one).
pub fn is_timestamp(s: &str) -> bool {
    looks_like_timestamp(s)
}

/// go-yaml v2's timestamp formats: `2006-1-2T15:4:5.999999999Z07:00`, `2006-1-2t15:4:5...`,
/// `2006-1-2 15:4:5.999999999`, `2006-1-2`. Only the shape matters here: a match stays a string.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // Date: 4 digits '-' 1-2 digits '-' 1-2 digits.
    let mut i = 0;
    let count = |i: &mut usize, max: usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        *i - start
    };
    if count(&mut i, 4) != 4 || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if count(&mut i, 2) == 0 || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if count(&mut i, 2) == 0 {
        return false;
    }
    if i == b.len() {
        return true;
    }
    // Time part: [Tt ] h:m:s[.frac][Z|±hh:mm]; go-yaml tries time.Parse with the layouts, which
    // accept any valid time; an invalid tail makes the whole value a non-timestamp.
    if !matches!(b[i], b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    for sep in [b':', b':'] {
        if count(&mut i, 2) == 0 || b.get(i) != Some(&sep) {
            return false;
        }
        i += 1;
    }
    if count(&mut i, 2) == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if count(&mut i, 9) == 0 {
            return false;
        }
    }
    if i == b.len() {
        return true;
    }
    if b[i] == b'Z' && i + 1 == b.len() {
        return true;
    }
    if matches!(b[i], b'+' | b'-') {
        i += 1;
        if count(&mut i, 2) != 2 || b.get(i) != Some(&b':') {
            return false;
        }
        i += 1;
        return count(&mut i, 2) == 2 && i == b.len();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_scalars() {
        let cases: &[(&str, Scalar)] = &[
            ("0644", Scalar::Int(420)),
            ("0o644", Scalar::Int(420)),
            ("0x1A4", Scalar::Int(420)),
            ("0b101", Scalar::Int(5)),
            ("-0b101", Scalar::Int(-5)),
            ("1_000", Scalar::Int(1000)),
            ("+12", Scalar::Int(12)),
            ("-7", Scalar::Int(-7)),
            ("0", Scalar::Int(0)),
            ("08", Scalar::Float(8.0)),
            ("1.10", Scalar::Float(1.1)),
            ("1e3", Scalar::Float(1000.0)),
            (".5", Scalar::Float(0.5)),
            ("yes", Scalar::Bool(true)),
            ("On", Scalar::Bool(true)),
            ("y", Scalar::Bool(true)),
            ("NO", Scalar::Bool(false)),
            ("off", Scalar::Bool(false)),
            ("false", Scalar::Bool(false)),
            ("~", Scalar::Null),
            ("", Scalar::Null),
            ("Null", Scalar::Null),
            ("nope", Scalar::Str("nope".into())),
            ("2001-12-14", Scalar::Str("2001-12-14".into())),
            (
                "2001-12-14T21:59:43.10-05:00",
                Scalar::Str("2001-12-14T21:59:43.10-05:00".into()),
            ),
            ("190:20:30", Scalar::Str("190:20:30".into())),
            ("18446744073709551615", Scalar::UInt(u64::MAX)),
            ("-9223372036854775808", Scalar::Int(i64::MIN)),
            ("1.2.3", Scalar::Str("1.2.3".into())),
            ("busybox:1.28", Scalar::Str("busybox:1.28".into())),
            ("12e", Scalar::Str("12e".into())),
            ("<<", Scalar::Str("<<".into())),
        ];
        for (input, want) in cases {
            assert_eq!(&resolve_plain(input), want, "input {input:?}");
        }
        assert!(matches!(resolve_plain(".inf"), Scalar::Float(f) if f.is_infinite()));
        assert!(matches!(resolve_plain(".NaN"), Scalar::Float(f) if f.is_nan()));
    }
}
