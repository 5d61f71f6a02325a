//! The demo is generated relative to its day (issue 11, bug 5): with `--today 2026-12-07` its
//! latest data is 2026年1—11月, its targets are 2026's, its items were received in the 12 months
//! before, and the first run of the jobs finds only a handful of overdue items to chase and
//! escalate (old main: data through 2024, and the first job escalated hundreds of items).

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use yiping_app::work_items::metrics::MetricsSchedule;
use yiping_app::work_items::{FlowSetup, run_jobs};
use yiping_demo::{DEFAULT_SEED, DemoDay, generate_for, items, load_demo};
use yiping_kernel::Period;
use yiping_store::{ChangeContext, WorkItemStore};
use yiping_store_sqlite::{OpenMode, open};

fn day() -> DemoDay {
    DemoDay::new(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()).unwrap()
}

#[test]
fn data_run_through_the_last_complete_month_with_this_years_targets() {
    let d = generate_for(DEFAULT_SEED, day());
    let gdp: Vec<Period> = d
        .observations
        .iter()
        .filter(|o| o.indicator_code == "IND_VA" && o.entity_key == "500000")
        .map(|o| o.period)
        .collect();
    let latest = gdp.iter().max_by_key(|p| p.last_day()).unwrap();
    assert_eq!(latest.code(), "2026M01-M11");
    // Previous years are there for growth, and nothing after November.
    assert!(gdp.contains(&Period::months(2025, 1, 11).unwrap()));
    assert!(gdp.contains(&Period::months(2022, 1, 2).unwrap()));
    let last_day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    assert!(
        d.observations
            .iter()
            .all(|o| o.period.last_day() <= last_day)
    );
    let years: std::collections::BTreeSet<i32> = d.targets.iter().map(|t| t.year).collect();
    assert_eq!(years.into_iter().collect::<Vec<_>>(), vec![2026]);
    // The firms' yearly inputs run to the last complete year.
    assert!(
        d.observations
            .iter()
            .any(|o| o.indicator_code == "ENT_TAX" && o.period == Period::year(2025).unwrap())
    );
    // The evaluated periods are recent: the months of the last 12 months, 2024 and 2025.
    let periods: Vec<String> = yiping_demo::demo_periods(&d.day)
        .iter()
        .map(Period::code)
        .collect();
    assert!(periods.contains(&"2026M01-M11".to_string()), "{periods:?}");
    assert!(periods.contains(&"2025".to_string()), "{periods:?}");
    assert!(
        !periods.iter().any(|p| p.starts_with("2023")),
        "{periods:?}"
    );
}

#[test]
fn a_later_day_keeps_the_earlier_values() {
    let old = yiping_demo::generate(3);
    let new = generate_for(3, day());
    let index: std::collections::HashMap<_, _> = new
        .observations
        .iter()
        .map(|o| {
            (
                (&o.entity_key, &o.indicator_code, o.period, o.measure),
                o.value,
            )
        })
        .collect();
    for o in &old.observations {
        let k = (&o.entity_key, &o.indicator_code, o.period, o.measure);
        assert_eq!(index.get(&k), Some(&o.value), "{k:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_job_on_a_fresh_demo_chases_only_a_few_items() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("t.db"), OpenMode::CreateIfMissing)
        .await
        .unwrap();
    let day = day();
    let now = day.morning();
    let data = generate_for(DEFAULT_SEED, day);
    let ctx = ChangeContext::new("测试", "演示", now);
    load_demo(&store, &data, &ctx).await.unwrap();
    let loaded = items::load_at(&store, DEFAULT_SEED, items::DEMO_ITEMS, now)
        .await
        .unwrap();
    eprintln!("{loaded}");
    assert_eq!(loaded.evaluations, 12, "{loaded}");

    let all = store.work_items_with_history(now).await.unwrap();
    let received: Vec<chrono::DateTime<chrono::Utc>> = all.iter().map(|i| i.received_at).collect();
    let first = received.iter().min().unwrap();
    assert!(
        now - *first <= TimeDelta::days(366),
        "received from {first}"
    );
    assert!(
        now - *first >= TimeDelta::days(330),
        "received from {first}"
    );
    let mut late: BTreeMap<String, usize> = BTreeMap::new();
    for i in all.iter().filter(|i| i.is_overdue(now)) {
        *late
            .entry(format!(
                "{:?}{}",
                i.kind,
                if i.parent.is_some() {
                    format!("-child-{:?}", i.stage)
                } else {
                    format!("-{:?}", i.stage)
                }
            ))
            .or_default() += 1;
    }
    let overdue: usize = late.values().sum();
    eprintln!("overdue at {now}: {overdue} {late:?}");
    assert!((1..=60).contains(&overdue), "{overdue} overdue: {late:?}");

    let setup = FlowSetup::load(&store).await.unwrap();
    let report = run_jobs(
        &store,
        &setup,
        now + TimeDelta::minutes(1),
        &MetricsSchedule::new(),
    )
    .await
    .unwrap();
    eprintln!(
        "first job: overdue {}, reminded {}, escalated {}",
        report.overdue,
        report.reminded.len(),
        report.escalated.len()
    );
    assert!(report.escalated.len() <= 30, "{}", report.escalated.len());
    assert!(report.reminded.len() <= 60, "{}", report.reminded.len());
}
