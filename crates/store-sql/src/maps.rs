//! Region maps ([`yiping_store::MapStore`]): one row per region in `region_maps`, the GeoJSON
//! text as uploaded; uploading again replaces it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use yiping_kernel::EntityId;
use yiping_store::{MapStore, StoreError, StoreResult};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, ts};

#[async_trait]
impl MapStore for SqlStore {
    async fn put_region_map(
        &self,
        region: EntityId,
        geojson: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO region_maps (region_id, geojson, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (region_id) DO UPDATE SET geojson = excluded.geojson, \
             uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at",
        )
        .bind(region.0)
        .bind(geojson.to_string())
        .bind(actor.to_string())
        .bind(ts(at))
        .execute(self.pool())
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Invalid { .. } => StoreError::Invalid {
                reason: format!("地区 {} 不存在", region.0),
            },
            other => other,
        })?;
        Ok(())
    }

    async fn region_map(&self, region: EntityId) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT geojson FROM region_maps WHERE region_id = $1")
            .bind(region.0)
            .fetch_optional(self.pool())
            .await
            .map_err(map_err)?;
        row.map(|r| get(&r, "geojson")).transpose()
    }
}
