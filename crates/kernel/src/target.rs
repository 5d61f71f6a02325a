//! Annual targets, with an optional monthly schedule (linear when absent).

use serde::{Deserialize, Serialize};

use crate::{EntityId, IndicatorId, KernelError};

/// Whether a target is a growth rate (%) or a level in the indicator's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Growth,
    Level,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Growth => "growth",
            Self::Level => "level",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Growth => "增速目标",
            Self::Level => "总量目标",
        }
    }

    pub fn parse(s: &str) -> Result<Self, KernelError> {
        match s.trim() {
            "growth" | "增速目标" | "增速" => Ok(Self::Growth),
            "level" | "总量目标" | "总量" | "数值" => Ok(Self::Level),
            other => Err(KernelError::invalid(
                "目标类型",
                other,
                "应为 增速目标/growth 或 总量目标/level",
            )),
        }
    }
}

/// An annual target for one entity and indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub entity: EntityId,
    pub indicator: IndicatorId,
    pub year: i32,
    pub kind: TargetKind,
    pub value: f64,
    /// Cumulative planned share of the annual value at the end of each month (12 values,
    /// non-decreasing, the last equal to 1). `None` means linear: month m has m/12.
    schedule: Option<Vec<f64>>,
}

impl Target {
    pub fn new(
        entity: EntityId,
        indicator: IndicatorId,
        year: i32,
        kind: TargetKind,
        value: f64,
        schedule: Option<Vec<f64>>,
    ) -> Result<Self, KernelError> {
        if !value.is_finite() {
            return Err(KernelError::invalid(
                "目标值",
                value.to_string(),
                "不是有限数",
            ));
        }
        if !(1949..=2200).contains(&year) {
            return Err(KernelError::invalid(
                "年份",
                year.to_string(),
                "不在1949—2200之间",
            ));
        }
        if let Some(s) = &schedule {
            let text = format!("{s:?}");
            if s.len() != 12 {
                return Err(KernelError::invalid(
                    "月度计划",
                    text,
                    "须有12个月的累计比例",
                ));
            }
            if s.iter().any(|x| !x.is_finite() || *x < 0.0) || s.windows(2).any(|w| w[1] < w[0]) {
                return Err(KernelError::invalid(
                    "月度计划",
                    text,
                    "累计比例须非负且逐月不减",
                ));
            }
            if (s[11] - 1.0).abs() > 1e-9 {
                return Err(KernelError::invalid(
                    "月度计划",
                    text,
                    "12月的累计比例须为1",
                ));
            }
        }
        Ok(Self {
            entity,
            indicator,
            year,
            kind,
            value,
            schedule,
        })
    }

    pub fn schedule(&self) -> Option<&[f64]> {
        self.schedule.as_deref()
    }

    /// The planned cumulative share of the annual target at the end of `month` (1–12).
    pub fn planned_share(&self, month: u8) -> f64 {
        let m = month.clamp(1, 12);
        match &self.schedule {
            Some(s) => s[usize::from(m) - 1],
            None => f64::from(m) / 12.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_linear() {
        let t = Target::new(
            EntityId(1),
            IndicatorId(1),
            2024,
            TargetKind::Level,
            405.34,
            None,
        )
        .unwrap();
        assert_eq!(t.planned_share(9), 0.75);
    }

    #[test]
    fn schedules_are_checked() {
        let ok: Vec<f64> = (1..=12).map(|m| f64::from(m) / 12.0).collect();
        assert!(
            Target::new(
                EntityId(1),
                IndicatorId(1),
                2024,
                TargetKind::Level,
                1.0,
                Some(ok)
            )
            .is_ok()
        );
        let short = vec![0.5; 11];
        assert!(
            Target::new(
                EntityId(1),
                IndicatorId(1),
                2024,
                TargetKind::Level,
                1.0,
                Some(short)
            )
            .is_err()
        );
        let mut falling: Vec<f64> = (1..=12).map(|m| f64::from(m) / 12.0).collect();
        falling[3] = 0.1;
        assert!(
            Target::new(
                EntityId(1),
                IndicatorId(1),
                2024,
                TargetKind::Level,
                1.0,
                Some(falling)
            )
            .is_err()
        );
    }
}
