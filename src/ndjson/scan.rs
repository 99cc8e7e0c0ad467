//! Skipping the plain bytes of a JSON string: finds the next byte that needs a closer look
//! (`"`, `\`, a control character, or a byte of a multi-byte UTF-8 character).
//!
//! Three ways to do it, which must agree (the tests run each one this processor has): on
//! x86_64, SSE2 over 16 bytes at a time (part of the architecture, no run-time detection
//! needed), and AVX-512BW over all 64 bytes at once where the processor has it (detected
//! at run time; the whole line check is then compiled for it, see `validate.rs`); and a
//! portable one over 8-byte words for every target. The SIMD ones keep a 64-byte mask
//! between calls. AVX2 would only halve SSE2's four loads per mask, with the same
//! movemask steps: not worth a fourth way.

use std::marker::PhantomData;

/// A way to find the next byte of interest inside a JSON string. A scanner may remember
/// what it learnt of the buffer: one is made for each line checked, over one buffer.
pub(crate) trait Scan: Default {
    /// The index of the first byte at or after `from` that is `"`, `\\`, below 0x20 or
    /// above 0x7f; `buf.len()` when there is none.
    fn next_special(&mut self, buf: &[u8], from: usize) -> usize;
}

/// Whether `byte` ends a run of plain string bytes.
#[inline(always)]
fn is_special(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || !(0x20..0x80).contains(&byte)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each special byte of `word` (little-endian order). Bits above the
/// lowest one may be false alarms (borrows of the subtractions), so only the lowest set
/// bit is meaningful: below the first special byte, no subtraction borrows.
#[inline(always)]
fn special_bits(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_quote = quote.wrapping_sub(ONES) & !quote;
    let zero_backslash = backslash.wrapping_sub(ONES) & !backslash;
    // High bit set for bytes below 0x20 (the subtraction wraps) or from 0x80 (`| word`).
    let control_or_high = word.wrapping_sub(ONES * 0x20) | word;
    (zero_quote | zero_backslash | control_or_high) & HIGH
}

/// Portable: 8 bytes at a time with integer arithmetic (SWAR), then byte by byte.
#[derive(Default)]
pub(crate) struct Portable;

impl Scan for Portable {
    #[inline(always)]
    fn next_special(&mut self, buf: &[u8], from: usize) -> usize {
        portable_next_special(buf, from)
    }
}

#[inline(always)]
fn portable_next_special(buf: &[u8], mut from: usize) -> usize {
    while let Some(bytes) = buf.get(from..from + 8) {
        let word = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        let bits = special_bits(word);
        if bits != 0 {
            return from + (bits.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while let Some(&byte) = buf.get(from) {
        if is_special(byte) {
            return from;
        }
        from += 1;
    }
    from
}

/// The special bytes of 64 bytes as one bit mask (bit k set: byte k is special), computed
/// with some SIMD instructions.
pub(crate) trait Mask64 {
    /// The mask of the first 64 bytes of `block` (at least 64 long).
    fn special_mask_64(block: &[u8]) -> u64;
}

/// A SIMD scanner: the special bytes of 64 bytes at a time as one bit mask, kept between
/// calls, so that finding the end of the next short string is a shift and a count of
/// zeros rather than a chain of loads and compares that each string would wait for.
pub(crate) struct Cached<M> {
    /// The mask holds the bytes from `start` to `start + 64`; at first a `start` that no
    /// index of a buffer is within 64 bytes of, so the first call fills the mask.
    start: usize,
    bits: u64,
    mask: PhantomData<M>,
}

impl<M> Default for Cached<M> {
    fn default() -> Cached<M> {
        Cached {
            start: usize::MAX / 2,
            bits: 0,
            mask: PhantomData,
        }
    }
}

impl<M: Mask64> Scan for Cached<M> {
    #[inline(always)]
    fn next_special(&mut self, buf: &[u8], mut from: usize) -> usize {
        loop {
            let offset = from.wrapping_sub(self.start);
            if offset < 64 {
                let bits = self.bits >> offset;
                if bits != 0 {
                    return from + bits.trailing_zeros() as usize;
                }
                from = self.start + 64;
            }
            if from >= buf.len() {
                return buf.len();
            }
            self.start = from;
            self.bits = match buf.get(from..from + 64) {
                Some(block) => M::special_mask_64(block),
                None => special_mask_of_end::<M>(&buf[from..]),
            };
        }
    }
}

/// [`Mask64::special_mask_64`] of the last bytes of a buffer (fewer than 64).
#[cold]
#[inline(never)]
fn special_mask_of_end<M: Mask64>(rest: &[u8]) -> u64 {
    let mut padded = [b'a'; 64];
    padded[..rest.len()].copy_from_slice(rest);
    M::special_mask_64(&padded)
}

/// SSE2, 16 bytes per comparison: part of every x86_64 processor.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) enum Sse2Mask {}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
impl Mask64 for Sse2Mask {
    #[inline(always)]
    fn special_mask_64(block: &[u8]) -> u64 {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8,
        };
        assert!(block.len() >= 64);
        let mut bits = 0u64;
        // SAFETY: SSE2 is enabled on every x86_64 target (checked by the `cfg` above), and
        // each 16-byte load is inside `block`, which is at least 64 bytes long (asserted);
        // an unaligned load has no alignment requirement.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let space = _mm_set1_epi8(0x20);
            for k in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
                // A signed comparison with 0x20 catches both the control characters and
                // every byte from 0x80 (negative as i8).
                let special = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                    _mm_cmplt_epi8(v, space),
                );
                bits |= u64::from(_mm_movemask_epi8(special) as u16) << (16 * k);
            }
        }
        bits
    }
}

/// AVX-512BW, all 64 bytes in one comparison, straight into a mask register. Only for
/// processors that have it: see [`avx512_detected`].
#[cfg(target_arch = "x86_64")]
pub(crate) enum Avx512Mask {}

#[cfg(target_arch = "x86_64")]
impl Mask64 for Avx512Mask {
    #[inline(always)]
    fn special_mask_64(block: &[u8]) -> u64 {
        use std::arch::x86_64::{
            _mm512_cmpeq_epi8_mask, _mm512_cmplt_epi8_mask, _mm512_loadu_si512, _mm512_set1_epi8,
        };
        assert!(block.len() >= 64);
        // SAFETY: this scanner is only used where AVX-512BW was detected (the checks go
        // through `validate::NativeChecks`, the tests ask `avx512_detected` first);
        // the load is inside `block`, at least 64 bytes long (asserted), and an unaligned
        // load has no alignment requirement.
        unsafe {
            let v = _mm512_loadu_si512(block.as_ptr().cast());
            let quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'"' as i8));
            let backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\\' as i8));
            // Signed, as for SSE2: control characters and every byte from 0x80.
            let below_space = _mm512_cmplt_epi8_mask(v, _mm512_set1_epi8(0x20));
            quote | backslash | below_space
        }
    }
}

/// Whether this processor has AVX-512BW (the answer is cached by the standard library).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn avx512_detected() -> bool {
    std::arch::is_x86_feature_detected!("avx512bw")
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) type Sse2 = Cached<Sse2Mask>;
#[cfg(target_arch = "x86_64")]
pub(crate) type Avx512 = Cached<Avx512Mask>;

/// The scanner every processor of this target has.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) type Native = Sse2;
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub(crate) type Native = Portable;

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(buf: &[u8], from: usize) -> usize {
        (from..buf.len())
            .find(|&i| is_special(buf[i]))
            .unwrap_or(buf.len())
    }

    /// One scanner asked again and again along a buffer, as a line check does.
    #[test]
    fn a_scanner_that_remembers_finds_every_special_byte_in_turn() {
        let mut buf = Vec::new();
        for k in 0..300usize {
            buf.extend_from_slice(&b"abcdefghijklmnopqrstuvwxyz"[..k % 26]);
            buf.push([b'"', b'\\', b'\n', 0xc3, 0x7f][k % 5]);
        }
        for len in [0, 1, 63, 64, 65, 200, buf.len()] {
            let buf = &buf[..len];
            let mut portable = Portable;
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            let mut sse2 = Sse2::default();
            #[cfg(target_arch = "x86_64")]
            let mut avx512 = Avx512::default();
            let mut from = 0;
            loop {
                let want = naive(buf, from);
                assert_eq!(portable.next_special(buf, from), want);
                #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
                assert_eq!(sse2.next_special(buf, from), want, "{len} {from}");
                #[cfg(target_arch = "x86_64")]
                if avx512_detected() {
                    assert_eq!(avx512.next_special(buf, from), want, "{len} {from}");
                }
                if want >= buf.len() {
                    break;
                }
                from = (want + 1 + usize::from(want.is_multiple_of(3))).min(buf.len());
            }
        }
    }

    #[test]
    fn every_byte_value_at_every_position_is_found_by_both_scanners() {
        for special in 0..=255u8 {
            for len in 0..40 {
                for at in 0..len {
                    let mut buf = vec![b'a'; len];
                    buf[at] = special;
                    // Something special later too: only the first one counts.
                    if at + 3 < len {
                        buf[at + 3] = b'"';
                    }
                    for from in 0..=at {
                        let want = naive(&buf, from);
                        assert_eq!(Portable.next_special(&buf, from), want, "{buf:?} {from}");
                        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
                        assert_eq!(Sse2::default().next_special(&buf, from), want);
                        #[cfg(target_arch = "x86_64")]
                        if avx512_detected() {
                            assert_eq!(Avx512::default().next_special(&buf, from), want);
                        }
                    }
                }
            }
        }
    }
}
