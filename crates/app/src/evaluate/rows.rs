//! From an [`Evaluation`] to the rows the store keeps: league-table position, moves, the Chinese
//! explanation, and the per-item breakdown as compact JSON; plus the run's metadata.

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
                "divisor": ev.items.iter().find(|c| c.id == it.id).map(|c| c.divisor),
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

fn push_num(out: &mut String, f: &mut ryu::Buffer, key: &str, v: Option<f64>) {
    if let Some(x) = v.filter(|x| x.is_finite()) {
        out.push_str(",\"");
        out.push_str(key);
        out.push_str("\":");
        let t = f.format(x);
        out.push_str(t.strip_suffix(".0").unwrap_or(t));
    }
}

/// Points are kept to 6 decimals in the breakdown (the total score keeps full precision).
fn points(x: Option<f64>) -> Option<f64> {
    x.map(|p| (p * 1e6).round() / 1e6)
}

/// The breakdown of row `row` as compact JSON: one object per item, in the order of the run's
/// metadata `items`, with the raw value, the measure when it differs from the raw value, the
/// points, where growth came from, and whether the measure was missing. Ids, names and weighted
/// points follow from the metadata ([`expand_breakdown`] adds them back for readers): 100 000
/// rows of six items stay near 20 MB.
pub(crate) fn breakdown(ev: &Evaluation, row: usize) -> String {
    let mut out = String::with_capacity(40 * ev.items.len());
    let mut f = ryu::Buffer::new();
    out.push('[');
    for (k, s) in ev.breakdown(row).enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('{');
        let len = out.len();
        push_num(&mut out, &mut f, "raw", s.raw);
        if s.measure != s.raw {
            push_num(&mut out, &mut f, "measure", s.measure);
        }
        push_num(&mut out, &mut f, "points", points(s.normalised));
        match s.growth_source {
            Some(yiping_eval::GrowthSource::Reported) => out.push_str(",\"growth\":\"reported\""),
            Some(yiping_eval::GrowthSource::Derived) => out.push_str(",\"growth\":\"derived\""),
            None => {}
        }
        if s.missing {
            out.push_str(",\"missing\":true");
        }
        // Every field was written with a leading comma: drop the first one.
        if out.len() > len {
            out.remove(len);
        }
        out.push('}');
    }
    out.push(']');
    out
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
            rank_change: r.rank_move.map(rank_change),
            cohort_rank_change: r.cohort_rank_move.map(rank_change),
            grade_change: r.grade_change.map(grade_move),
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
        meta: meta(scheme, ev).to_string(),
        computed_at: now,
    };
    Ok((run, rows))
}

/// A stored breakdown with every item's name, unit, weight, measure and weighted points filled in
/// from the run's metadata: what readers (the API, exports) show.
pub fn expand_breakdown(breakdown: &str, meta: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let items = meta["items"].as_array().cloned().unwrap_or_default();
    let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(breakdown) else {
        return Value::Null;
    };
    Value::Array(
        parts
            .into_iter()
            .enumerate()
            .map(|(k, mut b)| {
                let item = items.get(k).cloned();
                if let Some(o) = b.as_object_mut() {
                    if !o.contains_key("measure") {
                        let raw = o.get("raw").cloned().unwrap_or(Value::Null);
                        o.insert("measure".into(), raw);
                    }
                    if let Some(it) = item {
                        let points = o.get("points").and_then(Value::as_f64);
                        let weighted = points
                            .zip(it["weight"].as_f64())
                            .zip(it["divisor"].as_f64())
                            .map(|((p, w), d)| p * w / d);
                        o.insert("weighted".into(), json!(weighted));
                        for k in ["id", "name", "unit", "weight", "indicator", "decimals"] {
                            o.insert(k.to_string(), it[k].clone());
                        }
                    }
                    o.entry("missing").or_insert(Value::Bool(false));
                }
                b
            })
            .collect(),
    )
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
