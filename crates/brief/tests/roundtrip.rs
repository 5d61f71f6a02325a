//! The round trip (issue 14): every fact a briefing's sentences state is read back by the
//! extractor (`yiping_text::extract`) as the same subject, indicator, period and value.

use yiping_brief::*;
use yiping_text::{IndicatorEntry, Lexicon, UnitEntry, UnitKind};

fn lexicon() -> Lexicon {
    let r = |n: &str, k: UnitKind| UnitEntry {
        name: n.into(),
        aliases: vec![],
        kind: k,
    };
    let i = |n: &str| IndicatorEntry {
        name: n.into(),
        aliases: vec![],
    };
    Lexicon::new(
        vec![
            r("重庆市", UnitKind::City),
            r("渝中区", UnitKind::Region),
            r("江北区", UnitKind::Region),
            r("南岸区", UnitKind::Region),
            r("万州区", UnitKind::Region),
            r("城口县", UnitKind::Region),
        ],
        vec![
            i("地区生产总值"),
            i("规模以上工业增加值"),
            i("固定资产投资"),
            i("社会消费品零售总额"),
        ],
        vec![],
    )
}

fn headline(name: &str, value: Option<f64>, growth: f64) -> Headline {
    Headline {
        code: String::new(),
        name: name.into(),
        unit: "亿元".into(),
        decimals: 2,
        value,
        growth: Some(growth),
        period: None,
        reference: None,
        rank: None,
    }
}

pub fn district() -> BriefData {
    let reference = |g: f64| {
        Some(Reference {
            name: "全市".into(),
            growth: g,
        })
    };
    let rank = |r: u32| {
        Some(Rank {
            among: "全市".into(),
            rank: r,
            of: 38,
        })
    };
    BriefData {
        region: "渝中区".into(),
        subject: "渝中区".into(),
        children: "镇街".into(),
        period_code: "2024M01-M09".into(),
        period_label: "2024年1—9月".into(),
        year: 2024,
        date: "2024年10月25日".into(),
        headline: vec![
            Headline {
                reference: reference(6.1),
                rank: rank(12),
                ..headline("地区生产总值", Some(1234.567), 5.2)
            },
            Headline {
                reference: reference(7.4),
                rank: rank(3),
                ..headline("规模以上工业增加值", None, 9.0)
            },
            Headline {
                reference: reference(-1.2),
                rank: rank(30),
                ..headline("固定资产投资", Some(310.2), -3.46)
            },
        ],
        league: Some(League {
            title: "经济运行赛马比拼".into(),
            period_code: "2024M01-M09".into(),
            period_label: "2024年1—9月".into(),
            score_label: "综合得分".into(),
            rows: vec![
                LeagueRow {
                    unit: "江北区".into(),
                    rank: Some(1),
                    score: Some(91.2),
                    grade: Some("A".into()),
                    moved: Some(2),
                },
                LeagueRow {
                    unit: "南岸区".into(),
                    rank: Some(2),
                    score: Some(88.0),
                    grade: Some("A".into()),
                    moved: Some(-1),
                },
                LeagueRow {
                    unit: "万州区".into(),
                    rank: Some(3),
                    score: Some(80.5),
                    grade: Some("B".into()),
                    moved: Some(0),
                },
                LeagueRow {
                    unit: "城口县".into(),
                    rank: Some(4),
                    score: Some(70.5),
                    grade: Some("C".into()),
                    moved: Some(-1),
                },
            ],
        }),
        behind: vec![],
        problems: Problems::default(),
        trends: vec![],
    }
}

fn template() -> Template {
    Template::parse(
        "月度通报",
        include_str!("../../../templates/briefs/月度通报.toml"),
    )
    .unwrap()
}

#[test]
fn every_written_fact_of_a_district_briefing_is_read_back() {
    let b = compose(&template(), &district());
    let (read, missed) = roundtrip::check(&b, &lexicon());
    assert!(
        missed.is_empty(),
        "missed {missed:#?}\nread {read:#?}\n{}",
        b.text()
    );
    // 3 indicators × (growth, difference, rank) + 2 levels; 3 movers' ranks; 4 grades.
    assert_eq!(b.facts.len(), 3 * 3 + 2 + 3 + 4, "{:#?}", b.facts);
    let text = b.text();
    assert!(
        text.contains(
            "渝中区地区生产总值1234.57亿元，同比增长5.2%，低于全市0.9个百分点，增速居全市第12位。"
        ),
        "{text}"
    );
    assert!(
        text.contains("渝中区固定资产投资310.20亿元，同比下降3.5%"),
        "{text}"
    );
    assert!(text.contains("江北区和南岸区位列A档。"), "{text}");
    assert!(text.contains("江北区居第1位，较上期上升2位。"), "{text}");
}

#[test]
fn a_city_briefing_names_the_city_as_全市() {
    let mut d = district();
    d.region = "重庆市".into();
    d.subject = "全市".into();
    d.children = "区县".into();
    for h in &mut d.headline {
        h.rank = None;
        h.reference = None;
    }
    d.headline[0].reference = Some(Reference {
        name: "全国".into(),
        growth: 4.9,
    });
    d.headline[0].value = Some(30145.79);
    d.headline[0].growth = Some(6.1);
    d.headline[1].period = Some(("2024M01-M06".into(), "2024年1—6月".into()));
    let b = compose(&template(), &d);
    assert!(
        b.text()
            .contains("2024年1—6月，全市规模以上工业增加值同比增长9.0%。"),
        "{}",
        b.text()
    );
    assert!(
        b.text()
            .contains("全市地区生产总值30145.79亿元，同比增长6.1%，高于全国1.2个百分点。"),
        "{}",
        b.text()
    );
    let (read, missed) = roundtrip::check(&b, &lexicon());
    assert!(missed.is_empty(), "missed {missed:#?}\nread {read:#?}");
}
