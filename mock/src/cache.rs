//! A cache of serialised answers to read operations. Any write bumps the data
//! version and empties it, so a hit is always what the handler would answer now.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::reply::Reply;

const MAX_ENTRIES: usize = 512;

#[derive(Default)]
pub struct ReadCache {
    version: AtomicU64,
    entries: Mutex<HashMap<String, (u64, Reply)>>,
}

/// Reads whose answer depends only on the data (not on the clock).
pub fn cacheable(op: &str) -> bool {
    !matches!(op, "getSessions" | "getUserDnsResolutions")
}

impl ReadCache {
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    pub fn invalidate(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
        self.entries.lock().clear();
    }

    pub fn get(&self, key: &str) -> Option<Reply> {
        let v = self.version();
        self.entries
            .lock()
            .get(key)
            .filter(|(ver, _)| *ver == v)
            .map(|(_, r)| r.clone())
    }

    /// Store an answer computed at data version `version` (dropped if the data changed since).
    pub fn put(&self, key: String, version: u64, reply: Reply) {
        let mut e = self.entries.lock();
        if version != self.version() {
            return;
        }
        if e.len() >= MAX_ENTRIES {
            e.clear();
        }
        e.insert(key, (version, reply));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_invalidate() {
        let c = ReadCache::default();
        let v = c.version();
        c.put("a".into(), v, Reply::empty(200));
        assert!(c.get("a").is_some());
        c.invalidate();
        assert!(c.get("a").is_none());
        c.put("a".into(), v, Reply::empty(200));
        assert!(c.get("a").is_none(), "an answer computed before a write is not stored");
    }
}
