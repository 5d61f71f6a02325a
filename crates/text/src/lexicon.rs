//! The names the extractor knows: units (regions, departments, enterprises) and indicators, each
//! with its aliases, taken from the catalogue so that a city's own names are recognised without a
//! code change.

use std::collections::HashMap;

use yiping_kernel::{Catalog, EntityKind, NewEntity, NewIndicator};

use crate::run::fold;

/// What a unit is; it decides the default scope of what the unit's speaker reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// The city itself (written 全市 in facts).
    City,
    /// A district, county, functional area or a lower region.
    Region,
    /// A city department (市经济信息委): it reports citywide figures.
    Department,
    /// A firm.
    Enterprise,
}

/// A unit with the names it goes by.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitEntry {
    pub name: String,
    pub aliases: Vec<String>,
    pub kind: UnitKind,
}

/// An indicator with the names it goes by.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorEntry {
    pub name: String,
    pub aliases: Vec<String>,
}

/// An index of unit and indicator names for scanning text.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    units: Vec<UnitEntry>,
    /// First character → (name, unit index), longest names first.
    unit_index: HashMap<char, Vec<(Vec<char>, usize)>>,
    indicators: Vec<IndicatorEntry>,
    /// Every indicator name and alias (folded, lower case) → indicator index, longest first.
    indicator_keys: Vec<(Vec<char>, usize)>,
    /// Names of region groups (渝东北, 主城都市区): references of ranks.
    groups: Vec<String>,
}

fn key(s: &str) -> Vec<char> {
    s.chars()
        .map(fold)
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Lexicon {
    /// Builds the index. Names shorter than two characters are ignored (they match everywhere).
    pub fn new(
        units: Vec<UnitEntry>,
        indicators: Vec<IndicatorEntry>,
        groups: Vec<String>,
    ) -> Self {
        let mut unit_index: HashMap<char, Vec<(Vec<char>, usize)>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            for n in std::iter::once(&u.name).chain(&u.aliases) {
                let k: Vec<char> = n.chars().map(fold).filter(|c| !c.is_whitespace()).collect();
                if k.len() < 2 {
                    continue;
                }
                let list = unit_index.entry(k[0]).or_default();
                if !list.iter().any(|(x, _)| *x == k) {
                    list.push((k, i));
                }
            }
        }
        for list in unit_index.values_mut() {
            list.sort_by_key(|b| std::cmp::Reverse(b.0.len()));
        }
        let mut indicator_keys = Vec::new();
        for (i, ind) in indicators.iter().enumerate() {
            for n in std::iter::once(&ind.name).chain(&ind.aliases) {
                let k = key(n);
                if k.len() >= 2 && !indicator_keys.iter().any(|(x, _)| *x == k) {
                    indicator_keys.push((k, i));
                }
            }
        }
        indicator_keys.sort_by_key(|b| std::cmp::Reverse(b.0.len()));
        Self {
            units,
            unit_index,
            indicators,
            indicator_keys,
            groups,
        }
    }

    /// The names of a catalogue: regions (the city by its full name only; towns and lower levels by
    /// their full names only, as their short forms are common words), departments, enterprises,
    /// and every indicator; region groups become rank references.
    pub fn from_catalog(catalog: &Catalog) -> Self {
        Self::from_parts(
            catalog.entities().map(|e| &e.data),
            catalog.indicators().map(|i| &i.data),
        )
    }

    /// As [`Lexicon::from_catalog`], from entities and indicators not yet stored.
    pub fn from_parts<'a>(
        entities: impl IntoIterator<Item = &'a NewEntity>,
        indicators: impl IntoIterator<Item = &'a NewIndicator>,
    ) -> Self {
        let mut units = Vec::new();
        let mut groups: Vec<String> = Vec::new();
        for e in entities {
            let (kind, aliases) = match e.kind {
                EntityKind::Region if e.level <= 1 => (UnitKind::City, Vec::new()),
                EntityKind::Region if e.level == 2 => (UnitKind::Region, e.aliases.clone()),
                EntityKind::Region => (UnitKind::Region, Vec::new()),
                EntityKind::Department => (UnitKind::Department, e.aliases.clone()),
                EntityKind::Enterprise => (UnitKind::Enterprise, e.aliases.clone()),
                _ => continue,
            };
            if e.kind == EntityKind::Region {
                for g in &e.groups {
                    if !groups.contains(g) {
                        groups.push(g.clone());
                    }
                }
            }
            units.push(UnitEntry {
                name: e.name.clone(),
                aliases,
                kind,
            });
        }
        let indicators = indicators
            .into_iter()
            .map(|i| IndicatorEntry {
                name: i.name.clone(),
                aliases: i.aliases.clone(),
            })
            .collect();
        Self::new(units, indicators, groups)
    }

    pub fn units(&self) -> &[UnitEntry] {
        &self.units
    }

    pub(crate) fn unit(&self, i: usize) -> &UnitEntry {
        &self.units[i]
    }

    /// The longest unit name starting at `i`: (unit index, length).
    pub(crate) fn unit_at(&self, c: &[char], i: usize) -> Option<(usize, usize)> {
        let list = self.unit_index.get(c.get(i)?)?;
        list.iter()
            .find(|(k, _)| c.len() >= i + k.len() && c[i..i + k.len()] == k[..])
            .map(|(k, u)| (*u, k.len()))
    }

    /// The unit called exactly `name` (or by that alias).
    pub(crate) fn find_unit(&self, name: &str) -> Option<usize> {
        let k: Vec<char> = name.chars().map(fold).collect();
        let (u, n) = self.unit_at(&k, 0)?;
        (n == k.len()).then_some(u)
    }

    /// The catalogue name of the indicator written `text`: an exact name or alias, else the
    /// longest name or alias the text ends with (全社会研发投入强度 → 研发投入强度).
    pub(crate) fn indicator_for(&self, text: &str) -> Option<&str> {
        let k = key(text);
        // 制造业占GDP is a share of GDP, not GDP.
        if k.len() < 2 || k.contains(&'占') {
            return None;
        }
        // 社零总额 is 社零, 工业投资增速 is 工业投资.
        let trimmed: Option<Vec<char>> = ["总额", "总量", "增速", "增幅"].iter().find_map(|s| {
            let s: Vec<char> = s.chars().collect();
            (k.len() > s.len() + 1 && k.ends_with(&s)).then(|| k[..k.len() - s.len()].to_vec())
        });
        self.indicator_keys
            .iter()
            .find(|(n, _)| *n == k || Some(n) == trimmed.as_ref())
            .or_else(|| {
                self.indicator_keys
                    .iter()
                    .find(|(n, _)| k.len() > n.len() && k.ends_with(n))
            })
            .map(|(_, i)| self.indicators[*i].name.as_str())
    }

    /// Whether `text` is exactly an indicator's name or alias.
    pub(crate) fn indicator_exact(&self, text: &str) -> bool {
        let k = key(text);
        self.indicator_keys.iter().any(|(n, _)| *n == k)
    }

    /// A region group name (a rank reference) starting at `i`: its length.
    pub(crate) fn group_at(&self, c: &[char], i: usize) -> Option<(String, usize)> {
        self.groups
            .iter()
            .filter(|g| g.chars().count() >= 2)
            .filter(|g| crate::run::at(c, i, g))
            .max_by_key(|g| g.chars().count())
            .map(|g| (g.clone(), g.chars().count()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Lexicon {
        Lexicon::new(
            vec![
                UnitEntry {
                    name: "重庆市".into(),
                    aliases: vec![],
                    kind: UnitKind::City,
                },
                UnitEntry {
                    name: "梁平区".into(),
                    aliases: vec!["梁平".into()],
                    kind: UnitKind::Region,
                },
                UnitEntry {
                    name: "市商务委".into(),
                    aliases: vec![],
                    kind: UnitKind::Department,
                },
            ],
            vec![IndicatorEntry {
                name: "研发投入强度".into(),
                aliases: vec!["R&D经费投入强度".into()],
            }],
            vec!["渝东北".into()],
        )
    }

    #[test]
    fn units_match_longest_name_and_indicators_by_suffix() {
        let l = sample();
        let c: Vec<char> = "梁平区委书记".chars().collect();
        assert_eq!(l.unit_at(&c, 0), Some((1, 3)));
        assert_eq!(l.find_unit("梁平"), Some(1));
        assert_eq!(l.find_unit("梁平区委"), None);
        assert_eq!(l.indicator_for("全社会研发投入强度"), Some("研发投入强度"));
        assert_eq!(l.indicator_for("r&d经费投入强度"), Some("研发投入强度"));
        assert_eq!(l.indicator_for("强度"), None);
        assert_eq!(l.indicator_for("研发投入强度增幅"), Some("研发投入强度"));
        let g: Vec<char> = "渝东北第一".chars().collect();
        assert_eq!(l.group_at(&g, 0), Some(("渝东北".into(), 3)));
    }
}
