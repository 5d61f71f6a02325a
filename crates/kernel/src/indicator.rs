//! Indicators: what is measured, in which unit, how often, and how it aggregates and compares.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::KernelError;

/// The store's stable internal id of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IndicatorId(pub i64);

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An indicator code such as `GDP` or `IND_VA`: ASCII letters, digits and `_ . -`, at most 40.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndicatorCode(String);

impl IndicatorCode {
    pub fn parse(s: &str) -> Result<Self, KernelError> {
        let t = crate::catalog::normalize_name(s);
        if t.is_empty() {
            return Err(KernelError::Empty {
                field: "指标代码"
            });
        }
        if t.len() > 40
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return Err(KernelError::invalid(
                "指标代码",
                s,
                "只能包含字母、数字和 _ . -，最长40个字符",
            ));
        }
        Ok(Self(t.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IndicatorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for IndicatorCode {
    type Error = KernelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<IndicatorCode> for String {
    fn from(c: IndicatorCode) -> String {
        c.0
    }
}

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident, $field:literal { $($variant:ident => $code:literal, $zh:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            /// Accepts the English code or the Chinese label.
            pub fn parse(s: &str) -> Result<Self, KernelError> {
                let t = s.trim();
                Self::ALL.iter().copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(t) || v.label_zh() == t)
                    .ok_or_else(|| KernelError::invalid($field, s, format!("可选值：{}",
                        Self::ALL.iter().map(|v| format!("{}/{}", v.label_zh(), v.as_str())).collect::<Vec<_>>().join("、"))))
            }
        }
    };
}

str_enum!(
    /// How often an indicator is collected.
    Frequency, "频率" {
        Week => "week", "周";
        Month => "month", "月";
        Quarter => "quarter", "季";
        Year => "year", "年";
    }
);

str_enum!(
    /// What an indicator's value is.
    IndicatorKind, "指标类型" {
        Level => "level", "水平值";
        CumulativeLevel => "cumulative_level", "累计值";
        Rate => "rate", "比率";
        GrowthPct => "growth_pct", "增速";
    }
);

str_enum!(
    /// How values combine up the region tree.
    Aggregation, "汇总方式" {
        Sum => "sum", "求和";
        Mean => "mean", "平均";
        WeightedMean => "weighted_mean", "加权平均";
        None => "none", "不汇总";
    }
);

str_enum!(
    /// Whether a higher value is better.
    Polarity, "方向" {
        HigherBetter => "higher_better", "越高越好";
        LowerBetter => "lower_better", "越低越好";
    }
);

/// The values an indicator's level can take: land area, counts and money stocks cannot be
/// negative, a share cannot pass 100 %. Either bound may be open. Growth rates are not bound.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ValidRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl ValidRange {
    /// No bound.
    pub const ANY: ValidRange = ValidRange {
        min: None,
        max: None,
    };
    /// Zero or more.
    pub const NON_NEGATIVE: ValidRange = ValidRange {
        min: Some(0.0),
        max: None,
    };

    /// A range; the bounds must be finite and in order.
    pub fn new(min: Option<f64>, max: Option<f64>) -> Result<Self, KernelError> {
        let r = Self { min, max };
        if min.is_some_and(|m| !m.is_finite()) || max.is_some_and(|m| !m.is_finite()) {
            return Err(KernelError::invalid(
                "取值范围",
                r.label_zh(),
                "上下限须为有限数",
            ));
        }
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            return Err(KernelError::invalid(
                "取值范围",
                r.label_zh(),
                "下限大于上限",
            ));
        }
        Ok(r)
    }

    pub fn is_any(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }

    /// `≥0`, `≤100`, `0—100`, or empty for no bound; [`ValidRange::parse`] reads it back.
    pub fn label_zh(&self) -> String {
        match (self.min, self.max) {
            (None, None) => String::new(),
            (Some(a), None) => format!("≥{a}"),
            (None, Some(b)) => format!("≤{b}"),
            (Some(a), Some(b)) => format!("{a}—{b}"),
        }
    }

    /// Reads `≥0` (also `>=0`, `非负`, `不小于0`), `≤100`, `0—100` (also `0-100`, `0~100`,
    /// `[0,100]`, `0至100`); empty for no bound.
    pub fn parse(s: &str) -> Result<Self, KernelError> {
        let t: String = crate::catalog::normalize_name(s);
        let bad =
            || KernelError::invalid("取值范围", s, "应写作 ≥0、≤100 或 0—100（留空表示不限）");
        let num = |x: &str| x.trim().parse::<f64>().map_err(|_| bad());
        if t.is_empty() || t == "不限" {
            return Ok(Self::ANY);
        }
        if t == "非负" || t == "非负数" {
            return Ok(Self::NON_NEGATIVE);
        }
        for p in ["≥", ">=", "不小于", "不低于"] {
            if let Some(rest) = t.strip_prefix(p) {
                return Self::new(Some(num(rest)?), None);
            }
        }
        for p in ["≤", "<=", "不大于", "不高于", "不超过"] {
            if let Some(rest) = t.strip_prefix(p) {
                return Self::new(None, Some(num(rest)?));
            }
        }
        let inner = t
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(&t);
        for sep in [",", "—", "~", "～", "至", "到"] {
            if let Some((a, b)) = inner.split_once(sep) {
                return Self::new(Some(num(a)?), Some(num(b)?));
            }
        }
        // `0-100`: the dash after the first character (a leading one is a sign).
        if let Some(i) = inner.get(1..).and_then(|r| r.find('-')) {
            let (a, b) = inner.split_at(i + 1);
            return Self::new(Some(num(a)?), Some(num(&b[1..])?));
        }
        Err(bad())
    }
}

/// An indicator as defined by an analyst, before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewIndicator {
    pub code: IndicatorCode,
    pub name: String,
    /// Other names people write (固投 for 固定资产投资).
    pub aliases: Vec<String>,
    pub unit: String,
    pub frequency: Frequency,
    pub kind: IndicatorKind,
    pub aggregation: Aggregation,
    pub polarity: Polarity,
    pub decimals: u8,
    pub definition: String,
    pub owner_department: Option<String>,
    /// 约束性 or 预期性, when published.
    pub constraint: Option<String>,
    /// A formula over other indicators' codes, e.g. `TAX / LAND_MU` for 亩均税收.
    pub formula: Option<String>,
    /// The values a level may take (an import refuses others); no bound by default.
    #[serde(default)]
    pub range: ValidRange,
}

impl NewIndicator {
    /// An indicator with the common defaults: monthly cumulative level, summed, higher is better.
    pub fn new(code: &str, name: &str, unit: &str) -> Result<Self, KernelError> {
        let code = IndicatorCode::parse(code)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(KernelError::Empty {
                field: "指标名称"
            });
        }
        if name.chars().count() > 100 {
            return Err(KernelError::invalid("指标名称", name, "超过100个字符"));
        }
        Ok(Self {
            code,
            name: name.to_string(),
            aliases: Vec::new(),
            unit: unit.trim().to_string(),
            frequency: Frequency::Month,
            kind: IndicatorKind::CumulativeLevel,
            aggregation: Aggregation::Sum,
            polarity: Polarity::HigherBetter,
            decimals: 2,
            definition: String::new(),
            owner_department: None,
            constraint: None,
            formula: None,
            range: ValidRange::ANY,
        })
    }

    pub fn with_aliases<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, aliases: I) -> Self {
        for a in aliases {
            let a = a.as_ref().trim();
            if !a.is_empty() && a != self.name && !self.aliases.iter().any(|x| x == a) {
                self.aliases.push(a.to_string());
            }
        }
        self
    }

    /// Checks the decimals bound (0–6).
    pub fn with_decimals(mut self, decimals: u8) -> Result<Self, KernelError> {
        if decimals > 6 {
            return Err(KernelError::invalid(
                "小数位数",
                decimals.to_string(),
                "应在0—6之间",
            ));
        }
        self.decimals = decimals;
        Ok(self)
    }

    /// The operands of a quotient formula `A / B` (亩均税收 = ENT_TAX / LAND_MU), the only form
    /// derived automatically; `None` for other formulas or none.
    pub fn quotient_operands(&self) -> Option<(&str, &str)> {
        let (a, b) = self.formula.as_deref()?.split_once('/')?;
        let (a, b) = (a.trim(), b.trim());
        let plain = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        };
        (plain(a) && plain(b)).then_some((a, b))
    }

    /// The value of a quotient formula: `None` when the denominator is not positive (a firm
    /// without land or emission data has no per-亩 or per-tonne value). Rounded to the decimals.
    pub fn quotient_value(&self, numerator: f64, denominator: f64) -> Option<f64> {
        if denominator <= 0.0 || !numerator.is_finite() || !denominator.is_finite() {
            return None;
        }
        let scale = 10f64.powi(i32::from(self.decimals));
        Some((numerator / denominator * scale).round() / scale)
    }

    /// Whether a rate-like indicator's values are already growth percentages.
    pub fn is_growth(&self) -> bool {
        self.kind == IndicatorKind::GrowthPct
    }
}

/// A stored indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: IndicatorId,
    #[serde(flatten)]
    pub data: NewIndicator,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_ascii() {
        assert_eq!(IndicatorCode::parse(" gdp ").unwrap().as_str(), "GDP");
        assert!(IndicatorCode::parse("地区生产总值").is_err());
        assert!(IndicatorCode::parse("").is_err());
    }

    #[test]
    fn enums_parse_both_languages_and_name_the_choices() {
        assert_eq!(Frequency::parse("季").unwrap(), Frequency::Quarter);
        assert_eq!(
            IndicatorKind::parse("growth_pct").unwrap(),
            IndicatorKind::GrowthPct
        );
        let err = Polarity::parse("好").unwrap_err().to_string();
        assert!(err.contains("越高越好"), "{err}");
    }

    #[test]
    fn quotient_formulas_give_operands_and_values() {
        let mut i = NewIndicator::new("TAX_PER_MU", "亩均税收", "万元/亩").unwrap();
        assert_eq!(i.quotient_operands(), None);
        i.formula = Some(" ENT_TAX / LAND_MU ".into());
        assert_eq!(i.quotient_operands(), Some(("ENT_TAX", "LAND_MU")));
        assert_eq!(i.quotient_value(361.455, 10.0), Some(36.15));
        assert_eq!(i.quotient_value(1.0, 0.0), None);
        i.formula = Some("(A + B) / C".into());
        assert_eq!(i.quotient_operands(), None);
    }

    #[test]
    fn valid_ranges_parse_print_and_check() {
        for (text, min, max) in [
            ("≥0", Some(0.0), None),
            (">= 0", Some(0.0), None),
            ("非负", Some(0.0), None),
            ("0—100", Some(0.0), Some(100.0)),
            ("0-100", Some(0.0), Some(100.0)),
            ("[0,100]", Some(0.0), Some(100.0)),
            ("-50~50", Some(-50.0), Some(50.0)),
            ("≤1", None, Some(1.0)),
            ("", None, None),
        ] {
            let r = ValidRange::parse(text).unwrap();
            assert_eq!((r.min, r.max), (min, max), "{text}");
            assert_eq!(ValidRange::parse(&r.label_zh()).unwrap(), r, "{text}");
        }
        assert!(ValidRange::parse("100—0").is_err());
        assert!(ValidRange::parse("正数").is_err());
        let r = ValidRange::NON_NEGATIVE;
        assert!(r.contains(0.0) && r.contains(1e9) && !r.contains(-0.01));
        assert!(ValidRange::ANY.contains(-1e300));
    }

    #[test]
    fn decimals_are_bounded() {
        let i = NewIndicator::new("GDP", "地区生产总值", "亿元").unwrap();
        assert!(i.clone().with_decimals(7).is_err());
        assert_eq!(i.with_decimals(1).unwrap().decimals, 1);
    }
}
