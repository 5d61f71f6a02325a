//! Which boundary contains a point: for mapping a reported position (Open311 `lat`/`long`) to
//! the region it lies in ([`child_region_at`], which reads the boundaries registered for a
//! region's children; [`feature_at`] is the pure part).
//!
//! Boundaries are GeoJSON features with `Polygon` or `MultiPolygon` geometry, either plain
//! (`[[lon, lat], …]` rings) or in the compact encoding ECharts' map files use (each ring a
//! string of character pairs, zig-zag encoded deltas from the ring's `encodeOffsets`, in units
//! of 1/1024 degree; the collection says `"UTF8Encoding": true`). Rings after the first of a
//! polygon are holes.
//!
//! Boundaries are uploaded per parent region by [`upload_boundaries`] (checked, stored for the
//! region, audited as `map.upload`).

use chrono::NaiveDate;
use serde_json::Value;
use yiping_kernel::{Entity, EntityId, EntityKind};
use yiping_store::{EntityFilter, Page, Store, StoreError};

use crate::AppError;
use crate::screen::{entity_key, map::match_features};

/// The units of the compact encoding: 1/1024 of a degree.
const SCALE: f64 = 1024.0;

type Ring = Vec<(f64, f64)>;

/// The first feature of `collection` whose area contains (`lon`, `lat`).
pub fn feature_at(collection: &Value, lon: f64, lat: f64) -> Option<&Value> {
    let encoded = collection["UTF8Encoding"].as_bool().unwrap_or(false);
    collection["features"].as_array()?.iter().find(|f| {
        polygons(&f["geometry"], encoded)
            .iter()
            .any(|p| contains(p, lon, lat))
    })
}

/// Boundaries a front end ships for the children of one region (the demo city's map comes with
/// the web assets), used when none was uploaded for that region.
#[derive(Debug, Clone, Copy)]
pub struct ShippedMap<'a> {
    /// The code of the region whose children the file draws (500000).
    pub code: &'a str,
    /// The GeoJSON text.
    pub geojson: &'a str,
}

/// The child of `parent` (valid on `day`) whose registered boundaries contain (`lon`, `lat`):
/// the boundaries uploaded for `parent`, or `shipped` when it is for `parent` and none was
/// uploaded, matched to the children by name, alias or code. `None` when no boundaries are
/// registered or the point lies outside every matched feature. A database failure is an error,
/// never "outside the map"; so is a stored file that is not JSON (uploads are checked).
pub async fn child_region_at(
    store: &dyn Store,
    parent: &Entity,
    shipped: Option<ShippedMap<'_>>,
    lon: f64,
    lat: f64,
    day: NaiveDate,
) -> Result<Option<EntityId>, AppError> {
    let text = match store.region_map(parent.id).await? {
        Some(t) => t,
        None => match shipped.filter(|m| {
            parent
                .data
                .code
                .as_ref()
                .is_some_and(|c| c.as_str() == m.code)
        }) {
            Some(m) => m.geojson.to_string(),
            None => return Ok(None),
        },
    };
    let mut geo: Value = serde_json::from_str(&text).map_err(|e| {
        StoreError::corrupt(format!(
            "{}的下级单位边界不是有效的 JSON：{e}",
            parent.data.name
        ))
    })?;
    let filter = EntityFilter {
        kind: Some(EntityKind::Region),
        parent: Some(parent.id),
        ..EntityFilter::default()
    };
    let children: Vec<Entity> = store
        .entities(&filter, Page::new(Page::MAX_LIMIT, 0))
        .await?
        .items
        .into_iter()
        .filter(|c| c.parent_at(day).is_none_or(|p| p == parent.id))
        .collect();
    match_features(&mut geo, &children);
    let Some(key) = feature_at(&geo, lon, lat).and_then(|f| f["properties"]["key"].as_str()) else {
        return Ok(None);
    };
    Ok(children.iter().find(|c| entity_key(c) == key).map(|c| c.id))
}

/// The polygons of a geometry, each as outer ring then holes.
fn polygons(geometry: &Value, encoded: bool) -> Vec<Vec<Ring>> {
    let coords = &geometry["coordinates"];
    let offsets = &geometry["encodeOffsets"];
    match geometry["type"].as_str() {
        Some("Polygon") => vec![rings(coords, offsets, encoded)],
        Some("MultiPolygon") => coords
            .as_array()
            .map(|ps| {
                ps.iter()
                    .enumerate()
                    .map(|(i, p)| rings(p, &offsets[i], encoded))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn rings(coords: &Value, offsets: &Value, encoded: bool) -> Vec<Ring> {
    let Some(list) = coords.as_array() else {
        return Vec::new();
    };
    list.iter()
        .enumerate()
        .filter_map(|(i, ring)| match ring {
            Value::String(s) if encoded => {
                let o = &offsets[i];
                Some(decode_ring(s, o[0].as_f64()?, o[1].as_f64()?))
            }
            Value::Array(points) => Some(
                points
                    .iter()
                    .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// Decodes one ring of the compact encoding.
fn decode_ring(s: &str, x0: f64, y0: f64) -> Ring {
    let codes: Vec<i64> = s.chars().map(|c| i64::from(u32::from(c)) - 64).collect();
    let (mut x, mut y) = (x0, y0);
    codes
        .chunks_exact(2)
        .map(|pair| {
            let unzig = |v: i64| ((v >> 1) ^ -(v & 1)) as f64;
            x += unzig(pair[0]);
            y += unzig(pair[1]);
            (x / SCALE, y / SCALE)
        })
        .collect()
}

/// Even-odd rule over the outer ring and the holes.
fn contains(polygon: &[Ring], lon: f64, lat: f64) -> bool {
    let Some((outer, holes)) = polygon.split_first() else {
        return false;
    };
    inside(outer, lon, lat) && !holes.iter().any(|h| inside(h, lon, lat))
}

fn inside(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut odd = false;
    let mut j = ring.len().wrapping_sub(1);
    for i in 0..ring.len() {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            odd = !odd;
        }
        j = i;
    }
    odd
}

/// Checks an uploaded GeoJSON: a FeatureCollection whose features have a name.
pub fn validate_geojson(text: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("不是有效的 JSON：{e}"))?;
    if v["type"] != "FeatureCollection" {
        return Err("GeoJSON 须为 FeatureCollection".into());
    }
    let features = v["features"]
        .as_array()
        .filter(|f| !f.is_empty())
        .ok_or("GeoJSON 中没有要素（features）")?;
    for (i, f) in features.iter().enumerate() {
        if f["properties"]["name"]
            .as_str()
            .is_none_or(|n| n.trim().is_empty())
        {
            return Err(format!("第{}个要素没有名称（properties.name）", i + 1));
        }
        if !f["geometry"].is_object() {
            return Err(format!("第{}个要素没有几何图形（geometry）", i + 1));
        }
    }
    Ok(())
}

/// Stores `text` (a GeoJSON FeatureCollection, checked by [`validate_geojson`]) as the boundaries
/// of the children of `region`, uploaded by `caller` (`ManageMaps`, for a region in their scope);
/// replaces the region's earlier upload and is recorded in the audit as `map.upload`.
pub async fn upload_boundaries(
    store: &dyn Store,
    caller: &yiping_access::Principal,
    region: &Entity,
    text: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    caller.require_in(yiping_access::Capability::ManageMaps, region.id)?;
    validate_geojson(text).map_err(AppError::Invalid)?;
    store
        .put_region_map(region.id, text, &caller.login, at)
        .await?;
    crate::audit::record(
        store,
        caller,
        "map.upload",
        &region.data.name,
        format!("{} 字节", text.len()),
        at,
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The compact encoding of a ring (the inverse of `decode_ring`), for the tests.
    fn encode(points: &[(i64, i64)]) -> (String, [i64; 2]) {
        let (mut px, mut py) = points[0];
        let start = [px, py];
        let zig = |v: i64| char::from_u32(((v << 1) ^ (v >> 63)) as u32 + 64).unwrap();
        let mut s = String::new();
        for &(x, y) in points {
            s.push(zig(x - px));
            s.push(zig(y - py));
            (px, py) = (x, y);
        }
        (s, start)
    }

    fn square(x: f64, y: f64, size: f64) -> Value {
        json!([[
            [x, y],
            [x + size, y],
            [x + size, y + size],
            [x, y + size],
            [x, y]
        ]])
    }

    #[test]
    fn plain_polygons_holes_and_multipolygons() {
        let mut ring_with_hole = square(0.0, 0.0, 10.0);
        ring_with_hole
            .as_array_mut()
            .unwrap()
            .push(square(4.0, 4.0, 2.0)[0].clone());
        let fc = json!({"type": "FeatureCollection", "features": [
            {"properties": {"name": "甲"}, "geometry": {"type": "Polygon", "coordinates": ring_with_hole}},
            {"properties": {"name": "乙"}, "geometry": {"type": "MultiPolygon",
                "coordinates": [square(20.0, 0.0, 1.0), square(30.0, 0.0, 1.0)]}},
        ]});
        let name = |x, y| feature_at(&fc, x, y).map(|f| f["properties"]["name"].clone());
        assert_eq!(name(1.0, 1.0), Some(json!("甲")));
        assert_eq!(name(5.0, 5.0), None, "inside the hole");
        assert_eq!(name(30.5, 0.5), Some(json!("乙")));
        assert_eq!(name(25.0, 0.5), None);
    }

    #[test]
    fn the_compact_encoding_decodes_to_the_same_ring() {
        // 渝中区-sized square around (106.55, 29.55), in 1/1024 degree.
        let pts = [
            (109_107, 30_259),
            (109_147, 30_259),
            (109_147, 30_290),
            (109_107, 30_290),
            (109_107, 30_259),
        ];
        let (s, start) = encode(&pts);
        let ring = decode_ring(&s, start[0] as f64, start[1] as f64);
        assert_eq!(ring.len(), pts.len());
        for (got, want) in ring.iter().zip(pts) {
            assert_eq!(*got, (want.0 as f64 / SCALE, want.1 as f64 / SCALE));
        }
        let fc = json!({"UTF8Encoding": true, "features": [
            {"properties": {"name": "渝中区"}, "geometry": {"type": "Polygon",
                "coordinates": [s], "encodeOffsets": [start]}}
        ]});
        assert!(feature_at(&fc, 106.56, 29.56).is_some());
        assert!(feature_at(&fc, 106.70, 29.56).is_none());
    }
}
