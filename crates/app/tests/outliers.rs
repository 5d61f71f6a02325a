//! Seasonal outlier flags on stored cumulative data (issue 12), on both databases: a normal
//! December peak raises no flag, a mid-year spike does, and a reviewer's decision survives a
//! re-scan.

mod support;

use chrono::{TimeZone, Utc};
use yiping_access::Principal;
use yiping_app::outliers;
use yiping_kernel::{Catalog, IndicatorMatch};
use yiping_store::{ChangeContext, OutlierReview, Store};

use support::{import_csv, on_both};

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "异常值",
        Utc.with_ymd_and_hms(2025, 2, 1, 8, 0, 0).unwrap(),
    )
}

/// Cumulative 1—m月 retail sales of 渝中区, 2019—2024: growing 6 % a year, a December peak and
/// a February dip every year, a small wobble; June 2024 is 60 % above its usual self when
/// `spike`.
fn data(spike: bool) -> String {
    let shape = [
        1.0, 0.7, 1.0, 1.0, 1.02, 1.05, 0.98, 1.0, 1.03, 1.0, 1.05, 1.8,
    ];
    let wobble = [
        0.01, -0.012, 0.006, -0.004, 0.0, 0.008, -0.01, 0.004, -0.006, 0.012, -0.008, 0.002,
    ];
    let mut csv = String::from("主体,指标,时期,数值\n");
    for (yi, y) in (2019..=2024).enumerate() {
        let mut cumulative = 0.0;
        for m in 1..=12usize {
            let mut v = 100.0
                * 1.06_f64.powi(yi as i32)
                * shape[m - 1]
                * (1.0 + wobble[(m - 1 + yi * 5) % 12]);
            if spike && y == 2024 && m == 6 {
                v *= 1.6;
            }
            cumulative += v;
            csv.push_str(&format!("渝中区,RETAIL,{y}M01-M{m:02},{:.2}\n", cumulative));
        }
    }
    csv
}

async fn setup(s: &dyn Store, spike: bool) -> yiping_kernel::IndicatorId {
    import_csv(
        s,
        "类型,代码,名称,层级,上级代码\n地区,500000,重庆市,1,\n地区,500103,渝中区,2,500000\n",
        &ctx(),
    )
    .await;
    import_csv(
        s,
        "代码,名称,计量单位,频率,类型\nRETAIL,社会消费品零售总额,亿元,月,累计值\n",
        &ctx(),
    )
    .await;
    import_csv(s, &data(spike), &ctx()).await;
    let catalog = Catalog::new(
        s.all_entities().await.unwrap(),
        s.indicators().await.unwrap(),
    );
    let IndicatorMatch::One(id) = catalog.find_indicator("RETAIL") else {
        panic!("RETAIL")
    };
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_december_raises_no_flag_and_a_june_spike_does() {
    on_both(|store| async move {
        let s = store.as_ref();
        let id = setup(s, true).await;
        let system = Principal::system();
        let at = ctx().at;
        let dec = outliers::scan_as(s, &system, id, 2024, 12, at)
            .await
            .unwrap();
        assert!(dec.is_empty(), "{dec:?}");
        let jun = outliers::scan_as(s, &system, id, 2024, 6, at)
            .await
            .unwrap();
        assert_eq!(jun.len(), 1, "{jun:?}");
        let f = &jun[0];
        assert!(f.index > f.high, "{f:?}");
        assert_eq!(f.history.len(), 5, "2019—2023 Junes for the chart: {f:?}");

        let stored = outliers::flags_as(s, &system, None, true).await.unwrap();
        assert_eq!(stored.len(), 1);
        let reviewed = outliers::review_as(
            s,
            &system,
            stored[0].id,
            OutlierReview::Confirmed,
            "区商务委核实：录入时多计一家商场",
            at,
        )
        .await
        .unwrap();
        assert_eq!(reviewed.review, OutlierReview::Confirmed);
        // A re-scan keeps the decision; the open list is empty.
        outliers::scan_as(s, &system, id, 2024, 6, at)
            .await
            .unwrap();
        assert!(
            outliers::flags_as(s, &system, None, true)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            outliers::flags_as(s, &system, None, false).await.unwrap()[0].review,
            OutlierReview::Confirmed
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_spike_no_month_of_the_last_year_is_flagged() {
    on_both(|store| async move {
        let s = store.as_ref();
        let id = setup(s, false).await;
        for m in 1..=12 {
            let flags = outliers::scan_as(s, &Principal::system(), id, 2024, m, ctx().at)
                .await
                .unwrap();
            assert!(flags.is_empty(), "month {m}: {flags:?}");
        }
    })
    .await;
}
