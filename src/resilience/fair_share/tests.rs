//! The estimator alone, and a fleet of limiters draining one simulated server bucket:
//! a discrete-event simulation on the manual clock (no thread, no sleep), in which
//! each consumer is one process's [`Bucket`] with its own threads.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::resilience::clock::{Clock, ManualClock};
use crate::resilience::limiter::{Bucket, LimitMode, RateLimit, ServerLimits, Slot};

const MS: u64 = 1_000_000;

fn answer(at_ms: u64, remaining: u64, spent: bool) -> Answer {
    Answer {
        at: at_ms * MS,
        remaining,
        spent,
        emission: 150 * MS,
        burst: 20,
    }
}

#[test]
fn alone_on_the_key_is_one_consumer() {
    let mut f = FairShare::default();
    // we spend a token every 150 ms, exactly the refill: the bucket stays where it is
    for i in 0..40 {
        f.observe(answer(i * 150, 19, true));
    }
    assert!((f.consumers() - 1.0).abs() < 0.01, "{}", f.consumers());
}

#[test]
fn answers_out_of_order_do_not_count_others() {
    let mut f = FairShare::default();
    f.observe(answer(0, 10, true));
    // alone, two requests out at a time, every 300 ms (the refill: 2 tokens): the server
    // counts them at 10 and 9 tokens left, and the second answer comes back first
    for pair in 1..100u64 {
        f.observe(answer(pair * 300, 9, true));
        f.observe(answer(pair * 300 + 1, 10, true));
    }
    assert!(f.consumers() < 1.1, "{}", f.consumers());
}

#[test]
fn alone_under_saturation_rounding_does_not_ratchet_the_estimate() {
    // a bucket of 2 tokens, so that the first answer (1 left) says "alone"
    let small = |at_ms, remaining| Answer {
        burst: 2,
        ..answer(at_ms, remaining, true)
    };
    let mut f = FairShare::default();
    f.observe(small(0, 1));
    assert_eq!(f.consumers(), 1.0);
    // alone on an empty bucket, spending exactly the refill (one token per 150 ms): the
    // server's whole-token rounding shows 1 token left at the end of every other window
    // of four answers, so the windows look like 5 and 3 tokens spent, 4 on average
    for i in 1..=400u64 {
        let remaining = u64::from(i % 8 == 0);
        f.observe(small(i * 150, remaining));
    }
    assert_eq!(f.consumers(), 1.0);
}

#[test]
fn a_bucket_drained_by_others_counts_them() {
    let mut f = FairShare::default();
    f.observe(answer(0, 19, true));
    assert_eq!(f.consumers(), 1.0, "a full bucket at the first answer: alone");
    // then the bucket stays at 2 tokens while we get one in four of the refill
    for i in 1..200 {
        f.observe(answer(i * 600, 2, true));
    }
    assert!((f.consumers() - 4.0).abs() < 0.1, "{}", f.consumers());
}

#[test]
fn the_first_answer_counts_the_missing_tokens() {
    let mut f = FairShare::default();
    f.observe(answer(0, 4, true));
    assert_eq!(f.consumers(), 15.0, "16 tokens gone besides ours");
}

#[test]
fn a_refusal_doubles_the_estimate_once_per_interval_of_our_pace() {
    let mut f = FairShare::default();
    f.observe(answer(0, 19, true));
    f.observe(answer(1, 0, false));
    assert_eq!(f.consumers(), 2.0);
    f.observe(answer(2, 0, false));
    assert_eq!(f.consumers(), 2.0, "not again within one interval of our pace (300 ms)");
    f.observe(answer(302, 0, false));
    assert_eq!(f.consumers(), 4.0, "again after it");
}

#[test]
fn under_saturation_a_low_sample_does_not_lower_the_estimate() {
    let mut f = FairShare::default();
    f.observe(answer(0, 19, true));
    for i in 1..200 {
        f.observe(answer(i * 600, 2, true));
    }
    let before = f.consumers();
    assert!((before - 4.0).abs() < 0.1, "{before}");
    // then the bucket is empty and we get half the refill: a sample of 2, not followed
    for i in 0..100 {
        f.observe(answer(200 * 600 + i * 300, 0, true));
    }
    assert!(f.consumers() >= before, "{} < {before}", f.consumers());
}

#[test]
fn others_leaving_lowers_the_estimate() {
    let mut f = FairShare::default();
    f.observe(answer(0, 19, true));
    for i in 1..200 {
        f.observe(answer(i * 1200, 2, true));
    }
    assert!((f.consumers() - 8.0).abs() < 0.1, "{}", f.consumers());
    // now alone: we spend one token per 1.2 s, the bucket refills 8: it fills up
    let mut remaining = 2u64;
    for i in 200..300 {
        remaining = (remaining + 7).min(19);
        f.observe(answer(i * 1200, remaining, true));
    }
    assert!(f.consumers() < 1.5, "{}", f.consumers());
}

/// The server side: one key's bucket, refilled continuously like the service's.
struct Server {
    tokens: f64,
    at: u64,
    emission: u64,
    burst: u64,
    spent: u64,
    refused: u64,
}

impl Server {
    fn take(&mut self, now: u64) -> Option<u64> {
        self.tokens = (self.tokens + (now - self.at) as f64 / self.emission as f64).min(self.burst as f64);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.spent += 1;
            Some(self.tokens.floor() as u64)
        } else {
            self.refused += 1;
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A thread of consumer `c` wants to send (a new call or a retry).
    Ready(usize),
    /// A thread of consumer `c` asks its limiter again (after `Slot::Recheck`).
    Recheck(usize),
    /// A request of consumer `c` reaches the server.
    Arrive(usize),
    /// Its answer reaches consumer `c`: `Some(remaining)`, or `None` for a 429.
    Answer(usize, Option<u64>),
}

/// What a fleet run gave.
#[derive(Debug)]
struct Outcome {
    calls: u64,
    refused: u64,
    failed: u64,
    completion: f64,
    minimum: f64,
    spread: f64,
}

impl Outcome {
    fn utilisation(&self) -> f64 {
        self.minimum / self.completion
    }
}

/// `consumers` processes x `threads` threads make `calls` calls in all against one
/// bucket of 20 tokens refilled every 150 ms (the service's default, 100x faster);
/// 1 ms to the server and 1 ms back; processes start `stagger` apart.
fn fleet(consumers: usize, threads: usize, calls: u64, stagger: Duration) -> Outcome {
    fleet_with(consumers, threads, calls, stagger, true)
}

/// `fleet`, with the fair-share estimate on or off.
fn fleet_with(consumers: usize, threads: usize, calls: u64, stagger: Duration, share: bool) -> Outcome {
    let clock = ManualClock::new();
    let emission = 150 * MS;
    let mut server = Server {
        tokens: 20.0,
        at: 0,
        emission,
        burst: 20,
        spent: 0,
        refused: 0,
    };
    let limits = |remaining| ServerLimits {
        remaining: Some(remaining).filter(|_| share),
        replenish_rate: Some(100),
        replenish_time: Some(Duration::from_secs(15)),
        burst_capacity: Some(20),
    };
    // the library's default limiter: no limit of its own until the headers describe one
    let cfg = RateLimit {
        rate_per_sec: 1e6,
        burst: 1_000_000,
        mode: LimitMode::Wait {
            max_wait: Duration::from_secs(60),
        },
    };
    let buckets: Vec<Bucket> = (0..consumers)
        .map(|_| Bucket::new(&cfg, clock.clone() as Arc<dyn Clock>))
        .collect();
    let mut left: Vec<u64> = (0..consumers as u64)
        .map(|i| calls / consumers as u64 + u64::from(i < calls % consumers as u64))
        .collect();
    let mut started = vec![0u64; consumers];
    let mut finished = vec![0u64; consumers];
    let mut in_flight = vec![0usize; consumers];
    // the first-answer gate: a process's threads wait for its first answer
    let mut probing = vec![false; consumers];
    let mut answered = vec![false; consumers];
    let mut parked = vec![0usize; consumers];
    let mut streak = vec![0u32; consumers * threads];
    let mut failed = 0u64;
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |q: &mut BinaryHeap<_>, at: u64, ev: Ev| {
        seq += 1;
        q.push(Reverse((at, seq, ev)));
    };
    for (c, start) in started.iter_mut().enumerate() {
        *start = c as u64 * stagger.as_nanos() as u64;
        for _ in 0..threads.min(left[c] as usize) {
            push(&mut queue, *start, Ev::Ready(c));
        }
    }
    let mut events = 0u64;
    while let Some(Reverse((at, _, ev))) = queue.pop() {
        events += 1;
        // a bug here must fail the test, not hang it
        assert!(
            events < 5_000_000,
            "event storm at {at} ns: {ev:?}, calls left {left:?}, busy threads {in_flight:?}"
        );
        let now = clock.now_nanos();
        if at > now {
            clock.advance(Duration::from_nanos(at - now));
        }
        match ev {
            Ev::Ready(c) | Ev::Recheck(c) => {
                if matches!(ev, Ev::Recheck(_)) {
                    in_flight[c] -= 1;
                }
                if !answered[c] && matches!(ev, Ev::Ready(_)) {
                    if probing[c] {
                        parked[c] += 1;
                        continue;
                    }
                    probing[c] = true;
                }
                match buckets[c].reserve_within(None) {
                    Ok(Slot::Booked(wait)) => {
                        in_flight[c] += 1;
                        push(&mut queue, at + wait.as_nanos() as u64 + MS, Ev::Arrive(c));
                    }
                    Ok(Slot::Recheck(d)) => {
                        // the thread sleeps: busy, as one with a request out
                        in_flight[c] += 1;
                        push(&mut queue, at + d.as_nanos() as u64, Ev::Recheck(c));
                    }
                    Err(_) => {
                        failed += 1;
                        left[c] = left[c].saturating_sub(1);
                        finished[c] = at;
                    }
                }
            }
            Ev::Arrive(c) => {
                let r = server.take(at);
                push(&mut queue, at + MS, Ev::Answer(c, r));
            }
            Ev::Answer(c, r) => {
                in_flight[c] -= 1;
                let b = &buckets[c];
                let slot = c * threads;
                match r {
                    Some(remaining) => {
                        b.observe(&limits(remaining), true);
                        streak[slot] = 0;
                        left[c] -= 1;
                        finished[c] = at;
                        if left[c] > in_flight[c] as u64 {
                            push(&mut queue, at, Ev::Ready(c));
                        }
                    }
                    None => {
                        b.observe(&limits(0), false);
                        streak[slot] += 1;
                        let wait = crate::resilience::retry::throttle_pause(b, &limits(0), None, streak[slot]);
                        b.pause(wait);
                        push(&mut queue, at, Ev::Ready(c));
                    }
                }
                if !answered[c] {
                    answered[c] = true;
                    for _ in 0..std::mem::take(&mut parked[c]) {
                        push(&mut queue, at, Ev::Ready(c));
                    }
                }
            }
        }
    }
    let completion = *finished.iter().max().unwrap() as f64 / 1e9;
    let ends: Vec<f64> = finished
        .iter()
        .zip(&started)
        .map(|(f, s)| (f - s) as f64 / 1e9)
        .collect();
    let spread = ends.iter().cloned().fold(0.0, f64::max) - ends.iter().cloned().fold(f64::MAX, f64::min);
    Outcome {
        calls,
        refused: server.refused,
        failed,
        completion,
        minimum: (calls.saturating_sub(20)) as f64 * emission as f64 / 1e9,
        spread: spread / completion,
    }
}

fn check(consumers: usize) -> Outcome {
    let o = fleet(consumers, 4, 1000, Duration::from_millis(3));
    eprintln!(
        "{consumers:>2} consumers x 4 threads: {} calls, {} failed, {} x 429 ({:.1} %), {:.1} s (minimum {:.1} s), utilisation {:.3}, spread {:.3}",
        o.calls,
        o.failed,
        o.refused,
        100.0 * o.refused as f64 / o.calls as f64,
        o.completion,
        o.minimum,
        o.utilisation(),
        o.spread
    );
    assert_eq!(o.failed, 0, "{o:?}");
    o
}

// Bounds with room for the random jitter of the pause after a 429; the figures of one
// day's runs are in the module docs.

#[test]
#[cfg_attr(
    miri,
    ignore = "a seeded numeric simulation of a fleet on one thread: no unsafe code, pointer or thread for Miri to check, and 20-60 s each under it (scripts/miri.sh)"
)]
fn two_consumers_share_one_bucket() {
    let o = check(2);
    assert!(o.refused <= 10, "{o:?}");
    assert!(o.utilisation() >= 0.9, "{o:?}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a seeded numeric simulation of a fleet on one thread: no unsafe code, pointer or thread for Miri to check, and 20-60 s each under it (scripts/miri.sh)"
)]
fn four_consumers_share_one_bucket() {
    let o = check(4);
    assert!(o.refused <= 10, "{o:?}");
    assert!(o.utilisation() >= 0.9, "{o:?}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a seeded numeric simulation of a fleet on one thread: no unsafe code, pointer or thread for Miri to check, and 20-60 s each under it (scripts/miri.sh)"
)]
fn sixteen_consumers_share_one_bucket() {
    let o = check(16);
    assert!(o.refused <= 120, "{o:?}");
    assert!(o.utilisation() >= 0.6, "{o:?}");
}

/// The same fleet without the estimate (every process takes `remaining` as its own, as
/// before): the storm the estimate prevents, so the bounds above mean something.
#[test]
#[cfg_attr(
    miri,
    ignore = "a seeded numeric simulation of a fleet on one thread: no unsafe code, pointer or thread for Miri to check, and 20-60 s each under it (scripts/miri.sh)"
)]
fn without_the_estimate_sixteen_consumers_storm() {
    let o = fleet_with(16, 4, 1000, Duration::from_millis(3), false);
    eprintln!("16 consumers without the estimate: {} x 429", o.refused);
    assert!(o.refused > 300, "{o:?}");
}

#[test]
fn alone_with_a_full_bucket_a_process_spends_its_burst_at_once() {
    // the real service's bucket is 20 tokens, one more per 15 s: a process alone on a
    // full bucket must not pace its first calls (the simulated clock makes this exact)
    let o = fleet(1, 1, 10, Duration::ZERO);
    assert_eq!(o.refused, 0, "{o:?}");
    assert!(o.completion < 0.05, "10 calls of 2 ms each took {:.3} s", o.completion);
}
