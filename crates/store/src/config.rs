//! A city's configuration as data ([`ConfigStore`]): named plain-text files (the working
//! calendar, the category book, routing rules, alert rules, what each level's screen shows),
//! kept as written so that an export gives back exactly what was imported.
//!
//! The store keeps text; parsing and checking each file is the application's work
//! (`yiping_app::config`). A name without a stored file means "the shipped default".

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::StoreResult;

/// One stored configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigFile {
    /// The file name, e.g. `calendar.csv`.
    pub name: String,
    pub body: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Storage of the configuration files. Part of [`crate::Store`].
#[async_trait]
pub trait ConfigStore: Send + Sync {
    /// Every stored file, by name.
    async fn config_files(&self) -> StoreResult<Vec<ConfigFile>>;

    /// Writes (inserts or replaces) the files `(name, body)` in one transaction: all or none.
    async fn put_config_files(
        &self,
        files: &[(String, String)],
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
