//! Work-item metrics per query (period, unit, categories as asked), kept for [`METRICS_TTL`]:
//! computing them reads every item with its history, and a league's figures need not be newer
//! than half a minute. Each caller's answer is still filtered to what they may see.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use yiping_app::work_items::metrics::UnitFigures;
use yiping_kernel::{EntityId, Period};

/// How long computed metrics are served.
pub(crate) const METRICS_TTL: Duration = Duration::from_secs(30);
/// The most queries kept (the oldest entries are dropped beyond it).
const MAX_ENTRIES: usize = 256;

type Key = (Period, Option<EntityId>, Option<String>);
type Entry = (Instant, Arc<Vec<UnitFigures>>);

#[derive(Debug, Default)]
pub(crate) struct MetricsCache {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl MetricsCache {
    pub(crate) fn get(&self, key: &Key) -> Option<Arc<Vec<UnitFigures>>> {
        let map = self.entries.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < METRICS_TTL)
            .map(|(_, v)| v.clone())
    }

    pub(crate) fn put(&self, key: Key, value: Arc<Vec<UnitFigures>>) {
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, (at, _)| at.elapsed() < METRICS_TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, (Instant::now(), value));
        }
    }
}
