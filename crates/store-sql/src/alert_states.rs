//! Alert states ([`yiping_store::AlertStateStore`]): `alert_instances` (one row per rule and
//! entity, replaced on every observation), `alert_transitions` (appended when the state changes,
//! in the same transaction) and `alert_silences`.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use yiping_kernel::EntityId;
use yiping_store::{
    AlertStateStore, AlertTransitionRecord, NewSilence, Silence, StoreResult, StoredAlertInstance,
};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, parse_ts, ts};

const INSTANCE_COLS: &str =
    "rule, entity_id, state, count, was_firing, period, period_end, value, updated_at";
const TRANSITION_COLS: &str = "rule, entity_id, period, from_state, to_state, value, at";
const SILENCE_COLS: &str =
    "id, rule, entity_id, starts_at, ends_at, reason, created_by, created_at";

fn instance_row(r: &AnyRow) -> StoreResult<StoredAlertInstance> {
    Ok(StoredAlertInstance {
        rule: get(r, "rule")?,
        entity: EntityId(get(r, "entity_id")?),
        state: get(r, "state")?,
        count: u32::try_from(get::<i64>(r, "count")?).unwrap_or(0),
        was_firing: get::<i64>(r, "was_firing")? != 0,
        period: get(r, "period")?,
        period_end: get(r, "period_end")?,
        value: get(r, "value")?,
        updated_at: parse_ts("updated_at", &get::<String>(r, "updated_at")?)?,
    })
}

fn transition_row(r: &AnyRow) -> StoreResult<AlertTransitionRecord> {
    Ok(AlertTransitionRecord {
        rule: get(r, "rule")?,
        entity: EntityId(get(r, "entity_id")?),
        period: get(r, "period")?,
        from: get(r, "from_state")?,
        to: get(r, "to_state")?,
        value: get(r, "value")?,
        at: parse_ts("at", &get::<String>(r, "at")?)?,
    })
}

fn silence_row(r: &AnyRow) -> StoreResult<Silence> {
    Ok(Silence {
        id: get(r, "id")?,
        rule: get(r, "rule")?,
        entity: get::<Option<i64>>(r, "entity_id")?.map(EntityId),
        starts_at: parse_ts("starts_at", &get::<String>(r, "starts_at")?)?,
        ends_at: parse_ts("ends_at", &get::<String>(r, "ends_at")?)?,
        reason: get(r, "reason")?,
        created_by: get(r, "created_by")?,
        created_at: parse_ts("created_at", &get::<String>(r, "created_at")?)?,
    })
}

#[async_trait]
impl AlertStateStore for SqlStore {
    async fn alert_instances(&self) -> StoreResult<Vec<StoredAlertInstance>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INSTANCE_COLS} FROM alert_instances ORDER BY rule, entity_id"
        )))
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter().map(instance_row).collect()
    }

    async fn alert_instance(
        &self,
        rule: &str,
        entity: EntityId,
    ) -> StoreResult<Option<StoredAlertInstance>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INSTANCE_COLS} FROM alert_instances WHERE rule = $1 AND entity_id = $2"
        )))
        .bind(rule.to_string())
        .bind(entity.0)
        .fetch_optional(self.pool())
        .await
        .map_err(map_err)?;
        row.as_ref().map(instance_row).transpose()
    }

    async fn record_alert_state(
        &self,
        i: &StoredAlertInstance,
        transition: Option<&AlertTransitionRecord>,
    ) -> StoreResult<()> {
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        // A missing value is written as a literal NULL: a bound null would fix the statement's
        // parameter type on PostgreSQL for the values that follow on the same connection.
        let value = if i.value.is_some() { "$9" } else { "NULL" };
        let q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO alert_instances \
             (rule, entity_id, state, count, was_firing, period, period_end, updated_at, value) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {value}) \
             ON CONFLICT (rule, entity_id) DO UPDATE SET state = excluded.state, \
             count = excluded.count, was_firing = excluded.was_firing, period = excluded.period, \
             period_end = excluded.period_end, value = excluded.value, \
             updated_at = excluded.updated_at"
        )))
        .bind(i.rule.clone())
        .bind(i.entity.0)
        .bind(i.state.clone())
        .bind(i64::from(i.count))
        .bind(i64::from(i.was_firing))
        .bind(i.period.clone())
        .bind(i.period_end.clone())
        .bind(ts(i.updated_at));
        let q = match i.value {
            Some(v) => q.bind(v),
            None => q,
        };
        q.execute(&mut *tx).await.map_err(map_err)?;
        if let Some(t) = transition {
            let value = if t.value.is_some() { "$7" } else { "NULL" };
            let q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO alert_transitions \
                 (rule, entity_id, period, from_state, to_state, at, value) \
                 VALUES ($1, $2, $3, $4, $5, $6, {value})"
            )))
            .bind(t.rule.clone())
            .bind(t.entity.0)
            .bind(t.period.clone())
            .bind(t.from.clone())
            .bind(t.to.clone())
            .bind(ts(t.at));
            let q = match t.value {
                Some(v) => q.bind(v),
                None => q,
            };
            q.execute(&mut *tx).await.map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn alert_transitions(
        &self,
        rule: &str,
        entity: EntityId,
    ) -> StoreResult<Vec<AlertTransitionRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRANSITION_COLS} FROM alert_transitions \
             WHERE rule = $1 AND entity_id = $2 ORDER BY id"
        )))
        .bind(rule.to_string())
        .bind(entity.0)
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter().map(transition_row).collect()
    }

    async fn recent_alert_transitions(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<AlertTransitionRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRANSITION_COLS} FROM alert_transitions ORDER BY id DESC LIMIT $1"
        )))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter().map(transition_row).collect()
    }

    async fn add_silence(&self, s: &NewSilence) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO alert_silences \
             (rule, entity_id, starts_at, ends_at, reason, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(s.rule.clone())
        .bind(s.entity.map(|e| e.0))
        .bind(ts(s.starts_at))
        .bind(ts(s.ends_at))
        .bind(s.reason.clone())
        .bind(s.created_by.clone())
        .bind(ts(s.created_at))
        .fetch_one(self.pool())
        .await
        .map_err(map_err)
    }

    async fn silences(&self) -> StoreResult<Vec<Silence>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SILENCE_COLS} FROM alert_silences ORDER BY id DESC"
        )))
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter().map(silence_row).collect()
    }
}
