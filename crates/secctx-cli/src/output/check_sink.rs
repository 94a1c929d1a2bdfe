//! `check`'s output written while the input is still being read: each object's findings as
//! soon as it is judged, the totals at the end. The bytes are those of rendering all results
//! at once (text, and JSON and SARIF documents pretty-printed as `serde_json` does).

use std::io::{BufWriter, StdoutLock, Write};

use secctx_core::check::ObjectResult;
use serde_json::Value;

use super::check_text::{self, Style};

/// Receives each judged object, in input order.
pub trait Sink {
    /// One object's result.
    fn object(&mut self, o: &ObjectResult) -> anyhow::Result<()>;
}

/// Buffered standard output; a closed pipe (`| head`) ends the output quietly.
pub struct Stdout {
    w: BufWriter<StdoutLock<'static>>,
    closed: bool,
}

impl Default for Stdout {
    fn default() -> Self {
        Stdout {
            w: BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            closed: false,
        }
    }
}

impl Stdout {
    /// Writes `text` (nothing once the reader has gone).
    pub fn write(&mut self, text: &str) -> anyhow::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.w.write_all(text.as_bytes());
        self.check(r)
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.w.flush();
        self.check(r)
    }

    fn check(&mut self, r: std::io::Result<()>) -> anyhow::Result<()> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => Ok(r?),
        }
    }
}

/// The elements of a JSON array nested in a pretty-printed document, written one at a time:
/// `serde_json`'s pretty printer puts each on a new line, `indent` spaces in, and the closing
/// bracket on a line of its own two spaces less in (right after `[` when there is none).
pub struct PrettyArray {
    indent: usize,
    count: usize,
    buf: String,
}

impl PrettyArray {
    /// An array whose elements sit `indent` spaces in.
    pub fn new(indent: usize) -> Self {
        PrettyArray {
            indent,
            count: 0,
            buf: String::new(),
        }
    }

    /// Writes one element.
    pub fn push(&mut self, out: &mut Stdout, value: &Value) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        self.buf.clear();
        self.buf
            .push_str(if self.count == 0 { "\n" } else { ",\n" });
        let pad = " ".repeat(self.indent);
        self.buf.push_str(&pad);
        // JSON strings hold no raw line break: every one is the printer's.
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.buf.push('\n');
                self.buf.push_str(&pad);
            }
            self.buf.push_str(line);
        }
        self.count += 1;
        out.write(&self.buf)
    }

    /// Writes what goes before the closing bracket.
    pub fn close(&self, out: &mut Stdout) -> anyhow::Result<()> {
        if self.count > 0 {
            out.write("\n")?;
            out.write(&" ".repeat(self.indent - 2))?;
        }
        Ok(())
    }
}

/// Splits a pretty-printed document at the empty array of `key`: the text up to and with its
/// `[`, and the rest from its `]`.
pub fn split_at_array<'a>(doc: &'a str, key: &str) -> (&'a str, &'a str) {
    let marker = format!("\"{key}\": []");
    let at = doc
        .find(&marker)
        .map(|i| i + marker.len() - 1)
        .expect("the document has the empty array");
    doc.split_at(at)
}

/// Text output: each object's findings as it comes (none with `--summary`).
pub struct TextSink {
    out: Stdout,
    style: Style,
    findings: bool,
    buf: String,
}

impl TextSink {
    /// Findings in `style`; with `findings` false (`--summary`) nothing per object.
    pub fn new(style: Style, findings: bool) -> Self {
        TextSink {
            out: Stdout::default(),
            style,
            findings,
            buf: String::new(),
        }
    }

    /// Writes what comes after the findings and flushes.
    pub fn finish(mut self, tail: &str) -> anyhow::Result<()> {
        self.out.write(tail)?;
        self.out.flush()
    }
}

impl Sink for TextSink {
    fn object(&mut self, o: &ObjectResult) -> anyhow::Result<()> {
        if !self.findings {
            return Ok(());
        }
        self.buf.clear();
        check_text::render_object(&mut self.buf, o, self.style);
        self.out.write(&self.buf)
    }
}
