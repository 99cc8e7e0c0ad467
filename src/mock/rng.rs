//! Deterministic pseudo-randomness: every synthetic value is a pure function of the seed and
//! a few names or numbers, so data never has to be stored to be served again identically.

/// Mixes a 64-bit value (the splitmix64 finaliser).
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash of the seed and a text (FNV-1a, then mixed).
pub fn hash_str(seed: u64, text: &str) -> u64 {
    let fnv = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    mix(seed ^ fnv)
}

/// A small splitmix64 generator for drawing several values from one hash.
pub struct Rng(u64);

impl Rng {
    pub fn new(state: u64) -> Self {
        Rng(state)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // The index is below `items.len()`, so it fits in usize.
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_same_values() {
        assert_eq!(hash_str(1, "a"), hash_str(1, "a"));
        assert_ne!(hash_str(1, "a"), hash_str(2, "a"));
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        assert_eq!(a.below(1000), b.below(1000));
    }
}
