//! Item ids reserved ahead. Creating an item takes two writes, reserving its id and inserting
//! it; under a burst of creations a store reserves a block of ids at once, so one write serves
//! the next items (as a database sequence caches values). A store that creates an item now and
//! then reserves exactly what it needs, so the numbers people see do not jump; the unused rest
//! of a block is given back when the store closes, if nobody reserved after it.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use yiping_flow::ItemId;

/// Ids reserved at once during a burst.
pub(crate) const BLOCK: u32 = 64;

/// Two reservations closer than this make a burst.
const BURST: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(crate) struct SpareIds {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    ids: VecDeque<ItemId>,
    last_reserved: Option<Instant>,
}

impl SpareIds {
    /// `n` spare ids, oldest first, if that many are left.
    pub(crate) fn take(&self, n: u32) -> Option<Vec<ItemId>> {
        let mut inner = self.inner.lock().ok()?;
        let n = n as usize;
        (inner.ids.len() >= n).then(|| inner.ids.drain(..n).collect())
    }

    /// How many ids to reserve for a request of `n`: a block during a burst, else `n`.
    pub(crate) fn block_for(&self, n: u32) -> u32 {
        let now = Instant::now();
        let Ok(mut inner) = self.inner.lock() else {
            return n;
        };
        let burst = inner
            .last_reserved
            .is_some_and(|t| now.duration_since(t) < BURST);
        inner.last_reserved = Some(now);
        if burst && n < BLOCK { BLOCK } else { n }
    }

    /// Keeps the ids a reservation brought beyond the request.
    pub(crate) fn keep(&self, ids: Vec<ItemId>) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.ids.extend(ids);
        }
    }

    /// The unused ids if they are one run `first..=last` (what can be given back), emptied.
    pub(crate) fn drain_run(&self) -> Option<(ItemId, ItemId)> {
        let mut inner = self.inner.lock().ok()?;
        let first = *inner.ids.front()?;
        let last = *inner.ids.back()?;
        let run = inner
            .ids
            .iter()
            .zip(inner.ids.iter().skip(1))
            .all(|(a, b)| b.0 == a.0 + 1);
        inner.ids.clear();
        run.then_some((first, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(r: std::ops::RangeInclusive<i64>) -> Vec<ItemId> {
        r.map(ItemId).collect()
    }

    #[test]
    fn a_lone_request_reserves_what_it_asks_for_and_a_burst_a_block() {
        let s = SpareIds::default();
        assert_eq!(s.take(1), None);
        assert_eq!(s.block_for(1), 1, "the first request is not a burst");
        assert_eq!(s.block_for(1), BLOCK, "the second within a second is");
        assert_eq!(s.block_for(BLOCK + 5), BLOCK + 5);
        s.keep(ids(2..=4));
        assert_eq!(s.take(2), Some(ids(2..=3)));
        assert_eq!(s.take(2), None, "one left");
        assert_eq!(s.take(1), Some(ids(4..=4)));
    }

    #[test]
    fn only_one_run_of_ids_can_be_given_back() {
        let s = SpareIds::default();
        s.keep(ids(10..=12));
        assert_eq!(s.drain_run(), Some((ItemId(10), ItemId(12))));
        assert_eq!(s.drain_run(), None, "emptied");
        s.keep(ids(10..=11));
        s.keep(ids(20..=21));
        assert_eq!(s.drain_run(), None, "two runs");
        assert_eq!(s.take(1), None);
    }
}
