//! Callers found recently, by the hash of their secret, kept for a few seconds: under load the
//! same browser or integration sends many requests a second, and each would otherwise cost a
//! database round trip before any work starts.
//!
//! The price is a short window: a session ended or a token revoked by another process (the CLI,
//! a second server) keeps working for at most [`TTL`] on this one. Sign-out through this server
//! forgets the session at once. Expiry is checked on every use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::Caller;

/// How long a found caller is reused.
pub(crate) const TTL: Duration = Duration::from_secs(5);
/// Beyond this many entries the cache starts over (bounded memory under many distinct callers).
const MAX_ENTRIES: usize = 10_000;

type Entries = HashMap<String, (Instant, Arc<Caller>)>;

#[derive(Debug, Default, Clone)]
pub(crate) struct CallerCache {
    inner: Arc<Mutex<Entries>>,
}

impl CallerCache {
    pub(crate) fn get(&self, key: &str) -> Option<Arc<Caller>> {
        let map = self.lock();
        map.get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, c)| c.clone())
    }

    pub(crate) fn put(&self, key: String, caller: Arc<Caller>) {
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (Instant::now(), caller));
    }

    /// Forgets everyone (after a user was disabled here).
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
