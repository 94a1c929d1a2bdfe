//! Shared by the benches (`mod support;`): deterministic data and the on-CPU clock.
//! A directory module, so cargo does not take it for a bench target of its own.

/// The allocator the `secctx` binary uses (crates/secctx-cli/src/main.rs), so the benches
/// measure the library as the command runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `items`.
    #[allow(dead_code)] // the resolve bench's; pss_evaluate builds typed structs instead
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`), when readable. On a shared
/// machine the wall clock also counts time the thread waited for a core; this is the one-core
/// figure.
pub fn on_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
