//! Observations: one value of one indicator for one entity and period, and the pure diff that
//! decides what an import inserts, updates or leaves alone.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{EntityId, IndicatorId, KernelError, Period};

/// What an observation measures: the indicator's level, or its growth as reported by the source
/// (比上年增长 %, at comparable prices where the source says so). The two are stored side by side and
/// never derived from one another here (DOMAIN.md §0.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Value,
    Growth,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Value => "value",
            Self::Growth => "growth",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Value => "数值",
            Self::Growth => "增速",
        }
    }

    pub fn parse(s: &str) -> Result<Self, KernelError> {
        match s.trim() {
            "" | "value" | "数值" | "绝对值" | "总量" => Ok(Self::Value),
            "growth" | "增速" | "增长" | "同比增长" | "比上年增长" => Ok(Self::Growth),
            other => Err(KernelError::invalid(
                "口径",
                other,
                "应为 数值/value 或 增速/growth",
            )),
        }
    }
}

/// The review state of an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationStatus {
    Draft,
    Submitted,
    Approved,
}

impl ObservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Submitted => "已报送",
            Self::Approved => "已审核",
        }
    }

    pub fn parse(s: &str) -> Result<Self, KernelError> {
        match s.trim() {
            "draft" | "草稿" => Ok(Self::Draft),
            "" | "submitted" | "已报送" | "报送" => Ok(Self::Submitted),
            "approved" | "已审核" | "审核通过" => Ok(Self::Approved),
            other => Err(KernelError::invalid(
                "状态",
                other,
                "应为 草稿/已报送/已审核",
            )),
        }
    }
}

/// Identifies one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObservationKey {
    pub entity: EntityId,
    pub indicator: IndicatorId,
    pub period: Period,
    pub measure: Measure,
}

/// A finite value with its review state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObservationValue {
    value: f64,
    pub status: ObservationStatus,
}

impl ObservationValue {
    pub fn new(value: f64, status: ObservationStatus) -> Result<Self, KernelError> {
        if !value.is_finite() {
            return Err(KernelError::invalid(
                "数值",
                value.to_string(),
                "不是有限数",
            ));
        }
        // Normalise −0.0 so that equal values compare and print equal.
        let value = if value == 0.0 { 0.0 } else { value };
        Ok(Self { value, status })
    }

    pub fn value(&self) -> f64 {
        self.value
    }
}

/// A stored observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub key: ObservationKey,
    pub value: ObservationValue,
    pub source: String,
    pub revision: i64,
    pub changed_by: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

/// An existing observation that an incoming value changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub key: ObservationKey,
    pub old: ObservationValue,
    pub old_revision: i64,
    pub new: ObservationValue,
}

/// What applying a batch would do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    pub inserts: Vec<(ObservationKey, ObservationValue)>,
    pub updates: Vec<Update>,
    pub unchanged: usize,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.inserts.is_empty() && self.updates.is_empty()
    }
}

/// Whether the status of incoming values was stated by the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusPolicy {
    /// The source states each status: a different status alone is a change.
    #[default]
    Explicit,
    /// The source states no status (a table without a 状态 column): an unchanged value keeps its
    /// stored status (re-importing a bureau's table does not undo an approval), while a changed
    /// value takes the incoming status and must be approved again.
    KeepWhenValueUnchanged,
}

/// Compares incoming values with what is stored: a new key is an insert, a different value or
/// (under [`StatusPolicy::Explicit`]) status is an update (a new revision), an identical one is
/// left alone. Incoming keys must be unique (the importers check that and report the rows).
pub fn diff_observations<S: std::hash::BuildHasher>(
    existing: &HashMap<ObservationKey, (ObservationValue, i64), S>,
    incoming: &[(ObservationKey, ObservationValue)],
    policy: StatusPolicy,
) -> ChangeSet {
    let mut out = ChangeSet::default();
    for (key, new) in incoming {
        match existing.get(key) {
            None => out.inserts.push((*key, *new)),
            Some((old, _)) if old == new => out.unchanged += 1,
            Some((old, _))
                if policy == StatusPolicy::KeepWhenValueUnchanged && old.value == new.value =>
            {
                out.unchanged += 1
            }
            Some((old, rev)) => out.updates.push(Update {
                key: *key,
                old: *old,
                old_revision: *rev,
                new: *new,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(e: i64) -> ObservationKey {
        ObservationKey {
            entity: EntityId(e),
            indicator: IndicatorId(1),
            period: Period::quarter(2024, 1).unwrap(),
            measure: Measure::Value,
        }
    }

    fn v(x: f64) -> ObservationValue {
        ObservationValue::new(x, ObservationStatus::Submitted).unwrap()
    }

    #[test]
    fn non_finite_values_are_refused() {
        assert!(ObservationValue::new(f64::NAN, ObservationStatus::Draft).is_err());
        assert!(ObservationValue::new(f64::INFINITY, ObservationStatus::Draft).is_err());
    }

    #[test]
    fn diff_sorts_inserts_updates_and_unchanged() {
        let existing = HashMap::from([(key(1), (v(1.0), 1)), (key(2), (v(2.0), 3))]);
        let incoming = vec![(key(1), v(1.0)), (key(2), v(2.5)), (key(3), v(3.0))];
        let d = diff_observations(&existing, &incoming, StatusPolicy::Explicit);
        assert_eq!(d.unchanged, 1);
        assert_eq!(d.inserts, vec![(key(3), v(3.0))]);
        assert_eq!(d.updates.len(), 1);
        assert_eq!(d.updates[0].old_revision, 3);
        assert_eq!(d.updates[0].old.value(), 2.0);
    }

    #[test]
    fn a_status_change_is_an_update() {
        let existing = HashMap::from([(key(1), (v(1.0), 1))]);
        let approved = ObservationValue::new(1.0, ObservationStatus::Approved).unwrap();
        assert_eq!(
            diff_observations(&existing, &[(key(1), approved)], StatusPolicy::Explicit)
                .updates
                .len(),
            1
        );
        let keep = StatusPolicy::KeepWhenValueUnchanged;
        assert_eq!(
            diff_observations(&existing, &[(key(1), approved)], keep).unchanged,
            1
        );
        let changed = ObservationValue::new(2.0, ObservationStatus::Draft).unwrap();
        let d = diff_observations(&existing, &[(key(1), changed)], keep);
        assert_eq!(
            d.updates[0].new.status,
            ObservationStatus::Draft,
            "a changed value takes the incoming status"
        );
    }

    #[test]
    fn measures_and_statuses_parse_chinese() {
        assert_eq!(Measure::parse("增速").unwrap(), Measure::Growth);
        assert_eq!(
            ObservationStatus::parse("已审核").unwrap(),
            ObservationStatus::Approved
        );
        assert!(ObservationStatus::parse("通过了").is_err());
    }

    proptest! {
        #[test]
        fn reapplying_a_batch_changes_nothing(values in proptest::collection::vec(-1e12f64..1e12, 0..50)) {
            let incoming: Vec<_> = values.iter().enumerate().map(|(i, x)| (key(i as i64), v(*x))).collect();
            let first = diff_observations(&HashMap::new(), &incoming, StatusPolicy::Explicit);
            prop_assert_eq!(first.inserts.len(), incoming.len());
            let stored: HashMap<_, _> = first.inserts.iter().map(|(k, v)| (*k, (*v, 1))).collect();
            let second = diff_observations(&stored, &incoming, StatusPolicy::Explicit);
            prop_assert!(second.is_empty());
            prop_assert_eq!(second.unchanged, incoming.len());
        }
    }
}
