//! The horse-race league of a unit's children: the stored evaluation of a scheme restricted to
//! the children (rank, move, score, grade and colour with the fills of the run's metadata, read
//! by `results`), or a live league by work-item closure rate for children no scheme evaluates.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use yiping_kernel::{Entity, EntityId, Period};
use yiping_store::{ColourDef, Rgb, Store};

use super::Place;
use super::colour;
use super::work::WorkSummary;
use crate::{AppError, results};

/// One row of the league.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeagueRow {
    pub place: Place,
    pub rank: Option<u32>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    /// Sent as `#RRGGBB`.
    pub grade_rgb: Option<Rgb>,
    pub colour: Option<ColourDef>,
    /// Places gained (+) or lost (−) since the previous period; `None` for a new entry.
    pub moved: Option<i64>,
    pub move_label: String,
    pub cohort: Option<String>,
    pub excluded: bool,
}

/// The horse-race league of the children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeagueView {
    pub title: String,
    /// The stored scheme shown, or `None` for the live work-item league.
    pub scheme: Option<String>,
    /// The evaluated period's code (`2024Q3`); `None` for the live league.
    pub period: Option<String>,
    pub period_label: String,
    pub score_label: String,
    pub rows: Vec<LeagueRow>,
}

/// The stored league of `scheme` for `period`, restricted to the children.
pub async fn stored_league(
    store: &dyn Store,
    scheme: &str,
    period: Period,
    children: &HashSet<EntityId>,
    by_id: &HashMap<EntityId, &Entity>,
) -> Result<Option<LeagueView>, AppError> {
    let Some((run, rows)) = results::for_screen(store, scheme, period).await? else {
        return Ok(None);
    };
    let meta = &run.meta;
    let rows: Vec<LeagueRow> = rows
        .into_iter()
        .filter(|r| children.contains(&r.entity))
        .filter_map(|r| {
            let e = by_id.get(&r.entity)?;
            Some(LeagueRow {
                place: Place::of(e),
                rank: r.rank,
                score: r.score,
                grade_rgb: r
                    .grade
                    .as_deref()
                    .and_then(|g| meta.grade(g))
                    .map(|g| g.rgb),
                grade: r.grade,
                colour: r.colour.as_deref().and_then(|c| meta.colour(c)).cloned(),
                moved: r.rank_change.and_then(|c| c.places()),
                move_label: r
                    .rank_change
                    .map_or_else(|| "—".to_string(), |c| c.label_zh()),
                cohort: r.cohort,
                excluded: r.excluded,
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(LeagueView {
        title: meta.scheme_name.clone(),
        scheme: Some(scheme.to_string()),
        period: Some(period.code()),
        period_label: period.label_zh(),
        score_label: meta.score_label.clone(),
        rows,
    }))
}

/// A live league of the children by work-item closure rate (for children no scheme evaluates).
pub fn work_league(children: &[&Entity], summary: &WorkSummary) -> Option<LeagueView> {
    let mut rated: Vec<(&Entity, f64)> = children
        .iter()
        .filter_map(|e| Some((*e, summary.by_child.get(&e.id)?.closure_rate()?)))
        .collect();
    if rated.is_empty() {
        return None;
    }
    rated.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    let rows = rated
        .iter()
        .enumerate()
        .map(|(i, (e, rate))| LeagueRow {
            place: Place::of(e),
            rank: u32::try_from(i + 1).ok(),
            score: Some((rate * 10.0).round() / 10.0),
            grade: None,
            grade_rgb: None,
            colour: Some(colour::closure_colour(*rate)),
            moved: None,
            move_label: "—".to_string(),
            cohort: None,
            excluded: false,
        })
        .collect();
    Some(LeagueView {
        title: "事项办理排名（实时，按办结率）".to_string(),
        scheme: None,
        period: None,
        period_label: "截至目前".to_string(),
        score_label: "办结率%".to_string(),
        rows,
    })
}
