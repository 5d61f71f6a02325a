//! Scopes (a unit's subtree) are read from the hierarchy once and kept for a minute: every
//! request needs one and the hierarchy changes rarely.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use yiping_access::{Role, Scope};
use yiping_kernel::EntityId;
use yiping_store::{Store, StoreError};

use crate::AppError;

const TTL: Duration = Duration::from_secs(60);

type Entry = (Instant, Arc<Scope>, String);

/// Scopes by unit, each reused for at most a minute.
#[derive(Debug, Default, Clone)]
pub struct ScopeCache {
    inner: Arc<Mutex<HashMap<(EntityId, bool), Entry>>>,
}

impl ScopeCache {
    /// The scope of a user of `role` in `unit`, and the unit's name. An enterprise sees only
    /// itself; every other role sees the unit's subtree as of today.
    pub async fn scope(
        &self,
        store: &dyn Store,
        unit: EntityId,
        role: Role,
    ) -> Result<(Arc<Scope>, String), AppError> {
        let single = role == Role::Enterprise;
        if let Some((at, scope, name)) = self.lock().get(&(unit, single))
            && at.elapsed() < TTL
        {
            return Ok((scope.clone(), name.clone()));
        }
        let entity = store.entity(unit).await?.ok_or_else(|| {
            AppError::Store(StoreError::corrupt(format!(
                "用户所属单位 {} 不存在",
                unit.0
            )))
        })?;
        let scope = if single {
            Scope::single(unit)
        } else {
            let today = chrono::Utc::now().date_naive();
            Scope::new(unit, store.subtree(unit, today).await?)
        };
        let scope = Arc::new(scope);
        self.lock().insert(
            (unit, single),
            (Instant::now(), scope.clone(), entity.data.name.clone()),
        );
        Ok((scope, entity.data.name))
    }

    /// Forgets every scope (after the hierarchy changed).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(EntityId, bool), Entry>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
