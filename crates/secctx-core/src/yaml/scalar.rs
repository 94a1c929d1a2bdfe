//! Scalars and keys the way go-yaml v2 and `sigs.k8s.io/yaml` read them: tags, `!!binary`, the
//! JSON key a non-string key becomes, and the one escape libyaml accepts that go-yaml v2 refuses.

use libyaml_safer::ScalarStyle;

use super::node::{Key, Node, Value};
use super::resolve::{Scalar as Resolved, is_timestamp, resolve_plain};

const CORE: &str = "tag:yaml.org,2002:";
/// The tag of a `<<` merge key.
pub(super) const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

/// A scalar event's parts.
pub(super) struct Scalar {
    /// The scalar's text, escapes and folding applied.
    pub(super) text: String,
    /// The resolved tag (`tag:yaml.org,2002:int` for `!!int`), if one was written.
    pub(super) tag: Option<String>,
    /// Untagged plain, or tagged `!`: the value is resolved from its text.
    pub(super) plain_implicit: bool,
}

/// go-yaml v2 (`decode.go` `scalar`, `resolve.go` `resolve`): an untagged quoted scalar is a
/// string; `!!str` keeps the text; `!!binary` is base64; `!!int`, `!!float`, `!!bool`, `!!null`,
/// `!!timestamp` must resolve to their type (an integer may become a float); any other tag (a
/// custom `!thing`, `!`) keeps the text.
pub(super) fn scalar_value(scalar: Scalar) -> Result<Value, String> {
    let Scalar {
        text,
        tag,
        plain_implicit,
        ..
    } = scalar;
    let short = match tag.as_deref() {
        None if !plain_implicit => return Ok(Value::Str(text)),
        None => "",
        Some(tag) => match tag.strip_prefix(CORE) {
            Some("binary") => return decode_binary(&text).map(Value::Str),
            Some(short @ ("str" | "int" | "float" | "bool" | "null" | "timestamp")) => short,
            _ => return Ok(Value::Str(text)),
        },
    };
    if short == "str" {
        return Ok(Value::Str(text));
    }
    let resolved = resolve_plain(&text);
    // Timestamps resolve only untagged or as `!!timestamp`, and are kept as their text.
    let got = match &resolved {
        Resolved::Null => "null",
        Resolved::Bool(_) => "bool",
        Resolved::Int(_) | Resolved::UInt(_) => "int",
        Resolved::Float(_) => "float",
        Resolved::Str(_) if matches!(short, "" | "timestamp") && is_timestamp(&text) => "timestamp",
        Resolved::Str(_) => "str",
    };
    let resolved = match (short, got, resolved) {
        ("float", "int", Resolved::Int(i)) => Resolved::Float(i as f64),
        (want, got, r) if want.is_empty() || want == got => r,
        (want, got, _) => {
            return Err(format!("cannot decode !!{got} `{text}` as a !!{want}"));
        }
    };
    Ok(match resolved {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Int(i),
        Resolved::UInt(u) => Value::UInt(u),
        Resolved::Float(f) => Value::Float(f),
        Resolved::Str(s) => Value::Str(s),
    })
}

/// Go's `base64.StdEncoding.DecodeString` (line breaks ignored, padding required), then the
/// bytes as a Go string reaches JSON: each byte that is not valid UTF-8 becomes U+FFFD.
fn decode_binary(text: &str) -> Result<String, String> {
    const INVALID: &str = "!!binary value contains invalid base64 data";
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if !digits.len().is_multiple_of(4) {
        return Err(INVALID.into());
    }
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut bytes = Vec::with_capacity(digits.len() / 4 * 3);
    let quanta = digits.len() / 4;
    for (n, quantum) in digits.chunks(4).enumerate() {
        let pad = quantum.iter().rev().take_while(|&&b| b == b'=').count();
        if pad > 2 || (pad > 0 && n + 1 != quanta) {
            return Err(INVALID.into());
        }
        let mut bits = 0u32;
        for &b in &quantum[..4 - pad] {
            bits = bits << 6 | value(b).ok_or(INVALID)?;
        }
        bits <<= 6 * pad as u32;
        let decoded = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        bytes.extend_from_slice(&decoded[..3 - pad]);
    }
    Ok(lossy_per_byte(&bytes))
}

fn lossy_per_byte(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                out.push('\u{fffd}');
                bytes = &rest[1..];
            }
        }
    }
}

/// The JSON key a mapping key becomes (`sigs.k8s.io/yaml` `convertToJSONableObject`).
pub(super) fn key_of(node: &Node) -> Result<Key, String> {
    let name = match &node.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => go_float32_g(*f),
        Value::UInt(_) => return Err("unsupported map key of type: uint64".into()),
        Value::Null => return Err("unsupported map key: null".into()),
        Value::Seq(_) | Value::Map(_) => {
            return Err("invalid map key: a mapping key must be a scalar".into());
        }
    };
    Ok(Key {
        name,
        pos: node.pos,
    })
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with go-yaml's names for infinities and NaN.
fn go_float32_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let x = f as f32;
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest digits that read back as the same f32, as Go's does.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if x < 0.0 { "-" } else { "" };
    // 'g' with the shortest precision picks %e when the exponent is < -4 or >= 6.
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// libyaml reads `\/` in a double-quoted scalar as `/`; go-yaml v2 (a port of an older libyaml)
/// refuses it (JSON input, read by kubectl's JSON decoder, may have it). `raw` is the scalar's
/// source text; the error is the byte offset of the backslash.
pub(super) fn check_double_quoted(
    style: ScalarStyle,
    raw: &str,
    json: bool,
) -> Result<(), (usize, String)> {
    if json || style != ScalarStyle::DoubleQuoted || !raw.contains("\\/") {
        return Ok(());
    }
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'/') {
                return Err((i, "found unknown escape character".into()));
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_keys_as_go_formats_them() {
        let cases = [
            (1.5, "1.5"),
            (1000.0, "1000"),
            (1e6, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.23456789, "1.2345679"),
            (-2.5e-7, "-2.5e-07"),
            (123456.0, "123456"),
            (0.1, "0.1"),
        ];
        for (f, want) in cases {
            assert_eq!(go_float32_g(f), want, "{f}");
        }
    }

    #[test]
    fn base64_as_go_decodes_it() {
        assert_eq!(decode_binary("aGVsbG8=").unwrap(), "hello");
        assert_eq!(
            decode_binary("aGVs\nbG8gd29y\r\nbGQ=\n").unwrap(),
            "hello world"
        );
        assert_eq!(decode_binary("").unwrap(), "");
        assert!(decode_binary("aGVsbG8").is_err());
        assert!(decode_binary("aG=sbG8=").is_err());
        assert!(decode_binary("aGk=aGk=").is_err());
        assert_eq!(decode_binary("/w==").unwrap(), "\u{fffd}");
    }
}
