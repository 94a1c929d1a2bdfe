//! Container logs in the CRI format containerd writes and the kubelet reads: one line per
//! record, `<RFC3339Nano> <stream> <tag> <content>`, tag `F` for a full line and `P` for a
//! part of a line longer than the 16 KiB buffer.

use std::io::Write;

/// Longest content of one record before the line is split (`P`).
pub const MAX_LINE: usize = 16 * 1024;

/// Turns a stream's bytes into CRI records.
#[derive(Debug)]
pub struct LogWriter {
    stream: &'static str,
    pending: Vec<u8>,
}

impl LogWriter {
    /// A writer for `stdout` or `stderr`.
    pub fn new(stream: &'static str) -> LogWriter {
        LogWriter {
            stream,
            pending: Vec::new(),
        }
    }

    /// Feeds bytes; returns the complete lines (content without the newline) written as
    /// records to `out`, stamped with `ts`.
    pub fn feed(
        &mut self,
        data: &[u8],
        ts: &str,
        out: &mut dyn Write,
    ) -> std::io::Result<Vec<Vec<u8>>> {
        self.pending.extend_from_slice(data);
        let mut lines = Vec::new();
        loop {
            if let Some(i) = self.pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=i).take(i).collect();
                self.record(ts, 'F', &line, out)?;
                lines.push(line);
            } else if self.pending.len() >= MAX_LINE {
                let part: Vec<u8> = self.pending.drain(..MAX_LINE).collect();
                self.record(ts, 'P', &part, out)?;
                lines.push(part);
            } else {
                return Ok(lines);
            }
        }
    }

    /// End of stream: a last line without newline becomes a full record.
    pub fn finish(&mut self, ts: &str, out: &mut dyn Write) -> std::io::Result<Option<Vec<u8>>> {
        if self.pending.is_empty() {
            return Ok(None);
        }
        let line = std::mem::take(&mut self.pending);
        self.record(ts, 'F', &line, out)?;
        Ok(Some(line))
    }

    fn record(
        &self,
        ts: &str,
        tag: char,
        content: &[u8],
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let mut rec = Vec::with_capacity(content.len() + 48);
        rec.extend_from_slice(format!("{ts} {} {tag} ", self.stream).as_bytes());
        rec.extend_from_slice(content);
        rec.push(b'\n');
        out.write_all(&rec)
    }
}

/// One parsed record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The timestamp.
    pub time: &'a str,
    /// `stdout` or `stderr`.
    pub stream: &'a str,
    /// Whether this record ends a line (`F`).
    pub full: bool,
    /// The content.
    pub content: &'a [u8],
}

/// Parses one record line (without its newline).
pub fn parse(line: &[u8]) -> Option<Record<'_>> {
    let mut parts = line.splitn(4, |b| *b == b' ');
    let time = std::str::from_utf8(parts.next()?).ok()?;
    let stream = std::str::from_utf8(parts.next()?).ok()?;
    let tag = parts.next()?;
    let content = parts.next().unwrap_or(&[]);
    Some(Record {
        time,
        stream,
        full: tag == b"F",
        content,
    })
}

/// What `kubectl logs` prints for a log file's text: the contents, a newline after full
/// records.
pub fn render(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.split(|b| *b == b'\n') {
        if let Some(r) = parse(line) {
            out.extend_from_slice(r.content);
            if r.full {
                out.push(b'\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_parts() {
        let mut w = LogWriter::new("stdout");
        let mut out = Vec::new();
        let lines = w.feed(b"a\nbc", "T", &mut out).unwrap();
        assert_eq!(lines, vec![b"a".to_vec()]);
        w.feed(b"d\n", "T2", &mut out).unwrap();
        w.feed(b"tail", "T3", &mut out).unwrap();
        w.finish("T4", &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "T stdout F a\nT2 stdout F bcd\nT4 stdout F tail\n"
        );
        assert_eq!(render(&out), b"a\nbcd\ntail\n");
        let mut big = Vec::new();
        let mut w = LogWriter::new("stderr");
        w.feed(&vec![b'x'; MAX_LINE + 3], "T", &mut big).unwrap();
        w.finish("T", &mut big).unwrap();
        let text = String::from_utf8(big).unwrap();
        assert!(text.starts_with("T stderr P xxx"));
        assert!(text.ends_with("T stderr F xxx\n"));
    }
}
