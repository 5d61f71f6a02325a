//! The checks of ranking, grading and colouring: tie keys, band cut points, the five colours.

use yiping_kernel::Polarity;

use super::check::{Checker, SCOPES};
use super::check_item::parse_reference;
use super::raw::{RawBand, RawBanding, RawColours, RawThreshold, RawTies};
use super::{
    BandRule, Banding, Basis, ColourRule, Colours, Grade, Item, PeerSet, Reference, Threshold,
    TieKey, TieRule,
};

pub(super) const DEFAULT_COLOURS: [&str; 5] = ["深绿", "绿", "黄", "橙", "红"];
pub(super) const DEFAULT_MEANINGS: [&str; 5] = ["领先", "较好", "居中", "偏弱", "落后"];

fn resolve_item(items: &[Item], r: &str) -> Option<usize> {
    let r = r.trim();
    items.iter().position(|i| i.id == r).or_else(|| {
        let found: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                i.indicator
                    .as_ref()
                    .is_some_and(|c| c.as_str().eq_ignore_ascii_case(r))
            })
            .map(|(k, _)| k)
            .collect();
        (found.len() == 1).then(|| found[0])
    })
}

fn parse_basis(c: &mut Checker, path: &str, s: Option<&str>, items: &[Item]) -> Basis {
    match s.map(str::trim) {
        None | Some("score") | Some("得分") => Basis::Score,
        Some(other) => match other.strip_prefix("item:") {
            Some(r) => resolve_item(items, r).map(Basis::Item).unwrap_or_else(|| {
                c.err(
                    path,
                    format!("找不到评价项“{r}”（按评价项代码或唯一的指标代码）"),
                );
                Basis::Score
            }),
            None => {
                c.err(
                    path,
                    format!("取值“{other}”无效，应为 score 或 item:<评价项代码>"),
                );
                Basis::Score
            }
        },
    }
}

pub(super) fn check_ties(c: &mut Checker, raw: Option<RawTies>, items: &[Item]) -> TieRule {
    let (order, share_better_grade) = raw.map_or((Vec::new(), true), |t| {
        (t.order, t.share_better_grade.unwrap_or(true))
    });
    let mut keys = vec![TieKey::Score];
    for (i, entry) in order.iter().enumerate() {
        let path = format!("ties.order[{i}]");
        let mut parts = entry.split_whitespace();
        let key = parts.next().unwrap_or("");
        let dir = parts.next();
        if parts.next().is_some() {
            c.err(&path, "格式应为“键 asc|desc”");
            continue;
        }
        let descending = match dir {
            None => None,
            Some(d) => c.choice(
                &path,
                d,
                &[(&["desc", "降序"], true), (&["asc", "升序"], false)],
            ),
        };
        let parsed = match key {
            "score" | "得分" => {
                if i != 0 {
                    c.err(&path, "得分须是第一个排序键");
                } else if descending == Some(false) {
                    c.err(&path, "得分只能降序排列");
                }
                None
            }
            "entity_key" | "key" => Some(TieKey::EntityKey {
                descending: descending.unwrap_or(false),
            }),
            "name" | "名称" => Some(TieKey::Name {
                descending: descending.unwrap_or(false),
            }),
            other => match other.strip_prefix("item:") {
                Some(r) => match resolve_item(items, r) {
                    Some(index) => Some(TieKey::Item {
                        index,
                        descending: descending.unwrap_or(true),
                    }),
                    None => {
                        c.err(
                            &path,
                            format!("找不到评价项“{r}”（按评价项代码或唯一的指标代码）"),
                        );
                        None
                    }
                },
                None => {
                    c.err(
                        &path,
                        format!(
                            "排序键“{other}”无效，可选：score、item:<评价项>、entity_key、name"
                        ),
                    );
                    None
                }
            },
        };
        if let Some(k) = parsed {
            keys.push(k);
        }
    }
    if !keys.iter().any(|k| matches!(k, TieKey::EntityKey { .. })) {
        keys.push(TieKey::EntityKey { descending: false });
    }
    TieRule {
        keys,
        share_better_grade,
    }
}

fn check_threshold(c: &mut Checker, path: &str, raw: RawThreshold, basis: Basis) -> Threshold {
    match raw {
        RawThreshold::Number(v) if v.is_finite() => Threshold::Constant(v),
        RawThreshold::Number(_) => {
            c.err(path, "分界值须为有限数");
            Threshold::Constant(0.0)
        }
        RawThreshold::Table(t) => match (t.value, t.reference) {
            (Some(v), None) => {
                if t.offset.is_some() {
                    c.err(format!("{path}.offset"), "常数分界值不使用 offset");
                }
                Threshold::Constant(
                    c.finite(&format!("{path}.value"), Some(v), "分界值")
                        .unwrap_or(0.0),
                )
            }
            (None, Some(r)) => {
                let reference = parse_reference(c, &format!("{path}.ref"), &r);
                if basis == Basis::Score && reference == Reference::Target {
                    c.err(format!("{path}.ref"), "按得分分档时不能以目标值为参照");
                }
                let offset = c
                    .finite(&format!("{path}.offset"), t.offset, "偏移量")
                    .unwrap_or(0.0);
                Threshold::Relative { reference, offset }
            }
            (Some(_), Some(_)) => {
                c.err(path, "value 与 ref 只能二选一");
                Threshold::Constant(0.0)
            }
            (None, None) => {
                c.err(path, "须指定 value（常数）或 ref（参照值）");
                Threshold::Constant(0.0)
            }
        },
    }
}

/// Cut points must move strictly away from the top, in the basis's good direction, wherever two
/// consecutive cuts share the same reference (mixed references cannot be compared here).
fn check_monotone(
    c: &mut Checker,
    path: &str,
    suffix: &str,
    cuts: &[Threshold],
    basis: Basis,
    items: &[Item],
) {
    let descending = match basis {
        Basis::Score => Some(true),
        Basis::Item(i) => items[i].polarity.map(|p| p == Polarity::HigherBetter),
    };
    for (k, w) in cuts.windows(2).enumerate() {
        let pair = match (&w[0], &w[1]) {
            (Threshold::Constant(a), Threshold::Constant(b)) => Some((*a, *b)),
            (
                Threshold::Relative {
                    reference: ra,
                    offset: a,
                },
                Threshold::Relative {
                    reference: rb,
                    offset: b,
                },
            ) if ra == rb => Some((*a, *b)),
            _ => None,
        };
        let Some((a, b)) = pair else { continue };
        let ok = match descending {
            Some(true) => a > b,
            Some(false) => a < b,
            None => a != b,
        };
        if !ok {
            c.err(
                format!("{path}[{}]{suffix}", k + 1),
                "分界值须依次递减（越低越好的指标依次递增）且互不相同",
            );
        }
    }
}

fn check_scope(
    c: &mut Checker,
    path: &str,
    s: Option<&str>,
    default: PeerSet,
    has_cohorts: bool,
) -> PeerSet {
    let scope = s.and_then(|s| c.choice(path, s, SCOPES)).unwrap_or(default);
    if scope == PeerSet::Cohort && !has_cohorts {
        c.err(path, "未定义 cohorts，不能按组进行");
    }
    scope
}

pub(super) fn check_banding(
    c: &mut Checker,
    b: RawBanding,
    items: &[Item],
    default_scope: PeerSet,
    has_cohorts: bool,
) -> Banding {
    let mode = match b.mode.as_deref() {
        Some(m) => c.choice(
            "banding.mode",
            m,
            &[
                (&["relative", "比例"], 0_u8),
                (&["top_n", "名次"], 1),
                (&["absolute", "绝对"], 2),
            ],
        ),
        None => {
            c.err(
                "banding.mode",
                "缺少分档方式（relative、top_n 或 absolute）",
            );
            None
        }
    };
    if b.by.is_some() && mode != Some(2) {
        c.err(
            "banding.by",
            "比例和名次分档按排名进行，仅 absolute 分档可指定 by",
        );
    }
    let by = parse_basis(c, "banding.by", b.by.as_deref(), items);
    let scope = check_scope(
        c,
        "banding.scope",
        b.scope.as_deref(),
        default_scope,
        has_cohorts,
    );
    if b.bands.len() < 2 {
        c.err("banding.bands", "至少需要两档");
    }
    let last = b.bands.len().saturating_sub(1);
    let mut grades: Vec<Grade> = Vec::new();
    let (mut pcts, mut ns, mut thresholds) = (Vec::new(), Vec::new(), Vec::new());
    for (
        i,
        RawBand {
            grade,
            label,
            top_pct,
            top_n,
            at_least,
        },
    ) in b.bands.into_iter().enumerate()
    {
        let p = format!("banding.bands[{i}]");
        let name = c.text(&format!("{p}.grade"), grade, "档次名称");
        if !name.is_empty() && grades.iter().any(|g| g.name == name) {
            c.err(format!("{p}.grade"), format!("档次“{name}”重复"));
        }
        grades.push(Grade {
            name,
            label: label
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        });
        let fields = [
            ("top_pct", top_pct.is_some(), 0_u8),
            ("top_n", top_n.is_some(), 1),
            ("at_least", at_least.is_some(), 2),
        ];
        for (field, present, wanted) in fields {
            if !present {
                continue;
            }
            if mode.is_some() && mode != Some(wanted) {
                c.err(format!("{p}.{field}"), "与分档方式不符");
            } else if i == last {
                c.err(
                    format!("{p}.{field}"),
                    "最后一档不设分界（其余全部归入此档）",
                );
            }
        }
        if i == last {
            continue;
        }
        match mode {
            Some(0) => match top_pct {
                Some(v) if v.is_finite() && v > 0.0 && v <= 100.0 => {
                    if pcts.last().is_some_and(|&prev| v <= prev) {
                        c.err(format!("{p}.top_pct"), "累计比例须逐档递增");
                    }
                    pcts.push(v);
                }
                Some(_) => c.err(format!("{p}.top_pct"), "累计比例须在0—100之间"),
                None => c.err(format!("{p}.top_pct"), "缺少累计比例 top_pct"),
            },
            Some(1) => match top_n {
                Some(v) if v >= 1 && v <= i64::from(u32::MAX) => {
                    if ns.last().is_some_and(|&prev| v as u32 <= prev) {
                        c.err(format!("{p}.top_n"), "累计名次须逐档递增");
                    }
                    ns.push(v as u32);
                }
                Some(_) => c.err(format!("{p}.top_n"), "累计名次须为正整数"),
                None => c.err(format!("{p}.top_n"), "缺少累计名次 top_n"),
            },
            Some(_) => match at_least {
                Some(t) => thresholds.push(check_threshold(c, &format!("{p}.at_least"), t, by)),
                None => c.err(format!("{p}.at_least"), "缺少分界值 at_least"),
            },
            None => {}
        }
    }
    let rule = match mode {
        Some(0) => BandRule::TopPct(pcts),
        Some(1) => BandRule::TopN(ns),
        _ => {
            check_monotone(c, "banding.bands", ".at_least", &thresholds, by, items);
            BandRule::Absolute { by, thresholds }
        }
    };
    Banding {
        grades,
        rule,
        scope,
        suffix: b
            .suffix
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| "档".into()),
    }
}

pub(super) fn check_colours(
    c: &mut Checker,
    k: RawColours,
    items: &[Item],
    default_scope: PeerSet,
    has_cohorts: bool,
) -> Colours {
    let quintile = match k.mode.as_deref() {
        None => false,
        Some(m) => c
            .choice(
                "colours.mode",
                m,
                &[
                    (&["thresholds", "分界值"], false),
                    (&["quintile", "五分位"], true),
                ],
            )
            .unwrap_or(false),
    };
    let scope = check_scope(
        c,
        "colours.scope",
        k.scope.as_deref(),
        default_scope,
        has_cohorts,
    );
    let five =
        |c: &mut Checker, path: &str, v: Option<Vec<String>>, default: [&str; 5]| -> Vec<String> {
            match v {
                None => default.iter().map(|s| s.to_string()).collect(),
                Some(list) if list.len() != 5 => {
                    c.err(path, format!("须恰好五项，实有{}项", list.len()));
                    default.iter().map(|s| s.to_string()).collect()
                }
                Some(list) => {
                    let names = c.names(path, list);
                    if names.len() != 5 {
                        c.err(path, "五项须各不相同且不为空");
                    }
                    names
                }
            }
        };
    let names = five(c, "colours.names", k.names, DEFAULT_COLOURS);
    let meanings = five(c, "colours.meanings", k.meanings, DEFAULT_MEANINGS);
    let rule = if quintile {
        if k.by.is_some() {
            c.err("colours.by", "五分位按排名进行，不能指定 by");
        }
        if !k.cuts.is_empty() {
            c.err("colours.cuts", "五分位不使用分界值");
        }
        ColourRule::Quintile
    } else {
        let by = parse_basis(c, "colours.by", k.by.as_deref(), items);
        if k.cuts.len() != 4 {
            c.err(
                "colours.cuts",
                format!("五色须恰好四个分界值，实有{}个", k.cuts.len()),
            );
        }
        let cuts: Vec<Threshold> = k
            .cuts
            .into_iter()
            .enumerate()
            .map(|(i, t)| check_threshold(c, &format!("colours.cuts[{i}]"), t, by))
            .collect();
        check_monotone(c, "colours.cuts", "", &cuts, by, items);
        ColourRule::Thresholds { by, cuts }
    };
    Colours {
        names,
        meanings,
        rule,
        scope,
    }
}
