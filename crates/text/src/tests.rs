//! The extractor's rules, one test per rule class, on sentences written for these tests (not
//! taken from the seed documents).

use crate::lexicon::{IndicatorEntry, UnitEntry, UnitKind};
use crate::{Fact, FactValue, Lexicon, Measure, Options, PeriodBasis, Qualifier, extract};

fn lex() -> Lexicon {
    let r = |n: &str, a: &[&str], k: UnitKind| UnitEntry {
        name: n.into(),
        aliases: a.iter().map(|s| s.to_string()).collect(),
        kind: k,
    };
    let i = |n: &str, a: &[&str]| IndicatorEntry {
        name: n.into(),
        aliases: a.iter().map(|s| s.to_string()).collect(),
    };
    Lexicon::new(
        vec![
            r("重庆市", &[], UnitKind::City),
            r("梁平区", &["梁平"], UnitKind::Region),
            r("万州区", &["万州"], UnitKind::Region),
            r("城口县", &["城口"], UnitKind::Region),
            r("开州区", &["开州"], UnitKind::Region),
            r("市商务委", &["重庆市商务委员会"], UnitKind::Department),
        ],
        vec![
            i("地区生产总值", &["GDP"]),
            i("规上工业增加值", &["规模以上工业增加值"]),
            i("固定资产投资", &["固投"]),
            i("社会消费品零售总额", &["社零总额", "社零"]),
        ],
        vec!["渝东北".into()],
    )
}

/// A digest with one speaker of 梁平区 whose lead paragraph states the period.
fn speech(body: &str) -> Vec<Fact> {
    let text = format!(
        "发言摘登\n\n会议通报2025年一季度经济运行情况。梁平区、市商务委负责同志作交流发言。\n\n坚定信心 奋勇争先\n\n梁平区委书记 张三\n\n梁平区一季度经济运行稳中向好。\n\n{body}"
    );
    extract(&text, &lex(), &Options::default())
}

fn num(f: &Fact) -> f64 {
    match f.value {
        FactValue::Number(v) => v,
        FactValue::Grade(_) => f64::NAN,
    }
}

fn one(facts: &[Fact], measure: Measure, value: f64) -> &Fact {
    facts
        .iter()
        .find(|f| f.measure == measure && (num(f) - value).abs() < 1e-9)
        .unwrap_or_else(|| panic!("no {measure:?} {value} in {facts:#?}"))
}

#[test]
fn full_width_and_chinese_digits() {
    let f = speech("规上工业增加值增长１２．５％、居全市第十二位。");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(
        one(&f, Measure::GrowthPct, 12.5).indicator.as_deref(),
        Some("规上工业增加值")
    );
    let r = one(&f, Measure::Rank, 12.0);
    assert_eq!(r.compare_to.as_deref(), Some("全市"));
    assert_eq!(r.indicator_text, "规上工业增加值");
}

#[test]
fn scales_stay_in_the_unit() {
    let f = speech("实现技术合同成交额3.6亿元,新增经营主体1.2万户,盘活闲置厂房12万平方米。");
    assert_eq!(one(&f, Measure::Value, 3.6).unit.as_deref(), Some("亿元"));
    assert_eq!(one(&f, Measure::Count, 1.2).unit.as_deref(), Some("万户"));
    assert_eq!(
        one(&f, Measure::Value, 12.0).unit.as_deref(),
        Some("万平方米")
    );
}

#[test]
fn percent_and_percentage_points() {
    let f = speech("固投增长9.1%、高于全市1.3个百分点,比全国平均水平高2个百分点。");
    let g = one(&f, Measure::GrowthPct, 9.1);
    assert_eq!(g.indicator.as_deref(), Some("固定资产投资"));
    let p = one(&f, Measure::PpDiff, 1.3);
    assert_eq!(
        (p.compare_to.as_deref(), p.unit.as_deref()),
        (Some("全市"), Some("百分点"))
    );
    assert_eq!(p.indicator_text, "固投");
    assert_eq!(
        one(&f, Measure::PpDiff, 2.0).compare_to.as_deref(),
        Some("全国")
    );
}

#[test]
fn decrease_words_give_negative_changes() {
    let f = speech(
        "单位能耗下降3.2%,物流成本压缩15%,平均减少跑动40%,为企业降本超10%,失业率回落0.4个百分点。",
    );
    assert_eq!(one(&f, Measure::GrowthPct, -3.2).indicator_text, "单位能耗");
    one(&f, Measure::GrowthPct, -15.0);
    assert_eq!(one(&f, Measure::GrowthPct, -40.0).indicator_text, "跑动");
    assert_eq!(
        one(&f, Measure::GrowthPct, -10.0).qualifier,
        Some(Qualifier::Over)
    );
    assert_eq!(one(&f, Measure::PpDiff, -0.4).compare_to, None);
    // A level reached is not a change.
    let f = speech("审批环节压减为3个,覆盖率增至65%。");
    one(&f, Measure::Count, 3.0);
    one(&f, Measure::RatePct, 65.0);
}

#[test]
fn multiples_are_growth_in_percent() {
    let f = speech("锂电材料产量增长1.5倍,出口额增长一倍。");
    let m = one(&f, Measure::GrowthPct, 150.0);
    assert_eq!(m.subject.as_deref(), Some("锂电材料"));
    assert!(m.flags.contains(&"multiple"));
    one(&f, Measure::GrowthPct, 100.0);
}

#[test]
fn periods_stated_inherited_and_sentence_local() {
    let f = speech(
        "一、稳增长。前三季度社零总额增长5%。工业投资增长8%。去年研发经费投入近20亿元,研发投入强度达2.1%。1—2月出口增长30%,累计建成数字化车间40个。",
    );
    let explicit = one(&f, Measure::GrowthPct, 5.0);
    assert_eq!(explicit.period.as_deref(), Some("2025M01-M09"));
    assert_eq!(explicit.period_basis, Some(PeriodBasis::Explicit));
    let inherited = one(&f, Measure::GrowthPct, 8.0);
    assert_eq!(inherited.period.as_deref(), Some("2025Q1"));
    assert_eq!(inherited.period_basis, Some(PeriodBasis::Inherited));
    // 去年 governs its clause and the later ones of the same sentence (R1), and no further.
    assert_eq!(
        one(&f, Measure::Value, 20.0).period.as_deref(),
        Some("2024")
    );
    assert_eq!(
        one(&f, Measure::RatePct, 2.1).period.as_deref(),
        Some("2024")
    );
    assert_eq!(
        one(&f, Measure::GrowthPct, 30.0).period.as_deref(),
        Some("2025M01-M02")
    );
    assert_eq!(
        one(&f, Measure::Count, 40.0).period.as_deref(),
        Some("cumulative")
    );
}

#[test]
fn the_year_comes_from_the_caller_or_the_headings() {
    let report = "一、2022年工作回顾\n全年地区生产总值增长6.1%。\n二、2023年工作安排\n力争地区生产总值增长7%左右。";
    let f = extract(report, &lex(), &Options::default());
    assert_eq!(
        one(&f, Measure::GrowthPct, 6.1).period.as_deref(),
        Some("2022")
    );
    let target = one(&f, Measure::GrowthPct, 7.0);
    assert_eq!(target.period, None);
    assert!(target.flags.contains(&"projected"));
    assert_eq!(target.qualifier, Some(Qualifier::About));
    // No year in the text: the caller's.
    let f = extract(
        "一季度,全市社零增长4%。",
        &lex(),
        &Options {
            year: Some(2026),
            period: None,
        },
    );
    assert_eq!(f[0].period.as_deref(), Some("2026Q1"));
    assert_eq!(f[0].subject.as_deref(), Some("全市"));
    let f = extract("一季度,全市社零增长4%。", &lex(), &Options::default());
    assert_eq!(f[0].period, None);
}

#[test]
fn distributive_lists_pair_items_with_values() {
    let f = speech("接待游客、旅游收入分别增长12%、15%。");
    // 接待 is the verb; what was received is the indicator.
    assert_eq!(one(&f, Measure::GrowthPct, 12.0).indicator_text, "游客");
    assert_eq!(one(&f, Measure::GrowthPct, 15.0).indicator_text, "旅游收入");
    // A measure noun written once after the last item belongs to every item.
    let f = speech("装备制造、消费品、生物医药增加值分别增长6.5%、4%和11.2%。");
    let subjects: Vec<_> = f
        .iter()
        .map(|x| x.subject.clone().unwrap_or_default())
        .collect();
    assert_eq!(subjects, ["装备制造", "消费品", "生物医药"]);
    assert!(f.iter().all(|x| x.indicator_text == "增加值"));
    // A subject written on the first item is shared.
    let f = speech("区属国有企业营业收入、利润总额分别增长7%、9%。");
    assert!(
        f.iter()
            .all(|x| x.subject.as_deref() == Some("梁平区国有企业")),
        "{f:#?}"
    );
    // One value, several items: each gets it.
    let f = speech("GDP、固投、社零增速等均列为B档。");
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|x| x.value == FactValue::Grade("B".into())));
    assert_eq!(f[2].indicator_text, "社零");
    // No 分别 or 均: a combined count.
    let f = speech("新增智能工厂、数字化车间15个。");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].indicator_text, "智能工厂、数字化车间");
}

#[test]
fn the_speaker_is_the_subject_unless_a_region_industry_firm_or_group_is_named() {
    let f = speech(
        "规上工业增加值增长8%,全市规上工业增加值增长6%,万州经开区工业产值增长9%,直管区GDP增长7%。",
    );
    assert_eq!(
        one(&f, Measure::GrowthPct, 8.0).subject.as_deref(),
        Some("梁平区")
    );
    assert_eq!(
        one(&f, Measure::GrowthPct, 6.0).subject.as_deref(),
        Some("全市")
    );
    assert_eq!(
        one(&f, Measure::GrowthPct, 9.0).region.as_deref(),
        Some("万州经开区")
    );
    assert_eq!(
        one(&f, Measure::GrowthPct, 7.0).region.as_deref(),
        Some("梁平区直管区")
    );
    let f = speech("智能家居产业产值增长20%,某某科技新投15亿元,国企营收增长5%、利润增长12%。");
    let industry = one(&f, Measure::GrowthPct, 20.0);
    assert_eq!(
        (
            industry.subject.as_deref(),
            industry.region.as_deref(),
            industry.indicator_text.as_str()
        ),
        (Some("智能家居产业"), Some("梁平区"), "产值")
    );
    assert_eq!(
        one(&f, Measure::Value, 15.0).subject.as_deref(),
        Some("某某科技")
    );
    assert_eq!(
        one(&f, Measure::GrowthPct, 12.0).subject.as_deref(),
        Some("梁平区国有企业")
    );
    // Whole-economy aggregates keep the region.
    let f = speech("规模以上工业利润增长11%,制造业亩均税收增长4%,文旅投资增长18%。");
    assert!(
        f.iter().all(|x| x.subject.as_deref() == Some("梁平区")),
        "{f:#?}"
    );
}

#[test]
fn a_department_speaks_for_the_city() {
    let text = "标题\n\n市商务委党组书记、主任 李四\n\n一季度全市消费市场回暖。\n\n社零总额增长5.5%,网络零售额增长12%。";
    let f = extract(
        text,
        &lex(),
        &Options {
            year: Some(2025),
            period: None,
        },
    );
    assert!(
        f.iter().all(|x| x.subject.as_deref() == Some("全市")),
        "{f:#?}"
    );
    assert_eq!(f[0].period.as_deref(), Some("2025Q1"));
}

#[test]
fn ranks_and_their_references() {
    let f = speech(
        "社零总额增长6%、居全市第四,进出口总额排名渝东北第二位,招商引资区县第一,研发投入全国第15名。",
    );
    assert_eq!(one(&f, Measure::Rank, 4.0).indicator_text, "社零总额");
    assert_eq!(
        one(&f, Measure::Rank, 2.0).compare_to.as_deref(),
        Some("渝东北")
    );
    assert_eq!(
        one(&f, Measure::Rank, 1.0).compare_to.as_deref(),
        Some("全市")
    );
    assert_eq!(
        one(&f, Measure::Rank, 15.0).compare_to.as_deref(),
        Some("全国")
    );
    // Ordinals are not ranks.
    assert!(speech("入选第二批试点,第三产业加快发展。").is_empty());
}

#[test]
fn grades() {
    let f = speech("改革报表由B档晋升A档,营商环境评价位列A档。");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(
        f.iter()
            .all(|x| x.value == FactValue::Grade("A".into()) && x.unit.as_deref() == Some("档"))
    );
    assert_eq!(f[1].indicator_text, "营商环境评价");
}

#[test]
fn things_that_look_like_numbers_are_not_facts() {
    let f = speech(
        "落实“4521”工作体系和渝府发〔2025〕3号文件,5月8日召开2024年度总结会,打造百亿级产业集群和20亿级项目,做强3大主导产业,完善专班调度、清单管理、闭环督办3项机制,组建产投、城投2个集团,入选中国500强,建设5G基站,推出车型M5。",
    );
    assert!(f.is_empty(), "{f:#?}");
    // A partial list (等) is counted.
    let f = speech("培育新材料、新能源等8个新兴产业。");
    assert_eq!(one(&f, Measure::Count, 8.0).indicator_text, "新兴产业");
}

#[test]
fn qualifiers_and_the_phrase_after_the_number() {
    let f = speech("组建50亿元产业基金,集聚30余家研发机构,引进人才近2000人,实现产值100亿元左右。");
    assert_eq!(one(&f, Measure::Value, 50.0).indicator_text, "产业基金");
    let c = one(&f, Measure::Count, 30.0);
    assert_eq!(
        (c.indicator_text.as_str(), c.qualifier),
        ("研发机构", Some(Qualifier::Over))
    );
    assert_eq!(
        one(&f, Measure::Count, 2000.0).qualifier,
        Some(Qualifier::Nearly)
    );
    assert_eq!(
        one(&f, Measure::Value, 100.0).qualifier,
        Some(Qualifier::About)
    );
}

#[test]
fn spans_are_exact_and_cross_layout_line_breaks() {
    let text = "标题\n\n梁平区委书记 张三\n\n一季度,梁平区新投产项目产值12.5亿\n\n元,增长9%。";
    let f = extract(text, &lex(), &Options::default());
    let v = one(&f, Measure::Value, 12.5);
    let chars: Vec<char> = text.chars().collect();
    let span: String = chars[v.offset..v.offset + v.text.chars().count()]
        .iter()
        .collect();
    assert_eq!(span, v.text);
    assert!(v.text.ends_with("亿\n\n元"), "{}", v.text);
    assert_eq!(v.subject.as_deref(), Some("梁平区"));
    // The growth after it has no phrase of its own: the value's.
    assert_eq!(
        one(&f, Measure::GrowthPct, 9.0).indicator_text,
        v.indicator_text
    );
}

#[test]
fn displaced_paragraphs_follow_their_true_speaker_and_copies_count_once() {
    let text = "发言摘登\n\n会议通报2025年一季度情况。梁平区、开州区、城口县负责同志作交流发言。\n\n题一\n\n梁平区委书记 张三\n\n梁平区一季度GDP增长6%。\n\n一、抓项目。新签项目12个。\n\n二、抓产业。锂电产业产值增长25%。\n\n数转,新增智能工厂7个。\n\n二、抓改革。营商环境报表晋升A档。\n\n题三\n\n城口县委书记 李四\n\n城口县一季度GDP增长5%。\n\n一、抓生态。森林覆盖率达72%。城口县新建步道30公里。\n\n二、抓文旅。旅游收入增长8%。城口县新建步道30公里。";
    let f = extract(text, &lex(), &Options::default());
    let moved = one(&f, Measure::Count, 7.0);
    assert_eq!(moved.subject.as_deref(), Some("开州区"));
    assert!(moved.flags.contains(&"displaced"));
    // 开州区 has no heading, so no lead paragraph to inherit a period from (R6).
    assert_eq!(moved.period, None);
    assert_eq!(
        f.iter()
            .find(|x| x.measure == Measure::Grade)
            .and_then(|x| x.subject.clone()),
        Some("开州区".into())
    );
    assert_eq!(
        one(&f, Measure::GrowthPct, 25.0).region.as_deref(),
        Some("梁平区")
    );
    assert_eq!(
        f.iter().filter(|x| x.measure == Measure::Value).count(),
        1,
        "{f:#?}"
    );
}

#[test]
fn durations_are_time_limits_only_after_a_limit_verb() {
    let f = speech(
        "审批时限压缩至3个工作日,项目从签约到投产仅用8个月,提供24小时值守服务,企业开办缩短到1天。",
    );
    one(&f, Measure::Other, 3.0);
    one(&f, Measure::Other, 8.0);
    assert_eq!(one(&f, Measure::Other, 1.0).unit.as_deref(), Some("天"));
    assert!(f.iter().all(|x| num(x) != 24.0), "{f:#?}");
}

#[test]
fn a_numbered_point_after_a_cut_line_starts_its_own_paragraph() {
    let f = speech("一、抓工业。新建智能工厂3个,培育\n\n二、抓消费。社零总额增长7%。");
    let s = one(&f, Measure::GrowthPct, 7.0);
    assert_eq!(s.indicator.as_deref(), Some("社会消费品零售总额"));
    assert!(s.flags.is_empty(), "{s:#?}");
}

#[test]
fn units_joined_by_and_share_a_grade() {
    let f = speech("万州区、城口县和开州区位列A档。");
    let mut who: Vec<_> = f
        .iter()
        .filter(|x| x.measure == Measure::Grade)
        .map(|x| x.subject.clone().unwrap_or_default())
        .collect();
    who.sort();
    assert_eq!(who, ["万州区", "城口县", "开州区"], "{f:#?}");
    let f = speech("万州区和城口县位列B档。");
    assert_eq!(
        f.iter().filter(|x| x.measure == Measure::Grade).count(),
        2,
        "{f:#?}"
    );
}
