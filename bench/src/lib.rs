//! Benchmarks only: see `benches/`. Run them with `cargo bench -p bedrock-bench`.
//!
//! The library holds what several benchmarks share.

use std::ops::Range;

/// The large chunk size: what a socket read of a busy stream gives.
pub const LARGE_CHUNK: usize = 16 * 1024;
/// The largest tiny chunk: tiny chunks are 1 to this many bytes, as a slow or dripping peer sends.
pub const TINY_CHUNK_MAX: usize = 97;

/// Where to cut `len` bytes of input: 16 KiB pieces (the last one shorter) when `tiny` is false,
/// pieces of 1–[`TINY_CHUNK_MAX`] bytes drawn from a generator seeded with `seed` when true.
pub fn chunk_ranges(len: usize, tiny: bool, seed: u64) -> Vec<Range<usize>> {
    let mut rng = Rng(seed);
    let mut ranges = Vec::new();
    let mut at = 0;
    while at < len {
        let size = if tiny {
            rng.range(1, TINY_CHUNK_MAX)
        } else {
            LARGE_CHUNK
        };
        let end = (at + size).min(len);
        ranges.push(at..end);
        at = end;
    }
    ranges
}

/// SplitMix64: a small deterministic generator, so generated inputs and chunk boundaries are the
/// same on every run.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        let span = (hi - lo + 1) as u64;
        lo + (self.next_u64() % span) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One of `items`, uniformly.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() - 1)]
    }
}
