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
        let derived = autonomous_short_forms(&e.data.name);
        for name in std::iter::once(&e.data.name)
            .chain(&e.data.aliases)
            .chain(&derived)
        {
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
        for code in code_forms(&upper) {
            for k in kinds {
                if let Some(id) = self.entity_by_code.get(&(*k, code.clone())) {
                    return EntityMatch::One(*id);
                }
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

    /// Entities whose name or an alias contains `text` (经开区 → 万盛经开区 …), at most `limit`,
    /// sorted by name: candidates to list when a name is not known. Never used to resolve.
    pub fn entities_containing(&self, text: &str, limit: usize) -> Vec<EntityId> {
        let t = normalize_name(text);
        if t.chars().count() < 2 {
            return Vec::new();
        }
        let mut ids: Vec<EntityId> = self
            .entity_by_name
            .iter()
            .filter(|(name, _)| name.contains(&t))
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        ids.sort();
        ids.dedup();
        ids.sort_by(|a, b| {
            let name = |id: &EntityId| self.entities.get(id).map(|e| e.data.name.as_str());
            name(a).cmp(&name(b)).then(a.cmp(b))
        });
        ids.truncate(limit);
        ids
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

/// The forms a code is looked up in: as written; without the `.0` a float format adds
/// (500103.0) or the apostrophe Excel uses to keep digits as text ('500103); and a 12-digit
/// statistical division code ending in zeros as the 9-digit town or 6-digit county code it
/// pads (500103000000 → 500103).
fn code_forms(upper: &str) -> Vec<String> {
    let mut t = upper.trim_start_matches(['\'', '`', '‘', '’']);
    if let Some(digits) = t.strip_suffix(".0")
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        t = digits;
    }
    let mut forms = vec![upper.to_string()];
    if t != upper {
        forms.push(t.to_string());
    }
    if t.len() == 12 && t.chars().all(|c| c.is_ascii_digit()) {
        if t.ends_with("000") {
            forms.push(t[..9].to_string());
        }
        if t.ends_with("000000") {
            forms.push(t[..6].to_string());
        }
    }
    forms
}

/// The ethnic groups that name autonomous counties (彭水苗族土家族自治县).
const ETHNIC_GROUPS: &[&str] = &[
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "各",
];

/// The short forms people write for an autonomous county: 彭水苗族土家族自治县 → 彭水, 彭水县,
/// 彭水自治县. Empty for other names.
fn autonomous_short_forms(name: &str) -> Vec<String> {
    let Some(mut head) = name.trim().strip_suffix("自治县") else {
        return Vec::new();
    };
    let before = head;
    while let Some(rest) = ETHNIC_GROUPS.iter().find_map(|g| {
        head.strip_suffix('族')
            .and_then(|h| h.strip_suffix(g))
            .filter(|h| !h.is_empty())
    }) {
        head = rest;
    }
    if head == before || head.is_empty() {
        return Vec::new();
    }
    vec![
        head.to_string(),
        format!("{head}县"),
        format!("{head}自治县"),
    ]
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
    fn autonomous_counties_answer_to_their_short_forms() {
        assert_eq!(
            autonomous_short_forms("彭水苗族土家族自治县"),
            ["彭水", "彭水县", "彭水自治县"]
        );
        assert_eq!(autonomous_short_forms("秀山土家族苗族自治县")[1], "秀山县");
        assert_eq!(autonomous_short_forms("石柱土家族自治县")[1], "石柱县");
        assert!(autonomous_short_forms("梁平区").is_empty());
        let mut c = catalog();
        c.add_entity(region(9, Some("500243"), "彭水苗族土家族自治县", &["彭水"]));
        for name in ["彭水县", "彭水", "彭水自治县", "彭水苗族土家族自治县"] {
            assert_eq!(
                c.find_entity(name, None),
                EntityMatch::One(EntityId(9)),
                "{name}"
            );
        }
    }

    #[test]
    fn codes_in_the_forms_files_carry_them() {
        let c = catalog();
        for code in ["500103000000", "500103.0", "'500103"] {
            assert_eq!(
                c.find_entity(code, None),
                EntityMatch::One(EntityId(1)),
                "{code}"
            );
        }
        assert_eq!(
            c.find_entity("500229001000", None),
            EntityMatch::One(EntityId(5))
        );
        assert_eq!(c.find_entity("500103000001", None), EntityMatch::None);
        assert_eq!(
            c.entities_containing("关镇", 5),
            vec![EntityId(4), EntityId(5)]
        );
        assert!(
            c.entities_containing("关", 5).is_empty(),
            "too short to suggest"
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
