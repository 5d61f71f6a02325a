//! Approved values are never silently demoted (issue 11, bug 3): re-importing a file that
//! changes an approved (已审核) value is refused naming the cells, unless the importer reopens it
//! (then each value is in the audit trail).

mod support;

use chrono::{TimeZone, Utc};
use yiping_app::AppError;
use yiping_app::import::{Approved, ImportKind, ImportOptions, import_grid_as};
use yiping_io::{ParseOptions, ReadOptions, read_grid_bytes};
use yiping_kernel::ObservationStatus;
use yiping_store::{ChangeContext, ObservationFilter, Page, Store};

use support::{import_csv, on_both};

const WORLD: &str = "类型,代码,名称,层级,上级代码\n\
地区,500000,重庆市,1,\n\
地区,500103,渝中区,2,500000\n\
地区,500106,沙坪坝区,2,500000\n";

const INDICATORS: &str = "代码,名称,计量单位,频率,类型\nGDP,地区生产总值,亿元,季,累计值\n";

fn ctx(source: &str) -> ChangeContext {
    ChangeContext::new(
        "测试",
        source,
        Utc.with_ymd_and_hms(2025, 2, 1, 8, 0, 0).unwrap(),
    )
}

async fn import(
    store: &dyn Store,
    csv: &str,
    approved: Approved,
) -> Result<yiping_app::import::ImportOutcome, AppError> {
    let grid = read_grid_bytes("再报.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let opts = ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    };
    import_grid_as(store, &grid, &opts, approved, &ctx("再报.csv")).await
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_to_an_approved_value_is_refused_naming_the_cell() {
    on_both(|store| async move {
        let s = store.as_ref();
        import_csv(s, WORLD, &ctx("主体")).await;
        import_csv(s, INDICATORS, &ctx("指标")).await;
        // The bureau's approved figures: 渝中区 approved, 沙坪坝区 only submitted.
        import_csv(
            s,
            "主体,指标,时期,数值,状态\n渝中区,GDP,2024Q1,100,已审核\n沙坪坝区,GDP,2024Q1,50,已报送\n",
            &ctx("审核"),
        )
        .await;
        // A re-import without a 状态 column changing both values: refused whole.
        let again = "主体,指标,时期,数值\n渝中区,GDP,2024Q1,101\n沙坪坝区,GDP,2024Q1,51\n";
        let err = import(s, again, Approved::Keep).await.unwrap_err();
        let AppError::Rejected { problems, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        assert_eq!((p.at.row, p.at.column.as_deref()), (2, Some("D")), "{p:?}");
        assert!(p.reason.contains("渝中区 地区生产总值"), "{p:?}");
        assert!(p.reason.contains("已审核（100）"), "{p:?}");
        assert_eq!(
            values(s).await,
            vec![
                (50.0, ObservationStatus::Submitted),
                (100.0, ObservationStatus::Approved)
            ],
            "a refused file changed values"
        );
        // A status column lowering the approval with the same number is refused too.
        let demote = "主体,指标,时期,数值,状态\n渝中区,GDP,2024Q1,100,已报送\n";
        assert!(matches!(
            import(s, demote, Approved::Keep).await,
            Err(AppError::Rejected { .. })
        ));
        // Unchanged approved values pass: the file changes only 沙坪坝区.
        let fine = "主体,指标,时期,数值\n渝中区,GDP,2024Q1,100\n沙坪坝区,GDP,2024Q1,52\n";
        let out = import(s, fine, Approved::Keep).await.unwrap();
        assert_eq!(out.observations.unwrap().updated, 1);
        assert_eq!(values(s).await[1], (100.0, ObservationStatus::Approved));

        // Reopening applies the change and records each reopened value.
        let out = import(s, again, Approved::Reopen).await.unwrap();
        let r = out.observations.unwrap();
        assert_eq!((r.updated, r.approved_changes.len()), (2, 1));
        assert_eq!(values(s).await[1], (101.0, ObservationStatus::Submitted));
        let reopen: Vec<_> = s
            .audit_events(20)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "observations.reopen")
            .collect();
        assert_eq!(reopen.len(), 1, "{reopen:?}");
        assert!(
            reopen[0].detail.contains("渝中区 地区生产总值"),
            "{:?}",
            reopen[0]
        );
    })
    .await;
}
