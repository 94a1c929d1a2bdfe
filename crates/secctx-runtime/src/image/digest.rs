//! Content digests: every blob read is checked against the digest that names it.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// A reader that hashes what passes through it and, at end of input, fails if the content's
/// sha256 differs from `expected` (`sha256:<hex>`).
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Sha256,
    expected: Option<String>,
    /// For a diff_id check: the layer's name (the message then speaks of the diff_id).
    diff_id_of: Option<String>,
    done: bool,
}

impl<R: Read> VerifyingReader<R> {
    /// Wraps `inner`; `expected` = `None` hashes without checking.
    pub fn new(inner: R, expected: Option<String>) -> VerifyingReader<R> {
        VerifyingReader {
            inner,
            hasher: Sha256::new(),
            expected,
            diff_id_of: None,
            done: false,
        }
    }

    /// Wraps a layer's uncompressed stream, which must hash to the config's `diff_id`.
    pub fn diff_id(inner: R, diff_id: Option<String>, layer: &str) -> VerifyingReader<R> {
        VerifyingReader {
            diff_id_of: Some(layer.to_string()),
            ..VerifyingReader::new(inner, diff_id)
        }
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.hasher.update(&buf[..n]);
        } else if !buf.is_empty() && !self.done {
            self.done = true;
            if let Some(expected) = &self.expected {
                let actual = hex::encode(self.hasher.clone().finalize());
                let want = expected.strip_prefix("sha256:").unwrap_or(expected);
                if want != actual {
                    let message = match &self.diff_id_of {
                        Some(layer) => format!(
                            "{layer}: the uncompressed content has digest sha256:{actual}, but the config's diff_id is {expected}"
                        ),
                        None => format!("blob {expected}: content has digest sha256:{actual}"),
                    };
                    return Err(io::Error::new(io::ErrorKind::InvalidData, message));
                }
            }
        }
        Ok(n)
    }
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Checks `bytes` against `expected`.
pub fn verify(bytes: &[u8], expected: &str) -> Result<(), super::ImageError> {
    let actual = sha256_digest(bytes);
    if actual != expected {
        return Err(super::ImageError::DigestMismatch {
            expected: expected.to_string(),
            actual: actual.trim_start_matches("sha256:").to_string(),
        });
    }
    Ok(())
}
