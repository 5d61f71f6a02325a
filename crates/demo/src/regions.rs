//! The region tree: 重庆市 → 38 区县 and 3 functional areas → 1,031 镇街, from the data files, and
//! below three of the towns their 村/社区 and 网格 ([`super::villages`]).

use serde_json::json;
use yiping_kernel::{EntityCode, EntityKind, NewEntity};

use super::DemoEntity;
use super::data::{self, Published, RegionRow};

/// The key of the city entity (its GB/T 2260 code).
pub(super) const CITY_KEY: &str = "500000";

/// Keys of the functional areas, which have no GB/T 2260 code.
const FUNCTIONAL_KEYS: [(&str, &str); 3] = [
    ("两江新区", "FA-LIANGJIANG"),
    ("西部科学城重庆高新区", "FA-GAOXIN"),
    ("万盛经开区", "FA-WANSHENG"),
];

/// What a level-1 or level-2 region is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RegionKind {
    City,
    /// One of the 38 区县 with a GB/T 2260 code; together they partition the city.
    District,
    /// A functional area evaluated "as 区县"; it overlaps districts, so it is not part of sums.
    FunctionalArea,
}

/// A city-level or 区县-level region with what the generator needs to know about it.
#[derive(Debug, Clone)]
pub(super) struct Region {
    pub key: String,
    pub short: String,
    pub kind: RegionKind,
    pub region_group: Option<String>,
    pub sub_groups: Vec<String>,
    pub published: Vec<Published>,
    pub source: String,
}

impl Region {
    pub fn in_sub_group(&self, g: &str) -> bool {
        self.sub_groups.iter().any(|s| s == g)
    }

    pub fn in_group(&self, g: &str) -> bool {
        self.region_group.as_deref() == Some(g)
    }
}

/// The regions: the city, the 区县-level units (38 districts, then 3 functional areas, in file
/// order), and the entities of all three levels, parents first.
#[derive(Debug)]
pub(super) struct Regions {
    pub city: Region,
    pub units: Vec<Region>,
    pub entities: Vec<DemoEntity>,
}

impl Regions {
    pub fn districts(&self) -> impl Iterator<Item = &Region> {
        self.units.iter().filter(|r| r.kind == RegionKind::District)
    }
}

fn region_code(code: &str) -> EntityCode {
    EntityCode::parse_region(code).unwrap_or_else(|e| panic!("data file: region code {code}: {e}"))
}

fn region_entity(row: &RegionRow, level: u8) -> NewEntity {
    let mut aliases = vec![row.short_name.clone()];
    aliases.extend(row.aliases.iter().cloned());
    let groups = row.region_group.iter().chain(&row.sub_groups);
    NewEntity::new(
        EntityKind::Region,
        row.code.as_deref().map(region_code),
        &row.name,
        level,
    )
    .unwrap_or_else(|e| panic!("data file: region {}: {e}", row.name))
    .with_aliases(aliases)
    .with_groups(groups)
    .with_attr("unit_type", json!(row.unit_type))
}

pub(super) fn build() -> Regions {
    let mut rows = data::region_rows().into_iter();
    let city_row = rows
        .next()
        .expect("chongqing-districts.csv starts with the city");
    assert_eq!(
        city_row.code.as_deref(),
        Some(CITY_KEY),
        "the first row is 重庆市"
    );
    let mut entities = vec![DemoEntity {
        key: CITY_KEY.to_string(),
        entity: region_entity(&city_row, 1),
        parent_key: None,
    }];
    let city = Region {
        key: CITY_KEY.to_string(),
        short: city_row.short_name.clone(),
        kind: RegionKind::City,
        region_group: None,
        sub_groups: Vec::new(),
        published: city_row.published,
        source: city_row.source,
    };

    let mut units = Vec::new();
    for row in rows {
        let (key, kind) = match &row.code {
            Some(code) => (code.clone(), RegionKind::District),
            None => {
                let key = FUNCTIONAL_KEYS
                    .iter()
                    .find(|(name, _)| *name == row.name)
                    .unwrap_or_else(|| panic!("no key for functional area {}", row.name))
                    .1;
                (key.to_string(), RegionKind::FunctionalArea)
            }
        };
        let mut entity = region_entity(&row, 2);
        if row.name == "万盛经开区" {
            // It lies inside 綦江区's territory (DOMAIN.md §0.1): some statistics say 綦江(不含万盛).
            entity = entity.with_attr("overlaps", json!(["500110"]));
        }
        entities.push(DemoEntity {
            key: key.clone(),
            entity,
            parent_key: Some(CITY_KEY.to_string()),
        });
        units.push(Region {
            key,
            short: row.short_name,
            kind,
            region_group: row.region_group,
            sub_groups: row.sub_groups,
            published: row.published,
            source: row.source,
        });
    }

    for town in data::town_rows() {
        assert!(
            units.iter().any(|u| u.key == town.county_code),
            "town {} {}: unknown county {}",
            town.code,
            town.name,
            town.county_code
        );
        // Town part of the statistical code: 001–099 街道, 100–199 镇, 200–399 乡.
        let part: u16 = town.code[6..].parse().unwrap_or(0);
        let town_type = match part {
            0..=99 => "街道",
            100..=199 => "镇",
            _ => "乡",
        };
        let entity = NewEntity::new(
            EntityKind::Region,
            Some(region_code(&town.code)),
            &town.name,
            3,
        )
        .unwrap_or_else(|e| panic!("town {}: {e}", town.code))
        .with_groups([town_type])
        .with_attr("unit_type", json!(town_type));
        entities.push(DemoEntity {
            key: town.code,
            entity,
            parent_key: Some(town.county_code),
        });
    }

    entities.extend(super::villages::entities());

    Regions {
        city,
        units,
        entities,
    }
}
