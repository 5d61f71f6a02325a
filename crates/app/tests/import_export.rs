//! Import and export through the use cases, on SQLite and (when configured) PostgreSQL: the files
//! bureaus send, all-or-nothing rejection, re-imports, revisions, and lossless round trips.

use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use rust_xlsxwriter::{Format, Workbook};
use yiping_app::AppError;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_app::export::{ExportLayout, export_observations, fetch_all};
use yiping_app::import::{ImportKind, ImportOptions, import_file};
use yiping_io::{ParseOptions, ReadOptions};
use yiping_kernel::{Measure, ObservationStatus, Period};
use yiping_store::{ChangeContext, ObservationFilter, Page, Store};
use yiping_store_postgres::testing::{TempDatabase, admin_url};

const ENTITIES: &str = "类型,代码,名称,别名,层级,上级代码,分组\n\
地区,500000,重庆市,全市,1,,\n\
地区,500103,渝中区,渝中,2,500000,主城都市区\n\
地区,500106,沙坪坝区,沙坪坝,2,500000,主城都市区\n\
地区,500155,梁平区,梁平;梁平县,2,500000,渝东北\n\
地区,,两江新区,两江,2,500000,主城都市区\n";

const INDICATORS: &str = "代码,名称,别名,计量单位,频率,类型\n\
GDP,地区生产总值,GDP总量,亿元,季,累计值\n\
FAI,固定资产投资,固投,亿元,月,累计值\n";

fn ctx(source: &str) -> ChangeContext {
    ChangeContext::new(
        "测试",
        source,
        Utc.with_ymd_and_hms(2024, 10, 21, 8, 0, 0).unwrap(),
    )
}

fn opts() -> ImportOptions {
    ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    }
}

async fn import(
    store: &dyn Store,
    path: &Path,
) -> Result<yiping_app::import::ImportOutcome, AppError> {
    import_file(store, path, &opts(), &ctx(&path.display().to_string())).await
}

/// A store with the small world above loaded through the importer itself.
async fn world(store: &dyn Store, dir: &Path) {
    let e = dir.join("entities.csv");
    std::fs::write(&e, ENTITIES).unwrap();
    let i = dir.join("indicators.csv");
    std::fs::write(&i, INDICATORS).unwrap();
    // `/metrics` counts applied imports and their rows (process-wide: other tests add theirs).
    let before = yiping_app::monitoring::counters();
    let r = import(store, &e).await.unwrap();
    assert_eq!(r.kind, ImportKind::Entities);
    assert_eq!(r.upserts.unwrap().inserted, 5);
    let r = import(store, &i).await.unwrap();
    assert_eq!(r.kind, ImportKind::Indicators);
    assert_eq!(r.upserts.unwrap().inserted, 2);
    let after = yiping_app::monitoring::counters();
    assert!(after.imports >= before.imports + 2, "{before:?} {after:?}");
    assert!(
        after.import_rows >= before.import_rows + 7,
        "{before:?} {after:?}"
    );
}

/// Runs `f` on a fresh SQLite store, then on a fresh PostgreSQL database when configured.
async fn on_both<F, Fut>(f: F)
where
    F: Fn(Arc<dyn Store>, std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = open(&DatabaseUrl::Sqlite(dir.path().join("t.db")), Create::Yes)
        .await
        .unwrap();
    f(store, dir.path().to_path_buf()).await;
    if let Some(admin) = admin_url() {
        let db = TempDatabase::create(&admin).await;
        let dir = tempfile::tempdir().unwrap();
        let store = open(&DatabaseUrl::Postgres(db.url.clone()), Create::Yes)
            .await
            .unwrap();
        f(store, dir.path().to_path_buf()).await;
    }
}

async fn all(store: &dyn Store) -> Vec<(i64, i64, String, Measure, f64, ObservationStatus)> {
    let mut v: Vec<_> = fetch_all(store, &ObservationFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|o| {
            (
                o.key.entity.0,
                o.key.indicator.0,
                o.key.period.code(),
                o.key.measure,
                o.value.value(),
                o.value.status,
            )
        })
        .collect();
    v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    v
}

/// A wide table as a statistics bureau sends it, in GBK.
fn gbk_wide_csv() -> Vec<u8> {
    let text = "2024年1—9月各区县主要经济指标\n\
单位：亿元、%\n\
地区,地区生产总值,,固定资产投资,\n\
,总量,比上年增长(%),总量,增速（%）\n\
全市,\"22,986.12\",6.0,16197.79,4.8\n\
渝中区,\"1,234.50\",5.2%,300.1,-3.1\n\
沙坪坝区,１２３４.５,8.5,—,…\n\
梁平县,600,6.1,200,7\n\
两江,2000.25,7.2,1000,9.9\n\
注：1.本表为测试数据。2.增速按可比价格计算。\n";
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    bytes.into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_wide_csv_from_a_bureau_imports_with_growth_and_the_city_row() {
    on_both(|store, dir| async move {
        world(store.as_ref(), &dir).await;
        let f = dir.join("gbk.csv");
        std::fs::write(&f, gbk_wide_csv()).unwrap();
        let r = import(store.as_ref(), &f).await.unwrap();
        let obs = r.observations.unwrap();
        // 5 rows × 4 cells, minus the two missing cells of 沙坪坝区.
        assert_eq!((obs.inserted, r.skipped_missing), (18, 2));
        assert_eq!(r.periods, vec![Period::months(2024, 1, 9).unwrap()]);
        let stored = fetch_all(store.as_ref(), &ObservationFilter::default())
            .await
            .unwrap();
        let entities = store.all_entities().await.unwrap();
        let indicators = store.indicators().await.unwrap();
        let find = |code: &str, ind: &str, m: Measure| {
            let e = entities
                .iter()
                .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
                .unwrap()
                .id;
            let i = indicators
                .iter()
                .find(|i| i.data.code.as_str() == ind)
                .unwrap()
                .id;
            stored
                .iter()
                .find(|o| o.key.entity == e && o.key.indicator == i && o.key.measure == m)
                .map(|o| o.value.value())
        };
        assert_eq!(
            find("500000", "GDP", Measure::Value),
            Some(22986.12),
            "全市 is the city"
        );
        assert_eq!(find("500103", "GDP", Measure::Growth), Some(5.2));
        assert_eq!(find("500103", "FAI", Measure::Growth), Some(-3.1));
        assert_eq!(
            find("500106", "GDP", Measure::Value),
            Some(1234.5),
            "full-width digits"
        );
        assert_eq!(find("500106", "FAI", Measure::Value), None, "— is missing");
        assert_eq!(
            find("500155", "GDP", Measure::Value),
            Some(600.0),
            "former name 梁平县"
        );
        // Importing the same file again changes nothing.
        let again = import(store.as_ref(), &f)
            .await
            .unwrap()
            .observations
            .unwrap();
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 18));
    })
    .await;
}

/// A wide XLSX with a merged title, merged two-row headers and the period in the title.
fn wide_xlsx(path: &Path, bad_cell: Option<&str>) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("一季度").unwrap();
    let bold = Format::new().set_bold();
    ws.merge_range(
        0,
        0,
        0,
        4,
        "2024年一季度各区县地区生产总值和固定资产投资",
        &bold,
    )
    .unwrap();
    ws.write_string(1, 0, "单位：亿元、%").unwrap();
    ws.merge_range(2, 0, 3, 0, "区县", &bold).unwrap();
    ws.merge_range(2, 1, 2, 2, "地区生产总值", &bold).unwrap();
    ws.merge_range(2, 3, 2, 4, "固定资产投资", &bold).unwrap();
    for (c, t) in [(1, "绝对值"), (2, "增速"), (3, "绝对值"), (4, "增速")] {
        ws.write_string(3, c, t).unwrap();
    }
    let rows: [(&str, [f64; 4]); 3] = [
        ("渝中区", [450.2, 5.1, 80.0, 3.3]),
        ("沙坪坝区", [380.0, 8.5, 120.5, 7.4]),
        ("两江新区", [900.75, 7.2, 410.0, 6.6]),
    ];
    for (i, (name, v)) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        ws.write_string(r, 0, *name).unwrap();
        for (c, x) in v.iter().enumerate() {
            if i == 1
                && c == 2
                && let Some(bad) = bad_cell
            {
                ws.write_string(r, 3, bad).unwrap();
                continue;
            }
            ws.write_number(r, c as u16 + 1, *x).unwrap();
        }
    }
    ws.write_string(8, 0, "注：数据为测试样例。").unwrap();
    wb.save(path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wide_xlsx_with_merged_headers_imports() {
    on_both(|store, dir| async move {
        world(store.as_ref(), &dir).await;
        let f = dir.join("q1.xlsx");
        wide_xlsx(&f, None);
        let r = import(store.as_ref(), &f).await.unwrap();
        assert_eq!(r.periods, vec![Period::quarter(2024, 1).unwrap()]);
        assert_eq!(r.observations.unwrap().inserted, 12);
        let growth = ObservationFilter {
            measure: Some(Measure::Growth),
            ..Default::default()
        };
        let mut g: Vec<f64> = fetch_all(store.as_ref(), &growth)
            .await
            .unwrap()
            .iter()
            .map(|o| o.value.value())
            .collect();
        g.sort_by(f64::total_cmp);
        assert_eq!(g, vec![3.3, 5.1, 6.6, 7.2, 7.4, 8.5]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_cell_rejects_the_whole_file_names_the_cell_and_changes_nothing() {
    on_both(|store, dir| async move {
        world(store.as_ref(), &dir).await;
        let good = dir.join("good.xlsx");
        wide_xlsx(&good, None);
        import(store.as_ref(), &good).await.unwrap();
        let before = all(store.as_ref()).await;

        let bad = dir.join("bad.xlsx");
        wide_xlsx(&bad, Some("三百八"));
        let err = import(store.as_ref(), &bad).await.unwrap_err();
        let AppError::Rejected { file, problems } = err else {
            panic!("expected a rejection, got {err:?}")
        };
        assert!(file.ends_with("bad.xlsx"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        assert_eq!(p.at.sheet.as_deref(), Some("一季度"));
        assert_eq!(p.at.row, 6);
        assert_eq!(p.at.column.as_deref(), Some("D"));
        assert_eq!(p.value, "三百八");
        assert_eq!(all(store.as_ref()).await, before, "the store changed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_value_becomes_a_new_revision_with_the_old_value_audited() {
    on_both(|store, dir| async move {
        world(store.as_ref(), &dir).await;
        let f = dir.join("long.csv");
        std::fs::write(
            &f,
            "主体,指标,时期,数值\n渝中区,固投,2024年1—9月,300\n沙坪坝,FAI,2024年1—9月,200\n",
        )
        .unwrap();
        import(store.as_ref(), &f).await.unwrap();
        std::fs::write(
            &f,
            "主体,指标,时期,数值\n渝中区,固投,2024年1—9月,301.5\n沙坪坝,FAI,2024年1—9月,200\n",
        )
        .unwrap();
        let dry = import_file(
            store.as_ref(),
            &f,
            &ImportOptions {
                dry_run: true,
                ..opts()
            },
            &ctx("dry"),
        )
        .await
        .unwrap();
        let d = dry.observations.unwrap();
        assert_eq!((d.updated, d.unchanged), (1, 1));
        assert_eq!(d.sample_updates[0].old.value(), 300.0);
        let r = import(store.as_ref(), &f)
            .await
            .unwrap()
            .observations
            .unwrap();
        assert_eq!((r.updated, r.unchanged), (1, 1));
        let changed = fetch_all(store.as_ref(), &ObservationFilter::default())
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.value.value() == 301.5)
            .unwrap();
        assert_eq!(changed.revision, 2);
        let trail = store.audit(&changed.key, Page::default()).await.unwrap();
        assert_eq!(trail.items.len(), 1);
        assert_eq!(trail.items[0].old_value, Some(300.0));
        // Each applied file is in the audit trail with its SHA-256; the dry run is not.
        let imports: Vec<_> = store
            .audit_events(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "import.apply" && e.target == f.display().to_string())
            .collect();
        assert_eq!(imports.len(), 2, "{imports:?}");
        let sha = yiping_app::auth::sha256_hex(&std::fs::read(&f).unwrap());
        assert!(imports[0].detail.contains(&sha), "{:?}", imports[0]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_read_back_without_loss() {
    on_both(|store, dir| async move {
        world(store.as_ref(), &dir).await;
        let f = dir.join("q1.xlsx");
        wide_xlsx(&f, None);
        import(store.as_ref(), &f).await.unwrap();
        let csv = dir.join("gbk.csv");
        std::fs::write(&csv, gbk_wide_csv()).unwrap();
        import(store.as_ref(), &csv).await.unwrap();
        let original = all(store.as_ref()).await;
        assert_eq!(original.len(), 30);

        for (name, layout) in [
            ("long.csv", ExportLayout::Long),
            ("long.xlsx", ExportLayout::Long),
            ("wide.xlsx", ExportLayout::Wide),
        ] {
            let out = dir.join(name);
            export_observations(store.as_ref(), &ObservationFilter::default(), layout, &out)
                .await
                .unwrap();
            // Into a fresh SQLite store with the same world: identical observations.
            let fresh_dir = tempfile::tempdir().unwrap();
            let fresh = open(
                &DatabaseUrl::Sqlite(fresh_dir.path().join("f.db")),
                Create::Yes,
            )
            .await
            .unwrap();
            world(fresh.as_ref(), fresh_dir.path()).await;
            let sheets: Vec<Option<String>> = if layout == ExportLayout::Wide {
                // Sheets are named as people say the periods.
                vec![Some("2024年一季度".into()), Some("2024年1—9月".into())]
            } else {
                vec![None]
            };
            for sheet in sheets {
                let o = ImportOptions {
                    read: ReadOptions {
                        sheet,
                        ..Default::default()
                    },
                    ..opts()
                };
                import_file(fresh.as_ref(), &out, &o, &ctx(name))
                    .await
                    .unwrap();
            }
            assert_eq!(
                all(fresh.as_ref()).await,
                original,
                "{name} did not round-trip"
            );
            // And re-importing the export into the source changes nothing.
            if layout == ExportLayout::Long {
                let r = import(store.as_ref(), &out)
                    .await
                    .unwrap()
                    .observations
                    .unwrap();
                assert_eq!((r.inserted, r.updated), (0, 0), "{name}");
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_import_against_the_catalogue() {
    on_both(|store, dir| async move {
        world(store.as_ref(), &dir).await;
        let f = dir.join("targets.csv");
        std::fs::write(&f, "主体代码,主体,指标代码,指标,年份,目标类型,目标值,月度计划\n500103,渝中区,FAI,,2024,总量目标,405.34,\n,两江新区,GDP,,2024,增速目标,7,\n").unwrap();
        let r = import(store.as_ref(), &f).await.unwrap();
        assert_eq!(r.kind, ImportKind::Targets);
        let t = store.targets(&Default::default()).await.unwrap();
        assert_eq!(t.len(), 2);
        assert!(t.iter().any(|t| t.value == 405.34));
        std::fs::write(&f, "主体,指标,年份,目标类型,目标值\n不存在区,FAI,2024,总量目标,1\n").unwrap();
        assert!(matches!(import(store.as_ref(), &f).await, Err(AppError::Rejected { .. })));
        assert_eq!(store.targets(&Default::default()).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quotient_indicator_follows_its_imported_operands() {
    on_both(|store, dir| async move {
        world(store.as_ref(), &dir).await;
        let f = dir.join("firm.csv");
        std::fs::write(
            &f,
            "类型,代码,名称,层级,上级代码\n企业,91500103TEST0001X,测试科技有限公司,9,500103\n",
        )
        .unwrap();
        import(store.as_ref(), &f).await.unwrap();
        let ind = dir.join("ind.csv");
        std::fs::write(
            &ind,
            "代码,名称,计量单位,频率,类型,小数位数,公式\n\
             ENT_TAX,评价税收,万元,年,水平值,2,\n\
             LAND_MU,用地面积,亩,年,水平值,2,\n\
             TAX_PER_MU,亩均税收,万元/亩,年,比率,3,ENT_TAX / LAND_MU\n",
        )
        .unwrap();
        import(store.as_ref(), &ind).await.unwrap();
        let data = dir.join("data.csv");
        std::fs::write(&data, "主体代码,指标代码,时期,数值\n91500103TEST0001X,ENT_TAX,2024,361.455\n91500103TEST0001X,LAND_MU,2024,10\n").unwrap();
        import(store.as_ref(), &data).await.unwrap();
        let per_mu = |store: Arc<dyn Store>| async move {
            let id = store.indicators().await.unwrap().into_iter().find(|i| i.data.code.as_str() == "TAX_PER_MU").unwrap().id;
            store
                .observation_slice(id, Period::year(2024).unwrap(), Measure::Value)
                .await
                .unwrap()
                .first()
                .map(|(_, v)| v.value())
        };
        assert_eq!(per_mu(store.clone()).await, Some(36.146));
        std::fs::write(&data, "主体代码,指标代码,时期,数值\n91500103TEST0001X,ENT_TAX,2024,241\n").unwrap();
        import(store.as_ref(), &data).await.unwrap();
        assert_eq!(per_mu(store.clone()).await, Some(24.1), "the quotient follows a changed operand");
    })
    .await;
}
