//! Naming a unit (issue 11, bug 4): every API filter, path and CLI option that names a unit
//! passes what the user wrote through here, so codes (500103, also 500103000000), names and
//! aliases (渝中区, 渝中) work everywhere and internal ids never need to be known. One place, not
//! one per handler.
//!
//! The order: a code or an exact name or alias ([`Catalog::find_entity`]); then, for old links and
//! scripts, an internal id written as digits or `id-40` (the screens' key for a unit without a
//! code). An ambiguous name is refused listing every candidate with its code; an unknown one
//! lists the units whose names contain it.

use yiping_kernel::{Catalog, Entity, EntityId, EntityMatch};
use yiping_store::Store;

use crate::AppError;

/// How many candidates a refusal lists at most.
const CANDIDATES: usize = 10;

/// The unit `text` names, looked up in every stored entity.
pub async fn resolve(store: &dyn Store, text: &str) -> Result<EntityId, AppError> {
    let catalog = Catalog::new(store.all_entities().await?, Vec::new());
    resolve_in(&catalog, text)
}

/// Like [`resolve`], for several texts (one read of the entities).
pub async fn resolve_all(store: &dyn Store, texts: &[&str]) -> Result<Vec<EntityId>, AppError> {
    let catalog = Catalog::new(store.all_entities().await?, Vec::new());
    texts.iter().map(|t| resolve_in(&catalog, t)).collect()
}

/// The optional unit a filter names (`None` for absent or blank).
pub async fn resolve_opt(
    store: &dyn Store,
    text: Option<&str>,
) -> Result<Option<EntityId>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => resolve(store, t).await.map(Some),
    }
}

/// The fields of a work-item command or a new item (JSON) that name a unit.
pub const UNIT_FIELDS: [&str; 4] = ["unit", "receiving_unit", "location", "enterprise"];

/// Rewrites the units a JSON command or new item names by code or name (in [`UNIT_FIELDS`], at
/// any depth, and in `units` lists) to their ids, so that `{"dispatch": {"unit": "D009"}}` and
/// `{"unit": 20}` mean the same; numbers are left as they are.
pub async fn resolve_fields(store: &dyn Store, v: &mut serde_json::Value) -> Result<(), AppError> {
    if !names_a_unit(v) {
        return Ok(());
    }
    let catalog = Catalog::new(store.all_entities().await?, Vec::new());
    resolve_fields_in(&catalog, v)
}

fn names_a_unit(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Object(map) => map.iter().any(|(k, val)| match val {
            Value::String(_) => UNIT_FIELDS.contains(&k.as_str()),
            Value::Array(list) => k == "units" && list.iter().any(Value::is_string),
            other => names_a_unit(other),
        }),
        _ => false,
    }
}

/// [`resolve_fields`] against `catalog`.
pub fn resolve_fields_in(catalog: &Catalog, v: &mut serde_json::Value) -> Result<(), AppError> {
    use serde_json::Value;
    let Value::Object(map) = v else {
        return Ok(());
    };
    for (key, val) in map.iter_mut() {
        if let (true, Value::String(s)) = (UNIT_FIELDS.contains(&key.as_str()), &*val) {
            *val = Value::from(resolve_in(catalog, s)?.0);
            continue;
        }
        match (key.as_str(), val) {
            ("units", Value::Array(list)) => {
                for u in list.iter_mut() {
                    if let Value::String(s) = u {
                        *u = Value::from(resolve_in(catalog, s)?.0);
                    }
                }
            }
            (_, inner @ Value::Object(_)) => resolve_fields_in(catalog, inner)?,
            _ => {}
        }
    }
    Ok(())
}

/// The unit `text` names in `catalog`.
pub fn resolve_in(catalog: &Catalog, text: &str) -> Result<EntityId, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(AppError::Invalid(
            "没有给出单位（请写代码或名称，如 500103 或 渝中区）".into(),
        ));
    }
    match catalog.find_entity(t, None) {
        EntityMatch::One(id) => return Ok(id),
        EntityMatch::Ambiguous(ids) => {
            return Err(AppError::Invalid(format!(
                "“{t}”有{}个同名单位：{}；请改用代码",
                ids.len(),
                list(catalog, &ids)
            )));
        }
        EntityMatch::None => {}
    }
    let digits = t.strip_prefix("id-").unwrap_or(t);
    if let Ok(n) = digits.parse::<i64>()
        && catalog.entity(EntityId(n)).is_some()
    {
        return Ok(EntityId(n));
    }
    let near = catalog.entities_containing(t, CANDIDATES);
    Err(AppError::NotFound(if near.is_empty() {
        format!("没有代码或名称为“{t}”的单位")
    } else {
        format!(
            "没有代码或名称为“{t}”的单位；名称相近的有：{}",
            list(catalog, &near)
        )
    }))
}

/// `渝中区（500103）、两江新区（编号 5）…`, at most [`CANDIDATES`].
fn list(catalog: &Catalog, ids: &[EntityId]) -> String {
    let mut out: Vec<String> = ids
        .iter()
        .take(CANDIDATES)
        .filter_map(|id| catalog.entity(*id))
        .map(label)
        .collect();
    if ids.len() > CANDIDATES {
        out.push(format!("等{}个", ids.len()));
    }
    out.join("、")
}

/// A unit as users read it: `渝中区（500103）`, or `两江新区（编号 5）` without a code.
pub fn label(e: &Entity) -> String {
    match &e.data.code {
        Some(c) => format!("{}（{}）", e.data.name, c.as_str()),
        None => format!("{}（编号 {}）", e.data.name, e.id.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiping_kernel::{EntityCode, EntityKind, NewEntity};

    fn catalog() -> Catalog {
        let region = |id, code: Option<&str>, name: &str, aliases: &[&str]| Entity {
            id: EntityId(id),
            data: NewEntity::new(
                EntityKind::Region,
                code.map(|c| EntityCode::parse(c).unwrap()),
                name,
                2,
            )
            .unwrap()
            .with_aliases(aliases),
        };
        let dept = Entity {
            id: EntityId(9),
            data: NewEntity::new(EntityKind::Department, None, "城市管理局", 2).unwrap(),
        };
        let dept2 = Entity {
            id: EntityId(10),
            data: NewEntity::new(
                EntityKind::Department,
                Some(EntityCode::parse("D010").unwrap()),
                "城市管理局",
                3,
            )
            .unwrap(),
        };
        Catalog::new(
            vec![
                region(4, Some("500103"), "渝中区", &["渝中"]),
                region(5, None, "两江新区", &["两江"]),
                dept,
                dept2,
            ],
            Vec::new(),
        )
    }

    #[test]
    fn codes_names_aliases_and_ids_resolve() {
        let c = catalog();
        for t in ["500103", "500103000000", "渝中区", "渝中", " 4 ", "id-4"] {
            assert_eq!(resolve_in(&c, t).unwrap(), EntityId(4), "{t}");
        }
        assert_eq!(resolve_in(&c, "两江").unwrap(), EntityId(5));
        assert_eq!(resolve_in(&c, "id-5").unwrap(), EntityId(5));
    }

    #[test]
    fn json_commands_name_units_by_code_or_name() {
        let mut v = serde_json::json!({"dispatch": {"unit": "渝中区"}, "units": ["500103", 5],
            "receiving_unit": 4, "title": "渝中区"});
        resolve_fields_in(&catalog(), &mut v).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"dispatch": {"unit": 4}, "units": [4, 5],
                "receiving_unit": 4, "title": "渝中区"})
        );
        assert!(names_a_unit(
            &serde_json::json!({"fan_out": {"units": ["D010"]}})
        ));
        assert!(!names_a_unit(&serde_json::json!({"dispatch": {"unit": 4}})));
    }

    #[test]
    fn an_ambiguous_name_lists_the_candidates() {
        let err = resolve_in(&catalog(), "城市管理局").unwrap_err();
        let AppError::Invalid(m) = err else {
            panic!("{err:?}")
        };
        assert!(m.contains("城市管理局（编号 9）"), "{m}");
        assert!(m.contains("城市管理局（D010）"), "{m}");
    }

    #[test]
    fn an_unknown_name_is_not_found_with_near_names() {
        let err = resolve_in(&catalog(), "渝中").map(|_| ());
        assert!(err.is_ok());
        let err = resolve_in(&catalog(), "新区").unwrap_err();
        let AppError::NotFound(m) = err else {
            panic!("{err:?}")
        };
        assert!(m.contains("两江新区"), "{m}");
        assert!(matches!(
            resolve_in(&catalog(), "999999"),
            Err(AppError::NotFound(_))
        ));
    }
}
