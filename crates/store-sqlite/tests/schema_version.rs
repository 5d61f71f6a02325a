//! A database written by a newer yiping (a schema version this program does not know) is
//! refused in Chinese, naming both versions (issue 18, defect 9: it was sqlx's English message).

use yiping_store_sqlite::{OpenMode, open};

#[tokio::test]
async fn a_newer_schema_is_refused_in_chinese_with_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    let store = open(&path, OpenMode::CreateIfMissing).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
    let err = open(&path, OpenMode::MustExist)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("版本 9999") && err.contains("本程序只认识到版本") && err.contains("较新"),
        "{err}"
    );
    assert!(!err.contains("previously applied"), "{err}");
}
