//! Redistricting through the importer (issue 11, bug 2): a 镇街 re-imported under a new 区县
//! from 2025-01-01 keeps its 2024 parent; two rows of one code with different validity import.

mod support;

use chrono::{NaiveDate, TimeZone, Utc};
use yiping_app::AppError;
use yiping_app::import::{ImportKind, ImportOptions, import_grid};
use yiping_io::{ParseOptions, ReadOptions, read_grid_bytes};
use yiping_kernel::{Catalog, EntityCode, EntityKind};
use yiping_store::{ChangeContext, Store};

use support::{import_csv, on_both};

const WORLD: &str = "类型,代码,名称,层级,上级代码\n\
地区,500000,重庆市,1,\n\
地区,500103,渝中区,2,500000\n\
地区,500106,沙坪坝区,2,500000\n\
地区,500103001,七星岗街道,3,500103\n";

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "区划调整",
        Utc.with_ymd_and_hms(2025, 2, 1, 8, 0, 0).unwrap(),
    )
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn id_of(store: &dyn Store, code: &str) -> yiping_kernel::EntityId {
    let code = EntityCode::parse(code).unwrap();
    store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.data.kind == EntityKind::Region && e.data.code.as_ref() == Some(&code))
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_parent_from_2025_keeps_the_2024_parent() {
    on_both(|store| async move {
        let s = store.as_ref();
        import_csv(s, WORLD, &ctx()).await;
        import_csv(
            s,
            "类型,代码,名称,层级,上级代码,上级生效日期\n地区,500103001,七星岗街道,3,500106,2025-01-01\n",
            &ctx(),
        )
        .await;
        let (town, yuzhong, shapingba) = (
            id_of(s, "500103001").await,
            id_of(s, "500103").await,
            id_of(s, "500106").await,
        );
        let e = s.entity(town).await.unwrap().unwrap();
        assert_eq!(e.parent_at(d("2024-12-31")), Some(yuzhong), "{:?}", e.data.parents);
        assert_eq!(e.parent_at(d("2025-01-01")), Some(shapingba));
        // 2024 queries still place the town under 渝中区: subtree and children by date.
        assert!(s.subtree(yuzhong, d("2024-09-30")).await.unwrap().contains(&town));
        assert!(!s.subtree(yuzhong, d("2025-03-31")).await.unwrap().contains(&town));
        let catalog = Catalog::new(s.all_entities().await.unwrap(), Vec::new());
        assert_eq!(catalog.children_at(yuzhong, d("2024-09-30")), vec![town]);
        assert_eq!(catalog.children_at(shapingba, d("2025-03-31")), vec![town]);
        // Importing the world file again (undated, naming the old parent) corrects only the
        // current link: the 2024 span stays with 渝中区.
        import_csv(s, WORLD, &ctx()).await;
        let e = s.entity(town).await.unwrap().unwrap();
        assert_eq!(e.parent_at(d("2024-12-31")), Some(yuzhong));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rows_of_one_code_with_different_validity_import() {
    on_both(|store| async move {
        let s = store.as_ref();
        import_csv(s, WORLD, &ctx()).await;
        let out = import_csv(
            s,
            "类型,代码,名称,层级,上级代码,上级生效日期,上级失效日期\n\
             地区,500103002,解放碑街道,3,500103,,2025-01-01\n\
             地区,500103002,解放碑街道,3,500106,2025-01-01,\n",
            &ctx(),
        )
        .await;
        assert_eq!(out.kind, ImportKind::Entities);
        assert_eq!(out.upserts.unwrap().inserted, 1);
        let town = id_of(s, "500103002").await;
        let e = s.entity(town).await.unwrap().unwrap();
        assert_eq!(e.parent_at(d("2024-06-30")), Some(id_of(s, "500103").await));
        assert_eq!(e.parent_at(d("2025-06-30")), Some(id_of(s, "500106").await));

        // Overlapping spans are refused, naming the row and column.
        let bad = "类型,代码,名称,层级,上级代码,上级生效日期,上级失效日期\n\
             地区,500103003,朝天门街道,3,500103,,2025-06-01\n\
             地区,500103003,朝天门街道,3,500106,2025-01-01,\n";
        let grid = read_grid_bytes("区划.csv", bad.as_bytes(), &ReadOptions::default()).unwrap();
        let opts = ImportOptions {
            kind: ImportKind::Auto,
            read: ReadOptions::default(),
            parse: ParseOptions::default(),
            dry_run: false,
        };
        let err = import_grid(s, &grid, &opts, &ctx()).await.unwrap_err();
        let AppError::Rejected { problems, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].reason.contains("重叠"), "{problems:?}");
        assert_eq!(problems[0].at.row, 3, "{problems:?}");
        assert_eq!(problems[0].at.column.as_deref(), Some("E"), "{problems:?}");
    })
    .await;
}
