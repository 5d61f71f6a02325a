//! Configuration files ([`yiping_store::ConfigStore`]): one row per file name in
//! `config_files`, the text as imported; writing a set of files is one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use yiping_store::{ConfigFile, ConfigStore, StoreResult};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, parse_ts, ts};

#[async_trait]
impl ConfigStore for SqlStore {
    async fn config_files(&self) -> StoreResult<Vec<ConfigFile>> {
        let rows = sqlx::query(
            "SELECT name, body, updated_by, updated_at FROM config_files ORDER BY name",
        )
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let at: String = get(r, "updated_at")?;
                Ok(ConfigFile {
                    name: get(r, "name")?,
                    body: get(r, "body")?,
                    updated_by: get(r, "updated_by")?,
                    updated_at: parse_ts("updated_at", &at)?,
                })
            })
            .collect()
    }

    async fn put_config_files(
        &self,
        files: &[(String, String)],
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        for (name, body) in files {
            sqlx::query(
                "INSERT INTO config_files (name, body, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(name.clone())
            .bind(body.clone())
            .bind(actor.to_string())
            .bind(ts(at))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }
}
