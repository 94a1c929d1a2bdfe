//! What Go's `encoding/json.Marshal` prints for the values field errors carry.
//!
//! Since apimachinery v0.34 (Kubernetes 1.34, "Nicer value rendering in API errors"), a bad
//! value that is not exactly an `int64`, `int32`, `float64`, `float32`, `bool` or `string` is
//! rendered with `json.Marshal`. That covers pointers (`*string`, `*bool`), named string types
//! (`core.ProcMountType`, `core.OSName`, ...) and the internal API structs, which have no json
//! tags and therefore print their Go field names: `{"Type":"Localhost","LocalhostProfile":null}`.
//!
//! [`GoJson`] is the small value model needed for that, and [`GoJson::encode`] follows
//! `encoding/json` exactly: HTML-safe escaping of `<`, `>` and `&`, `\b \f \n \r \t` by name
//! (Go 1.22+), other control characters as `\u00XX`, U+2028/U+2029 escaped, everything else
//! (including DEL and non-ASCII) written as it is.

/// A JSON value as `encoding/json` would produce it from a Go value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoJson {
    /// A nil pointer or nil slice: `null`.
    Null,
    /// A `bool`.
    Bool(bool),
    /// Any Go integer.
    Int(i64),
    /// A `string` or any named string type.
    Str(String),
    /// A slice (non-nil; a nil slice is [`GoJson::Null`]).
    Array(Vec<GoJson>),
    /// A struct without json tags: Go field names in declaration order, every field present.
    Object(Vec<(&'static str, GoJson)>),
}

impl GoJson {
    /// `Null` for `None`, else `f` of the value: how `json.Marshal` treats a pointer.
    pub fn ptr<T>(v: Option<T>, f: impl FnOnce(T) -> GoJson) -> GoJson {
        v.map_or(GoJson::Null, f)
    }

    /// A `*string`.
    pub fn opt_str(v: Option<&String>) -> GoJson {
        GoJson::ptr(v, |s| GoJson::Str(s.clone()))
    }

    /// A `*bool`.
    pub fn opt_bool(v: Option<bool>) -> GoJson {
        GoJson::ptr(v, GoJson::Bool)
    }

    /// A `*int64`.
    pub fn opt_int(v: Option<i64>) -> GoJson {
        GoJson::ptr(v, GoJson::Int)
    }

    /// A `[]string` (or slice of a named string type); `None` is a nil slice.
    pub fn opt_str_list(v: Option<&Vec<String>>) -> GoJson {
        GoJson::ptr(v, |items| {
            GoJson::Array(items.iter().map(|s| GoJson::Str(s.clone())).collect())
        })
    }

    /// The compact JSON text, as `json.Marshal` returns it.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            GoJson::Null => out.push_str("null"),
            GoJson::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            GoJson::Int(n) => out.push_str(&n.to_string()),
            GoJson::Str(s) => write_string(out, s),
            GoJson::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            GoJson::Object(fields) => {
                out.push('{');
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, name);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// `encodeState.string` with `escapeHTML = true` (what `json.Marshal` uses).
fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\x00'..='\x1f' => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values are what `json.Marshal` returns with Go 1.24.
    #[test]
    fn strings_like_encoding_json() {
        let cases: &[(&str, &str)] = &[
            ("abc", r#""abc""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("<a&b>", r#""\u003ca\u0026b\u003e""#),
            ("\x08\x0c\n\r\t", r#""\b\f\n\r\t""#),
            ("\x00\x01\x0b\x1f", r#""\u0000\u0001\u000b\u001f""#),
            ("\x7f", "\"\x7f\""),
            ("héllo 日本 🦀", "\"héllo 日本 🦀\""),
            ("\u{2028}\u{2029}", r#""\u2028\u2029""#),
        ];
        for (input, want) in cases {
            assert_eq!(
                GoJson::Str((*input).into()).encode(),
                *want,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn structs_keep_go_field_names_and_order() {
        let v = GoJson::Object(vec![
            ("Type", GoJson::Str("RuntimeDefault".into())),
            ("LocalhostProfile", GoJson::opt_str(Some(&"p".to_string()))),
            ("Add", GoJson::opt_str_list(None)),
            ("Drop", GoJson::Array(vec![])),
            ("RunAsUser", GoJson::opt_int(Some(-1))),
            ("Privileged", GoJson::opt_bool(Some(true))),
        ]);
        assert_eq!(
            v.encode(),
            r#"{"Type":"RuntimeDefault","LocalhostProfile":"p","Add":null,"Drop":[],"RunAsUser":-1,"Privileged":true}"#
        );
    }
}
