//! Data-quality findings ([`QualityStore`]): the validation rules' findings that do not refuse
//! an import (importance medium and low, and everything an on-demand run finds), each with a
//! follow-up flag and a comment; and the seasonal outlier flags a reviewer confirms or dismisses.
//!
//! Both are keyed so a re-run updates rather than repeats: a finding by (rule, entity, period), a
//! flag by (indicator, entity, period). What a person wrote (follow-up, comment, review) survives
//! a re-run.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_kernel::{EntityId, IndicatorId, Period};

use crate::StoreResult;

/// A validation finding to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFinding {
    pub rule: String,
    pub rule_name: String,
    /// `high`, `medium` or `low`.
    pub importance: String,
    pub entity: EntityId,
    pub period: Period,
    pub left: Option<f64>,
    pub right: Option<f64>,
    /// The Chinese description with both numbers.
    pub message: String,
    pub found_at: DateTime<Utc>,
}

/// A stored finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: i64,
    #[serde(flatten)]
    pub data: NewFinding,
    /// No longer broken: a later check of the same rule, entity and period passed.
    pub resolved: bool,
    /// Marked for follow-up by the unit.
    pub follow_up: bool,
    pub comment: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Which findings or flags to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QualityFilter {
    /// Only these entities (a unit's subtree); `None`: all.
    pub entities: Option<Vec<EntityId>>,
    pub period: Option<Period>,
    /// Only findings not resolved / flags not reviewed.
    pub open_only: bool,
}

/// A seasonal outlier flag to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOutlierFlag {
    pub indicator: IndicatorId,
    pub entity: EntityId,
    pub period: Period,
    /// The month's level.
    pub value: f64,
    /// The seasonal index judged, the history's median and bounds, the modified z (if any).
    pub index: f64,
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub modified_z: Option<f64>,
    /// The same month of earlier years: (year, level), for the chart.
    pub history: Vec<(i32, f64)>,
    pub found_at: DateTime<Utc>,
}

/// What a reviewer decided about a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierReview {
    Pending,
    /// The value is wrong or needs an explanation.
    Confirmed,
    /// The value is right.
    Dismissed,
}

impl OutlierReview {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Pending => "待审核",
            Self::Confirmed => "确认异常",
            Self::Dismissed => "排除",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "pending" | "待审核" => Some(Self::Pending),
            "confirmed" | "确认异常" => Some(Self::Confirmed),
            "dismissed" | "排除" => Some(Self::Dismissed),
            _ => None,
        }
    }
}

/// A stored outlier flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlierFlag {
    pub id: i64,
    #[serde(flatten)]
    pub data: NewOutlierFlag,
    pub review: OutlierReview,
    pub note: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// Storage of findings and outlier flags. Part of [`crate::Store`].
#[async_trait]
pub trait QualityStore: Send + Sync {
    /// Records findings in one transaction: a new (rule, entity, period) is inserted, a known one
    /// gets the new numbers and message and is open again; follow-up and comment are kept.
    async fn record_findings(&self, findings: &[NewFinding]) -> StoreResult<()>;

    /// Marks these findings resolved (a later check passed).
    async fn resolve_findings(&self, ids: &[i64]) -> StoreResult<()>;

    /// Findings, newest first.
    async fn findings(&self, filter: &QualityFilter) -> StoreResult<Vec<Finding>>;

    async fn finding(&self, id: i64) -> StoreResult<Option<Finding>>;

    /// Sets a finding's follow-up flag and comment.
    async fn annotate_finding(
        &self,
        id: i64,
        follow_up: bool,
        comment: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Records flags in one transaction: a known (indicator, entity, period) gets the new numbers
    /// and keeps its review.
    async fn record_outlier_flags(&self, flags: &[NewOutlierFlag]) -> StoreResult<()>;

    /// Flags, newest first (`open_only`: not reviewed yet).
    async fn outlier_flags(&self, filter: &QualityFilter) -> StoreResult<Vec<OutlierFlag>>;

    async fn outlier_flag(&self, id: i64) -> StoreResult<Option<OutlierFlag>>;

    /// Records a reviewer's decision.
    async fn review_outlier_flag(
        &self,
        id: i64,
        review: OutlierReview,
        note: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
