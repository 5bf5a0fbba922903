//! How many consumers share this API key: an estimate made from the server's
//! `X-RateLimit-Remaining` alone, with no shared state between the consumers.
//!
//! # The problem
//!
//! The service keeps one token bucket per API key (by default 20 tokens, one more
//! every 15 s). Every process that uses the key draws from it, but each process only
//! sees its own answers. A process that trusts `X-RateLimit-Remaining` as "tokens I may
//! spend" spends them at the same moment as every other process: P processes spend the
//! same tokens P times, and all but one of them get 429s.
//!
//! # The estimate
//!
//! Between two of this process's answers at `t0` and `t1`, the server's bucket went from
//! `r0` to `r1` tokens and refilled `(t1 - t0) / T` tokens (`T`, the server's emission
//! interval, comes from the `X-RateLimit-Replenish-*` headers), no more than it had room
//! for. So everyone together spent `r0 - r1 + refill`, of which this process spent the
//! answers it got in between. Summed over a window of a few of our own answers:
//!
//! ```text
//! consumers ≈ (tokens spent by everyone) / (tokens spent by us)
//! ```
//!
//! With the refill capped at the bucket's room the sum is a lower bound, so a mistake
//! errs toward spending more, which a 429 corrects (below). In steady state each of `N`
//! processes spends `1/N` of the refill, so the estimate is `N`, whatever the processes'
//! thread counts; when a process stops, the bucket stops draining, the sum falls, and
//! the others' estimates fall to match.
//!
//! The limiter then gives this process a fair share: `rate / consumers`, a burst of
//! `burst / consumers` (at least one token), and believes only `remaining / consumers`
//! of the tokens the server reports.
//!
//! Each window's sample updates the estimate: at once when it is higher (each consumer
//! too many costs 429s), a quarter of the way when it is lower and the bucket has at
//! least two tokens to spare, not at all when it is lower under saturation (a low sample
//! there is rounding noise or our own greed, and following it takes from the others).
//! A window half seen already raises the estimate when its partial sample is at least
//! 1.5 times the estimate and 2 above it: processes that start together learn of each
//! other after one more answer instead of four. A 429 doubles the estimate, at most once
//! per interval of our own pace.
//!
//! # Why not additive increase, multiplicative decrease
//!
//! AIMD (cut the rate on each 429 or empty bucket, add a little while tokens are to
//! spare) also converges, and is fairer between processes, but it finds the share by
//! overshooting it, again and again. Both were measured on the simulated bucket of this
//! module's tests (the real bucket's shape 100x faster: 20 tokens, one per 150 ms; 1000
//! calls; 1 ms each way; processes starting 3 ms apart; 2026-12-02):
//!
//! | 16 processes x 4 threads | 429s per 1000 calls | utilisation |
//! |---|---|---|
//! | every process takes `remaining` as its own (before this module) | 680–770 | – |
//! | AIMD (additive 0.2–1 % of the rate per interval, cut x0.7–0.9, x0.5 on 429) | 307–387 | 0.74–0.97 |
//! | this estimate, threads booking slots ahead (2026-12-03, processes 3–60 ms apart) | 36–64 | 0.78–0.94 |
//! | this estimate, slots booked at most one interval ahead (the limiter today) | 17–26 | 0.91–0.97 |
//!
//! With 2 and 4 processes it gave 0–3 429s, utilisation 0.94–0.97; one process alone
//! 0.99. (A sample within one token of "alone" is not followed upward: the server's
//! whole-token rounding otherwise ratchets a process alone up to 1.1–1.3 consumers,
//! 0.87 of the rate in a real run.)
//!
//! What made the difference is outside this module: a thread that books a token far
//! ahead sleeps on it at the rate of the moment. After a 429 doubled the estimate, a
//! process's threads booked slots several seconds apart, the estimate then fell while
//! they slept (the bucket filled, so the samples were low), and when the sleepers woke
//! the processes together were allowed up to twice the rate: a 429 burst every 30–40 s.
//! So the limiter books at most one interval ahead
//! ([`super::limiter::Bucket::reserve_within`]); a thread whose token is further away
//! sleeps and asks again, at the rate of then. Other things measured that did not
//! help: spending 3–10 % below the share; falling only when the bucket stayed above
//! two tokens for a whole window (lower utilisation); a gentler raise on 429 (x1.25,
//! x1.5: more 429s); re-timing booked slots when the rate changed (sleeping threads keep
//! their times).
//!
//! About 11–14 of the remaining 429s come in the first second: processes that start
//! together each learn from their first answer only how many started before them, and
//! a process that arrives when the others have emptied the bucket gets a 429 on its
//! first call. A window half seen raises the estimate at once when its partial sample
//! is well above it, so that lasts one answer, not four.
//!
//! Its weakness is fairness: a saturated bucket split in any proportion is a fixed point
//! of the estimate (each process's `all / own` is its own share), so the split the
//! processes start with tends to stay: the spread of completion times across processes
//! was 0.16–0.87 of the run with 16 processes. Spending one token at a time until the
//! first window closed made the start fairer but cost a process alone on the key its
//! burst (10 calls on a full bucket of the real service took 45 s instead of a few
//! milliseconds), so it is not done: a process alone keeps the whole burst.
//!
//! # Start
//!
//! Before its first answer a process knows nothing: one call goes, the others wait for
//! its answer ([`super::limiter::Bucket::wait_for_first_answer`]). The first answer
//! tells how far the bucket is below full; the tokens missing beyond our own are taken
//! as other consumers' spending (`consumers = burst - remaining - 1`, at least 1), a
//! guess that the first full window replaces.

/// Largest estimate: beyond this many consumers a process waits at most
/// `MAX_CONSUMERS` emission intervals between calls.
pub const MAX_CONSUMERS: f64 = 1024.0;

/// Own answers per window: enough to average out the server's whole-token rounding.
const WINDOW_ANSWERS: u32 = 4;

/// A window also closes after this many server emission intervals with at least one
/// own answer, so a process whose share is one call per minute still updates.
const WINDOW_EMISSIONS: f64 = 8.0;

/// A window closed by time needs at least this many own answers: one answer's sample
/// is mostly the server's whole-token rounding.
const MIN_WINDOW_ANSWERS: u32 = 2;

/// Within a window, a partial sample this many times the estimate (and at least
/// [`EARLY_RISE_TOKENS`] above it) raises the estimate at once.
const EARLY_RISE: f64 = 1.5;

/// See [`EARLY_RISE`]: a partial sample has whole-token noise, so a rise of one or two
/// consumers waits for the window to close.
const EARLY_RISE_TOKENS: f64 = 2.0;

/// Per window, the estimate falls this fraction of the way to a lower sample.
const FALL: f64 = 0.25;

/// The estimate falls only when the bucket has at least this many tokens left.
const HEADROOM: f64 = 2.0;

/// The estimator's state; one per rate-limit bucket, updated under a lock by each
/// answer (a few arithmetic operations).
#[derive(Debug, Clone)]
pub struct FairShare {
    /// Time (ns on the limiter's clock) and remaining tokens of the last answer.
    last: Option<(u64, f64)>,
    /// Tokens spent by everyone in the open window (server view).
    spent_all: f64,
    /// Tokens spent by this process in the open window.
    spent_own: u32,
    window_start: u64,
    /// When a 429 last raised the estimate (ns), if it did.
    raised_at: Option<u64>,
    consumers: f64,
    /// Windows closed so far.
    windows: u32,
}

impl Default for FairShare {
    fn default() -> Self {
        FairShare {
            last: None,
            spent_all: 0.0,
            spent_own: 0,
            window_start: 0,
            raised_at: None,
            consumers: 1.0,
            windows: 0,
        }
    }
}

/// One answer as the estimator sees it.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// When it arrived, ns on the limiter's clock.
    pub at: u64,
    /// `X-RateLimit-Remaining`.
    pub remaining: u64,
    /// Whether the request spent a token (every answer but a 429).
    pub spent: bool,
    /// Server emission interval in ns per token (from the replenish headers).
    pub emission: u64,
    /// Server bucket capacity in tokens.
    pub burst: u64,
}

impl FairShare {
    /// The current estimate of consumers sharing the key (1 = this process alone).
    pub fn consumers(&self) -> f64 {
        self.consumers
    }

    /// Whether a first window has closed: until then the estimate is a guess.
    pub fn settled(&self) -> bool {
        self.windows > 0
    }

    /// Take one answer into the estimate; returns the new estimate.
    pub fn observe(&mut self, a: Answer) -> f64 {
        let remaining = a.remaining as f64;
        let burst = (a.burst.max(1)) as f64;
        // Refused: we spent more than our share, so there are more of us than we thought.
        // Raise once per interval of our own pace: the 429s of calls that were already on
        // their way at the old pace say nothing new.
        let pace = (a.emission as f64 * self.consumers) as u64;
        if !a.spent && self.raised_at.is_none_or(|t| a.at.saturating_sub(t) >= pace) {
            self.consumers = (self.consumers * 2.0).min(MAX_CONSUMERS);
            self.raised_at = Some(a.at);
        }
        let Some((t0, r0)) = self.last else {
            // first answer: the tokens missing from a full bucket, beyond our own, were
            // someone else's
            self.consumers = self.consumers.max(burst - remaining - 1.0).clamp(1.0, MAX_CONSUMERS);
            self.open_window(a.at, remaining);
            return self.consumers;
        };
        let refill = a.at.saturating_sub(t0) as f64 / a.emission.max(1) as f64;
        let refill = refill.min((burst - r0).max(0.0));
        // not clipped at zero: with several requests out, answers arrive out of the
        // order the server counted them, and the steps back and forth cancel in the sum
        self.spent_all += r0 - remaining + refill;
        if a.spent {
            self.spent_own += 1;
        }
        self.last = Some((a.at, remaining));
        let long_enough = a.at.saturating_sub(self.window_start) as f64 >= WINDOW_EMISSIONS * a.emission as f64;
        // a bucket at least half full: nobody is short of tokens, one answer is enough
        let plenty = remaining >= burst / 2.0;
        let needed = if plenty { 1 } else { MIN_WINDOW_ANSWERS };
        if self.spent_own >= 1 && self.spent_own < WINDOW_ANSWERS {
            // a window half seen can already show many more consumers than we thought
            // (processes starting together): rising is the safe way, so do not wait
            let partial = self.spent_all / self.spent_own as f64;
            if partial >= self.consumers * EARLY_RISE && partial - self.consumers >= EARLY_RISE_TOKENS {
                self.consumers = partial.min(MAX_CONSUMERS);
            }
        }
        if self.spent_own >= WINDOW_ANSWERS || (long_enough && self.spent_own >= needed) {
            let sample = (self.spent_all / self.spent_own as f64).clamp(1.0, MAX_CONSUMERS);
            // Quick to rise: each consumer too many costs 429s. Slow to fall, and only while
            // the bucket has tokens to spare: under saturation a low sample is noise or our
            // own greed, and falling on it would take from the others.
            // a sample within one token of "alone" is the server's whole-token rounding:
            // followed, it would ratchet a process alone on the key below its rate
            let rounding = 1.0 + 1.0 / self.spent_own as f64;
            self.consumers = if sample > self.consumers && sample > rounding {
                sample
            } else if remaining >= HEADROOM {
                self.consumers + (sample - self.consumers) * FALL
            } else {
                self.consumers
            };
            self.windows = self.windows.saturating_add(1);
            self.open_window(a.at, remaining);
        }
        self.consumers
    }

    fn open_window(&mut self, at: u64, remaining: f64) {
        self.last = Some((at, remaining));
        self.spent_all = 0.0;
        self.spent_own = 0;
        self.window_start = at;
    }
}

#[cfg(test)]
mod tests;
