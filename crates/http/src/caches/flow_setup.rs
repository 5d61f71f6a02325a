//! The work-item engine's context ([`FlowSetup`]: the city's calendar, categories and routing and the
//! organisation read from the store's entities), loaded at most once a minute and shared by
//! every request that files, moves or lists items: the organisation changes with imports, a
//! few times a day, while reading it costs a scan of the entities.

use std::sync::Arc;
use std::time::{Duration, Instant};

use yiping_app::AppError;
use yiping_app::work_items::FlowSetup;
use yiping_store::Store;

/// How long a loaded context is reused.
const TTL: Duration = Duration::from_secs(60);

/// A loaded context and when it was loaded.
type Loaded = Option<(Instant, Arc<FlowSetup>)>;

/// The context shared by the requests.
#[derive(Debug, Default, Clone)]
pub(crate) struct FlowSetupCache {
    inner: Arc<tokio::sync::Mutex<Loaded>>,
}

impl FlowSetupCache {
    /// The cached context, or one loaded from `store` when it is older than [`TTL`].
    pub(crate) async fn get(&self, store: &dyn Store) -> Result<Arc<FlowSetup>, AppError> {
        let mut cached = self.inner.lock().await;
        if let Some((at, setup)) = cached.as_ref()
            && at.elapsed() < TTL
        {
            return Ok(setup.clone());
        }
        let setup = Arc::new(FlowSetup::load(store).await?);
        *cached = Some((Instant::now(), setup.clone()));
        Ok(setup)
    }

    /// Forgets the loaded context (the configuration changed): the next request loads it again.
    pub(crate) async fn clear(&self) {
        *self.inner.lock().await = None;
    }
}
