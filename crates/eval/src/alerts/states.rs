//! The states of one alert instance — one per (rule, entity) — over successive periods (DOMAIN
//! §19; as Grafana's alerting and Prometheus' Alertmanager hold an alert before firing it):
//!
//! - **normal** → **pending** when the condition holds, for fewer than the rule's
//!   `pending_periods` (N) periods in a row; → **firing** once it held N periods (at once when
//!   N = 1);
//! - **firing** → **recovering** when the value is clear of the recovery threshold (hysteresis: a
//!   value between the firing and the recovery threshold keeps it firing, so a value hovering at
//!   the line does not flap); → **normal** after `recovery_periods` (K) clear periods in a row;
//!   a breach while recovering fires again;
//! - **no data** when the unit has not reported the period, **error** when the rule could not be
//!   evaluated; the next observation leaves them as from normal (or, from a firing state kept in
//!   `was_firing`, as from firing).
//!
//! Rules are data ([`StateRule`], read with the alert rule), [`apply`] is pure: the state and
//! one period's [`Observation`] in, the next state and the transition (if the state changed) out.

use serde::{Deserialize, Serialize};

/// How long a condition must hold, and stay clear, per rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateRule {
    /// N: periods in a row the condition must hold before firing (1: at once).
    pub pending_periods: u32,
    /// K: periods in a row clear of the recovery threshold before resolving (1: at once).
    pub recovery_periods: u32,
    /// The threshold a firing value must cross back to count as clear (None: the firing
    /// threshold itself).
    pub recovery_threshold: Option<f64>,
}

impl Default for StateRule {
    fn default() -> Self {
        Self {
            pending_periods: 1,
            recovery_periods: 1,
            recovery_threshold: None,
        }
    }
}

/// The state of an alert instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Normal,
    Pending,
    Firing,
    Recovering,
    NoData,
    Error,
}

impl AlertState {
    pub const ALL: [Self; 6] = [
        Self::Normal,
        Self::Pending,
        Self::Firing,
        Self::Recovering,
        Self::NoData,
        Self::Error,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Pending => "pending",
            Self::Firing => "firing",
            Self::Recovering => "recovering",
            Self::NoData => "no_data",
            Self::Error => "error",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Normal => "正常",
            Self::Pending => "待触发",
            Self::Firing => "告警中",
            Self::Recovering => "恢复中",
            Self::NoData => "无数据",
            Self::Error => "错误",
        }
    }

    /// Whether the instance counts as firing (a problem is open for it).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Firing | Self::Recovering)
    }
}

/// One period's reading of the rule for one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation {
    /// The condition holds (past the firing threshold).
    Breached,
    /// Not breached, but not clear of the recovery threshold either (between the two).
    Held,
    /// Clear of the recovery threshold.
    Clear,
    /// The unit has not reported the period.
    NoData,
    /// The rule could not be evaluated.
    Error,
}

/// An instance's state with its counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub state: AlertState,
    /// Periods in a row in the current state's condition (held while pending, clear while
    /// recovering).
    pub count: u32,
    /// Whether it was firing or recovering before no data or an error (so that the problem is
    /// not raised twice nor dropped).
    pub was_firing: bool,
}

impl Default for Instance {
    fn default() -> Self {
        Self {
            state: AlertState::Normal,
            count: 0,
            was_firing: false,
        }
    }
}

/// A change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: AlertState,
    pub to: AlertState,
    /// This change starts a firing (the problem is raised): not a return to firing from
    /// recovering, no data or an error while the firing was open.
    pub fires: bool,
    /// This change ends a firing (noted on its problem).
    pub resolves: bool,
}

impl Transition {
    pub fn fires(&self) -> bool {
        self.fires
    }

    pub fn resolves(&self) -> bool {
        self.resolves
    }
}

fn at(state: AlertState, count: u32, was_firing: bool) -> Instance {
    Instance {
        state,
        count,
        was_firing,
    }
}

/// The next state of `current` after one period's `obs` under `rule`, and the transition when
/// the state changed.
pub fn apply(
    rule: &StateRule,
    current: Instance,
    obs: Observation,
) -> (Instance, Option<Transition>) {
    use AlertState as S;
    use Observation as O;
    let n = rule.pending_periods.max(1);
    let k = rule.recovery_periods.max(1);
    let firing_before = current.state.is_active()
        || (matches!(current.state, S::NoData | S::Error) && current.was_firing);
    let next = match obs {
        O::NoData => at(S::NoData, 0, firing_before),
        O::Error => at(S::Error, 0, firing_before),
        _ if firing_before => {
            let count = if current.state == S::Recovering {
                current.count
            } else {
                0
            };
            match obs {
                O::Clear if count + 1 >= k => at(S::Normal, 0, false),
                O::Clear => at(S::Recovering, count + 1, false),
                _ => at(S::Firing, 0, false),
            }
        }
        O::Breached => {
            let count = if current.state == S::Pending {
                current.count
            } else {
                0
            } + 1;
            if count >= n {
                at(S::Firing, 0, false)
            } else {
                at(S::Pending, count, false)
            }
        }
        _ => at(S::Normal, 0, false),
    };
    let changed = (next.state != current.state).then_some(Transition {
        from: current.state,
        to: next.state,
        fires: next.state == S::Firing && !firing_before,
        resolves: firing_before && next.state == S::Normal,
    });
    (next, changed)
}

/// The state after each observation in turn, from normal: for tests and for replaying a history.
pub fn replay(rule: &StateRule, observations: &[Observation]) -> Vec<Transition> {
    let mut current = Instance::default();
    let mut out = Vec::new();
    for obs in observations {
        let (next, t) = apply(rule, current, *obs);
        out.extend(t);
        current = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::AlertState as S;
    use super::Observation as O;
    use super::*;

    fn rule(n: u32, k: u32) -> StateRule {
        StateRule {
            pending_periods: n,
            recovery_periods: k,
            recovery_threshold: None,
        }
    }

    fn path(t: &[Transition]) -> Vec<(S, S)> {
        t.iter().map(|t| (t.from, t.to)).collect()
    }

    #[test]
    fn two_periods_held_then_two_clear_go_through_every_state() {
        let t = replay(&rule(2, 2), &[O::Breached, O::Breached, O::Clear, O::Clear]);
        assert_eq!(
            path(&t),
            [
                (S::Normal, S::Pending),
                (S::Pending, S::Firing),
                (S::Firing, S::Recovering),
                (S::Recovering, S::Normal)
            ]
        );
        assert!(t[1].fires() && !t[0].fires());
        assert!(t[3].resolves() && !t[2].resolves());
    }

    #[test]
    fn one_period_rules_fire_and_resolve_at_once() {
        let t = replay(&rule(1, 1), &[O::Breached, O::Breached, O::Clear]);
        assert_eq!(path(&t), [(S::Normal, S::Firing), (S::Firing, S::Normal)]);
        assert!(t[1].resolves());
    }

    #[test]
    fn a_pending_condition_that_lets_go_is_normal_again() {
        let t = replay(
            &rule(3, 1),
            &[O::Breached, O::Breached, O::Held, O::Breached],
        );
        assert_eq!(
            path(&t),
            [
                (S::Normal, S::Pending),
                (S::Pending, S::Normal),
                (S::Normal, S::Pending)
            ]
        );
    }

    #[test]
    fn a_value_hovering_between_the_thresholds_keeps_firing() {
        // Hysteresis: held (between the lines) neither resolves nor starts recovering.
        let t = replay(
            &rule(1, 2),
            &[O::Breached, O::Held, O::Clear, O::Held, O::Clear, O::Clear],
        );
        assert_eq!(
            path(&t),
            [
                (S::Normal, S::Firing),
                (S::Firing, S::Recovering),
                (S::Recovering, S::Firing),
                (S::Firing, S::Recovering),
                (S::Recovering, S::Normal)
            ]
        );
        // Re-firing from recovering is the same firing: no second problem.
        assert!(!t[2].fires());
    }

    #[test]
    fn no_data_and_errors_keep_a_firing_open() {
        let t = replay(
            &rule(1, 1),
            &[O::Breached, O::NoData, O::Breached, O::Error, O::Clear],
        );
        assert_eq!(
            path(&t),
            [
                (S::Normal, S::Firing),
                (S::Firing, S::NoData),
                (S::NoData, S::Firing),
                (S::Firing, S::Error),
                (S::Error, S::Normal)
            ]
        );
        assert!(!t[2].fires(), "the firing never ended");
        let quiet = replay(&rule(1, 1), &[O::NoData, O::Clear]);
        assert_eq!(
            path(&quiet),
            [(S::Normal, S::NoData), (S::NoData, S::Normal)]
        );
        assert!(!quiet[1].resolves());
    }

    #[test]
    fn codes_round_trip() {
        for s in AlertState::ALL {
            assert_eq!(AlertState::parse(s.code()), Some(s));
            assert!(!s.label_zh().is_empty());
        }
    }
}
