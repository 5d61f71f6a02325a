//! Region maps: the boundaries (GeoJSON text) drawn for the children of a region, which the
//! one-screen map draws ([`MapStore`]).
//!
//! The store keeps the text as uploaded, one map per region; checking that it is GeoJSON whose
//! features name the region's children is the caller's work.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use yiping_kernel::EntityId;

use crate::StoreResult;

/// Storage of region maps. Part of [`crate::Store`].
#[async_trait]
pub trait MapStore: Send + Sync {
    /// Registers (or replaces) the boundaries (GeoJSON text) drawn for the children of `region`.
    async fn put_region_map(
        &self,
        region: EntityId,
        geojson: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The boundaries registered for `region`'s children.
    async fn region_map(&self, region: EntityId) -> StoreResult<Option<String>>;
}
