//! From an [`Evaluation`] to the rows the store keeps: league-table position, moves, the Chinese
//! explanation, and the per-item breakdown; plus the run's metadata ([`RunMeta`]).

use chrono::{DateTime, Utc};
use yiping_eval::{Evaluation, Scheme};
use yiping_kernel::Period;
use yiping_store::{
    BreakdownItem, ColourDef, EvaluationRow, EvaluationRun, GradeDef, ItemDef, Rgb, RunMeta,
    StoredScheme,
};

use super::inputs::Built;
use crate::AppError;

/// The fill of a colour named in a scheme (五色图); grey for unknown names.
pub fn colour_rgb(name: &str) -> Rgb {
    Rgb(match name.trim_end_matches('色') {
        "深绿" => 0x1A_98_50,
        "绿" => 0x91_CF_60,
        "浅绿" => 0xD9_EF_8B,
        "黄" => 0xFE_E0_8B,
        "橙" => 0xFC_8D_59,
        "红" => 0xD7_30_27,
        "浅蓝" => 0x91_BF_DB,
        "蓝" => 0x45_75_B4,
        "紫" => 0x99_70_AB,
        _ => 0xBF_BF_BF,
    })
}

/// The fill of grade `index` of `count` (best first): from green through yellow to red.
pub fn grade_rgb(index: usize, count: usize) -> Rgb {
    const SCALE: [u32; 5] = [0x63_BE_7B, 0xC6_EF_CE, 0xFF_EB_9C, 0xF8_CB_AD, 0xF8_69_6B];
    if count <= 1 {
        return Rgb(SCALE[0]);
    }
    let i = (index.min(count - 1) * 4 * 2 + (count - 1)) / (2 * (count - 1));
    Rgb(SCALE[i.min(4)])
}

/// The metadata every row refers to: items, grades, colours, cohorts and labels.
pub(crate) fn meta(scheme: &Scheme, ev: &Evaluation) -> RunMeta {
    let grades = scheme
        .banding()
        .map(|b| {
            b.grades
                .iter()
                .enumerate()
                .map(|(i, g)| GradeDef {
                    name: g.name.clone(),
                    label: g.label.clone(),
                    rgb: grade_rgb(i, b.grades.len()),
                })
                .collect()
        })
        .unwrap_or_default();
    let colours = scheme
        .colours()
        .map(|c| {
            c.names
                .iter()
                .zip(&c.meanings)
                .map(|(n, m)| ColourDef {
                    name: n.clone(),
                    meaning: m.clone(),
                    rgb: colour_rgb(n),
                })
                .collect()
        })
        .unwrap_or_default();
    let items = scheme
        .items()
        .iter()
        .map(|it| ItemDef {
            id: it.id.clone(),
            name: it.name.clone(),
            indicator: it.indicator.clone(),
            measure: it.measure.clone(),
            unit: it.unit.clone(),
            decimals: it.decimals,
            weight: it.weight,
            divisor: ev.items.iter().find(|c| c.id == it.id).map(|c| c.divisor),
        })
        .collect();
    RunMeta {
        scheme_name: scheme.name().to_string(),
        frequency: scheme.frequency(),
        grades,
        grade_suffix: ev.grade_suffix.clone(),
        colours,
        cohorts: ev.cohorts.clone(),
        items,
        score_label: ev.score_label.clone(),
        scope_label: ev.scope_label.clone(),
        score_decimals: ev.score_decimals,
    }
}

/// Points are kept to 6 decimals in the breakdown (the total score keeps full precision).
fn points(x: Option<f64>) -> Option<f64> {
    x.map(|p| (p * 1e6).round() / 1e6)
}

/// The breakdown of row `row`: one entry per item, in the order of the run's metadata `items`,
/// with the raw value, the measure when it differs from the raw value, the points, where growth
/// came from, and whether the measure was missing. Ids, names and weighted points follow from
/// the metadata (`app::results` adds them back for readers): 100 000 rows of six items stay
/// near 20 MB as stored.
pub(crate) fn breakdown(ev: &Evaluation, row: usize) -> Vec<BreakdownItem> {
    ev.breakdown(row)
        .map(|s| BreakdownItem {
            raw: s.raw,
            derived: if s.measure != s.raw { s.measure } else { None },
            points: points(s.normalised),
            growth: s.growth_source,
            missing: s.missing,
        })
        .collect()
}

pub(super) fn to_store(
    stored: &StoredScheme,
    scheme: &Scheme,
    period: Period,
    previous: Option<Period>,
    ev: &Evaluation,
    built: &Built,
    now: DateTime<Utc>,
) -> Result<(EvaluationRun, Vec<EvaluationRow>), AppError> {
    let mut rows = Vec::with_capacity(ev.rows.len());
    for (pos, (i, r)) in ev.ranked().enumerate() {
        let e = &built.input.entities[r.input_index];
        rows.push(EvaluationRow {
            entity: built.ids[r.input_index],
            entity_key: r.key.to_string(),
            entity_name: e.name.clone(),
            position: pos as u32,
            score: r.score,
            rank: r.rank,
            cohort: ev.cohort_of(r).map(str::to_string),
            cohort_rank: r.cohort_rank,
            grade: ev.grade_of(r).map(str::to_string),
            colour: ev.colour_of(r).map(str::to_string),
            rank_change: r.rank_move,
            cohort_rank_change: r.cohort_rank_move,
            grade_change: r.grade_change,
            exempt: r.exempt,
            excluded: r.excluded_by.is_some(),
            explanation: ev.explanation(i),
            breakdown: breakdown(ev, i),
        });
    }
    let run = EvaluationRun {
        scheme: stored.code.clone(),
        period,
        scheme_year: stored.year,
        scheme_version: stored.version,
        previous_period: previous,
        population: rows.len() as u32,
        ranked: rows.iter().filter(|r| r.rank.is_some()).count() as u32,
        meta: meta(scheme, ev),
        computed_at: now,
    };
    Ok((run, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_fills_run_from_green_to_red() {
        assert_eq!(grade_rgb(0, 3), Rgb(0x63_BE_7B));
        assert_eq!(grade_rgb(1, 3), Rgb(0xFF_EB_9C));
        assert_eq!(grade_rgb(2, 3), Rgb(0xF8_69_6B));
        assert_eq!(grade_rgb(3, 4), Rgb(0xF8_69_6B));
        assert_eq!(colour_rgb("深绿色"), colour_rgb("深绿"));
    }
}
