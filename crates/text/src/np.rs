//! From the words before a value to a subject, a region and the indicator as written.
//!
//! The rules (the gold standard's README): a fact is about the speaker's unit unless the words
//! name a region (全市, 直管区, 万州经开区), an enterprise group (国企 → 云阳县国有企业), an
//! industry, a product or a firm (新能源汽车产量 → subject 新能源汽车, indicator 产量). Whole-economy
//! aggregates keep the region as subject (规上工业增加值, 制造业亩均产值, 文旅投资), because they
//! describe the region, not a part of it.
//!
//! The word lists below are general report vocabulary, not the words of any one document.

use crate::doc::Unit;
use crate::lexicon::{Lexicon, UnitKind};
use crate::run::{at, ends_at, is_han, longest_at, longest_ending};

/// Words that open a noun phrase without being part of it: adverbs and verbs whose object is the
/// indicator (完成技术合同成交额 → 技术合同成交额).
pub(crate) const LEAD_STRIP: &[&str] = &[
    "其中",
    "同时",
    "此外",
    "目前",
    "截至目前",
    "截至",
    "当前",
    "全年",
    "今年",
    "预计",
    "力争",
    "确保",
    "争取",
    "计划",
    "目标",
    "已",
    "已经",
    "共",
    "共有",
    "总计",
    "合计",
    "累计",
    "全面",
    "深入",
    "加快",
    "大力",
    "持续",
    "进一步",
    "积极",
    "成功",
    "稳步",
    "有力",
    "高标准",
    "实现",
    "完成",
    "建成",
    "新建",
    "建设",
    "培育",
    "新培育",
    "引进",
    "新引进",
    "招引",
    "集聚",
    "聚集",
    "组建",
    "盘活",
    "推进",
    "推动",
    "支持",
    "实施",
    "新签",
    "签约",
    "签订",
    "开工",
    "新开工",
    "投用",
    "建成投用",
    "打造",
    "撬动",
    "参投",
    "清理出",
    "收回",
    "带动",
    "获批",
    "认定",
    "新认定",
    "入选",
    "设立",
    "孵化",
    "吸引",
    "助力",
    "储备",
    "谋划",
    "兑现",
    "发放",
    "落实",
    "开展",
    "举办",
    "出台",
    "发布",
    "派遣",
    "提供",
    "拥有",
    "形成",
    "建立",
    "新入库",
    "纳入",
    "服务",
    "帮助",
    "解决",
    "办理",
    "受理",
    "上线",
    "接待",
    "达成",
    "促成",
    "开行",
    "开通",
    "化解",
    "处置",
    "整治",
    "排查",
    "治理",
    "新增",
    "增加",
    "引导",
    "带来",
    "创造",
    "拉动",
    "吸纳",
    "安置",
    "帮扶",
    "培训",
    "平均",
    "另有",
    "还有",
    "有",
    "构建",
    "完善",
    "健全",
    "成立",
    "创建",
    "新设",
    "新设立",
    "搭建",
    "部署",
    "布局",
    "筹建",
    "推出",
    "申报",
    "争创",
    "创成",
    "获得",
    "取得",
    "完成了",
    "实现了",
    "新招引",
    "引育",
    "梳理",
    "整合",
    "承接",
    "刺激",
    "促进",
    "新认定",
    "配备",
    "聚焦",
    "围绕",
    "新签约",
    "签约落地",
    "结束",
    "惠及",
    "拨付",
];

/// Verbs inside a phrase that separate its agent from its object: 创新生态圈实现产值.
const AGENT_VERBS: &[&str] = &["实现", "完成"];

/// Measure nouns that, after a named industry, product, firm or group, leave that name as the
/// subject: 新能源汽车 + 产量.
pub(crate) const SPLIT_NOUNS: &[&str] = &[
    "产值",
    "增加值",
    "产量",
    "营收",
    "营业收入",
    "主营业务收入",
    "业务收入",
    "销售收入",
    "销售额",
    "销量",
    "利润",
    "利润总额",
    "税收",
    "上交税费",
    "开行量",
    "货值",
    "货运量",
    "货运值",
    "出口量",
    "出口额",
    "市场份额",
    "市场",
    "新投",
    "营业额",
    "交易额",
    "出货量",
    "亩均税收",
    "亩均产值",
    "亩均增加值",
    "融资综合成本",
    "资产总额",
    "净利润",
];

/// Scope words that can precede a sector: 规上工业, 园区开发区规上制造业.
const SECTOR_SCOPES: &[&str] = &[
    "规上",
    "规模以上",
    "限额以上",
    "园区",
    "开发区",
    "全社会",
    "全口径",
    "全部",
    "入库",
];

/// Sectors of the whole economy; a phrase made of scopes and one of these is an aggregate.
const SECTOR_CORES: &[&str] = &[
    "工业",
    "制造业",
    "服务业",
    "建筑业",
    "农业",
    "工业企业",
    "制造业企业",
    "服务业企业",
    "企业",
    "批发业",
    "零售业",
    "住宿业",
    "餐饮业",
    "房地产业",
    "第三产业",
    "第二产业",
    "批发",
    "零售",
    "住宿",
    "餐饮",
    "批发零售",
    "批零",
    "住餐",
    "民营工业",
    "国有工业",
    "外资工业",
    "网络零售",
    "商品零售",
];

/// Heads of generic phrases that are not a subject (新投产项目产值 is about the region).
const GENERIC_HEADS: &[&str] = &["项目", "工程", "平台", "资产", "资金", "基金", "载体"];

/// Enterprise groups: (written head, normalised head).
const GROUP_HEADS: &[(&str, &str)] = &[
    ("国有企业", "国有企业"),
    ("国企", "国有企业"),
    ("民营企业", "民营企业"),
    ("民企", "民营企业"),
    ("村集体经济", "村集体经济"),
];

const GROUP_PREFIXES: &[&str] = &[
    "全市", "市属", "市管", "区属", "县属", "区管", "县管", "全区", "全县",
];

/// Suffixes of official zones that can be named as a subject.
const ZONE_SUFFIXES: &[&str] = &[
    "协同创新区",
    "经开区",
    "经济技术开发区",
    "高新区",
    "高新技术产业开发区",
    "新区",
    "开发区",
    "自贸区",
    "综保区",
    "综合保税区",
    "创新区",
    "产业园",
    "工业园区",
    "园区",
    "直管区",
];

/// Abbreviations of subjects and their full forms.
const SUBJECT_FORMS: &[(&str, &str)] = &[
    ("战新产业", "战略性新兴产业"),
    ("软信产业", "软件和信息服务业"),
    ("软信", "软件和信息服务业"),
    ("软件业", "软件和信息服务业"),
    ("软件", "软件和信息服务业"),
    ("国企", "国有企业"),
];

/// 全市 in facts.
pub(crate) use crate::CITY;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub subject: Option<String>,
    pub region: Option<String>,
    pub indicator_text: String,
    /// A subject or region was written in the phrase (so later list items share it).
    pub explicit: bool,
}

/// What the phrase is resolved against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NpCtx<'a> {
    pub lex: &'a Lexicon,
    pub unit: Option<&'a Unit>,
    /// A region named earlier in the sentence (高标准打造两江协同创新区，集聚…).
    pub topic: Option<&'a str>,
}

impl NpCtx<'_> {
    fn default_region(&self) -> Option<String> {
        self.topic
            .map(str::to_string)
            .or_else(|| self.unit.map(Unit::default_region))
    }

    /// The region written as 全区 / 全县 / 本区: the speaker's own.
    fn own_region(&self) -> Option<String> {
        self.unit.map(Unit::default_region)
    }
}

/// Strips leading adverbs and verbs; returns the new start.
pub(crate) fn strip_lead(c: &[char], mut i: usize, end: usize) -> usize {
    loop {
        let before = i;
        while i < end && !is_han(c[i]) && !c[i].is_ascii_alphanumeric() && c[i] != '“' {
            i += 1;
        }
        if let Some((_, n)) = longest_at(&c[..end], i, LEAD_STRIP)
            && i + n < end
            && !protected_at(c, i, end)
        {
            i += n;
        }
        if i == before {
            return i;
        }
    }
}

/// Nouns that begin with a lead word and must not lose it (增加值, 完成率, 新增长点).
const PROTECTED: &[&str] = &[
    "增加值",
    "完成率",
    "完成额",
    "完成值",
    "实现值",
    "有效",
    "累计值",
    "平均值",
];

fn protected_at(c: &[char], i: usize, end: usize) -> bool {
    longest_at(&c[..end], i, PROTECTED).is_some()
}

/// A region named at `i`: (region as written in facts, length).
pub(crate) fn region_at(c: &[char], i: usize, end: usize, ctx: &NpCtx) -> Option<(String, usize)> {
    let c = &c[..end];
    // 全市首只, 全市率先, 全市唯一: a superlative, not the scope of the figure.
    let superlative = |k: usize| {
        ["首", "率先", "唯一", "最", "第一", "领先", "前列"]
            .iter()
            .any(|w| at(c, k, w))
    };
    if at(c, i, "全市") {
        return (!superlative(i + 2)).then(|| (CITY.into(), 2));
    }
    for w in ["全区", "全县", "本区", "本县"] {
        if at(c, i, w) {
            return ctx.own_region().map(|r| (r, 2));
        }
    }
    if at(c, i, "直管区") {
        let r = match ctx.unit {
            Some(u) => format!("{}直管区", u.name),
            None => "直管区".into(),
        };
        return Some((r, 3));
    }
    // A zone: a known place name followed by a zone suffix (万州经开区, 两江协同创新区).
    let place = ctx
        .lex
        .unit_at(c, i)
        .filter(|(u, _)| matches!(ctx.lex.unit(*u).kind, UnitKind::Region | UnitKind::City))
        .map(|(_, n)| n)
        .or_else(|| at(c, i, "重庆").then_some(2));
    if let Some(n) = place {
        // The place or its short form, then the suffix: 两江 + 协同创新区, 万州 + 经开区.
        for k in (2..=n).rev() {
            if let Some((_, z)) = longest_at(c, i + k, ZONE_SUFFIXES) {
                return Some((c[i..i + k + z].iter().collect(), k + z));
            }
        }
    }
    if let Some((u, n)) = ctx.lex.unit_at(c, i) {
        let e = ctx.lex.unit(u);
        return match e.kind {
            UnitKind::City => Some((CITY.into(), n)),
            UnitKind::Region => Some((e.name.clone(), n)),
            _ => None,
        };
    }
    None
}

fn normalise_subject(s: &str) -> String {
    if let Some((_, full)) = SUBJECT_FORMS.iter().find(|(short, _)| *short == s) {
        return (*full).to_string();
    }
    match s.strip_suffix("国企") {
        Some(p) => format!("{p}国有企业"),
        None => s.to_string(),
    }
}

/// Whether `name` (as returned by [`region_at`]) is an official zone rather than a district.
pub(crate) fn is_zone(name: &str) -> bool {
    ZONE_SUFFIXES.iter().any(|z| name.ends_with(z)) && !name.ends_with("直管区")
}

/// Whether `p` is a whole-economy sector, possibly with scopes (规上工业, 园区开发区规上制造业).
pub(crate) fn is_sector(p: &[char]) -> bool {
    let mut i = 0;
    while let Some((_, n)) = longest_at(p, i, SECTOR_SCOPES) {
        i += n;
    }
    let rest: String = p[i..].iter().collect();
    rest.is_empty() && i > 0 || SECTOR_CORES.contains(&rest.as_str())
}

fn is_generic(p: &[char]) -> bool {
    GENERIC_HEADS.iter().any(|h| ends_at(p, p.len(), h))
}

/// An enterprise group at `i`: (normalised group, length).
fn group_at(
    c: &[char],
    i: usize,
    end: usize,
    ctx: &NpCtx,
    region: Option<&str>,
) -> Option<(String, usize)> {
    let c = &c[..end];
    let (prefix, pn) = match longest_at(c, i, GROUP_PREFIXES) {
        Some((k, n)) => (Some(GROUP_PREFIXES[k]), n),
        None => (None, 0),
    };
    let (h, hn) = GROUP_HEADS
        .iter()
        .filter(|(w, _)| at(c, i + pn, w))
        .map(|(w, full)| (*full, w.chars().count()))
        .max_by_key(|(_, n)| *n)?;
    let owner = match prefix {
        Some("全市") => CITY.to_string(),
        Some(p @ ("市属" | "市管")) => p.to_string(),
        Some(_) | None => region
            .map(str::to_string)
            .or_else(|| ctx.own_region())
            .unwrap_or_default(),
    };
    Some((format!("{owner}{h}"), pn + hn))
}

/// Whether `p` can be a subject of its own: not a sector, not a generic phrase, not an indicator.
fn subject_like(p: &[char], ctx: &NpCtx) -> bool {
    p.len() >= 2
        && !is_sector(p)
        && !is_generic(p)
        && !ctx.lex.indicator_exact(&p.iter().collect::<String>())
}

/// Resolves `c[a..b]`, the words naming what a value measures.
pub(crate) fn resolve(c: &[char], a: usize, b: usize, ctx: &NpCtx) -> Resolved {
    let a = strip_lead(c, a, b);
    // An agent before 实现 / 完成 (锦艺新材料实现…, 创新生态圈实现产值).
    let split = (a + 1..b).find_map(|i| {
        longest_at(&c[..b], i, AGENT_VERBS)
            .map(|(_, n)| (i, n))
            .filter(|&(i, n)| {
                !matches!(c.get(i + n), Some('率' | '额' | '值' | '量' | '度' | '数'))
            })
    });
    let (agent_end, obj) = match split {
        Some((i, n)) => (Some(i), (strip_lead(c, i + n, b).max(i + n), b)),
        None => (None, (a, b)),
    };
    // The start of the agent (or of the phrase) may name a region, then a group.
    let hb = agent_end.unwrap_or(b);
    let mut ha = a;
    let mut region = None;
    if let Some((r, n)) = region_at(c, ha, hb, ctx) {
        region = Some(r);
        ha = strip_lead(c, ha + n, hb);
    }
    let (oa, ob) = if agent_end.is_some() { obj } else { (ha, b) };
    let base = region.clone().or_else(|| ctx.default_region());
    let object: String = c[oa.min(ob)..ob].iter().collect();
    if let Some((g, n)) = group_at(c, ha, hb, ctx, region.as_deref()) {
        let ind_start = if agent_end.is_some() {
            oa
        } else {
            strip_lead(c, ha + n, hb)
        };
        let ind: String = c[ind_start.min(ob)..ob].iter().collect();
        return Resolved {
            subject: Some(g),
            region: base,
            indicator_text: if ind.is_empty() {
                c[ha..hb].iter().collect()
            } else {
                ind
            },
            explicit: true,
        };
    }
    let fallback = Resolved {
        subject: base.clone(),
        region: base.clone(),
        indicator_text: object.clone(),
        explicit: region.is_some(),
    };
    if agent_end.is_some() {
        let ag = &c[ha.min(hb)..hb];
        if subject_like(ag, ctx) {
            return Resolved {
                subject: Some(normalise_subject(&ag.iter().collect::<String>())),
                region: base,
                indicator_text: object,
                explicit: true,
            };
        }
        return fallback;
    }
    let phrase = &c[oa.min(ob)..ob];
    // The thing a share is of comes before 占: 制造业占GDP, 战略性新兴产业增加值占…比重.
    let head_end = (1..phrase.len())
        .find(|&k| phrase[k] == '占')
        .unwrap_or(phrase.len());
    let head = &phrase[..head_end];
    if ctx.lex.indicator_exact(&head.iter().collect::<String>()) {
        return fallback;
    }
    if let Some((k, n)) = longest_ending(head, head.len(), SPLIT_NOUNS) {
        let p = &head[..head.len() - n];
        let pn: String = p.iter().collect();
        if SUBJECT_FORMS.iter().any(|(s, _)| *s == pn) {
            // 软件业务收入: the abbreviation names the industry.
            return Resolved {
                subject: Some(normalise_subject(&pn)),
                region: base,
                indicator_text: object,
                explicit: true,
            };
        }
        if subject_like(p, ctx) {
            let indicator = if head_end < phrase.len() {
                phrase[head.len() - n..].iter().collect()
            } else {
                SPLIT_NOUNS[k].to_string()
            };
            return Resolved {
                subject: Some(normalise_subject(&pn)),
                region: base,
                indicator_text: indicator,
                explicit: true,
            };
        }
    }
    fallback
}

/// Whether the phrase is only a measure noun (利润, 货值): it then shares the subject of the
/// list item before it.
pub(crate) fn bare_measure(c: &[char]) -> bool {
    let s: String = c.iter().collect();
    SPLIT_NOUNS.contains(&s.as_str()) || s.starts_with('占')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::{IndicatorEntry, UnitEntry};

    fn lex() -> Lexicon {
        Lexicon::new(
            vec![
                UnitEntry {
                    name: "万州区".into(),
                    aliases: vec!["万州".into()],
                    kind: UnitKind::Region,
                },
                UnitEntry {
                    name: "梁平区".into(),
                    aliases: vec!["梁平".into()],
                    kind: UnitKind::Region,
                },
            ],
            vec![IndicatorEntry {
                name: "规上工业增加值".into(),
                aliases: vec!["规模以上工业增加值".into()],
            }],
            vec![],
        )
    }

    fn res(s: &str, unit: &str) -> (Option<String>, Option<String>, String) {
        let l = lex();
        let u = Unit::new(unit, &l);
        let ctx = NpCtx {
            lex: &l,
            unit: Some(&u),
            topic: None,
        };
        let c: Vec<char> = s.chars().collect();
        let r = resolve(&c, 0, c.len(), &ctx);
        (r.subject, r.region, r.indicator_text)
    }

    #[test]
    fn the_speaker_is_the_default_subject_and_departments_speak_for_the_city() {
        assert_eq!(
            res("规上工业增加值", "梁平区"),
            (
                Some("梁平区".into()),
                Some("梁平区".into()),
                "规上工业增加值".into()
            )
        );
        assert_eq!(
            res("规上工业增加值", "市商务委"),
            (
                Some("全市".into()),
                Some("全市".into()),
                "规上工业增加值".into()
            )
        );
    }

    #[test]
    fn named_regions_and_zones_override_the_speaker() {
        assert_eq!(res("全市社零总额", "梁平区").0, Some("全市".into()));
        assert_eq!(
            res("万州经开区工业产值", "梁平区").1,
            Some("万州经开区".into())
        );
        assert_eq!(res("直管区GDP", "梁平区").1, Some("梁平区直管区".into()));
        assert_eq!(res("全区旅游收入", "梁平区").1, Some("梁平区".into()));
    }

    #[test]
    fn industries_products_firms_and_groups_become_the_subject() {
        assert_eq!(
            res("智能装备产业增加值", "梁平区"),
            (
                Some("智能装备产业".into()),
                Some("梁平区".into()),
                "增加值".into()
            )
        );
        assert_eq!(res("锂电池产量", "梁平区").0, Some("锂电池".into()));
        assert_eq!(res("国企营收", "梁平区").0, Some("梁平区国有企业".into()));
        assert_eq!(
            res("市属国企利润总额", "市商务委").0,
            Some("市属国有企业".into())
        );
        assert_eq!(
            res("战新产业产值", "梁平区").0,
            Some("战略性新兴产业".into())
        );
        assert_eq!(
            res("软件业务收入", "梁平区").0,
            Some("软件和信息服务业".into())
        );
        assert_eq!(res("某某公司实现营收", "梁平区").0, Some("某某公司".into()));
    }

    #[test]
    fn whole_economy_aggregates_keep_the_region() {
        assert_eq!(res("规模以上工业利润", "梁平区").0, Some("梁平区".into()));
        assert_eq!(res("制造业亩均产值", "梁平区").0, Some("梁平区".into()));
        assert_eq!(
            res("园区开发区规上制造业税收", "梁平区").0,
            Some("梁平区".into())
        );
        assert_eq!(res("新投产项目产值", "梁平区").0, Some("梁平区".into()));
        assert_eq!(res("制造业占GDP", "梁平区").0, Some("梁平区".into()));
        assert_eq!(res("完成技术合同成交额", "梁平区").2, "技术合同成交额");
    }
}
