//! The demo schemes shipped with the crate, as TOML text (`include_str!`), so the CLI's `demo`
//! and the tests use exactly the files in `crates/eval/schemes/`.

use crate::scheme::{Scheme, SchemeError, SchemeSet};

macro_rules! shipped {
    ($($konst:ident => $file:literal,)+) => {
        $(
            #[doc = concat!("`schemes/", $file, "`.")]
            pub const $konst: &str = include_str!(concat!("../schemes/", $file));
        )+
        /// Every shipped scheme as (file name, TOML text).
        pub const ALL: &[(&str, &str)] = &[$(($file, $konst)),+];
    };
}

shipped! {
    ECONOMY_RACE => "economy_race.toml",
    CARD_PARTY => "card_party.toml",
    CARD_ECONOMY => "card_economy.toml",
    CARD_SAFETY => "card_safety.toml",
    CARD_REFORM => "card_reform.toml",
    CARD_INNOVATION => "card_innovation.toml",
    CARD_ECOLOGY => "card_ecology.toml",
    CARD_CULTURE => "card_culture.toml",
    CARD_LIVELIHOOD => "card_livelihood.toml",
    CARDS_OVERALL => "cards_overall.toml",
    FIVE_COLOUR_IND_VA => "five_colour_ind_va.toml",
    MUJUN => "mujun.toml",
    HANDLING_RACE => "handling_race.toml",
}

/// Parses and checks every shipped scheme as one set (composites resolved).
pub fn load_all() -> Result<SchemeSet, SchemeError> {
    let schemes = ALL
        .iter()
        .map(|(_, text)| Scheme::from_toml_str(text))
        .collect::<Result<Vec<_>, _>>()?;
    SchemeSet::new(schemes)
}

/// `alerts/indicator_alerts.toml`: the demo's early-warning rules (规上工业增加值负增长,
/// 固定资产投资滞后序时进度, 社会消费品零售总额增速异常).
pub const ALERT_RULES: &str = include_str!("../alerts/indicator_alerts.toml");

/// Parses and checks the shipped early-warning rules.
pub fn alert_rules() -> Result<Vec<crate::alerts::AlertRule>, crate::alerts::AlertRuleError> {
    crate::alerts::parse_rules(ALERT_RULES)
}

/// `validation/rules.toml`: the shipped validation rules (各区县之和不超过全市 and others).
pub const VALIDATION_RULES: &str = include_str!("../validation/rules.toml");
