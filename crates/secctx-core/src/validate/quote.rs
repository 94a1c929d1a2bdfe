//! Go's `strconv.Quote` (what `fmt`'s `%q` prints for a string), byte for byte.
//!
//! The API server renders string values of field errors with `%q`, and so does
//! `NewInvalid` for the object name (`Pod "x" is invalid`). Go keeps a character as it is when
//! `strconv.IsPrint` says so — Unicode letters, marks, numbers, punctuation and symbols, plus the
//! ASCII space — and escapes everything else: `\a \b \f \n \r \t \v` by name, other C0 controls
//! and DEL as `\xHH`, other runes as `\uHHHH` or `\UHHHHHHHH` (lower-case hex).
//!
//! Go 1.21 and later use Unicode 15.0 tables (Kubernetes 1.34 builds with Go 1.24), so the
//! categories come from a Unicode 15.0 table too.

use unicode_general_category::{GeneralCategory as Gc, get_general_category};

/// `strconv.Quote(s)`: `s` in double quotes with Go's escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out.push('"');
    out
}

/// `strconv.IsPrint(c)`: letters, marks, numbers, punctuation, symbols and the ASCII space.
pub fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
            | Gc::NonspacingMark
            | Gc::SpacingMark
            | Gc::EnclosingMark
            | Gc::DecimalNumber
            | Gc::LetterNumber
            | Gc::OtherNumber
            | Gc::ConnectorPunctuation
            | Gc::DashPunctuation
            | Gc::OpenPunctuation
            | Gc::ClosePunctuation
            | Gc::InitialPunctuation
            | Gc::FinalPunctuation
            | Gc::OtherPunctuation
            | Gc::MathSymbol
            | Gc::CurrencySymbol
            | Gc::ModifierSymbol
            | Gc::OtherSymbol
    )
}

/// `appendEscapedRune` with `quote = '"'`, not ASCII-only, not graphic-only.
fn push_escaped(out: &mut String, c: char) {
    if c == '"' || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    let code = u32::from(c);
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        _ if code < 0x20 || code == 0x7f => out.push_str(&format!("\\x{code:02x}")),
        _ if code < 0x10000 => out.push_str(&format!("\\u{code:04x}")),
        _ => out.push_str(&format!("\\U{code:08x}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values are what `fmt.Sprintf("%q", s)` prints with Go 1.24.
    #[test]
    fn matches_go_percent_q() {
        let cases: &[(&str, &str)] = &[
            ("", r#""""#),
            ("abc", r#""abc""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("tab\there", r#""tab\there""#),
            ("\x07\x08\x0c\n\r\t\x0b", r#""\a\b\f\n\r\t\v""#),
            ("\x00\x01\x1f\x7f", r#""\x00\x01\x1f\x7f""#),
            ("<&>'`", r#""<&>'`""#),
            ("héllo wörld ✓ 日本", "\"héllo wörld ✓ 日本\""),
            ("emoji 🦀", "\"emoji 🦀\""),
            // C1 control, NBSP (Zs), soft hyphen (Cf), zero-width space (Cf), BOM.
            (
                "\u{85}\u{a0}\u{ad}\u{200b}\u{feff}",
                r#""\u0085\u00a0\u00ad\u200b\ufeff""#,
            ),
            // Line/paragraph separators, ideographic space.
            ("\u{2028}\u{2029}\u{3000}", r#""\u2028\u2029\u3000""#),
            // Private use, unassigned (U+0378), astral private use.
            ("\u{e000}\u{378}\u{f0000}", r#""\ue000\u0378\U000f0000""#),
            // A combining mark stays as it is.
            ("e\u{301}", "\"e\u{301}\""),
        ];
        for (input, want) in cases {
            assert_eq!(go_quote(input), *want, "input {input:?}");
        }
    }
}
