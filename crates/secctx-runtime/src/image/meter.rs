//! Metering an unpack against [`UnpackLimits`]: every byte of uncompressed layer stream read
//! and every byte written to a file is charged; past the size limit, or when the file system
//! being written runs below the free-space floor, the next read or write fails and the meter
//! remembers why, so the caller can say so (the tar reader's own error would hide it).

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use rustix::fd::OwnedFd;

use super::limits::{UnpackLimits, show_size};

/// How often (in bytes charged) free space is measured.
const SPACE_CHECK_EVERY: u64 = 8 << 20;

/// Why metering stopped an unpack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The layers expanded past the size limit.
    Size {
        /// The bytes counted when it stopped.
        at: u64,
        /// The limit.
        limit: u64,
    },
    /// The file system's free space fell below the floor.
    Space {
        /// Bytes free when measured.
        free: u64,
        /// The floor.
        floor: u64,
    },
}

impl Stop {
    /// What happened, for a message: names the limit and how to set it.
    pub fn describe(&self) -> String {
        match *self {
            Stop::Size { at, limit } => format!(
                "unpacking stopped after {at} bytes: the image expands past the unpacked-size limit of {} (--max-unpack-size or SECCTX_MAX_UNPACK_SIZE)",
                show_size(limit)
            ),
            Stop::Space { free, floor } => format!(
                "unpacking stopped: the file system has {} free, below the floor of {} (--min-free-space or SECCTX_MIN_FREE_SPACE)",
                show_size(free),
                show_size(floor)
            ),
        }
    }
}

/// The running totals of one unpack (or one read of an image's layers).
#[derive(Debug)]
pub struct Meter {
    limits: UnpackLimits,
    /// A directory on the file system written to, for `fstatvfs`; `None`: nothing is written.
    space: Option<OwnedFd>,
    /// Uncompressed bytes of the layers already done.
    committed: Cell<u64>,
    /// Uncompressed bytes read of the current layer pass.
    read: Cell<u64>,
    /// Bytes written to files.
    written: Cell<u64>,
    since_check: Cell<u64>,
    stop: Cell<Option<Stop>>,
}

impl Meter {
    /// A meter for `limits`; `space` is a directory on the file system written to.
    pub fn new(limits: UnpackLimits, space: Option<OwnedFd>) -> Rc<Meter> {
        Rc::new(Meter {
            limits,
            space,
            committed: Cell::new(0),
            read: Cell::new(0),
            written: Cell::new(0),
            since_check: Cell::new(0),
            stop: Cell::new(None),
        })
    }

    /// Starts another read of the current layer (each pass reads the whole stream).
    pub fn start_pass(&self) {
        self.read.set(0);
    }

    /// The current layer is done: its stream size counts against the later layers' room.
    pub fn end_layer(&self) {
        self.committed.set(self.committed.get() + self.read.get());
        self.read.set(0);
    }

    /// Why it stopped, if it did.
    pub fn stopped(&self) -> Option<Stop> {
        self.stop.get()
    }

    fn fail(&self, stop: Stop) -> io::Error {
        self.stop.set(Some(stop));
        io::Error::other(stop.describe())
    }

    fn over(&self, total: u64) -> io::Result<()> {
        let limit = self.limits.max_size;
        if limit > 0 && total > limit {
            return Err(self.fail(Stop::Size { at: total, limit }));
        }
        Ok(())
    }

    fn tick(&self, n: u64) -> io::Result<()> {
        let since = self.since_check.get() + n;
        if since >= SPACE_CHECK_EVERY {
            self.since_check.set(0);
            self.check_space()
        } else {
            self.since_check.set(since);
            Ok(())
        }
    }

    /// Fails when the file system written to has less free space than the floor.
    pub fn check_space(&self) -> io::Result<()> {
        let (Some(fd), floor) = (&self.space, self.limits.min_free) else {
            return Ok(());
        };
        if floor == 0 {
            return Ok(());
        }
        let st = rustix::fs::fstatvfs(fd).map_err(io::Error::from)?;
        let free = st.f_bavail.saturating_mul(st.f_frsize);
        if free < floor {
            return Err(self.fail(Stop::Space { free, floor }));
        }
        Ok(())
    }

    /// Charges `n` bytes of uncompressed layer stream.
    pub fn charge_read(&self, n: u64) -> io::Result<()> {
        let read = self.read.get() + n;
        self.read.set(read);
        self.over(self.committed.get() + read)?;
        self.tick(n)
    }

    /// Charges `n` bytes written to a file.
    pub fn charge_write(&self, n: u64) -> io::Result<()> {
        let written = self.written.get() + n;
        self.written.set(written);
        self.over(written)?;
        self.tick(n)
    }
}

/// A reader whose bytes are charged to a [`Meter`].
pub struct MeteredReader<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R> MeteredReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R, meter: Rc<Meter>) -> MeteredReader<R> {
        MeteredReader { inner, meter }
    }
}

impl<R: Read> Read for MeteredReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(stop) = self.meter.stopped() {
            return Err(io::Error::other(stop.describe()));
        }
        let n = self.inner.read(buf)?;
        self.meter.charge_read(n as u64)?;
        Ok(n)
    }
}

/// A writer whose bytes are charged to a [`Meter`] before they are written.
pub struct MeteredWriter<W> {
    inner: W,
    meter: Rc<Meter>,
}

impl<W> MeteredWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W, meter: Rc<Meter>) -> MeteredWriter<W> {
        MeteredWriter { inner, meter }
    }

    /// The inner writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for MeteredWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Charged first: the write that would cross the limit never happens.
        self.meter.charge_write(buf.len() as u64)?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
