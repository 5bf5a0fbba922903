//! The library's one source of non-cryptographic randomness: a per-thread xorshift
//! generator for backoff jitter, the limiter's pause spread and trace and span ids.
//! Not for secrets.

use std::cell::Cell;

thread_local! {
    static RNG: Cell<u64> = Cell::new({
        let addr = &RNG as *const _ as u64;
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
        (addr ^ t) | 1
    });
}

/// A random `u64` from a per-thread xorshift generator (not for secrets).
pub(crate) fn random_u64() -> u64 {
    RNG.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x
    })
}

/// A uniform random number in `[0, 1)`.
pub(crate) fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_stay_in_range_and_vary() {
        let xs: Vec<f64> = (0..1000).map(|_| random_unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.iter().any(|x| *x < 0.25) && xs.iter().any(|x| *x > 0.75));
        assert_ne!(random_u64(), random_u64());
    }
}
