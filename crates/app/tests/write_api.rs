//! The write API's use case (issue 21) on both backends: a batch of items goes through the file
//! importer — all or nothing with every problem named by item and field, unchanged values
//! counted as unchanged, approved values refused, the caller's scope applied to every item, the
//! audit trail written, a dry run writing nothing.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use yiping_access::{Principal, Role, Scope};
use yiping_app::write_api::{Batch, BatchError, BatchKind, post_batch};
use yiping_kernel::ObservationStatus;
use yiping_store::{ChangeContext, ObservationFilter, Page, Store};

use support::{import_csv, on_both};

const WORLD: &str = "类型,代码,名称,层级,上级代码\n\
地区,500000,重庆市,1,\n\
地区,500103,渝中区,2,500000\n\
地区,500106,沙坪坝区,2,500000\n";

const INDICATORS: &str = "代码,名称,计量单位,频率,类型\nGDP,地区生产总值,亿元,季,累计值\n";

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "接口（测试）",
        "API",
        Utc.with_ymd_and_hms(2025, 2, 1, 8, 0, 0).unwrap(),
    )
}

fn admin() -> Principal {
    Principal::system()
}

async fn reporter_of(store: &dyn Store, code: &str, name: &str) -> Principal {
    let all = store.all_entities().await.unwrap();
    let unit = all
        .iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
        .unwrap()
        .id;
    Principal {
        user_id: 5,
        login: "tb".into(),
        name: "填报员".into(),
        role: Role::Reporter,
        unit,
        unit_name: name.into(),
        scope: Arc::new(Scope::new(unit, [unit])),
    }
}

fn items(v: Value) -> Vec<Value> {
    v.as_array().unwrap().clone()
}

async fn post(
    store: &dyn Store,
    who: &Principal,
    kind: BatchKind,
    v: Value,
    dry_run: bool,
) -> Result<yiping_app::write_api::BatchSummary, BatchError> {
    let batch = Batch::from_json(kind, &items(v))?;
    post_batch(store, who, &batch, dry_run, &ctx()).await
}

async fn values(store: &dyn Store) -> Vec<(f64, ObservationStatus)> {
    let mut v: Vec<_> = store
        .observations(&ObservationFilter::default(), Page::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|o| (o.value.value(), o.value.status))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v
}

async fn world(store: &dyn Store) {
    import_csv(store, WORLD, &ctx()).await;
    import_csv(store, INDICATORS, &ctx()).await;
}

fn two_values(a: f64, b: f64) -> Value {
    json!([
        {"entity_code": "500103", "indicator_code": "GDP", "period": "2024Q1", "value": a},
        {"entity": "沙坪坝区", "indicator": "地区生产总值", "period": "2024年1季度", "value": b},
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_imported_then_reposted_unchanged_and_audited() {
    on_both(|store| async move {
        let s = store.as_ref();
        world(s).await;
        let dry = post(
            s,
            &admin(),
            BatchKind::Observations,
            two_values(10.0, 20.0),
            true,
        )
        .await
        .unwrap();
        assert!(dry.dry_run);
        assert_eq!((dry.inserted, dry.updated, dry.unchanged), (2, 0, 0));
        assert!(values(s).await.is_empty(), "a dry run writes nothing");

        let first = post(
            s,
            &admin(),
            BatchKind::Observations,
            two_values(10.0, 20.0),
            false,
        )
        .await
        .unwrap();
        assert_eq!((first.items, first.inserted, first.unchanged), (2, 2, 0));
        assert_eq!(values(s).await.len(), 2);
        let again = post(
            s,
            &admin(),
            BatchKind::Observations,
            two_values(10.0, 20.0),
            false,
        )
        .await
        .unwrap();
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));

        let changed = post(
            s,
            &admin(),
            BatchKind::Observations,
            two_values(10.0, 21.5),
            false,
        )
        .await
        .unwrap();
        assert_eq!((changed.updated, changed.unchanged), (1, 1));
        assert!(
            changed.changes[0].contains("沙坪坝区"),
            "{:?}",
            changed.changes
        );
        let audit = s.audit_events(50).await.unwrap();
        let applied: Vec<_> = audit
            .iter()
            .filter(|e| e.action == "import.apply" && e.target.contains("/api/v1/observations"))
            .collect();
        // The first post and the change; the unchanged re-post wrote nothing to audit.
        assert_eq!(applied.len(), 2, "{audit:?}");
        assert!(applied.iter().all(|e| e.actor == "接口（测试）"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_item_refuses_the_batch_naming_item_and_field() {
    on_both(|store| async move {
        let s = store.as_ref();
        world(s).await;
        let bad = json!([
            {"entity_code": "500103", "indicator_code": "GDP", "period": "2024Q1", "value": 10},
            {"entity_code": "500106", "indicator_code": "GDP", "period": "2024Q1", "value": "十二"},
            {"entity_code": "500103", "indicator_code": "GDP", "period": "2024Q2", "value": 11},
        ]);
        let err = post(s, &admin(), BatchKind::Observations, bad, false)
            .await
            .unwrap_err();
        let BatchError::Rejected(problems) = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].index, Some(1));
        assert_eq!(problems[0].field.as_deref(), Some("value"));
        assert!(
            problems[0]
                .message
                .starts_with("第2项（items[1]）字段 value："),
            "{:?}",
            problems[0]
        );
        assert!(values(s).await.is_empty(), "nothing written");

        // An unknown field and a non-object are named before anything is read.
        let err = post(
            s,
            &admin(),
            BatchKind::Observations,
            json!([{"entity_code": "500103", "valeu": 1}, 3]),
            false,
        )
        .await
        .unwrap_err();
        let BatchError::Rejected(problems) = err else {
            panic!("{err:?}")
        };
        let named: Vec<_> = problems
            .iter()
            .map(|p| (p.index, p.field.as_deref()))
            .collect();
        assert_eq!(named, [(Some(0), Some("valeu")), (Some(1), None)]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_touching_an_approved_value_is_refused() {
    on_both(|store| async move {
        let s = store.as_ref();
        world(s).await;
        import_csv(
            s,
            "主体,指标,时期,数值,状态\n渝中区,GDP,2024Q1,100,已审核\n",
            &ctx(),
        )
        .await;
        let err = post(
            s,
            &admin(),
            BatchKind::Observations,
            two_values(101.0, 5.0),
            false,
        )
        .await
        .unwrap_err();
        let BatchError::Rejected(problems) = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].index, Some(0));
        assert!(problems[0].reason.contains("已审核"), "{:?}", problems[0]);
        assert_eq!(
            values(s).await,
            [(100.0, ObservationStatus::Approved)],
            "nothing written, not even the other item"
        );
        // The same value again (without a status) is unchanged and keeps its approval.
        let same = post(
            s,
            &admin(),
            BatchKind::Observations,
            json!([
                {"entity_code": "500103", "indicator_code": "GDP", "period": "2024Q1", "value": 100}
            ]),
            false,
        )
        .await
        .unwrap();
        assert_eq!(same.unchanged, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_outside_the_callers_unit_refuses_the_batch() {
    on_both(|store| async move {
        let s = store.as_ref();
        world(s).await;
        let yuzhong = reporter_of(s, "500103", "渝中区").await;
        let err = post(
            s,
            &yuzhong,
            BatchKind::Observations,
            two_values(1.0, 2.0),
            false,
        )
        .await
        .unwrap_err();
        let BatchError::OutOfScope(problems) = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].index, Some(1));
        assert_eq!(problems[0].value, "沙坪坝区");
        assert!(problems[0].reason.contains("渝中区"), "{:?}", problems[0]);
        assert!(values(s).await.is_empty());
        // Its own values pass; master data needs another role.
        let own = post(
            s,
            &yuzhong,
            BatchKind::Observations,
            json!([
                {"entity_code": "500103", "indicator_code": "GDP", "period": "2024Q1", "value": 1}
            ]),
            false,
        )
        .await
        .unwrap();
        assert_eq!(own.inserted, 1);
        let err = post(
            s,
            &yuzhong,
            BatchKind::Indicators,
            json!([
                {"code": "X", "name": "某指标", "unit": "个", "frequency": "月", "kind": "水平值"}
            ]),
            false,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, BatchError::App(yiping_app::AppError::Forbidden(_))),
            "{err:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_indicators_and_targets_are_posted_as_their_tables() {
    on_both(|store| async move {
        let s = store.as_ref();
        let entities = json!([
            {"kind": "地区", "code": "500000", "name": "重庆市", "level": 1},
            {"kind": "地区", "code": "500103", "name": "渝中区", "level": 2,
             "parent_code": "500000", "parent_from": "2020-01-01", "aliases": ["渝中"]},
        ]);
        let out = post(s, &admin(), BatchKind::Entities, entities.clone(), false)
            .await
            .unwrap();
        assert_eq!(out.inserted, 2, "{out:?}");
        let again = post(s, &admin(), BatchKind::Entities, entities, false)
            .await
            .unwrap();
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
        let all = s.all_entities().await.unwrap();
        let yz = all.iter().find(|e| e.data.name == "渝中区").unwrap();
        assert_eq!(yz.data.parents.len(), 1);
        assert_eq!(
            yz.data.parents[0].valid_from.map(|d| d.to_string()).as_deref(),
            Some("2020-01-01")
        );

        let ind = json!([
            {"code": "GDP", "name": "地区生产总值", "unit": "亿元", "frequency": "季", "kind": "累计值"}
        ]);
        let out = post(s, &admin(), BatchKind::Indicators, ind, false).await.unwrap();
        assert_eq!(out.inserted, 1);

        let tgt = json!([
            {"entity_code": "500103", "indicator_code": "GDP", "year": 2025, "kind": "总量", "value": 1500}
        ]);
        let out = post(s, &admin(), BatchKind::Targets, tgt, false).await.unwrap();
        assert_eq!(out.inserted, 1, "{out:?}");
        // A bad target year is named by item and field.
        let err = post(s, &admin(), BatchKind::Targets, json!([
            {"entity_code": "500103", "indicator_code": "GDP", "year": "明年", "kind": "总量", "value": 1}
        ]), false)
        .await
        .unwrap_err();
        let BatchError::Rejected(problems) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (problems[0].index, problems[0].field.as_deref()),
            (Some(0), Some("year")),
            "{problems:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_body_is_the_long_table() {
    on_both(|store| async move {
        let s = store.as_ref();
        world(s).await;
        let csv = "主体代码,主体,指标代码,指标,时期,口径,数值,计量单位,状态\n\
500103,渝中区,GDP,地区生产总值,2024Q1,总量,10,亿元,已报送\n\
500106,沙坪坝区,GDP,地区生产总值,2024Q1,总量,abc,亿元,已报送\n";
        let batch = Batch::from_csv(BatchKind::Observations, csv.as_bytes()).unwrap();
        assert_eq!(batch.len(), 2);
        let err = post_batch(s, &admin(), &batch, false, &ctx())
            .await
            .unwrap_err();
        let BatchError::Rejected(problems) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (problems[0].index, problems[0].field.as_deref()),
            (Some(1), Some("value"))
        );
        let good = csv.replace("abc", "20");
        let batch = Batch::from_csv(BatchKind::Observations, good.as_bytes()).unwrap();
        let out = post_batch(s, &admin(), &batch, false, &ctx())
            .await
            .unwrap();
        assert_eq!(out.inserted, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_analyst_may_not_place_entities_outside_the_unit() {
    on_both(|store| async move {
        let s = store.as_ref();
        world(s).await;
        let mut analyst = reporter_of(s, "500103", "渝中区").await;
        analyst.role = Role::Analyst;
        let items = json!([
            {"kind": "地区", "code": "500103001", "name": "解放碑街道", "level": 3, "parent_code": "500103"},
            {"kind": "地区", "code": "500106001", "name": "小龙坎街道", "level": 3, "parent_code": "500106"},
        ]);
        let err = post(s, &analyst, BatchKind::Entities, items, false)
            .await
            .unwrap_err();
        let BatchError::OutOfScope(problems) = err else {
            panic!("{err:?}")
        };
        let named: Vec<_> = problems
            .iter()
            .map(|p| (p.index, p.field.as_deref(), p.value.as_str()))
            .collect();
        assert_eq!(named, [(Some(1), Some("parent_code"), "沙坪坝区")]);
        assert_eq!(s.all_entities().await.unwrap().len(), 3, "nothing written");
        let own = post(s, &analyst, BatchKind::Entities, json!([
            {"kind": "地区", "code": "500103001", "name": "解放碑街道", "level": 3, "parent_code": "500103"}
        ]), false)
        .await
        .unwrap();
        assert_eq!(own.inserted, 1);
    })
    .await;
}
