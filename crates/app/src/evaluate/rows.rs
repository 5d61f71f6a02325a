//! From an [`Evaluation`] to the rows the store keeps: league-table position, moves, the Chinese
//! explanation, and the per-item breakdown as compact JSON; plus the run's metadata.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde_json::json;
use yiping_eval::{Evaluation, GradeChange, RankMove, Scheme};
use yiping_kernel::Period;
use yiping_store::{EvaluationRow, EvaluationRun, GradeMove, RankChange, StoredScheme};

use super::inputs::Built;
use crate::AppError;

/// The fill of a colour named in a scheme (五色图), as `0xRRGGBB`; grey for unknown names.
pub fn colour_rgb(name: &str) -> u32 {
    match name.trim_end_matches('色') {
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
    }
}

/// The fill of grade `index` of `count` (best first): from green through yellow to red.
pub fn grade_rgb(index: usize, count: usize) -> u32 {
    const SCALE: [u32; 5] = [0x63_BE_7B, 0xC6_EF_CE, 0xFF_EB_9C, 0xF8_CB_AD, 0xF8_69_6B];
    if count <= 1 {
        return SCALE[0];
    }
    let i = (index.min(count - 1) * 4 * 2 + (count - 1)) / (2 * (count - 1));
    SCALE[i.min(4)]
}

fn rank_change(m: RankMove) -> RankChange {
    match m {
        RankMove::Up(n) => RankChange::Up(n),
        RankMove::Down(n) => RankChange::Down(n),
        RankMove::Same => RankChange::Same,
        RankMove::New => RankChange::New,
    }
}

fn grade_move(g: GradeChange) -> GradeMove {
    match g {
        GradeChange::Up => GradeMove::Up,
        GradeChange::Down => GradeMove::Down,
        GradeChange::Same => GradeMove::Same,
        GradeChange::New => GradeMove::New,
    }
}

/// The metadata every row refers to: items, grades, colours, cohorts and labels.
pub(crate) fn meta(scheme: &Scheme, ev: &Evaluation) -> serde_json::Value {
    let grades: Vec<_> = scheme
        .banding()
        .map(|b| {
            b.grades
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    json!({
                        "name": g.name,
                        "label": g.label,
                        "rgb": format!("#{:06X}", grade_rgb(i, b.grades.len())),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let colours: Vec<_> = scheme
        .colours()
        .map(|c| {
            c.names
                .iter()
                .zip(&c.meanings)
                .map(|(n, m)| json!({"name": n, "meaning": m, "rgb": format!("#{:06X}", colour_rgb(n))}))
                .collect()
        })
        .unwrap_or_default();
    let items: Vec<_> = scheme
        .items()
        .iter()
        .map(|it| {
            json!({
                "id": it.id,
                "name": it.name,
                "indicator": it.indicator.as_ref().map(|c| c.as_str()),
                "measure": it.measure,
                "unit": it.unit,
                "decimals": it.decimals,
                "weight": it.weight,
            })
        })
        .collect();
    json!({
        "scheme_name": scheme.name(),
        "frequency": scheme.frequency(),
        "grades": grades,
        "grade_suffix": ev.grade_suffix,
        "colours": colours,
        "cohorts": ev.cohorts,
        "items": items,
        "score_label": ev.score_label,
        "scope_label": ev.scope_label,
        "score_decimals": ev.score_decimals,
    })
}

fn push_num(out: &mut String, key: &str, v: Option<f64>) {
    if let Some(x) = v.filter(|x| x.is_finite()) {
        let _ = write!(out, ",\"{key}\":{x}");
    }
}

/// The breakdown of row `row` as a JSON array: per item its id, raw value, measure, points,
/// weighted points, where growth came from, and whether the measure was missing.
pub(crate) fn breakdown(ev: &Evaluation, item_ids: &[String], row: usize) -> String {
    let mut out = String::with_capacity(64 * ev.items.len());
    out.push('[');
    for (k, s) in ev.breakdown(row).enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"id\":{}", item_ids[k]);
        push_num(&mut out, "raw", s.raw);
        push_num(&mut out, "measure", s.measure);
        push_num(&mut out, "points", s.normalised);
        push_num(&mut out, "weighted", s.weighted);
        if let Some(src) = s.growth_source {
            let _ = write!(
                out,
                ",\"growth\":\"{}\"",
                match src {
                    yiping_eval::GrowthSource::Reported => "reported",
                    yiping_eval::GrowthSource::Derived => "derived",
                }
            );
        }
        if s.missing {
            out.push_str(",\"missing\":true");
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// The item ids as JSON string literals (escaped once, used for every row).
pub(crate) fn item_ids(ev: &Evaluation) -> Vec<String> {
    ev.items
        .iter()
        .map(|c| serde_json::Value::String(c.id.clone()).to_string())
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
    let ids = item_ids(ev);
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
            rank_change: r.rank_move.map(rank_change),
            cohort_rank_change: r.cohort_rank_move.map(rank_change),
            grade_change: r.grade_change.map(grade_move),
            exempt: r.exempt,
            excluded: r.excluded_by.is_some(),
            explanation: ev.explanation(i),
            breakdown: breakdown(ev, &ids, i),
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
        meta: meta(scheme, ev).to_string(),
        computed_at: now,
    };
    Ok((run, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_fills_run_from_green_to_red() {
        assert_eq!(grade_rgb(0, 3), 0x63_BE_7B);
        assert_eq!(grade_rgb(1, 3), 0xFF_EB_9C);
        assert_eq!(grade_rgb(2, 3), 0xF8_69_6B);
        assert_eq!(grade_rgb(3, 4), 0xF8_69_6B);
        assert_eq!(colour_rgb("深绿色"), colour_rgb("深绿"));
    }
}
