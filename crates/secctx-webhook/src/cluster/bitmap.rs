//! The allocation bitmap, in the byte form OpenShift's `RangeAllocation.data` uses: the
//! allocator's `big.Int` written with `Bytes()`, that is big-endian with no leading zero
//! bytes, bit `i` of the integer (counting from the least significant) standing for block `i`.
//! The empty bitmap is zero bytes.

/// One bit per block of the allocator's space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    bits: Vec<bool>,
}

/// A bitmap that does not fit the allocator's space.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the allocation bitmap marks block {index}, but the range has only {blocks} blocks")]
pub struct BitmapError {
    /// The first block out of range.
    pub index: usize,
    /// Blocks in the range.
    pub blocks: usize,
}

impl Bitmap {
    /// All clear, for `blocks` blocks.
    pub fn new(blocks: usize) -> Bitmap {
        Bitmap {
            bits: vec![false; blocks],
        }
    }

    /// Reads the `big.Int` bytes for a space of `blocks` blocks.
    pub fn decode(bytes: &[u8], blocks: usize) -> Result<Bitmap, BitmapError> {
        let mut map = Bitmap::new(blocks);
        for (k, byte) in bytes.iter().rev().enumerate() {
            for bit in 0..8 {
                if byte & (1 << bit) != 0 {
                    let index = k * 8 + bit;
                    if index >= blocks {
                        return Err(BitmapError { index, blocks });
                    }
                    map.bits[index] = true;
                }
            }
        }
        Ok(map)
    }

    /// The `big.Int` bytes.
    pub fn encode(&self) -> Vec<u8> {
        let Some(high) = self.bits.iter().rposition(|b| *b) else {
            return Vec::new();
        };
        let len = high / 8 + 1;
        let mut out = vec![0u8; len];
        for (i, _) in self.bits.iter().enumerate().filter(|(_, b)| **b) {
            out[len - 1 - i / 8] |= 1 << (i % 8);
        }
        out
    }

    /// Whether block `i` is taken (out of range counts as taken).
    pub fn get(&self, i: usize) -> bool {
        self.bits.get(i).copied().unwrap_or(true)
    }

    /// Marks block `i` taken; false when it is out of range.
    pub fn set(&mut self, i: usize) -> bool {
        match self.bits.get_mut(i) {
            Some(b) => {
                *b = true;
                true
            }
            None => false,
        }
    }

    /// The lowest clear block: the controller's linear scan from bit 0.
    pub fn lowest_free(&self) -> Option<usize> {
        self.bits.iter().position(|b| !*b)
    }

    /// Blocks taken.
    pub fn count(&self) -> usize {
        self.bits.iter().filter(|b| **b).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(blocks: usize, set: &[usize]) -> Bitmap {
        let mut m = Bitmap::new(blocks);
        for i in set {
            assert!(m.set(*i));
        }
        m
    }

    #[test]
    fn big_int_bytes() {
        assert_eq!(with(100, &[]).encode(), Vec::<u8>::new());
        assert_eq!(with(100, &[0]).encode(), vec![0x01]);
        assert_eq!(with(100, &[0, 1, 7]).encode(), vec![0x83]);
        // Bit 8 opens a second, more significant byte in front.
        assert_eq!(with(100, &[8]).encode(), vec![0x01, 0x00]);
        assert_eq!(with(100, &[3, 9]).encode(), vec![0x02, 0x08]);
        assert_eq!(with(100_000, &[99_999]).encode().len(), 12_500);
    }

    #[test]
    fn round_trip_and_scan() {
        let m = with(100_000, &[0, 1, 2, 4, 65, 99_999]);
        let back = Bitmap::decode(&m.encode(), 100_000).expect("decodes");
        assert_eq!(back, m);
        assert_eq!(back.lowest_free(), Some(3));
        assert_eq!(back.count(), 6);
        // Leading zero bytes (another writer's padding) read the same.
        let mut padded = vec![0, 0];
        padded.extend(m.encode());
        assert_eq!(Bitmap::decode(&padded, 100_000).expect("decodes"), m);
    }

    #[test]
    fn out_of_range_bit_is_refused() {
        let m = with(16, &[15]);
        assert_eq!(
            Bitmap::decode(&m.encode(), 10),
            Err(BitmapError {
                index: 15,
                blocks: 10
            })
        );
        assert!(!Bitmap::new(4).set(4));
        assert!(Bitmap::new(4).get(9));
    }

    #[test]
    fn full_space_has_no_free_block() {
        let m = with(3, &[0, 1, 2]);
        assert_eq!(m.lowest_free(), None);
    }
}
