//! Evaluation results that raise 问题 work items (a scheme's `[problems]`): each ranked entity
//! whose grade or colour is listed gets one problem item, owned by that entity, linked to the
//! scheme, period, indicators and result. Deduplicated per (scheme, period, entity): evaluating
//! again (a recompute after an import) does not raise a second one.

use chrono::{DateTime, Utc};
use yiping_eval::Scheme;
use yiping_flow::{Channel, Priority};
use yiping_kernel::Period;
use yiping_store::{EvaluationLink, EvaluationRow, ItemExtras, Store};

use crate::AppError;
use crate::work_items::FlowSetup;
use crate::work_items::raised::{
    EVALUATION_CATEGORY, RaisedProblem, problem_category, problem_extras, raise_problem,
};

/// The problem source recorded on raised items (one of the eight sources).
pub const SOURCE: &str = "督查";

/// Raises the problems of one stored evaluation; returns how many items were created.
pub(super) async fn raise(
    store: &dyn Store,
    scheme: &Scheme,
    scheme_name: &str,
    period: Period,
    rows: &[EvaluationRow],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let rule = scheme.problems();
    let hits: Vec<&EvaluationRow> = rows
        .iter()
        .filter(|r| !r.excluded && rule.raises(r.grade.as_deref(), r.colour.as_deref()))
        .collect();
    if hits.is_empty() {
        return Ok(0);
    }
    let existing: Vec<EvaluationLink> = problem_extras(store, SOURCE)
        .await?
        .into_iter()
        .filter_map(|x| x.evaluation)
        .collect();
    let code = period.code();
    let setup = FlowSetup::load(store).await?;
    let Some(category) = problem_category(&setup, EVALUATION_CATEGORY, SOURCE) else {
        return Err(AppError::invalid(
            "事项分类表中没有“问题”类分类，无法生成评价问题（请在分类表中添加 domain = \"problem\" 的分类）",
        ));
    };
    let indicators: Vec<String> = scheme
        .indicators()
        .into_iter()
        .map(|c| c.as_str().to_string())
        .collect();
    let mut raised = 0;
    for r in hits {
        if existing
            .iter()
            .any(|l| l.scheme == scheme.code() && l.period == code && l.entity == r.entity)
        {
            continue;
        }
        let mark = match (&r.grade, &r.colour) {
            (Some(g), _) if rule.grades.contains(g) => format!("{g}档"),
            (_, Some(c)) => format!("{c}色"),
            (Some(g), None) => format!("{g}档"),
            (None, None) => String::new(),
        };
        let score = r
            .score
            .map(|s| format!("（{}{s}）", scheme.labels().score))
            .unwrap_or_default();
        let title = format!(
            "{scheme_name} {}：{}{mark}{score}，请分析原因并提出整改措施",
            period.label_zh(),
            r.entity_name
        );
        let extras = ItemExtras {
            problem_source: Some(SOURCE.to_string()),
            description: Some(format!("{title}。{}", r.explanation)),
            evaluation: Some(EvaluationLink {
                scheme: scheme.code().to_string(),
                period: code.clone(),
                entity: r.entity,
                indicators: indicators.clone(),
                grade: r.grade.clone(),
                colour: r.colour.clone(),
                score: r.score,
            }),
            ..ItemExtras::default()
        };
        let problem = RaisedProblem {
            title,
            category: category.clone(),
            priority: Priority::Normal,
            channel: Channel::Leadership,
            entity: r.entity,
            system: "评价系统",
            extras,
        };
        raise_problem(store, &setup, problem, now).await?;
        raised += 1;
    }
    Ok(raised)
}
