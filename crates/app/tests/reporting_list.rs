//! The reporting list (issue 17): every month of the window, newest first and without gaps, in
//! the state its stored values give on a fixed day — never 逾期 for a month with data.

mod support;

use chrono::{NaiveDate, TimeZone, Utc};
use yiping_app::data_entry::{MonthState, WINDOW_MONTHS, reporting_list};
use yiping_store::ChangeContext;

use support::{entity_by_code, import_csv, on_both};

const WORLD: &str = "类型,代码,名称,层级,上级代码\n\
地区,500000,重庆市,1,\n\
地区,500103,渝中区,2,500000\n\
地区,500106,沙坪坝区,2,500000\n";

const INDICATORS: &str = "代码,名称,计量单位,频率,类型\n\
RSALES,社会消费品零售总额,亿元,月,累计值\n\
FAI,固定资产投资,亿元,月,累计值\n";

/// 渝中区's months: 10月 approved, 9月 reported (one value approved), 8月 drafts, 7月 one
/// indicator only, 6月 nothing, 2025年3月 approved; 沙坪坝区 has 6月 (not 渝中区's).
const VALUES: &str = "主体,指标,时期,数值,状态\n\
渝中区,RSALES,2026M01-M10,100,已审核\n\
渝中区,FAI,2026M01-M10,50,已审核\n\
渝中区,RSALES,2026M01-M09,90,已审核\n\
渝中区,FAI,2026M01-M09,45,已报送\n\
渝中区,RSALES,2026M01-M08,80,草稿\n\
渝中区,FAI,2026M01-M08,40,草稿\n\
渝中区,RSALES,2026M01-M07,70,已报送\n\
沙坪坝区,RSALES,2026M01-M06,60,已报送\n\
沙坪坝区,FAI,2026M01-M06,30,已报送\n\
渝中区,RSALES,2025M01-M03,30,已审核\n\
渝中区,FAI,2025M01-M03,15,已审核\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_month_shows_the_state_of_its_stored_values() {
    on_both(|store| async move {
        let s = store.as_ref();
        let ctx = ChangeContext::new(
            "测试",
            "填报",
            Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap(),
        );
        import_csv(s, WORLD, &ctx).await;
        import_csv(s, INDICATORS, &ctx).await;
        import_csv(s, VALUES, &ctx).await;
        let unit = entity_by_code(s, "500103").await;
        // Monday 7 December 2026: November's figures are due today (1–7 December hold five
        // working days).
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let list = reporting_list(s, unit, today).await.unwrap();

        assert_eq!(list.len(), WINDOW_MONTHS);
        let months: Vec<(i32, u8)> = list.iter().map(|r| (r.year, r.month)).collect();
        let mut expected = Vec::new();
        for m in (1..=12).rev() {
            expected.push((2026, m));
        }
        for m in (1..=12).rev() {
            expected.push((2025, m));
        }
        assert_eq!(months, expected, "every month, newest first, no gap");

        let state = |y: i32, m: u8| list.iter().find(|r| (r.year, r.month) == (y, m)).unwrap();
        // December is due in January 2027: days left (the shipped calendar ends with 2026,
        // which the row says).
        assert!(matches!(state(2026, 12).state, MonthState::Due { days_left } if days_left > 0));
        assert!(state(2026, 12).deadline_warning.is_some());
        assert_eq!(
            state(2026, 11).deadline,
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        assert_eq!(state(2026, 11).state, MonthState::Due { days_left: 0 });
        assert_eq!(state(2026, 10).state, MonthState::Approved);
        assert_eq!(state(2026, 9).state, MonthState::Reported);
        assert_eq!(state(2026, 8).state, MonthState::Draft);
        assert_eq!(
            state(2026, 7).state,
            MonthState::Partial {
                filled: 1,
                expected: 2
            }
        );
        // 6月: 沙坪坝区's values are not 渝中区's.
        let june = state(2026, 6);
        assert_eq!(june.state.label_zh(), "逾期未报");
        assert_eq!(
            june.state,
            MonthState::Overdue {
                days: (today - june.deadline).num_days()
            }
        );
        assert_eq!(state(2025, 3).state, MonthState::Approved);
        // January is reported with February (1—2月): not overdue when empty.
        assert_eq!(state(2026, 1).state, MonthState::WithFebruary);
        assert_eq!(state(2026, 1).state.label_zh(), "并入1—2月");
        assert_eq!(state(2025, 2).state.label_zh(), "逾期未报");
        // No month with a stored value is called overdue.
        for r in &list {
            let filled = !matches!(r.state, MonthState::Due { .. } | MonthState::Overdue { .. });
            let text = format!(
                "{}{}",
                r.state.label_zh(),
                r.state.detail_zh().unwrap_or_default()
            );
            assert!(!(filled && text.contains("逾期")), "{r:?}");
        }
    })
    .await;
}
