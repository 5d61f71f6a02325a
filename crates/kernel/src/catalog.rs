//! Resolving what people write (codes, full names, short names, aliases, full-width forms) to
//! entities and indicators.

use std::collections::HashMap;

use crate::{Entity, EntityId, EntityKind, Indicator, IndicatorId};

/// Normalises a name or code for matching: full-width ASCII becomes half-width, all whitespace
/// (including the ideographic space) is removed.
pub fn normalize_name(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                other => other,
            };
            (!c.is_whitespace()).then_some(c)
        })
        .collect()
}

/// The result of looking an entity up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityMatch {
    One(EntityId),
    /// Several entities share the name (town names repeat across districts): use a code.
    Ambiguous(Vec<EntityId>),
    None,
}

/// The result of looking an indicator up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndicatorMatch {
    One(IndicatorId),
    None,
}

/// An in-memory index of entities and indicators by every name they go by.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    entities: HashMap<EntityId, Entity>,
    entity_by_code: HashMap<(EntityKind, String), EntityId>,
    entity_by_name: HashMap<String, Vec<EntityId>>,
    indicators: HashMap<IndicatorId, Indicator>,
    indicator_by_key: HashMap<String, IndicatorId>,
}

impl Catalog {
    pub fn new(entities: Vec<Entity>, indicators: Vec<Indicator>) -> Self {
        let mut c = Self::default();
        for e in entities {
            c.add_entity(e);
        }
        for i in indicators {
            c.add_indicator(i);
        }
        c
    }

    pub fn add_entity(&mut self, e: Entity) {
        if let Some(code) = &e.data.code {
            self.entity_by_code
                .insert((e.data.kind, code.as_str().to_string()), e.id);
        }
        for name in std::iter::once(&e.data.name).chain(&e.data.aliases) {
            let ids = self.entity_by_name.entry(normalize_name(name)).or_default();
            if !ids.contains(&e.id) {
                ids.push(e.id);
            }
        }
        self.entities.insert(e.id, e);
    }

    pub fn add_indicator(&mut self, i: Indicator) {
        let keys = std::iter::once(i.data.code.as_str().to_string())
            .chain(std::iter::once(i.data.name.clone()))
            .chain(i.data.aliases.iter().cloned());
        for k in keys {
            self.indicator_by_key.insert(normalize_key(&k), i.id);
        }
        self.indicators.insert(i.id, i);
    }

    pub fn entity(&self, id: EntityId) -> Option<&Entity> {
        self.entities.get(&id)
    }

    pub fn indicator(&self, id: IndicatorId) -> Option<&Indicator> {
        self.indicators.get(&id)
    }

    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.entities.values()
    }

    pub fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.values()
    }

    /// Finds an entity by code (of any kind when `kind` is `None`), full name or alias. A code
    /// wins over a name; names shared by several entities are reported as ambiguous.
    pub fn find_entity(&self, text: &str, kind: Option<EntityKind>) -> EntityMatch {
        let t = normalize_name(text);
        if t.is_empty() {
            return EntityMatch::None;
        }
        let upper = t.to_ascii_uppercase();
        let kinds: &[EntityKind] = match &kind {
            Some(k) => std::slice::from_ref(k),
            None => &EntityKind::ALL,
        };
        for k in kinds {
            if let Some(id) = self.entity_by_code.get(&(*k, upper.clone())) {
                return EntityMatch::One(*id);
            }
        }
        let ids: Vec<EntityId> = self
            .entity_by_name
            .get(&t)
            .map(|ids| {
                ids.iter()
                    .copied()
                    .filter(|id| {
                        kind.is_none_or(|k| self.entities.get(id).is_some_and(|e| e.data.kind == k))
                    })
                    .collect()
            })
            .unwrap_or_default();
        match ids.len() {
            0 => EntityMatch::None,
            1 => EntityMatch::One(ids[0]),
            _ => EntityMatch::Ambiguous(ids),
        }
    }

    /// Finds an indicator by code, name or alias, ignoring case, spaces, full-width forms and a
    /// trailing unit in brackets (地区生产总值（亿元） is 地区生产总值).
    pub fn find_indicator(&self, text: &str) -> IndicatorMatch {
        let k = normalize_key(text);
        if let Some(id) = self.indicator_by_key.get(&k) {
            return IndicatorMatch::One(*id);
        }
        let stripped = normalize_key(&strip_unit_suffix(text));
        match self.indicator_by_key.get(&stripped) {
            Some(id) if !stripped.is_empty() => IndicatorMatch::One(*id),
            _ => IndicatorMatch::None,
        }
    }

    /// The children of `parent` on `date` (by effective-dated links).
    pub fn children_at(&self, parent: EntityId, date: chrono::NaiveDate) -> Vec<EntityId> {
        let mut v: Vec<EntityId> = self
            .entities
            .values()
            .filter(|e| e.parent_at(date) == Some(parent))
            .map(|e| e.id)
            .collect();
        v.sort();
        v
    }
}

fn normalize_key(s: &str) -> String {
    normalize_name(s).to_lowercase()
}

/// Removes a trailing bracketed unit such as （亿元）, (%), 【万元】.
pub fn strip_unit_suffix(s: &str) -> String {
    let t = normalize_name(s);
    for (open, close) in [('(', ')'), ('[', ']'), ('【', '】'), ('〔', '〕')] {
        if t.ends_with(close)
            && let Some(pos) = t.rfind(open)
        {
            return t[..pos].to_string();
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EntityCode, NewEntity, NewIndicator};

    fn region(id: i64, code: Option<&str>, name: &str, aliases: &[&str]) -> Entity {
        Entity {
            id: EntityId(id),
            data: NewEntity::new(
                EntityKind::Region,
                code.map(|c| EntityCode::parse(c).unwrap()),
                name,
                2,
            )
            .unwrap()
            .with_aliases(aliases),
        }
    }

    fn catalog() -> Catalog {
        let gdp = Indicator {
            id: IndicatorId(1),
            data: NewIndicator::new("GDP", "地区生产总值", "亿元")
                .unwrap()
                .with_aliases(["GDP总量"]),
        };
        let fai = Indicator {
            id: IndicatorId(2),
            data: NewIndicator::new("FAI", "固定资产投资", "亿元")
                .unwrap()
                .with_aliases(["固投"]),
        };
        Catalog::new(
            vec![
                region(1, Some("500103"), "渝中区", &["渝中"]),
                region(2, Some("500155"), "梁平区", &["梁平", "梁平县"]),
                region(3, None, "两江新区", &["两江"]),
                region(4, Some("500101001"), "城关镇", &[]),
                region(5, Some("500229001"), "城关镇", &[]),
            ],
            vec![gdp, fai],
        )
    }

    #[test]
    fn entities_match_by_code_name_and_alias() {
        let c = catalog();
        assert_eq!(c.find_entity("500103", None), EntityMatch::One(EntityId(1)));
        assert_eq!(
            c.find_entity("５００１０３", None),
            EntityMatch::One(EntityId(1))
        );
        assert_eq!(c.find_entity("渝中", None), EntityMatch::One(EntityId(1)));
        assert_eq!(
            c.find_entity(" 渝中区 ", Some(EntityKind::Region)),
            EntityMatch::One(EntityId(1))
        );
        assert_eq!(c.find_entity("梁平县", None), EntityMatch::One(EntityId(2)));
        assert_eq!(c.find_entity("两江", None), EntityMatch::One(EntityId(3)));
        assert_eq!(
            c.find_entity("渝中区", Some(EntityKind::Enterprise)),
            EntityMatch::None
        );
        assert_eq!(c.find_entity("不存在区", None), EntityMatch::None);
    }

    #[test]
    fn shared_names_are_ambiguous_but_codes_are_not() {
        let c = catalog();
        assert!(matches!(c.find_entity("城关镇", None), EntityMatch::Ambiguous(v) if v.len() == 2));
        assert_eq!(
            c.find_entity("500229001", None),
            EntityMatch::One(EntityId(5))
        );
    }

    #[test]
    fn indicators_match_by_code_name_alias_and_with_units() {
        let c = catalog();
        assert_eq!(c.find_indicator("gdp"), IndicatorMatch::One(IndicatorId(1)));
        assert_eq!(
            c.find_indicator("固投"),
            IndicatorMatch::One(IndicatorId(2))
        );
        assert_eq!(
            c.find_indicator("地区生产总值（亿元）"),
            IndicatorMatch::One(IndicatorId(1))
        );
        assert_eq!(
            c.find_indicator("固定资产投资 (亿元)"),
            IndicatorMatch::One(IndicatorId(2))
        );
        assert_eq!(c.find_indicator("社零"), IndicatorMatch::None);
    }
}
