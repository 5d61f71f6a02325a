//! The checks of one scored item: its measure, indicator, weight, normalisation and rules.

use yiping_kernel::{IndicatorCode, Polarity};

use super::check::{Checker, DEGENERATE, MISSING};
use super::raw::{RawItem, RawNormalisation};
use super::{
    Base, ContributionForm, Degenerate, Item, MeasureKind, MissingRule, Normalisation, Reference,
};

pub(super) fn check_item(
    c: &mut Checker,
    i: usize,
    ri: RawItem,
    own_code: &str,
    default_missing: MissingRule,
    default_degenerate: Degenerate,
) -> Item {
    let p = format!("items[{i}]");
    let id = c.text(&format!("{p}.id"), ri.id.clone(), "评价项代码");
    let measure = check_measure(c, &p, &ri, own_code);
    let indicator = match (&measure, ri.indicator.as_deref()) {
        (MeasureKind::SchemeScore { .. }, Some(_)) => {
            c.err(
                format!("{p}.indicator"),
                "综合项取其他方案的得分，不应指定指标",
            );
            None
        }
        (MeasureKind::SchemeScore { .. }, None) => None,
        (_, Some(code)) => match IndicatorCode::parse(code) {
            Ok(code) => Some(code),
            Err(e) => {
                c.err(format!("{p}.indicator"), e.to_string());
                None
            }
        },
        (_, None) => {
            c.err(format!("{p}.indicator"), "缺少指标代码");
            None
        }
    };
    let weight = match ri.weight {
        Some(w) if w.is_finite() && w > 0.0 => w,
        Some(_) => {
            c.err(format!("{p}.weight"), "权重须为正数");
            0.0
        }
        None => {
            c.err(format!("{p}.weight"), "缺少权重");
            0.0
        }
    };
    let normalisation = check_normalisation(c, &format!("{p}.normalisation"), ri.normalisation);
    let polarity = ri
        .polarity
        .as_deref()
        .and_then(|s| match Polarity::parse(s) {
            Ok(pol) => Some(pol),
            Err(e) => {
                c.err(format!("{p}.polarity"), e.to_string());
                None
            }
        });
    let degenerate = ri
        .degenerate
        .as_deref()
        .and_then(|s| c.choice(&format!("{p}.degenerate"), s, DEGENERATE))
        .unwrap_or(default_degenerate);
    let missing = ri
        .missing
        .as_deref()
        .and_then(|s| c.choice(&format!("{p}.missing"), s, MISSING))
        .unwrap_or(default_missing);
    let decimals = match ri.decimals {
        Some(d) if (0..=6).contains(&d) => d as u8,
        Some(_) => {
            c.err(format!("{p}.decimals"), "小数位须在0—6之间");
            1
        }
        None => 1,
    };
    let name = ri
        .name
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| id.clone());
    let unit = ri
        .unit
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| measure.default_unit().to_string());
    Item {
        id,
        name,
        indicator,
        measure,
        weight,
        normalisation,
        polarity,
        degenerate,
        missing,
        unit,
        decimals,
    }
}

fn check_measure(c: &mut Checker, p: &str, ri: &RawItem, own_code: &str) -> MeasureKind {
    #[derive(Clone, Copy, PartialEq)]
    enum M {
        Value,
        Growth,
        Share,
        Completion,
        Gap,
        Contribution,
        Difference,
        SchemeScore,
    }
    let m = match ri.measure.as_deref() {
        None => Some(M::Value),
        Some(s) => c.choice(
            &format!("{p}.measure"),
            s,
            &[
                (&["value", "数值"], M::Value),
                (&["growth", "增速"], M::Growth),
                (&["share", "占比"], M::Share),
                (&["completion", "完成率"], M::Completion),
                (&["progress_gap", "序时差距"], M::Gap),
                (&["contribution", "拉动"], M::Contribution),
                (&["difference_to_reference", "与参照差"], M::Difference),
                (&["score_of_scheme", "方案得分"], M::SchemeScore),
            ],
        ),
    };
    let only = |c: &mut Checker, field: &str, present: bool, allowed: bool, measure: &str| {
        if present && !allowed {
            c.err(
                format!("{p}.{field}"),
                format!("仅在 measure = \"{measure}\" 时可用"),
            );
        }
    };
    only(
        c,
        "base",
        ri.base.is_some(),
        m == Some(M::Difference),
        "difference_to_reference",
    );
    only(
        c,
        "reference",
        ri.reference.is_some(),
        m == Some(M::Difference),
        "difference_to_reference",
    );
    only(
        c,
        "form",
        ri.form.is_some(),
        m == Some(M::Contribution),
        "contribution",
    );
    only(
        c,
        "scheme",
        ri.scheme.is_some(),
        m == Some(M::SchemeScore),
        "score_of_scheme",
    );
    match m {
        None | Some(M::Value) => MeasureKind::Value,
        Some(M::Growth) => MeasureKind::Growth,
        Some(M::Share) => MeasureKind::Share,
        Some(M::Completion) => MeasureKind::Completion,
        Some(M::Gap) => MeasureKind::ProgressGap,
        Some(M::Contribution) => {
            let form = ri
                .form
                .as_deref()
                .map_or(Some(ContributionForm::Points), |f| {
                    c.choice(
                        &format!("{p}.form"),
                        f,
                        &[
                            (&["points", "拉动"], ContributionForm::Points),
                            (&["rate", "贡献率"], ContributionForm::Rate),
                        ],
                    )
                });
            MeasureKind::Contribution(form.unwrap_or(ContributionForm::Points))
        }
        Some(M::Difference) => {
            let base = ri.base.as_deref().map_or(Some(Base::Growth), |b| {
                c.choice(
                    &format!("{p}.base"),
                    b,
                    &[
                        (&["growth", "增速"], Base::Growth),
                        (&["value", "数值"], Base::Value),
                    ],
                )
            });
            let reference = match ri.reference.as_deref() {
                Some(r) => parse_reference(c, &format!("{p}.reference"), r),
                None => {
                    c.err(
                        format!("{p}.reference"),
                        "与参照差须指定参照（city、target、time_progress 或其他参照名）",
                    );
                    Reference::City
                }
            };
            MeasureKind::DifferenceToReference {
                base: base.unwrap_or(Base::Growth),
                reference,
            }
        }
        Some(M::SchemeScore) => {
            let scheme = c.text(
                &format!("{p}.scheme"),
                ri.scheme.clone(),
                "所取得分的方案代码",
            );
            if !scheme.is_empty() && scheme == own_code {
                c.err(format!("{p}.scheme"), "综合方案不能引用自身");
            }
            MeasureKind::SchemeScore { scheme }
        }
    }
}

pub(super) fn parse_reference(c: &mut Checker, path: &str, r: &str) -> Reference {
    match r.trim() {
        "city" | "全市" => Reference::City,
        "target" | "目标" => Reference::Target,
        "time_progress" | "序时进度" => Reference::TimeProgress,
        "" => {
            c.err(path, "参照名不能为空");
            Reference::City
        }
        other => Reference::Named(other.to_string()),
    }
}

fn check_normalisation(c: &mut Checker, p: &str, raw: Option<RawNormalisation>) -> Normalisation {
    let Some(n) = raw else {
        return Normalisation::Identity;
    };
    let method = match n.method.as_deref() {
        Some(m) => c.choice(
            &format!("{p}.method"),
            m,
            &[
                (&["none", "identity"], 0_u8),
                (&["rank_points", "名次赋分"], 1),
                (&["min_max", "功效系数"], 2),
                (&["benchmark_ratio", "标杆比"], 3),
                (&["z_score", "标准分"], 4),
                (&["target_completion", "目标完成"], 5),
            ],
        ),
        None => {
            c.err(format!("{p}.method"), "缺少标准化方法");
            None
        }
    };
    let Some(method) = method else {
        return Normalisation::Identity;
    };
    let method_name = [
        "none",
        "rank_points",
        "min_max",
        "benchmark_ratio",
        "z_score",
        "target_completion",
    ][usize::from(method)];
    let allowed: &[&str] = match method {
        0 => &[],
        1 => &["max", "step"],
        2 => &["floor", "ceiling"],
        3 => &["benchmark", "cap"],
        4 => &["centre", "scale"],
        _ => &["cap"],
    };
    let given = [
        ("max", n.max.is_some()),
        ("step", n.step.is_some()),
        ("floor", n.floor.is_some()),
        ("ceiling", n.ceiling.is_some()),
        ("benchmark", n.benchmark.is_some()),
        ("cap", n.cap.is_some()),
        ("centre", n.centre.is_some()),
        ("scale", n.scale.is_some()),
    ];
    for (field, present) in given {
        if present && !allowed.contains(&field) {
            c.err(
                format!("{p}.{field}"),
                format!("标准化方法 {method_name} 不使用此参数"),
            );
        }
    }
    match method {
        0 => Normalisation::Identity,
        1 => {
            let max = c.positive(&format!("{p}.max"), n.max, "满分");
            if n.max.is_none() {
                c.err(format!("{p}.max"), "名次赋分须指定满分 max");
            }
            let step = c.positive(&format!("{p}.step"), n.step, "每名次分差");
            Normalisation::RankPoints {
                max: max.unwrap_or(100.0),
                step,
            }
        }
        2 => {
            let floor = c
                .finite(&format!("{p}.floor"), n.floor, "下限")
                .unwrap_or(0.0);
            let ceiling = c
                .finite(&format!("{p}.ceiling"), n.ceiling, "上限")
                .unwrap_or(100.0);
            if floor >= ceiling {
                c.err(format!("{p}.floor"), "下限须小于上限");
            }
            Normalisation::MinMax { floor, ceiling }
        }
        3 => {
            let benchmark = c.positive(&format!("{p}.benchmark"), n.benchmark, "标杆值");
            if n.benchmark.is_none() {
                c.err(format!("{p}.benchmark"), "标杆比须指定标杆值 benchmark");
            }
            let cap = c.positive(&format!("{p}.cap"), n.cap, "比值上限");
            Normalisation::BenchmarkRatio {
                benchmark: benchmark.unwrap_or(1.0),
                cap,
            }
        }
        4 => {
            let centre = c
                .finite(&format!("{p}.centre"), n.centre, "中心分")
                .unwrap_or(50.0);
            let scale = c
                .positive(&format!("{p}.scale"), n.scale, "标准差对应分值")
                .unwrap_or(10.0);
            Normalisation::ZScore { centre, scale }
        }
        _ => Normalisation::TargetCompletion {
            cap: c.positive(&format!("{p}.cap"), n.cap, "得分上限"),
        },
    }
}
