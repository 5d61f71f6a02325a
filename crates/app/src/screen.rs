//! The one screen (一屏) of a unit for a month: what a leader of a city, 区县 or 镇街 sees first.
//!
//! [`load`] gathers a [`Screen`] from the store: key-figure tiles ([`tiles`]), the horse-race
//! league of the unit's children (the stored `ECONOMY_RACE` evaluation, or — for children no
//! scheme evaluates, such as towns — a live league by work-item closure rate), the five colour of
//! each child (the stored `FIVE_COLOUR_IND_VA` colour, else the live closure-rate colour), a
//! child × indicator colour table (growth against the unit's own growth, [`colour`]), trend
//! series, the work-item panel and the latest problems ([`work`]). The map boundaries of the
//! children come from [`map`]. A unit without child regions (a 镇街) shows instead where it and
//! its 区县 stand among their siblings, its own latest items and their alerts ([`leaf`]).
//!
//! The month is a single month (`2024M09`); cumulative statistics are read for 1—9月 and a
//! scheme's latest stored evaluation ending by then is shown with its own period label.

pub mod colour;
mod leaf;
mod league;
pub mod map;
mod parts;
pub(crate) mod read;
pub mod tiles;
pub mod work;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use yiping_eval::ProgressBands;
use yiping_kernel::{Entity, EntityId, EntityKind, Indicator, Period};
use yiping_store::{ColourDef, Store, TargetFilter};

pub use leaf::{ItemRow, Standing};
pub use league::{LeagueRow, LeagueView};
pub use parts::{ColourTable, TableCell, TableColumn, TableRow, Trend, TrendPoint};
pub use tiles::{ProgressView, Tile};
pub use work::{ProblemRow, WorkCounts};

use crate::AppError;

/// The scheme whose league the screen shows, as shipped (`screens.toml` sets it per level).
pub const LEAGUE_SCHEME: &str = "ECONOMY_RACE";
/// The scheme whose colours the map shows, as shipped (`screens.toml` sets it per level).
pub const COLOUR_SCHEME: &str = "FIVE_COLOUR_IND_VA";
/// Shown under the screen: the data shipped today are the demo's (`yiping-demo`), synthetic
/// apart from the published figures that carry their source.
pub const DEMO_NOTICE: &str =
    "演示数据：除标注来源的公开数字外，均为按固定随机种子生成的合成样例数据，不代表真实统计结果。";

/// How a screen names an entity in its address: the code, or `id-<id>` for an entity without
/// one (the functional areas).
pub fn entity_key(e: &Entity) -> String {
    match &e.data.code {
        Some(c) => c.as_str().to_string(),
        None => format!("id-{}", e.id.0),
    }
}

/// The entity a screen address names.
pub fn find_by_key<'a>(entities: &'a [Entity], key: &str) -> Option<&'a Entity> {
    if let Some(id) = key.strip_prefix("id-").and_then(|n| n.parse::<i64>().ok()) {
        return entities.iter().find(|e| e.id.0 == id);
    }
    entities.iter().find(|e| {
        e.data.kind == EntityKind::Region && e.data.code.as_ref().is_some_and(|c| c.as_str() == key)
    })
}

/// An entity as the screen refers to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub id: EntityId,
    pub key: String,
    pub name: String,
    pub level: u8,
}

impl Place {
    pub fn of(e: &Entity) -> Self {
        Self {
            id: e.id,
            key: entity_key(e),
            name: e.data.name.clone(),
            level: e.data.level,
        }
    }
}

/// A child unit with its colour on the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Child {
    #[serde(flatten)]
    pub place: Place,
    /// A functional area (功能区): no boundaries, listed beside the map.
    pub functional: bool,
    pub colour: Option<ColourDef>,
    /// What the colour stands for: the scheme's score or value, the rank and grade in it (the
    /// map's tooltip).
    pub facts: Option<MapFacts>,
}

/// A child's figures in the scheme that colours the map.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MapFacts {
    pub value: Option<f64>,
    pub rank: Option<u32>,
    pub grade: Option<String>,
}

/// How the children are coloured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapView {
    pub title: String,
    pub period_label: Option<String>,
    pub legend: Vec<ColourDef>,
    /// What [`MapFacts::value`] is (`综合得分`, `办结率%`).
    pub value_label: String,
    /// How many children the scheme ranks.
    pub ranked: usize,
}

/// The work-item panel row of one child.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkRow {
    pub place: Place,
    pub counts: WorkCounts,
    /// Live closure rate, %.
    pub closure_rate: Option<f64>,
    /// The month's stored 按期办结率 (`WI_ONTIME_RATE`), %.
    pub ontime_rate: Option<f64>,
}

/// The work-item panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkPanel {
    pub total: WorkCounts,
    pub closure_rate: Option<f64>,
    pub rows: Vec<WorkRow>,
}

/// Something the leader should look at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub key: Option<String>,
    pub text: String,
    pub colour: Option<ColourDef>,
}

/// Everything one screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screen {
    pub entity: Place,
    /// Ancestors from the root down to the unit's parent.
    pub ancestors: Vec<Place>,
    /// The month shown (`2024M09`) and its cumulative period (1—9月).
    pub month: Period,
    pub month_label: String,
    pub cumulative_label: String,
    /// The months the picker offers, newest first.
    pub months: Vec<Period>,
    pub tiles: Vec<Tile>,
    pub children: Vec<Child>,
    pub map: MapView,
    pub league: Option<LeagueView>,
    pub table: ColourTable,
    pub trends: Vec<Trend>,
    pub work: WorkPanel,
    pub problems: Vec<ProblemRow>,
    pub alerts: Vec<Alert>,
    /// A unit without child regions (a 镇街): where it and its parent stand among their siblings,
    /// and its own latest items. A 区县: its place in every stored league of the city (no items).
    pub standings: Vec<Standing>,
    pub own_items: Vec<ItemRow>,
}

/// The month a screen shows when none is asked for: the end of the newest stored evaluation of a
/// period that is over (the handling race is also evaluated for the running month, whose
/// statistics are not in yet: showing it would put 1—11月 tiles under a 12月 heading).
pub async fn default_month(store: &dyn Store) -> Result<Period, AppError> {
    let runs = store.evaluation_runs(None).await?;
    let today = Utc::now().date_naive();
    let ends = || runs.iter().map(|r| r.period.last_day());
    let end = ends().filter(|d| *d < today).max().or_else(|| ends().max());
    let d = end.unwrap_or(today);
    Period::month(d.year(), d.month() as u8).map_err(|e| AppError::invalid(e.to_string()))
}

/// Gathers the screen of `unit` for `month` (a single month) as of `now`.
pub async fn load(
    store: &dyn Store,
    unit: EntityId,
    month: Period,
    now: DateTime<Utc>,
) -> Result<Screen, AppError> {
    let (year, m) = match month {
        Period::Months { year, from, to } if from == to => (year, to),
        _ => return Err(AppError::invalid("一屏的期别须为单月，如 2024M09")),
    };
    let day = month.last_day();
    let entities = store.all_entities().await?;
    let by_id: HashMap<EntityId, &Entity> = entities.iter().map(|e| (e.id, e)).collect();
    let me = *by_id
        .get(&unit)
        .ok_or_else(|| AppError::invalid(format!("没有编号为 {} 的单位", unit.0)))?;
    let parents: HashMap<EntityId, EntityId> = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Region)
        .filter_map(|e| e.parent_at(day).map(|p| (e.id, p)))
        .collect();
    let mut ancestors = Vec::new();
    let mut at = parents.get(&unit).copied();
    while let Some(p) = at.and_then(|id| by_id.get(&id)) {
        ancestors.insert(0, Place::of(p));
        at = parents.get(&p.id).copied();
        if ancestors.len() > 10 {
            break;
        }
    }
    let mut children: Vec<&Entity> = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Region && parents.get(&e.id) == Some(&unit))
        .collect();
    children.sort_by_key(|e| (is_functional(e), entity_key(e)));
    let child_ids: Vec<EntityId> = children.iter().map(|e| e.id).collect();
    let names: HashMap<EntityId, String> = std::iter::once(me)
        .chain(children.iter().copied())
        .map(|e| (e.id, e.data.name.clone()))
        .collect();

    // What this level's screen shows (`screens.toml`, [`crate::config::screens`]).
    let settings = crate::config::load(store).await?.screens;
    let shows = settings.for_level(me.data.level);
    let (league_scheme, colour_scheme) = (shows.league.as_str(), shows.colour.as_str());

    let indicators = store.indicators().await?;
    let by_code: HashMap<&str, &Indicator> = indicators
        .iter()
        .map(|i| (i.data.code.as_str(), i))
        .collect();

    // The unit's own values: tiles and trends (this year and last).
    let own_codes = shows
        .tiles
        .iter()
        .map(String::as_str)
        .chain(parts::TREND_INDICATORS.iter().map(|t| t.0));
    let own_ids: Vec<_> = own_codes
        .filter_map(|c| by_code.get(c).map(|i| i.id))
        .collect();
    let values = read::own_values(store, unit, own_ids).await?;
    let targets = store
        .targets(&TargetFilter {
            year: Some(year),
            entity: Some(unit),
            ..Default::default()
        })
        .await?;
    let bands = ProgressBands::default();
    let tiles: Vec<Tile> = shows
        .tiles
        .iter()
        .filter_map(|c| by_code.get(c.as_str()))
        .map(|i| tiles::tile(i, &values, &targets, year, m, &bands))
        .collect();
    let trends = parts::trends(&by_code, &values, year, m, now.date_naive());

    // Work items, live.
    let items = read::all_items(store).await?;
    // Items are placed by location, else by owner: a city department's items count for the
    // city (departments hang under their region), not for a child region.
    let all_parents: HashMap<EntityId, EntityId> = entities
        .iter()
        .filter_map(|e| e.parent_at(day).map(|p| (e.id, p)))
        .collect();
    let summary = work::summarise(&items, unit, &all_parents, &names, now, 8);
    let monthly = parts::monthly_rates(store, &by_code, &child_ids, month).await?;

    // Stored evaluations ending by the month's end.
    let runs = store.evaluation_runs(None).await?;
    let latest = |scheme: &str| {
        runs.iter()
            .filter(|r| {
                r.scheme == scheme && r.period.last_day() <= day && r.period.year_number() == year
            })
            .max_by_key(|r| (r.period.last_day(), r.period.month_count()))
            .map(|r| r.period)
    };
    let child_set: std::collections::HashSet<EntityId> = child_ids.iter().copied().collect();
    let league = match latest(league_scheme) {
        Some(p) => league::stored_league(store, league_scheme, p, &child_set, &by_id).await?,
        None => None,
    }
    .or_else(|| league::work_league(&children, &summary));
    let stored_colours = match latest(colour_scheme) {
        Some(p) => parts::stored_colours(store, colour_scheme, p, &child_set).await?,
        None => None,
    };
    let (map, colours) = match stored_colours {
        Some((view, colours)) if !colours.is_empty() => (view, colours),
        _ => parts::work_colours(&children, &summary),
    };
    let scope = if me.data.level <= 1 {
        "全市"
    } else {
        "本级"
    };
    let table = parts::colour_table(
        store,
        &by_code,
        &children,
        &values,
        year,
        m,
        scope,
        &shows.table,
    )
    .await?;

    let child_list: Vec<Child> = children
        .iter()
        .map(|e| Child {
            place: Place::of(e),
            functional: is_functional(e),
            colour: colours.get(&e.id).map(|c| c.0.clone()),
            facts: colours.get(&e.id).map(|c| c.1.clone()),
        })
        .collect();
    let work = parts::work_panel(&children, &summary, &monthly);
    let mut alerts = parts::alerts(&child_list, &tiles);
    // Below the 区县 the children's overdue items are what a town's or community's leader chases.
    if me.data.level >= 3 {
        alerts.extend(
            work.rows
                .iter()
                .filter(|r| r.counts.overdue > 0)
                .map(|r| Alert {
                    key: Some(r.place.key.clone()),
                    text: format!("{}有{}件事项超期未办结", r.place.name, r.counts.overdue),
                    colour: None,
                }),
        );
    }
    let around = leaf::Around {
        by_id: &by_id,
        parents: &parents,
        all_parents: &all_parents,
        items: &items,
        now,
        league: league_scheme,
    };
    let (standings, own_items) = if children.is_empty() {
        let standings = leaf::standings(store, &around, unit, latest(league_scheme)).await?;
        let (own, counts, open_problems) = leaf::own_items(&items, unit, &all_parents, now, 12);
        alerts.extend(leaf::alerts(&counts, open_problems, &standings));
        (standings, own)
    } else if me.data.level == 2 {
        // A 区县: its place in every city league (the newest run of each scheme by the month).
        let mut schemes: Vec<&str> = runs.iter().map(|r| r.scheme.as_str()).collect();
        schemes.sort_unstable();
        schemes.dedup();
        let newest: Vec<(String, Period)> = schemes
            .into_iter()
            .filter_map(|sc| latest(sc).map(|p| (sc.to_string(), p)))
            .collect();
        let standings = leaf::every_league(store, &around, unit, &newest).await?;
        alerts.extend(leaf::alerts(&work::WorkCounts::default(), 0, &standings));
        (standings, Vec::new())
    } else {
        (Vec::new(), Vec::new())
    };
    let months = read::picker_months(&runs, year);
    Ok(Screen {
        entity: Place::of(me),
        ancestors,
        month,
        month_label: format!("{year}年{m}月"),
        cumulative_label: tiles::cumulative(year, m).map_or_else(String::new, |p| p.label_zh()),
        months,
        tiles,
        children: child_list,
        map,
        league,
        table,
        trends,
        work,
        problems: summary.problems,
        alerts,
        standings,
        own_items,
    })
}

/// A functional area (功能区): no boundaries of its own.
pub(crate) fn is_functional(e: &Entity) -> bool {
    e.data.groups.iter().any(|g| g == "功能区")
        || e.data.attrs.get("unit_type").and_then(|v| v.as_str()) == Some("functional_area")
}

#[cfg(test)]
mod tests {
    use yiping_kernel::{EntityCode, NewEntity};

    use super::*;

    #[test]
    fn keys_are_codes_or_ids() {
        let coded = Entity {
            id: EntityId(5),
            data: NewEntity::new(
                EntityKind::Region,
                Some(EntityCode::parse_region("500103").unwrap()),
                "渝中区",
                2,
            )
            .unwrap(),
        };
        let bare = Entity {
            id: EntityId(40),
            data: NewEntity::new(EntityKind::Region, None, "两江新区", 2).unwrap(),
        };
        assert_eq!(entity_key(&coded), "500103");
        assert_eq!(entity_key(&bare), "id-40");
        let all = [coded, bare];
        assert_eq!(find_by_key(&all, "500103").map(|e| e.id), Some(EntityId(5)));
        assert_eq!(find_by_key(&all, "id-40").map(|e| e.id), Some(EntityId(40)));
        assert!(find_by_key(&all, "id-x").is_none());
        assert!(find_by_key(&all, "500000").is_none());
    }
}
