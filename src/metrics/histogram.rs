//! A lock-free log-linear latency histogram (the HdrHistogram layout): every
//! power of two of microseconds is split into 64 linear sub-buckets, and a
//! bucket's midpoint is within 1/128 (0.78 %) of any value in it. Recording is two
//! `fetch_add`s (bucket and sum; the extremes only when they change); percentiles are read
//! from a snapshot.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Values below this are counted exactly; above, 64 sub-buckets per power of two.
const SUB_BITS: u32 = 7;
const SUB: usize = 1 << SUB_BITS;
/// Buckets: the linear range, then 64 per power of two up to `u64::MAX` µs.
const LEN: usize = (63 - SUB_BITS as usize + 1) * SUB / 2 + SUB;

/// Relative precision of recorded values.
pub const PRECISION: f64 = 1.0 / SUB as f64;

/// A concurrent histogram of durations in microseconds.
pub struct Histogram {
    counts: Box<[AtomicU64]>,
    sum_micros: AtomicU64,
    min_micros: AtomicU64,
    max_micros: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: (0..LEN).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            min_micros: AtomicU64::new(u64::MAX),
            max_micros: AtomicU64::new(0),
        }
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.counts.iter().map(|c| c.load(Relaxed)).sum::<u64>())
            .finish_non_exhaustive()
    }
}

/// Bucket index of a value.
fn index(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros(); // >= SUB_BITS
    let exp = (msb - SUB_BITS + 1) as usize;
    let sub = (v >> (msb - SUB_BITS + 1)) as usize; // in SUB/2..SUB
    (exp * SUB / 2 + sub).min(LEN - 1)
}

/// The lowest value that falls in bucket `i`, and the bucket's width.
fn bucket_range(i: usize) -> (u64, u64) {
    if i < SUB {
        return (i as u64, 1);
    }
    let exp = (i - SUB / 2) / (SUB / 2);
    let sub = (i - exp * SUB / 2) as u64;
    let shift = exp as u32;
    (sub << shift, 1u64 << shift)
}

impl Histogram {
    /// Record one duration (microsecond resolution).
    pub fn record(&self, d: Duration) {
        let us = d.as_micros().min(u64::MAX as u128) as u64;
        self.counts[index(us)].fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(us, Relaxed);
        // the extremes rarely change: read first, so most records write two words, not four
        if us < self.min_micros.load(Relaxed) {
            self.min_micros.fetch_min(us, Relaxed);
        }
        if us > self.max_micros.load(Relaxed) {
            self.max_micros.fetch_max(us, Relaxed);
        }
    }

    /// A consistent-enough copy for reading percentiles.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let counts: Vec<u64> = self.counts.iter().map(|c| c.load(Relaxed)).collect();
        HistogramSnapshot {
            count: counts.iter().sum(),
            sum_micros: self.sum_micros.load(Relaxed),
            min_micros: match self.min_micros.load(Relaxed) {
                u64::MAX => 0,
                v => v,
            },
            max_micros: self.max_micros.load(Relaxed),
            counts,
        }
    }
}

/// A point-in-time copy of a [`Histogram`].
#[derive(Debug, Clone)]
pub struct HistogramSnapshot {
    /// Values recorded.
    pub count: u64,
    /// Sum of the values recorded, in microseconds.
    pub sum_micros: u64,
    /// The smallest value recorded, exactly (0 when empty).
    pub min_micros: u64,
    /// The largest value recorded, exactly.
    pub max_micros: u64,
    counts: Vec<u64>,
}

impl HistogramSnapshot {
    /// The value at quantile `q` (0..=1), in microseconds: the middle of the bucket that
    /// holds the `ceil(q * count)`-th smallest value, kept within the exact minimum and
    /// maximum, so within [`PRECISION`] of it.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, width) = bucket_range(i);
                // the exact extremes are known: never report a value outside them
                return (lo + width / 2).clamp(self.min_micros, self.max_micros);
            }
        }
        self.max_micros
    }

    /// The mean of the values recorded, in microseconds (0 when empty).
    pub fn mean_micros(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_micros as f64 / self.count as f64
        }
    }

    /// The non-empty buckets in order: (exclusive upper bound in µs, cumulative count of
    /// values below it). The full distribution at the histogram's precision, for charts.
    pub fn distribution(&self) -> Vec<(u64, u64)> {
        let mut seen = 0;
        let mut out = Vec::new();
        for (i, c) in self.counts.iter().enumerate() {
            if *c > 0 {
                seen += c;
                let (lo, width) = bucket_range(i);
                out.push((lo.saturating_add(width), seen));
            }
        }
        out
    }

    /// How many values are at most `le_micros` (for cumulative Prometheus buckets).
    /// Exact at bucket edges; otherwise counts whole buckets whose start is <= the bound.
    pub fn count_le(&self, le_micros: u64) -> u64 {
        self.counts
            .iter()
            .enumerate()
            .filter(|(i, _)| bucket_range(*i).0 <= le_micros)
            .map(|(_, c)| c)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_range() {
        let mut next = 0;
        for i in 0..LEN - 1 {
            let (lo, w) = bucket_range(i);
            assert_eq!(lo, next, "bucket {i}");
            assert_eq!(index(lo), i);
            assert_eq!(index(lo + w - 1), i);
            assert!(w as f64 <= (lo.max(1) as f64) * PRECISION * 2.0 + 1.0);
            next = lo + w;
        }
    }

    #[test]
    fn quantiles_match_a_brute_force_sort_within_precision() {
        let h = Histogram::default();
        let mut values: Vec<u64> = Vec::new();
        let mut x: u64 = 88172645463325252;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // log-uniform from 10 µs to about 10 s
            let v = (10.0 * (1e6f64).powf((x % 1_000_000) as f64 / 1e6)) as u64;
            values.push(v);
            h.record(Duration::from_micros(v));
        }
        values.sort_unstable();
        let s = h.snapshot();
        for q in [0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let exact = values[((q * values.len() as f64).ceil() as usize).max(1) - 1];
            let got = s.quantile(q);
            let err = (got as f64 - exact as f64).abs() / exact as f64;
            assert!(err <= PRECISION, "q{q}: {got} vs {exact} ({err})");
        }
        assert_eq!(s.max_micros, *values.last().unwrap());
        assert_eq!(s.min_micros, values[0]);
        let d = s.distribution();
        assert_eq!(d.last().unwrap().1, 20_000);
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        for (bound, below) in d.iter().step_by(97) {
            assert_eq!(*below, values.iter().filter(|v| **v < *bound).count() as u64);
        }
        assert_eq!(s.count, 20_000);
    }
}
