//! The pending follow-ups ([`yiping_store::PendingStore`]): one row per committed write whose
//! follow-up has not finished, in `pending_changes`, written inside the write's transaction by
//! [`record`].
//!
//! The changes are kept as JSON text, compactly: the observation keys grouped by indicator,
//! measure and period, each group with its entity ids (`{"o": [[indicator, measure, period,
//! [entity, …]], …], "t": [[indicator, year], …]}`), about 8 bytes an observation.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use yiping_kernel::{EntityId, IndicatorId, Measure, ObservationKey, Period};
use yiping_store::{ChangeContext, FollowUp, PendingChange, PendingStore, StoreError, StoreResult};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, parse, parse_ts, ts};

type Groups = Vec<(i64, String, String, Vec<i64>)>;

#[derive(serde::Serialize, serde::Deserialize)]
struct Changes {
    o: Groups,
    t: Vec<(i64, i32)>,
}

fn encode(observations: &[ObservationKey], targets: &[(IndicatorId, i32)]) -> StoreResult<String> {
    let mut groups: BTreeMap<(i64, &'static str, String), Vec<i64>> = BTreeMap::new();
    for k in observations {
        groups
            .entry((k.indicator.0, k.measure.as_str(), k.period.code()))
            .or_default()
            .push(k.entity.0);
    }
    let changes = Changes {
        o: groups
            .into_iter()
            .map(|((i, m, p), e)| (i, m.to_string(), p, e))
            .collect(),
        t: targets.iter().map(|(i, y)| (i.0, *y)).collect(),
    };
    serde_json::to_string(&changes).map_err(|e| StoreError::invalid(e.to_string()))
}

/// The observation keys and the (indicator, year) of the targets of a note.
type Decoded = (Vec<ObservationKey>, Vec<(IndicatorId, i32)>);

fn decode(raw: &str) -> StoreResult<Decoded> {
    let c: Changes = parse("changes", raw, serde_json::from_str(raw))?;
    let mut keys = Vec::new();
    for (indicator, measure, period, entities) in c.o {
        let measure = parse("changes", &measure, Measure::parse(&measure))?;
        let period = parse("changes", &period, Period::parse_code(&period))?;
        keys.extend(entities.into_iter().map(|e| ObservationKey {
            entity: EntityId(e),
            indicator: IndicatorId(indicator),
            period,
            measure,
        }));
    }
    let targets = c.t.into_iter().map(|(i, y)| (IndicatorId(i), y)).collect();
    Ok((keys, targets))
}

/// Inside a write's transaction: the follow-up of the change (claimed by `follow_up.owner`) and
/// the write's audit event. Returns the follow-up's id.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    follow_up: &FollowUp,
    ctx: &ChangeContext,
    observations: &[ObservationKey],
    targets: &[(IndicatorId, i32)],
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO pending_changes (created_at, actor, source, changes, claimed_by, claimed_at) \
         VALUES ($1, $2, $3, $4, $5, $1) RETURNING id",
    )
    .bind(ts(ctx.at))
    .bind(ctx.actor.clone())
    .bind(ctx.source.clone())
    .bind(encode(observations, targets)?)
    .bind(follow_up.owner.clone())
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)?;
    if let Some(e) = &follow_up.audit {
        sqlx::query(
            "INSERT INTO audit_events (at, actor, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ts(e.at))
        .bind(e.actor.clone())
        .bind(e.action.clone())
        .bind(e.target.clone())
        .bind(e.detail.clone())
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    }
    Ok(id)
}

#[async_trait]
impl PendingStore for SqlStore {
    async fn pending_changes(&self) -> StoreResult<Vec<PendingChange>> {
        let rows = sqlx::query(
            "SELECT id, created_at, actor, source, changes, claimed_by, claimed_at \
             FROM pending_changes ORDER BY id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let (observations, targets) = decode(&get::<String>(r, "changes")?)?;
                Ok(PendingChange {
                    id: get(r, "id")?,
                    created_at: parse_ts("created_at", &get::<String>(r, "created_at")?)?,
                    actor: get(r, "actor")?,
                    source: get(r, "source")?,
                    observations,
                    targets,
                    claimed_by: get(r, "claimed_by")?,
                    claimed_at: get::<Option<String>>(r, "claimed_at")?
                        .map(|t| parse_ts("claimed_at", &t))
                        .transpose()?,
                })
            })
            .collect()
    }

    async fn claim_pending(
        &self,
        id: i64,
        expected: Option<&str>,
        owner: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One statement: the row changes only if it is still as the caller saw it.
        let done = match expected {
            None => {
                sqlx::query(
                    "UPDATE pending_changes SET claimed_by = $1, claimed_at = $2 \
                 WHERE id = $3 AND claimed_by IS NULL",
                )
                .bind(owner.to_string())
                .bind(ts(at))
                .bind(id)
                .execute(self.pool())
                .await
            }
            Some(prev) => {
                sqlx::query(
                    "UPDATE pending_changes SET claimed_by = $1, claimed_at = $2 \
                 WHERE id = $3 AND claimed_by = $4",
                )
                .bind(owner.to_string())
                .bind(ts(at))
                .bind(id)
                .bind(prev.to_string())
                .execute(self.pool())
                .await
            }
        }
        .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_pending(&self, id: i64, owner: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM pending_changes WHERE id = $1 AND claimed_by = $2")
            .bind(id)
            .bind(owner.to_string())
            .execute(self.pool())
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }
}
