//! The one screen's caches, one set per server state (so servers over different databases
//! never share entries): gathered screens per (unit, month), the children's boundaries per unit,
//! the region index by screen key and the newest evaluated month. How long each is kept, and
//! how a screen is refreshed while it is served, is decided where they are read
//! (`crate::pages::screen::data`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use yiping_app::screen::Screen;
use yiping_kernel::{Entity, EntityId, Period};

pub(crate) type Key = (EntityId, Period);

/// A cached screen, or a gathering under way (other requests for it wait instead of gathering
/// the same screen again).
pub(crate) enum Slot {
    Gathering(Instant),
    Ready {
        at: Instant,
        value: Arc<Screen>,
        refreshing: bool,
    },
}

pub(crate) type Cache = Mutex<HashMap<Key, Slot>>;

/// Rewritten boundaries per unit: the JSON text, or `None` when none is registered.
pub(crate) type MapCache = Mutex<HashMap<EntityId, (Instant, Option<Arc<String>>)>>;

pub(crate) type RegionIndex = Arc<HashMap<String, Entity>>;

/// The screen's caches, one set per server state.
#[derive(Default)]
pub(crate) struct ScreenCaches {
    pub(crate) screens: Cache,
    pub(crate) maps: MapCache,
    pub(crate) regions: Mutex<Option<(Instant, RegionIndex)>>,
    pub(crate) month: Mutex<Option<(Instant, Period)>>,
}

impl std::fmt::Debug for ScreenCaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScreenCaches")
    }
}
