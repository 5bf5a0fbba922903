//! The resilience stages of the pipeline: retry policy and budget, circuit
//! breaker, client-side rate limiter, stale-if-error and the fresh-read cache. Each is a small type on an injectable clock.

pub mod breaker;
pub mod budget;
pub mod cache;
pub mod clock;
pub mod coalesce;
pub mod fair_share;
pub mod limiter;
pub mod read_cache;
#[cfg(feature = "redis")]
pub mod redis_limiter;
pub mod retry;

pub use breaker::{BreakerConfig, BreakerState, Breakers, Outcome, Transition};
pub use budget::{RetryBudget, RetryBudgetConfig};
pub use cache::StaleCache;
pub use clock::{Clock, ManualClock, SystemClock};
pub use coalesce::Coalescer;
pub use limiter::{Bucket, LimitMode, RateLimit, ServerLimits, Slot};
pub use read_cache::{ReadCacheConfig, family_of};
#[cfg(feature = "redis")]
pub use redis_limiter::{RedisLimitConfig, RedisLimiter, RedisLimiterStats};
pub use retry::RetryPolicy;
