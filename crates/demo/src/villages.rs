//! Villages, communities and grids (村/社区 and 网格, the "141" system's bottom levels) of three
//! towns: 解放碑街道 (渝中区, a city-centre street of communities), 大周镇 (万州区, a town of villages
//! round a town community) and 黄水镇 (石柱土家族自治县, a county's mountain town).
//!
//! Codes: a 村/社区 carries the 12-digit statistical division code (统计用区划代码): the town's 9
//! digits, then 3 digits, 001–199 for 居委会 (社区) and 200–399 for 村委会 (村), as the national scheme
//! numbers them. A 网格 carries a code of the city's own scheme: its community's 12 digits plus a
//! 3-digit serial (001, 002 …), 15 digits in all, so the code alone says which community a grid
//! belongs to. The towns are real (their codes from `chongqing-towns.csv`); the village and
//! community names and their 3-digit parts are written for the demo and are not the official
//! list; grids are named by their serial (第一网格 …).

use serde_json::json;
use yiping_kernel::{EntityCode, EntityKind, NewEntity};

use super::DemoEntity;

/// Level of a 村/社区 and of a 网格 in the region tree (城市 1, 区县 2, 镇街 3).
pub(super) const VILLAGE_LEVEL: u8 = 4;
pub(super) const GRID_LEVEL: u8 = 5;

/// A 村/社区: the 3 digits after its town's code, its name and how many grids it has.
type Village = (&'static str, &'static str, u8);

/// (town code, its villages and communities).
const TOWNS: [(&str, &[Village]); 3] = [
    (
        "500103003",
        &[
            ("001", "民生路社区", 3),
            ("002", "较场口社区", 3),
            ("003", "五一路社区", 2),
            ("004", "新华路社区", 2),
        ],
    ),
    (
        "500101110",
        &[
            ("001", "大周社区", 2),
            ("200", "五溪村", 2),
            ("201", "铁峰村", 2),
            ("202", "长岭村", 1),
        ],
    ),
    (
        "500240105",
        &[
            ("001", "黄水社区", 2),
            ("200", "金花村", 2),
            ("201", "冷水村", 1),
            ("202", "大风堡村", 1),
        ],
    ),
];

const SERIALS: [&str; 5] = ["一", "二", "三", "四", "五"];

/// A grid with its town, for the demo's items and users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoGrid {
    pub code: String,
    pub name: String,
    /// The grid's 村/社区 (12 digits) and 镇街 (9 digits).
    pub village: String,
    pub town: String,
}

/// The demo's grids, in code order within each town.
pub fn grids() -> Vec<DemoGrid> {
    let mut out = Vec::new();
    for (town, villages) in TOWNS {
        for &(part, name, n) in villages {
            let village = format!("{town}{part}");
            for i in 1..=n {
                out.push(DemoGrid {
                    code: format!("{village}{i:03}"),
                    name: format!("{name}第{}网格", SERIALS[usize::from(i) - 1]),
                    village: village.clone(),
                    town: town.to_string(),
                });
            }
        }
    }
    out
}

/// The 村/社区 and 网格 entities, each after its parent (the towns come earlier in the demo).
pub(super) fn entities() -> Vec<DemoEntity> {
    let grids = grids();
    let mut out = Vec::new();
    for (town, villages) in TOWNS {
        for &(part, name, _) in villages {
            let code = format!("{town}{part}");
            let kind = if part.starts_with('0') || part.starts_with('1') {
                "社区"
            } else {
                "村"
            };
            let entity = NewEntity::new(
                EntityKind::Region,
                Some(
                    EntityCode::parse_region(&code)
                        .unwrap_or_else(|e| panic!("village {code}: {e}")),
                ),
                name,
                VILLAGE_LEVEL,
            )
            .unwrap_or_else(|e| panic!("village {code}: {e}"))
            .with_groups([kind])
            .with_attr("unit_type", json!(kind));
            out.push(DemoEntity {
                key: code.clone(),
                entity,
                parent_key: Some(town.to_string()),
            });
            for g in grids.iter().filter(|g| g.village == code) {
                let entity = NewEntity::new(
                    EntityKind::Region,
                    Some(
                        EntityCode::parse(&g.code)
                            .unwrap_or_else(|e| panic!("grid {}: {e}", g.code)),
                    ),
                    &g.name,
                    GRID_LEVEL,
                )
                .unwrap_or_else(|e| panic!("grid {}: {e}", g.code))
                .with_groups(["网格"])
                .with_attr("unit_type", json!("网格"));
                out.push(DemoEntity {
                    key: g.code.clone(),
                    entity,
                    parent_key: Some(code.clone()),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_schemes_and_lie_under_their_parents() {
        let towns = crate::data::town_rows();
        let es = entities();
        assert_eq!(
            es.iter()
                .filter(|e| e.entity.level == VILLAGE_LEVEL)
                .count(),
            12
        );
        assert_eq!(grids().len(), 23);
        for e in &es {
            let code = e.entity.code.as_ref().unwrap().as_str();
            let parent = e.parent_key.as_deref().unwrap();
            assert!(code.starts_with(parent), "{code} under {parent}");
            match e.entity.level {
                VILLAGE_LEVEL => {
                    assert_eq!(code.len(), 12);
                    assert!(towns.iter().any(|t| t.code == parent), "{parent}");
                }
                _ => assert_eq!(code.len(), 15),
            }
        }
    }
}
