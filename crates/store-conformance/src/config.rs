//! Conformance scenario for configuration files ([`yiping_store::ConfigStore`]).

use super::BoxFut;
use super::users::t0;
use yiping_store::Store;

pub(super) fn config_files_replace_by_name_in_one_write(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        assert!(store.config_files().await.unwrap().is_empty());
        let files = |a: &str, b: &str| {
            vec![
                ("calendar.csv".to_string(), a.to_string()),
                ("categories.toml".to_string(), b.to_string()),
            ]
        };
        store
            .put_config_files(&files("date,kind,name\n", "# 一\n"), "admin", t0())
            .await
            .unwrap();
        store
            .put_config_files(
                &[("categories.toml".to_string(), "# 二\n".to_string())],
                "admin2",
                t0(),
            )
            .await
            .unwrap();
        let stored = store.config_files().await.unwrap();
        let names: Vec<&str> = stored.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["calendar.csv", "categories.toml"]);
        assert_eq!(stored[0].body, "date,kind,name\n");
        assert_eq!(stored[0].updated_by, "admin");
        assert_eq!(stored[1].body, "# 二\n");
        assert_eq!(stored[1].updated_by, "admin2");
        assert_eq!(stored[1].updated_at, t0());
    })
}
