//! From the loose TOML shape to a checked [`Scheme`]: every problem is collected with its field
//! path, so an analyst fixes a scheme in one round rather than one error at a time.

use yiping_kernel::{EntityKind, Frequency};

use super::check_item::check_item;
use super::grading::{check_banding, check_colours, check_ties};
use super::raw::RawScheme;
use super::{
    Adjustment, AdjustmentKind, Cohort, Degenerate, Exemptions, FieldError, Item, Labels,
    MissingRule, PeerSet, Population, ProblemRule, Scheme, SchemeError, Weighting,
};

#[derive(Default)]
pub(super) struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub(super) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(super) fn text(&mut self, path: &str, v: Option<String>, what: &str) -> String {
        match v.map(|s| s.trim().to_string()) {
            Some(s) if !s.is_empty() => s,
            _ => {
                self.err(path, format!("缺少{what}"));
                String::new()
            }
        }
    }

    pub(super) fn choice<T: Copy>(
        &mut self,
        path: &str,
        v: &str,
        options: &[(&[&str], T)],
    ) -> Option<T> {
        let t = v.trim();
        for (names, value) in options {
            if names.iter().any(|n| n.eq_ignore_ascii_case(t)) {
                return Some(*value);
            }
        }
        let all: Vec<&str> = options.iter().map(|(n, _)| n[0]).collect();
        self.err(path, format!("取值“{v}”无效，可选：{}", all.join("、")));
        None
    }

    pub(super) fn positive(&mut self, path: &str, v: Option<f64>, what: &str) -> Option<f64> {
        match v {
            Some(x) if x.is_finite() && x > 0.0 => Some(x),
            Some(_) => {
                self.err(path, format!("{what}须为正数"));
                None
            }
            None => None,
        }
    }

    pub(super) fn finite(&mut self, path: &str, v: Option<f64>, what: &str) -> Option<f64> {
        match v {
            Some(x) if !x.is_finite() => {
                self.err(path, format!("{what}须为有限数"));
                None
            }
            other => other,
        }
    }

    pub(super) fn names(&mut self, path: &str, list: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(list.len());
        for (i, s) in list.into_iter().enumerate() {
            let t = s.trim().to_string();
            if t.is_empty() {
                self.err(format!("{path}[{i}]"), "不能为空");
            } else if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }
}

pub(super) const MISSING: &[(&[&str], MissingRule)] = &[
    (&["exclude", "排除"], MissingRule::Exclude),
    (&["zero", "零分"], MissingRule::Zero),
    (&["cohort_average", "同组平均"], MissingRule::CohortAverage),
];
pub(super) const DEGENERATE: &[(&[&str], Degenerate)] = &[
    (&["full", "满分"], Degenerate::Full),
    (&["floor", "保底"], Degenerate::Floor),
];
pub(super) const SCOPES: &[(&[&str], PeerSet)] = &[
    (&["overall", "population", "全体"], PeerSet::Overall),
    (&["cohort", "组内"], PeerSet::Cohort),
];

pub(super) fn check(raw: RawScheme) -> Result<Scheme, SchemeError> {
    let mut c = Checker::default();
    let code = c.text("code", raw.code, "方案代码");
    if !code.is_empty()
        && (code.len() > 40
            || !code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
    {
        c.err("code", "方案代码只能包含字母、数字、_ 和 -，最长40个字符");
    }
    let name = c.text("name", raw.name, "方案名称");
    let year = match raw.year {
        Some(y) if (1949..=2200).contains(&y) => y as i32,
        Some(_) => {
            c.err("year", "年份须在1949—2200之间");
            0
        }
        None => {
            c.err("year", "缺少评价年度");
            0
        }
    };
    let frequency = match raw.frequency.as_deref().map(Frequency::parse) {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            c.err("frequency", e.to_string());
            Frequency::Year
        }
        None => {
            c.err("frequency", "缺少评价频率");
            Frequency::Year
        }
    };
    let population = check_population(&mut c, raw.population);
    let cohorts = check_cohorts(&mut c, raw.cohorts);

    let default_missing = raw
        .missing
        .as_deref()
        .and_then(|m| c.choice("missing", m, MISSING))
        .unwrap_or(MissingRule::Exclude);
    let default_degenerate = raw
        .degenerate
        .as_deref()
        .and_then(|m| c.choice("degenerate", m, DEGENERATE))
        .unwrap_or(Degenerate::Full);
    if raw.items.is_empty() {
        c.err("items", "至少需要一个评价项");
    }
    let mut items: Vec<Item> = Vec::with_capacity(raw.items.len());
    for (i, ri) in raw.items.into_iter().enumerate() {
        let item = check_item(&mut c, i, ri, &code, default_missing, default_degenerate);
        if !item.id.is_empty() && items.iter().any(|x| x.id == item.id) {
            c.err(
                format!("items[{i}].id"),
                format!("评价项代码“{}”重复", item.id),
            );
        }
        items.push(item);
    }

    let mut adjustments = Vec::with_capacity(raw.adjustments.len());
    for (i, ra) in raw.adjustments.into_iter().enumerate() {
        let p = format!("adjustments[{i}]");
        let id = c.text(&format!("{p}.id"), ra.id, "加减分项代码");
        if !id.is_empty()
            && (items.iter().any(|x| x.id == id)
                || adjustments.iter().any(|a: &Adjustment| a.id == id))
        {
            c.err(
                format!("{p}.id"),
                format!("代码“{id}”与其他评价项或加减分项重复"),
            );
        }
        let kind = match ra.kind.as_deref() {
            Some(k) => c.choice(
                &format!("{p}.kind"),
                k,
                &[
                    (&["bonus", "加分"], AdjustmentKind::Bonus),
                    (&["penalty", "减分", "扣分"], AdjustmentKind::Penalty),
                ],
            ),
            None => {
                c.err(format!("{p}.kind"), "缺少加减分类型（bonus 或 penalty）");
                None
            }
        };
        let per_unit = c
            .positive(&format!("{p}.per_unit"), ra.per_unit, "每单位分值")
            .unwrap_or(1.0);
        let max = c.positive(&format!("{p}.max"), ra.max, "分值上限");
        adjustments.push(Adjustment {
            name: ra
                .name
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| id.clone()),
            id,
            kind: kind.unwrap_or(AdjustmentKind::Bonus),
            per_unit,
            max,
        });
    }

    let exemptions = raw
        .exemptions
        .map_or_else(Exemptions::default, |e| Exemptions {
            keys: c.names("exemptions.keys", e.keys),
            groups: c.names("exemptions.groups", e.groups),
        });
    let weighting = raw
        .weighting
        .as_deref()
        .and_then(|w| {
            c.choice(
                "weighting",
                w,
                &[
                    (&["per_hundred", "百分制"], Weighting::PerHundred),
                    (&["share", "加权平均"], Weighting::Share),
                ],
            )
        })
        .unwrap_or(Weighting::PerHundred);
    let normalise_within = match raw.normalise_within.as_deref() {
        Some(s) => c
            .choice("normalise_within", s, SCOPES)
            .unwrap_or(PeerSet::Overall),
        None => PeerSet::Overall,
    };
    if normalise_within == PeerSet::Cohort && cohorts.is_empty() {
        c.err("normalise_within", "未定义 cohorts，不能在组内标准化");
    }
    let score_decimals = match raw.score_decimals {
        Some(d) if (0..=6).contains(&d) => Some(d as u8),
        Some(_) => {
            c.err("score_decimals", "得分小数位须在0—6之间");
            None
        }
        None => None,
    };
    let labels = Labels {
        scope: raw
            .scope_label
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "全市".into()),
        score: raw
            .score_label
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "综合得分".into()),
    };
    let default_scope = if cohorts.is_empty() {
        PeerSet::Overall
    } else {
        PeerSet::Cohort
    };
    let ties = check_ties(&mut c, raw.ties, &items);
    let banding = raw
        .banding
        .map(|b| check_banding(&mut c, b, &items, default_scope, !cohorts.is_empty()));
    let colours = raw
        .colours
        .map(|k| check_colours(&mut c, k, &items, default_scope, !cohorts.is_empty()));
    let problems = check_problems(&mut c, raw.problems, banding.as_ref(), colours.as_ref());

    if !c.errors.is_empty() {
        return Err(SchemeError::Invalid(c.errors));
    }
    Ok(Scheme {
        code,
        name,
        year,
        frequency,
        population,
        cohorts,
        items,
        adjustments,
        exemptions,
        weighting,
        normalise_within,
        score_decimals,
        ties,
        banding,
        colours,
        labels,
        problems,
    })
}

/// `[problems]`: the grades and colours that raise a 问题 work item; each must be one the scheme
/// gives.
fn check_problems(
    c: &mut Checker,
    raw: Option<super::raw::RawProblems>,
    banding: Option<&super::Banding>,
    colours: Option<&super::Colours>,
) -> ProblemRule {
    let Some(raw) = raw else {
        return ProblemRule::default();
    };
    let mut rule = ProblemRule::default();
    for (k, g) in raw.raise_for_grades.iter().enumerate() {
        let path = format!("problems.raise_for_grades[{k}]");
        let g = g.trim();
        match banding {
            None => c.err(path, "方案没有分档（banding），不能按等级生成问题"),
            Some(b) if !b.grades.iter().any(|x| x.name == g) => {
                let names: Vec<&str> = b.grades.iter().map(|x| x.name.as_str()).collect();
                c.err(path, format!("等级“{g}”不在分档中（{}）", names.join("、")));
            }
            Some(_) if rule.grades.iter().any(|x| x == g) => {
                c.err(path, format!("等级“{g}”重复"));
            }
            Some(_) => rule.grades.push(g.to_string()),
        }
    }
    for (k, n) in raw.raise_for_colours.iter().enumerate() {
        let path = format!("problems.raise_for_colours[{k}]");
        let n = n.trim();
        match colours {
            None => c.err(path, "方案没有颜色（colours），不能按颜色生成问题"),
            Some(k) if !k.names.iter().any(|x| x == n) => {
                c.err(
                    path,
                    format!("颜色“{n}”不在颜色名中（{}）", k.names.join("、")),
                );
            }
            Some(_) if rule.colours.iter().any(|x| x == n) => {
                c.err(path, format!("颜色“{n}”重复"));
            }
            Some(_) => rule.colours.push(n.to_string()),
        }
    }
    if rule.grades.is_empty() && rule.colours.is_empty() && c.errors.is_empty() {
        c.err(
            "problems",
            "problems 至少需要 raise_for_grades 或 raise_for_colours 之一",
        );
    }
    rule
}

fn check_population(c: &mut Checker, raw: Option<super::raw::RawPopulation>) -> Population {
    let Some(p) = raw else {
        c.err("population", "缺少评价范围（population）");
        return Population {
            kind: EntityKind::Region,
            level: None,
            groups: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
        };
    };
    let kind = match p.kind.as_deref().map(EntityKind::parse) {
        Some(Ok(k)) => k,
        Some(Err(e)) => {
            c.err("population.kind", e.to_string());
            EntityKind::Region
        }
        None => {
            c.err("population.kind", "缺少对象类型");
            EntityKind::Region
        }
    };
    let level = match p.level {
        Some(l) if (1..=9).contains(&l) => Some(l as u8),
        Some(_) => {
            c.err("population.level", "层级须在1—9之间");
            None
        }
        None => None,
    };
    Population {
        kind,
        level,
        groups: c.names("population.groups", p.groups),
        include: c.names("population.include", p.include),
        exclude: c.names("population.exclude", p.exclude),
    }
}

fn check_cohorts(c: &mut Checker, raw: Vec<super::raw::RawCohort>) -> Vec<Cohort> {
    let mut out: Vec<Cohort> = Vec::with_capacity(raw.len());
    for (i, rc) in raw.into_iter().enumerate() {
        let name = c.text(&format!("cohorts[{i}].name"), rc.name, "分组名称");
        if !name.is_empty() && out.iter().any(|x| x.name == name) {
            c.err(format!("cohorts[{i}].name"), format!("分组“{name}”重复"));
        }
        let groups = c.names(&format!("cohorts[{i}].groups"), rc.groups);
        if groups.is_empty() {
            c.err(format!("cohorts[{i}].groups"), "分组至少需要一个标签");
        }
        out.push(Cohort { name, groups });
    }
    out
}
