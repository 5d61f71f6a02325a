//! Entities: regions, departments, enterprises and projects, with an effective-dated hierarchy.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::KernelError;

/// The store's stable internal id of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityId(pub i64);

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Region,
    Department,
    Enterprise,
    Project,
}

impl EntityKind {
    pub const ALL: [EntityKind; 4] = [
        Self::Region,
        Self::Department,
        Self::Enterprise,
        Self::Project,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Department => "department",
            Self::Enterprise => "enterprise",
            Self::Project => "project",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Region => "地区",
            Self::Department => "部门",
            Self::Enterprise => "企业",
            Self::Project => "项目",
        }
    }

    /// Accepts the English code or the Chinese label.
    pub fn parse(s: &str) -> Result<Self, KernelError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(t) || k.label_zh() == t)
            .ok_or_else(|| {
                KernelError::invalid(
                    "类型",
                    s,
                    "应为 地区/部门/企业/项目 或 region/department/enterprise/project",
                )
            })
    }
}

/// A code identifying an entity outside yiping: a GB/T 2260 six-digit code, a nine/twelve-digit
/// statistical code (镇街, 村/社区) or a fifteen-digit grid code (网格: its community's twelve digits
/// plus a three-digit serial) for regions, a unified social credit code for enterprises, or an
/// internal code for departments and projects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntityCode(String);

impl EntityCode {
    pub fn parse(s: &str) -> Result<Self, KernelError> {
        let t = crate::catalog::normalize_name(s);
        if t.is_empty() {
            return Err(KernelError::Empty { field: "代码" });
        }
        if t.chars().count() > 40 {
            return Err(KernelError::invalid("代码", s, "超过40个字符"));
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(KernelError::invalid(
                "代码",
                s,
                "只能包含字母、数字和 - _ .",
            ));
        }
        Ok(Self(t.to_ascii_uppercase()))
    }

    /// Parses a region code: GB/T 2260 (6 digits) or a statistical code (9 or 12 digits).
    pub fn parse_region(s: &str) -> Result<Self, KernelError> {
        let code = Self::parse(s)?;
        let n = code.0.len();
        if !code.0.chars().all(|c| c.is_ascii_digit()) || !matches!(n, 6 | 9 | 12 | 15) {
            return Err(KernelError::invalid(
                "地区代码",
                s,
                "应为6位（GB/T 2260）、9位或12位（统计用区划代码）数字，或15位网格代码（社区代码加3位）",
            ));
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EntityCode {
    type Error = KernelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EntityCode> for String {
    fn from(c: EntityCode) -> String {
        c.0
    }
}

/// A link to a parent, valid from `valid_from` (inclusive) to `valid_to` (exclusive); open ends
/// mean "since always" and "still valid".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentLink {
    pub parent: EntityId,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl ParentLink {
    pub fn new(
        parent: EntityId,
        valid_from: Option<NaiveDate>,
        valid_to: Option<NaiveDate>,
    ) -> Result<Self, KernelError> {
        if let (Some(a), Some(b)) = (valid_from, valid_to)
            && a >= b
        {
            return Err(KernelError::invalid(
                "有效期",
                format!("{a}—{b}"),
                "起始日期须早于终止日期",
            ));
        }
        Ok(Self {
            parent,
            valid_from,
            valid_to,
        })
    }

    /// Whether the link holds on `date`.
    pub fn valid_at(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|a| a <= date) && self.valid_to.is_none_or(|b| date < b)
    }
}

/// The parent links after `incoming` links are laid over `stored` ones (redistricting keeps
/// history): each dated incoming link takes its span from the stored links it overlaps (a stored
/// link running past its start is closed the day before, i.e. `valid_to` = its start); an
/// undated incoming link corrects the current (open-ended) link's parent and keeps its start;
/// links equal to stored ones change nothing; adjacent spans of one parent are joined. The
/// result is sorted by start date (undated first).
pub fn merge_parent_links(stored: &[ParentLink], incoming: &[ParentLink]) -> Vec<ParentLink> {
    let mut out: Vec<ParentLink> = stored.to_vec();
    for n in incoming {
        if out.contains(n) {
            continue;
        }
        let mut link = n.clone();
        if n.valid_from.is_none() && n.valid_to.is_none() {
            match out.iter().find(|l| l.valid_to.is_none()) {
                Some(open) if open.parent == n.parent => continue,
                Some(open) => link.valid_from = open.valid_from,
                None if out.is_empty() => {}
                None => {
                    // Every stored link is closed: the undated link continues after the last.
                    link.valid_from = out.iter().filter_map(|l| l.valid_to).max();
                }
            }
        }
        let (a, b) = (link.valid_from, link.valid_to);
        let mut next = Vec::with_capacity(out.len() + 1);
        for l in out {
            let before_end = |x: Option<NaiveDate>| match (x, a) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(x), Some(a)) => x < a,
            };
            let after_start = |x: Option<NaiveDate>| match (x, b) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(x), Some(b)) => x > b,
            };
            // The part of `l` before the new span.
            if before_end(l.valid_from) {
                let to = match (l.valid_to, a) {
                    (Some(t), Some(a)) => Some(t.min(a)),
                    (None, a) => a,
                    (t, None) => t,
                };
                next.push(ParentLink {
                    parent: l.parent,
                    valid_from: l.valid_from,
                    valid_to: to,
                });
            }
            // The part of `l` after the new span.
            if after_start(l.valid_to) {
                let from = match (l.valid_from, b) {
                    (Some(f), Some(b)) => Some(f.max(b)),
                    (None, b) => b,
                    (f, None) => f,
                };
                next.push(ParentLink {
                    parent: l.parent,
                    valid_from: from,
                    valid_to: l.valid_to,
                });
            }
        }
        next.push(link);
        out = next;
    }
    out.retain(|l| !matches!((l.valid_from, l.valid_to), (Some(a), Some(b)) if a >= b));
    out.sort_by_key(|l| l.valid_from);
    let mut joined: Vec<ParentLink> = Vec::with_capacity(out.len());
    for l in out {
        if let Some(last) = joined.last_mut()
            && last.parent == l.parent
            && last.valid_to.is_some()
            && last.valid_to == l.valid_from
        {
            last.valid_to = l.valid_to;
            continue;
        }
        joined.push(l);
    }
    joined
}

/// An entity as given by a user or an import, before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEntity {
    pub kind: EntityKind,
    pub code: Option<EntityCode>,
    pub name: String,
    /// Short names and former names (渝中 for 渝中区, 梁平县 for 梁平区).
    pub aliases: Vec<String>,
    /// 1 city, 2 区县 and 功能区, 3 镇街, 4 村社, 5 网格; for other kinds a free level.
    pub level: u8,
    pub groups: Vec<String>,
    pub attrs: serde_json::Map<String, serde_json::Value>,
    pub parents: Vec<ParentLink>,
}

impl NewEntity {
    /// Checks names, level, aliases and that parent links do not overlap in time.
    pub fn new(
        kind: EntityKind,
        code: Option<EntityCode>,
        name: &str,
        level: u8,
    ) -> Result<Self, KernelError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(KernelError::Empty { field: "名称" });
        }
        if name.chars().count() > 200 {
            return Err(KernelError::invalid("名称", name, "超过200个字符"));
        }
        if level == 0 || level > 9 {
            return Err(KernelError::invalid(
                "层级",
                level.to_string(),
                "应在1—9之间",
            ));
        }
        if kind == EntityKind::Region
            && let Some(c) = &code
        {
            EntityCode::parse_region(c.as_str())?;
        }
        Ok(Self {
            kind,
            code,
            name: name.to_string(),
            aliases: Vec::new(),
            level,
            groups: Vec::new(),
            attrs: serde_json::Map::new(),
            parents: Vec::new(),
        })
    }

    pub fn with_aliases<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, aliases: I) -> Self {
        for a in aliases {
            let a = a.as_ref().trim();
            if !a.is_empty() && a != self.name && !self.aliases.iter().any(|x| x == a) {
                self.aliases.push(a.to_string());
            }
        }
        self
    }

    pub fn with_groups<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, groups: I) -> Self {
        for g in groups {
            let g = g.as_ref().trim();
            if !g.is_empty() && !self.groups.iter().any(|x| x == g) {
                self.groups.push(g.to_string());
            }
        }
        self
    }

    pub fn with_attr(mut self, key: &str, value: serde_json::Value) -> Self {
        self.attrs.insert(key.to_string(), value);
        self
    }

    /// Adds a parent link; refuses one that overlaps an existing link in time.
    pub fn with_parent(mut self, link: ParentLink) -> Result<Self, KernelError> {
        let overlaps = self.parents.iter().any(|l| {
            l.valid_from
                .is_none_or(|a| link.valid_to.is_none_or(|d| a < d))
                && link
                    .valid_from
                    .is_none_or(|c| l.valid_to.is_none_or(|b| c < b))
        });
        if overlaps {
            return Err(KernelError::invalid(
                "上级",
                link.parent.to_string(),
                "与已有上级的有效期重叠",
            ));
        }
        self.parents.push(link);
        Ok(self)
    }
}

/// A stored entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: EntityId,
    #[serde(flatten)]
    pub data: NewEntity,
}

impl Entity {
    /// The parent on `date`, if any.
    pub fn parent_at(&self, date: NaiveDate) -> Option<EntityId> {
        self.data
            .parents
            .iter()
            .find(|l| l.valid_at(date))
            .map(|l| l.parent)
    }

    /// The parent with an open end (the current one).
    pub fn current_parent(&self) -> Option<EntityId> {
        self.data
            .parents
            .iter()
            .find(|l| l.valid_to.is_none())
            .map(|l| l.parent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn region_codes_must_be_six_nine_twelve_or_fifteen_digits() {
        assert!(EntityCode::parse_region("500155").is_ok());
        assert!(EntityCode::parse_region("500101001").is_ok());
        assert!(EntityCode::parse_region("500103003001").is_ok());
        assert!(EntityCode::parse_region("500103003001001").is_ok());
        assert!(EntityCode::parse_region("5001030030010").is_err());
        assert!(EntityCode::parse_region("50015").is_err());
        assert!(EntityCode::parse_region("50015X").is_err());
        assert!(
            NewEntity::new(
                EntityKind::Region,
                Some(EntityCode::parse("ABC").unwrap()),
                "x",
                2
            )
            .is_err()
        );
    }

    #[test]
    fn full_width_codes_are_normalised() {
        assert_eq!(
            EntityCode::parse("５００１０３").unwrap().as_str(),
            "500103"
        );
    }

    #[test]
    fn the_hierarchy_is_effective_dated() {
        // A town moved from one district to another on 2016-06-01.
        let e = NewEntity::new(EntityKind::Region, None, "某镇", 3)
            .unwrap()
            .with_parent(ParentLink::new(EntityId(1), None, Some(d("2016-06-01"))).unwrap())
            .unwrap()
            .with_parent(ParentLink::new(EntityId(2), Some(d("2016-06-01")), None).unwrap())
            .unwrap();
        let e = Entity {
            id: EntityId(9),
            data: e,
        };
        assert_eq!(e.parent_at(d("2015-01-01")), Some(EntityId(1)));
        assert_eq!(e.parent_at(d("2016-06-01")), Some(EntityId(2)));
        assert_eq!(e.current_parent(), Some(EntityId(2)));
    }

    #[test]
    fn a_dated_new_parent_closes_the_old_link_the_day_before() {
        let link = |p, a: Option<&str>, b: Option<&str>| {
            ParentLink::new(EntityId(p), a.map(d), b.map(d)).unwrap()
        };
        // 2024: under 1 since always; from 2025-01-01 under 2.
        let merged =
            merge_parent_links(&[link(1, None, None)], &[link(2, Some("2025-01-01"), None)]);
        assert_eq!(
            merged,
            vec![
                link(1, None, Some("2025-01-01")),
                link(2, Some("2025-01-01"), None)
            ]
        );
        // Importing the same again changes nothing.
        assert_eq!(
            merge_parent_links(&merged, &[link(2, Some("2025-01-01"), None)]),
            merged
        );
        // Both rows of a file (old link closed, new link open) give the same history.
        assert_eq!(
            merge_parent_links(
                &[link(1, None, None)],
                &[
                    link(1, None, Some("2025-01-01")),
                    link(2, Some("2025-01-01"), None)
                ]
            ),
            merged
        );
        // An undated row naming the current parent keeps the history.
        assert_eq!(merge_parent_links(&merged, &[link(2, None, None)]), merged);
        // An undated row naming another parent corrects the current link only.
        assert_eq!(
            merge_parent_links(&merged, &[link(3, None, None)]),
            vec![
                link(1, None, Some("2025-01-01")),
                link(3, Some("2025-01-01"), None)
            ]
        );
        // A span inside an old link splits it; a later move back joins nothing it should not.
        assert_eq!(
            merge_parent_links(
                &[link(1, None, None)],
                &[link(2, Some("2020-01-01"), Some("2021-01-01"))]
            ),
            vec![
                link(1, None, Some("2020-01-01")),
                link(2, Some("2020-01-01"), Some("2021-01-01")),
                link(1, Some("2021-01-01"), None)
            ]
        );
        // No stored links: the incoming ones as they are.
        assert_eq!(
            merge_parent_links(&[], &[link(1, None, None)]),
            vec![link(1, None, None)]
        );
    }

    #[test]
    fn overlapping_parent_links_are_refused() {
        let e = NewEntity::new(EntityKind::Region, None, "某镇", 3)
            .unwrap()
            .with_parent(ParentLink::new(EntityId(1), None, Some(d("2017-01-01"))).unwrap())
            .unwrap();
        assert!(
            e.with_parent(ParentLink::new(EntityId(2), Some(d("2016-06-01")), None).unwrap())
                .is_err()
        );
        assert!(
            ParentLink::new(EntityId(1), Some(d("2020-01-01")), Some(d("2019-01-01"))).is_err()
        );
    }

    #[test]
    fn names_and_levels_are_checked() {
        assert!(NewEntity::new(EntityKind::Department, None, "  ", 2).is_err());
        assert!(NewEntity::new(EntityKind::Department, None, "市统计局", 0).is_err());
        let e = NewEntity::new(EntityKind::Region, None, "渝中区", 2)
            .unwrap()
            .with_aliases(["渝中", "渝中", "渝中区", " "]);
        assert_eq!(e.aliases, vec!["渝中".to_string()]);
    }

    #[test]
    fn kinds_parse_in_both_languages() {
        assert_eq!(EntityKind::parse("企业").unwrap(), EntityKind::Enterprise);
        assert_eq!(EntityKind::parse("Region").unwrap(), EntityKind::Region);
        assert!(EntityKind::parse("城市").is_err());
    }
}
