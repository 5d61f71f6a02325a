//! Derived measures you can query (issue 12), on both databases, against a worked example
//! computed by hand (DOMAIN.md's glossary defines 占比, 拉动, 贡献率, 增长面 and "高于全国 2.5 个
//! 百分点"; it has no worked 贡献率 figures, so the example is ours):
//!
//! 重庆市 GDP 1—9月: 2023 1050, 2024 1125 (reported growth 8.0); 渝中区 600 → 660, 沙坪坝区
//! 400 → 420, 城口县 50 → 45; 全国 (outside the tree) reported growth 5.5.
//!
//! - 贡献率 = Δmember ÷ Δcity: 60 ÷ 75 = 80 %, 20 ÷ 75 = 26.667 %, −5 ÷ 75 = −6.667 %
//! - 拉动 = Δmember ÷ city a year earlier: 60 ÷ 1050 = 5.714 pp, 1.905 pp, −0.476 pp
//! - 占比 = member ÷ city: 660 ÷ 1125 = 58.667 %
//! - 增长面 = 2 of 3 districts grew = 66.667 %
//! - 同比: 10 %, 5 %, −10 % (derived), the city's reported 8.0 wins over its derived 7.143
//! - 差距 to 全国: 8.0 − 5.5 = 2.5 个百分点 ("高于全国2.5个百分点")
//! - 排名: 渝中区 1, 沙坪坝区 2, 城口县 3

mod support;

use chrono::{TimeZone, Utc};
use yiping_access::Principal;
use yiping_app::derived::{DerivedMeasure, DerivedQuery, derived_as, write};
use yiping_kernel::{Catalog, IndicatorMatch, Period};
use yiping_store::{ChangeContext, Store};

use support::{import_csv, on_both};

const WORLD: &str = "类型,代码,名称,层级,上级代码\n\
地区,100000,全国,1,\n\
地区,500000,重庆市,1,\n\
地区,500103,渝中区,2,500000\n\
地区,500106,沙坪坝区,2,500000\n\
地区,500229,城口县,2,500000\n";

const DATA: &str = "主体,指标,时期,口径,数值\n\
重庆市,GDP,2023M01-M09,总量,1050\n\
重庆市,GDP,2024M01-M09,总量,1125\n\
重庆市,GDP,2024M01-M09,增速,8.0\n\
渝中区,GDP,2023M01-M09,总量,600\n\
渝中区,GDP,2024M01-M09,总量,660\n\
沙坪坝区,GDP,2023M01-M09,总量,400\n\
沙坪坝区,GDP,2024M01-M09,总量,420\n\
城口县,GDP,2023M01-M09,总量,50\n\
城口县,GDP,2024M01-M09,总量,45\n\
全国,GDP,2024M01-M09,增速,5.5\n";

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "派生",
        Utc.with_ymd_and_hms(2025, 2, 1, 8, 0, 0).unwrap(),
    )
}

async fn query(
    s: &dyn Store,
    measure: &str,
    reference: Option<&str>,
) -> Vec<(String, Option<f64>)> {
    let catalog = Catalog::new(
        s.all_entities().await.unwrap(),
        s.indicators().await.unwrap(),
    );
    let IndicatorMatch::One(gdp) = catalog.find_indicator("GDP") else {
        panic!("GDP")
    };
    let q = DerivedQuery {
        indicator: gdp,
        period: Period::parse_code("2024M01-M09").unwrap(),
        measure: measure.parse().unwrap(),
        parent: None,
        reference: reference.map(|r| yiping_app::units::resolve_in(&catalog, r).unwrap()),
    };
    derived_as(s, &Principal::system(), &q)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.name, r.value.map(|v| (v * 1000.0).round() / 1000.0)))
        .collect()
}

fn rows(v: &[(&str, f64)]) -> Vec<(String, Option<f64>)> {
    v.iter().map(|(n, x)| (n.to_string(), Some(*x))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_measures_match_the_worked_example() {
    on_both(|store| async move {
        let s = store.as_ref();
        import_csv(s, WORLD, &ctx()).await;
        import_csv(
            s,
            "代码,名称,计量单位,频率,类型\nGDP,地区生产总值,亿元,季,累计值\n",
            &ctx(),
        )
        .await;
        // Importing this file is itself checked by the shipped rules: the parts add up.
        import_csv(s, DATA, &ctx()).await;

        assert_eq!(
            query(s, "贡献率", None).await,
            rows(&[("渝中区", 80.0), ("沙坪坝区", 26.667), ("城口县", -6.667)])
        );
        assert_eq!(
            query(s, "拉动", None).await,
            rows(&[("渝中区", 5.714), ("沙坪坝区", 1.905), ("城口县", -0.476)])
        );
        assert_eq!(
            query(s, "占比", None).await[0],
            ("渝中区".into(), Some(58.667))
        );
        assert_eq!(query(s, "增长面", None).await, rows(&[("重庆市", 66.667)]));
        assert_eq!(
            query(s, "同比", None).await,
            rows(&[
                ("重庆市", 8.0),
                ("渝中区", 10.0),
                ("沙坪坝区", 5.0),
                ("城口县", -10.0)
            ])
        );
        assert_eq!(
            query(s, "差距", Some("全国")).await[0],
            ("重庆市".into(), Some(2.5))
        );
        assert_eq!(
            query(s, "排名", None).await,
            rows(&[("渝中区", 1.0), ("沙坪坝区", 2.0), ("城口县", 3.0)])
        );
        assert!("份额".parse::<DerivedMeasure>().is_err());

        // The export the command line writes (`yiping export --measure 贡献率`).
        let catalog = Catalog::new(
            s.all_entities().await.unwrap(),
            s.indicators().await.unwrap(),
        );
        let IndicatorMatch::One(gdp) = catalog.find_indicator("GDP") else {
            panic!("GDP")
        };
        let q = DerivedQuery {
            indicator: gdp,
            period: Period::parse_code("2024M01-M09").unwrap(),
            measure: DerivedMeasure::ContributionRate,
            parent: None,
            reference: None,
        };
        let t = derived_as(s, &Principal::system(), &q).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("贡献率.csv");
        write(&t, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("渝中区,地区生产总值,2024年1—9月,贡献率,80,%"),
            "{text}"
        );
    })
    .await;
}
