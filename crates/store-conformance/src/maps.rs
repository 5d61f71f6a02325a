//! Conformance scenario for region maps ([`yiping_store::MapStore`]).

use yiping_kernel::EntityId;
use yiping_store::{Store, StoreError};

use super::BoxFut;
use super::users::{t0, unit};

pub(super) fn region_maps_replace_and_check_the_region(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let unit = unit(store).await;
        assert_eq!(store.region_map(unit).await.unwrap(), None);
        store
            .put_region_map(
                unit,
                r#"{"type":"FeatureCollection","features":[]}"#,
                "admin",
                t0(),
            )
            .await
            .unwrap();
        store
            .put_region_map(
                unit,
                r#"{"type":"FeatureCollection","features":[1]}"#,
                "admin",
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(
            store.region_map(unit).await.unwrap().as_deref(),
            Some(r#"{"type":"FeatureCollection","features":[1]}"#)
        );
        let bad = store
            .put_region_map(EntityId(999_999), "{}", "admin", t0())
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid { .. })), "{bad:?}");
    })
}
