//! Content digests: every blob read is checked against the digest that names it.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// A reader that hashes what passes through it and, at end of input, fails if the content's
/// sha256 differs from `expected` (`sha256:<hex>`).
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Sha256,
    expected: Option<String>,
    done: bool,
}

impl<R: Read> VerifyingReader<R> {
    /// Wraps `inner`; `expected` = `None` hashes without checking.
    pub fn new(inner: R, expected: Option<String>) -> VerifyingReader<R> {
        VerifyingReader {
            inner,
            hasher: Sha256::new(),
            expected,
            done: false,
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
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("blob {expected}: content has digest sha256:{actual}"),
                    ));
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
