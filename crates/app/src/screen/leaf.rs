//! What the screen of a unit without child regions (a 镇街) shows instead of children: where it
//! and its parent stand among their siblings ([`standings`]: the stored horse race where it ranks
//! them, else the live work-item closure rate), its own latest work items ([`own_items`]) and the
//! alerts that follow from them ([`alerts`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_flow::{ItemKind, WorkItem};
use yiping_kernel::{Entity, EntityId, Period};
use yiping_store::{ColourDef, ItemExtras, Store};

use super::colour;
use super::league::{self, LeagueRow, LeagueView};
use super::work::{self, Placement, WorkCounts};
use super::{Alert, Place};
use crate::AppError;

/// A unit's place in one league of its siblings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// The league: the scheme's name, or the live closure-rate league.
    pub title: String,
    pub period_label: String,
    /// Who is ranked (the unit, or its parent) and among whom (the parent's name).
    pub place: Place,
    pub among: String,
    pub rank: Option<u32>,
    /// How many are ranked in that league.
    pub of: usize,
    pub score: Option<f64>,
    pub score_label: String,
    pub grade: Option<String>,
    pub colour: Option<ColourDef>,
    pub move_label: String,
}

impl Standing {
    fn of_row(view: &LeagueView, row: &LeagueRow, among: &str) -> Self {
        Self {
            title: view.title.clone(),
            period_label: view.period_label.clone(),
            place: row.place.clone(),
            among: among.to_string(),
            rank: row.rank,
            of: view.rows.iter().filter(|r| r.rank.is_some()).count(),
            score: row.score,
            score_label: view.score_label.clone(),
            grade: row.grade.clone(),
            colour: row.colour.clone(),
            move_label: row.move_label.clone(),
        }
    }
}

/// One of the unit's own work items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub stage: String,
    pub open: bool,
    pub overdue: bool,
    pub received_at: DateTime<Utc>,
}

/// The regions around a unit, as the screen loader has them.
pub(super) struct Around<'a> {
    pub by_id: &'a HashMap<EntityId, &'a Entity>,
    /// Region → parent region on the screen's day.
    pub parents: &'a HashMap<EntityId, EntityId>,
    /// Every entity → parent on the screen's day (items are placed through departments too).
    pub all_parents: &'a HashMap<EntityId, EntityId>,
    pub items: &'a [(WorkItem, ItemExtras)],
    pub now: DateTime<Utc>,
    /// The scheme whose league ranks siblings (the level's `league` in `screens.toml`).
    pub league: &'a str,
}

impl Around<'_> {
    fn siblings(&self, parent: EntityId) -> Vec<&Entity> {
        let mut out: Vec<&Entity> = self
            .parents
            .iter()
            .filter(|(_, p)| **p == parent)
            .filter_map(|(id, _)| self.by_id.get(id).copied())
            .collect();
        out.sort_by_key(|e| e.id);
        out
    }

    /// Where `unit` stands among the children of its parent: the stored league of
    /// the level's league scheme when it ranks them, else the live closure rate.
    async fn standing(
        &self,
        store: &dyn Store,
        unit: EntityId,
        league_period: Option<Period>,
    ) -> Result<Option<Standing>, AppError> {
        let Some(parent) = self.parents.get(&unit).and_then(|p| self.by_id.get(p)) else {
            return Ok(None);
        };
        let siblings = self.siblings(parent.id);
        let set: HashSet<EntityId> = siblings.iter().map(|e| e.id).collect();
        let stored = match league_period {
            Some(p) => league::stored_league(store, self.league, p, &set, self.by_id).await?,
            None => None,
        };
        let view = match stored.filter(|v| v.rows.iter().any(|r| r.place.id == unit)) {
            Some(v) => Some(v),
            None => {
                let names: HashMap<EntityId, String> = std::iter::once(*parent)
                    .chain(siblings.iter().copied())
                    .map(|e| (e.id, e.data.name.clone()))
                    .collect();
                let summary =
                    work::summarise(self.items, parent.id, self.all_parents, &names, self.now, 0);
                league::work_league(&siblings, &summary)
            }
        };
        Ok(view.and_then(|v| {
            let row = v.rows.iter().find(|r| r.place.id == unit)?;
            Some(Standing::of_row(&v, row, &parent.data.name))
        }))
    }
}

/// The unit's standing among its siblings, then its parent's among theirs (the city itself has
/// no parent and stands nowhere).
pub(super) async fn standings(
    store: &dyn Store,
    around: &Around<'_>,
    unit: EntityId,
    league_period: Option<Period>,
) -> Result<Vec<Standing>, AppError> {
    let mut out = Vec::new();
    if let Some(s) = around.standing(store, unit, league_period).await? {
        out.push(s);
    }
    if let Some(&parent) = around.parents.get(&unit)
        && let Some(s) = around.standing(store, parent, league_period).await?
    {
        out.push(s);
    }
    Ok(out)
}

/// Where `unit` stands in every stored league of its siblings: one standing per scheme whose
/// newest run in `runs` (scheme, period) ranks it, in the order given. A 区县 screen shows its
/// place in each of the city's horse races.
pub(super) async fn every_league(
    store: &dyn Store,
    around: &Around<'_>,
    unit: EntityId,
    runs: &[(String, Period)],
) -> Result<Vec<Standing>, AppError> {
    let Some(parent) = around.parents.get(&unit).and_then(|p| around.by_id.get(p)) else {
        return Ok(Vec::new());
    };
    let set: HashSet<EntityId> = around.siblings(parent.id).iter().map(|e| e.id).collect();
    let mut out = Vec::new();
    for (scheme, period) in runs {
        let Some(view) = league::stored_league(store, scheme, *period, &set, around.by_id).await?
        else {
            continue;
        };
        if let Some(row) = view.rows.iter().find(|r| r.place.id == unit) {
            out.push(Standing::of_row(&view, row, &parent.data.name));
        }
    }
    Ok(out)
}

/// The newest items in the unit's subtree (located there, or received there without a
/// location), open ones first, at most `max`; with the counts of all of them.
pub fn own_items(
    items: &[(WorkItem, ItemExtras)],
    unit: EntityId,
    all_parents: &HashMap<EntityId, EntityId>,
    now: DateTime<Utc>,
    max: usize,
) -> (Vec<ItemRow>, WorkCounts, usize) {
    let mut rows: Vec<(bool, ItemRow)> = Vec::new();
    let mut open_problems = 0;
    let mut counts = WorkCounts::default();
    for (item, _) in items {
        let place = item.location.unwrap_or(item.owner_unit);
        if work::child_of(place, unit, all_parents) == Placement::Outside {
            continue;
        }
        counts.add(item, now);
        let open = !item.stage.is_terminal();
        if open && item.kind == ItemKind::Problem {
            open_problems += 1;
        }
        rows.push((
            open,
            ItemRow {
                id: item.id.to_string(),
                title: item.title.clone(),
                kind: item.kind.label_zh().to_string(),
                stage: item.stage.label_zh().to_string(),
                open,
                overdue: item.is_overdue(now),
                received_at: item.received_at,
            },
        ));
    }
    // Stable: newest first within open, then within ended.
    rows.sort_by_key(|(open, r)| (!*open, std::cmp::Reverse(r.received_at)));
    let list = rows.into_iter().take(max).map(|(_, r)| r).collect();
    (list, counts, open_problems)
}

/// What a unit without children should look at: its overdue items, its open problems, and a
/// red or orange place in a league of its siblings (its own or its parent's).
pub fn alerts(counts: &WorkCounts, open_problems: usize, standings: &[Standing]) -> Vec<Alert> {
    let mut out = Vec::new();
    if counts.overdue > 0 {
        out.push(Alert {
            key: None,
            text: format!("本级有{}件事项超期未办结", counts.overdue),
            colour: None,
        });
    }
    if open_problems > 0 {
        out.push(Alert {
            key: None,
            text: format!("本级有{open_problems}个问题尚未整改销号"),
            colour: None,
        });
    }
    for s in standings {
        if let Some(c) = s.colour.as_ref().filter(|c| colour::is_alarm(&c.name)) {
            out.push(Alert {
                key: Some(s.place.key.clone()),
                text: format!(
                    "{}在{}{}中为{}（{}）",
                    s.place.name, s.among, s.title, c.name, c.meaning
                ),
                colour: Some(c.clone()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(colour: Option<ColourDef>) -> Standing {
        Standing {
            title: "经济运行赛马比拼".into(),
            period_label: "2024年上半年".into(),
            place: Place {
                id: EntityId(2),
                key: "500103".into(),
                name: "渝中区".into(),
                level: 2,
            },
            among: "重庆市".into(),
            rank: Some(30),
            of: 38,
            score: Some(61.5),
            score_label: "得分".into(),
            grade: Some("C".into()),
            colour,
            move_label: "—".into(),
        }
    }

    #[test]
    fn alerts_name_overdue_items_open_problems_and_a_red_standing() {
        let counts = WorkCounts {
            total: 9,
            open: 4,
            overdue: 2,
            closed: 5,
            dropped: 0,
        };
        let red = colour::closure_colour(10.0);
        assert!(colour::is_alarm(&red.name), "{red:?}");
        let a = alerts(&counts, 1, &[standing(Some(red.clone()))]);
        let texts: Vec<&str> = a.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts[0], "本级有2件事项超期未办结");
        assert_eq!(texts[1], "本级有1个问题尚未整改销号");
        assert!(
            texts[2].starts_with("渝中区在重庆市经济运行赛马比拼中为"),
            "{texts:?}"
        );
        assert_eq!(a[2].key.as_deref(), Some("500103"));
        // Nothing overdue, no problems, a calm colour: no alerts.
        let calm = colour::closure_colour(99.0);
        assert!(!colour::is_alarm(&calm.name));
        assert!(alerts(&WorkCounts::default(), 0, &[standing(Some(calm))]).is_empty());
    }
}
