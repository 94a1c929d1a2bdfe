//! Strict JSON decoding for profile files: every error says where (line, column, field path)
//! and what (an unknown field is named, with the fields that are allowed there).

use serde::de::DeserializeOwned;

/// Why a profile's JSON could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message} (line {line}, column {column})", field_prefix(.path))]
pub struct DecodeError {
    /// The JSON path of the value at fault (`syscalls[3].includes`); empty for the top level.
    pub path: String,
    /// What is wrong, e.g. ``unknown field `capz`, expected one of `caps`, `arches`, `minKernel` ``.
    pub message: String,
    /// 1-based line of the error (0 when not known).
    pub line: usize,
    /// 1-based column of the error (0 when not known).
    pub column: usize,
}

fn field_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// Decodes one JSON document into `T`, rejecting trailing data.
pub(crate) fn decode<T: DeserializeOwned>(json: &str) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        from_json_error(
            if path == "." { String::new() } else { path },
            &e.into_inner(),
        )
    })?;
    de.end().map_err(|e| from_json_error(String::new(), &e))?;
    Ok(value)
}

fn from_json_error(path: String, e: &serde_json::Error) -> DecodeError {
    let (line, column) = (e.line(), e.column());
    let text = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
    DecodeError {
        path,
        message,
        line,
        column,
    }
}
