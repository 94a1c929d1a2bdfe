//! Copies containers' stdout and stderr from pipes into their CRI log files (and, for a
//! foreground `run`, to the terminal prefixed `[container] `), without threads: `run` forks
//! containers, so it stays single-threaded and polls non-blocking pipes instead.

use std::fs::File;
use std::io::{ErrorKind, PipeReader, PipeWriter, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::clock;
use super::logs::LogWriter;

struct Stream {
    container: String,
    reader: PipeReader,
    writer: LogWriter,
    file: File,
    echo: bool,
    open: bool,
}

/// The pipes of every container being run.
#[derive(Default)]
pub struct Pump {
    streams: Vec<Stream>,
}

/// The write ends of one container's pipes: pass [`Pipes::paths`] to the executor as
/// `Stdio::Files`, then drop this once the container is created.
pub struct Pipes {
    stdout: PipeWriter,
    stderr: PipeWriter,
}

impl Pipes {
    /// `/proc/self/fd/<n>` of the stdout and stderr write ends (opening them opens the pipe).
    pub fn paths(&self) -> (PathBuf, PathBuf) {
        (
            PathBuf::from(format!("/proc/self/fd/{}", self.stdout.as_raw_fd())),
            PathBuf::from(format!("/proc/self/fd/{}", self.stderr.as_raw_fd())),
        )
    }
}

impl Pump {
    /// No streams yet.
    pub fn new() -> Pump {
        Pump::default()
    }

    /// Pipes for `container`, logged to `log` (appended); `echo` also prints each line to
    /// stdout prefixed `[container] `.
    pub fn add(&mut self, container: &str, log: &Path, echo: bool) -> std::io::Result<Pipes> {
        // Logs are root-only from creation (0700 directory, 0600 file): they carry whatever
        // the container prints, secrets included.
        if let Some(parent) = log.parent() {
            crate::private::create_dir_all(parent)?;
        }
        let file = crate::private::append(log)?;
        let (r1, stdout) = std::io::pipe()?;
        let (r2, stderr) = std::io::pipe()?;
        for (r, name) in [(r1, "stdout"), (r2, "stderr")] {
            rustix::fs::fcntl_setfl(&r, rustix::fs::OFlags::NONBLOCK)?;
            self.streams.push(Stream {
                container: container.to_string(),
                reader: r,
                writer: LogWriter::new(name),
                file: file.try_clone()?,
                echo,
                open: true,
            });
        }
        Ok(Pipes { stdout, stderr })
    }

    /// Reads whatever is available; returns whether anything was read.
    pub fn poll(&mut self) -> bool {
        let mut any = false;
        let mut buf = vec![0u8; 64 * 1024];
        for s in self.streams.iter_mut().filter(|s| s.open) {
            loop {
                match s.reader.read(&mut buf) {
                    Ok(0) => {
                        s.open = false;
                        if let Ok(Some(line)) = s.writer.finish(&clock::now_nano(), &mut s.file) {
                            echo(s, &line);
                        }
                        break;
                    }
                    Ok(n) => {
                        any = true;
                        let lines = s
                            .writer
                            .feed(&buf[..n], &clock::now_nano(), &mut s.file)
                            .unwrap_or_default();
                        for l in lines {
                            echo(s, &l);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        }
        any
    }

    /// Whether every stream of `container` reached end of file.
    pub fn drained(&self, container: &str) -> bool {
        self.streams
            .iter()
            .filter(|s| s.container == container)
            .all(|s| !s.open)
    }

    /// Stops reading `container`'s pipes (its processes are gone; a grandchild that kept
    /// them open must not hold the pod up).
    pub fn close(&mut self, container: &str) {
        for s in self
            .streams
            .iter_mut()
            .filter(|s| s.container == container && s.open)
        {
            s.open = false;
            if let Ok(Some(line)) = s.writer.finish(&clock::now_nano(), &mut s.file) {
                echo(s, &line);
            }
        }
    }
}

fn echo(s: &Stream, line: &[u8]) {
    if !s.echo {
        return;
    }
    let mut out = Vec::with_capacity(line.len() + s.container.len() + 4);
    out.extend_from_slice(format!("[{}] ", s.container).as_bytes());
    out.extend_from_slice(line);
    out.push(b'\n');
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&out);
    let _ = stdout.flush();
}
