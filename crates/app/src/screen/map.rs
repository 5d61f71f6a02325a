//! Boundaries of a unit's children (GeoJSON registered per parent region): matching each
//! feature to a child by name or alias (the catalogue's rules: 梁平县 is an alias of 梁平区),
//! then by code, and rewriting the feature's `name` to the child's current name, with its screen
//! key, so the map, the legend and the drill-down speak of the same units.

use serde::Serialize;
use serde_json::Value;
use yiping_kernel::{Catalog, Entity, EntityKind, EntityMatch};

use super::entity_key;

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
