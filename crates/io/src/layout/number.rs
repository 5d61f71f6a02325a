//! Numbers as bureaus write them, and the unit conversions an import may apply.

use yiping_kernel::{Indicator, Measure};

use super::header::{GROWTH_UNITS, norm};
use crate::CellRef;

/// Why a cell is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotANumber;

/// Reads a value cell: `Ok(None)` for a missing value (blank, —, ——, -, --, …, ..., /), the
/// number otherwise. Text may use thousands separators (1,234.5), full-width digits (１２３４.５),
/// a trailing % (5.2% → 5.2), a leading + and the Unicode minus (−3.1). A number cell is used as
/// it is.
pub(crate) fn parse_number(cell: CellRef<'_>) -> Result<Option<f64>, NotANumber> {
    let raw = match cell {
        CellRef::Empty => return Ok(None),
        CellRef::Number(n) => {
            return if n.is_finite() {
                Ok(Some(n))
            } else {
                Err(NotANumber)
            };
        }
        CellRef::Text(s) => s,
    };
    let t: String = norm(raw)
        .chars()
        .map(|c| match c {
            '\u{2212}' | '\u{FE63}' | '\u{2010}' | '\u{2011}' => '-',
            '\u{FF0E}' => '.',
            other => other,
        })
        .collect();
    if t.chars()
        .all(|c| matches!(c, '-' | '—' | '–' | '―' | '…' | '.' | '/' | '\\' | '·'))
    {
        return Ok(None);
    }
    let t = t.strip_suffix('%').unwrap_or(&t);
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => ("-", &t[1..]),
        Some(b'+') => ("", &t[1..]),
        _ => ("", t),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let int = strip_thousands(int).ok_or(NotANumber)?;
    if let Some(f) = frac
        && !f.chars().all(|c| c.is_ascii_digit())
    {
        return Err(NotANumber);
    }
    if int.is_empty() && frac.is_none_or(str::is_empty) {
        return Err(NotANumber);
    }
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(NotANumber);
        }
    }
    let mut clean = format!("{sign}{}", if int.is_empty() { "0" } else { &int });
    if let Some(f) = frac {
        clean.push('.');
        clean.push_str(if f.is_empty() { "0" } else { f });
    }
    if let Some(e) = exponent {
        clean.push('e');
        clean.push_str(e);
    }
    match clean.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(NotANumber),
    }
}

/// The integer part without thousands separators, if it is digits, optionally grouped by threes.
fn strip_thousands(int: &str) -> Option<String> {
    if !int.contains(',') {
        return int
            .chars()
            .all(|c| c.is_ascii_digit())
            .then(|| int.to_string());
    }
    let groups: Vec<&str> = int.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let digits = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    (first_ok && rest_ok && digits).then(|| groups.concat())
}

/// A unit family and the unit's size in the family's base unit as a power of ten (万元 = 10⁴
/// 元): the conversions an import applies are exact decimal shifts.
fn scale(unit: &str) -> Option<(u8, i32)> {
    Some(match unit {
        "元" => (0, 0),
        "千元" => (0, 3),
        "万元" => (0, 4),
        "百万元" => (0, 6),
        "千万元" => (0, 7),
        "亿元" => (0, 8),
        "人" => (1, 0),
        "万人" => (1, 4),
        "%" => (2, -2),
        "‰" => (2, -3),
        "吨" => (3, 0),
        "千吨" => (3, 3),
        "万吨" => (3, 4),
        "亿吨" => (3, 8),
        "美元" => (4, 0),
        "万美元" => (4, 4),
        "亿美元" => (4, 8),
        "千瓦时" => (5, 0),
        "万千瓦时" => (5, 4),
        "亿千瓦时" => (5, 8),
        "亩" => (6, 0),
        "万亩" => (6, 4),
        "个" => (7, 0),
        "万个" => (7, 4),
        "户" => (8, 0),
        "万户" => (8, 4),
        "家" => (9, 0),
        "万家" => (9, 4),
        _ => return None,
    })
}

/// Whether a unit is a share (per cent or per mille): a percent sign on a value of any other
/// unit is not a conversion but a mistake.
pub(crate) fn is_ratio_unit(unit: &str) -> bool {
    matches!(norm(unit).as_str(), "%" | "‰" | "百分比")
}

/// How to turn a value in a file's unit into the indicator's unit: multiply by 10^k.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Convert {
    Keep,
    /// Multiply by ten to this power, done on the decimal digits (12345 万元 is 1.2345 亿元,
    /// exactly the number typed as 1.2345; 5.3‰ is 0.53 %).
    Shift(i32),
}

impl Convert {
    pub(crate) fn apply(self, v: f64) -> f64 {
        match self {
            Convert::Keep | Convert::Shift(0) => v,
            Convert::Shift(k) => shift_decimal(v, k),
        }
    }
}

/// `v × 10^k`, computed on the shortest decimal digits of `v` so that the result is the double
/// nearest to the shifted decimal, as if the user had typed it in the target unit.
fn shift_decimal(v: f64, k: i32) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    // `{:e}` prints the shortest round-trip digits: 1.2345e4.
    let text = format!("{v:e}");
    let Some((mantissa, exp)) = text.split_once('e') else {
        return v * 10f64.powi(k);
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return v * 10f64.powi(k);
    };
    format!("{mantissa}e{}", exp + k)
        .parse()
        .unwrap_or(v * 10f64.powi(k))
}

fn same_unit(a: &str, b: &str) -> bool {
    norm(a) == norm(b)
}

/// The conversion from `from` to `to`, when both are the same or in one scale family.
fn conversion(from: &str, to: &str) -> Option<Convert> {
    if same_unit(from, to) {
        return Some(Convert::Keep);
    }
    let (fa, sa) = scale(&norm(from))?;
    let (fb, sb) = scale(&norm(to))?;
    (fa == fb).then_some(Convert::Shift(sa - sb))
}

/// What a file says about the unit of a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Declared<'a> {
    /// This column or row is in this unit (a header bracket, a unit row cell, a unit column).
    One(&'a str),
    /// The table says `单位：亿元、%`: one of these (none said: the indicator's unit).
    AnyOf(&'a [String]),
}

/// Why a percent sign cannot stand on a value of `ind`.
fn percent_on_level(ind: &Indicator, unit: &str) -> String {
    format!(
        "带有“{unit}”，但指标“{}”是以“{}”计的数值，不是百分比；请去掉百分号或改用正确的指标",
        ind.data.name,
        ind.data.unit.trim()
    )
}

/// The conversion for a value of `ind` measured as `measure`, or the reason (in Chinese) why the
/// declared unit does not fit. A growth rate is always in per cent, whatever the table's units.
pub(crate) fn unit_conversion(
    ind: &Indicator,
    measure: Measure,
    declared: Declared<'_>,
) -> Result<Convert, String> {
    let target = ind.data.unit.trim();
    match (measure, declared) {
        (Measure::Growth, Declared::AnyOf(_)) => Ok(Convert::Keep),
        (Measure::Growth, Declared::One(u)) => {
            let n = norm(u);
            if n.is_empty() || GROWTH_UNITS.contains(&n.as_str()) {
                Ok(Convert::Keep)
            } else {
                Err(format!("增速的计量单位应为%，不能是“{u}”"))
            }
        }
        (Measure::Value, Declared::One(u)) => {
            if norm(u).is_empty() || target.is_empty() {
                return Ok(Convert::Keep);
            }
            if is_ratio_unit(u) && !is_ratio_unit(target) {
                return Err(percent_on_level(ind, u));
            }
            conversion(u, target).ok_or_else(|| {
                format!(
                    "计量单位“{u}”与指标“{}”的计量单位“{target}”不一致，且无法换算",
                    ind.data.name
                )
            })
        }
        (Measure::Value, Declared::AnyOf(units)) => {
            if target.is_empty() || units.is_empty() || units.iter().any(|u| same_unit(u, target)) {
                return Ok(Convert::Keep);
            }
            let fits: Vec<Convert> = units.iter().filter_map(|u| conversion(u, target)).collect();
            match fits.as_slice() {
                [one] => Ok(*one),
                _ => Err(format!(
                    "表中声明的计量单位（{}）与指标“{}”的计量单位“{target}”不一致，且无法换算",
                    units.join("、"),
                    ind.data.name
                )),
            }
        }
    }
}

/// A value cell's own unit (`1,002.3万元`, `5.2%`) checked against what the column or row
/// declares and the indicator's unit: the conversion to apply, or why not.
pub(crate) fn cell_unit_conversion(
    ind: &Indicator,
    measure: Measure,
    cell_unit: &str,
    declared: Declared<'_>,
) -> Result<Convert, String> {
    if let Declared::One(d) = declared
        && !norm(d).is_empty()
        && !same_unit(d, cell_unit)
        && !(measure == Measure::Growth
            && is_ratio_unit(cell_unit)
            && GROWTH_UNITS.contains(&norm(d).as_str()))
    {
        return Err(format!(
            "数值写明的单位“{cell_unit}”与所在行列声明的计量单位“{d}”矛盾"
        ));
    }
    if measure == Measure::Value && is_ratio_unit(cell_unit) && !is_ratio_unit(&ind.data.unit) {
        return Err(percent_on_level(ind, cell_unit));
    }
    unit_conversion(ind, measure, Declared::One(cell_unit))
}

/// A value cell read: the number and the unit written after it, if any.
pub(crate) type ValueCell = Option<(f64, Option<String>)>;

/// The units a value cell may end with, longest first.
const CELL_UNITS: &[&str] = &[
    "万千瓦时",
    "亿千瓦时",
    "百万元",
    "千万元",
    "万美元",
    "亿美元",
    "千瓦时",
    "千元",
    "万元",
    "亿元",
    "万人",
    "千吨",
    "万吨",
    "亿吨",
    "美元",
    "万亩",
    "万个",
    "万户",
    "万家",
    "元",
    "人",
    "吨",
    "亩",
    "个",
    "户",
    "家",
    "%",
    "‰",
];

/// Reads an observation's value cell: like [`parse_number`], but a unit written after the
/// number (`5.2%`, `3.1‰`, `1,002.3万元`, `12 亿元`) is returned for checking instead of being
/// dropped.
pub(crate) fn parse_value(cell: CellRef<'_>) -> Result<ValueCell, NotANumber> {
    if let CellRef::Text(raw) = cell {
        let t = norm(raw);
        for u in CELL_UNITS {
            if let Some(num) = t.strip_suffix(u)
                && !num.is_empty()
                && let Ok(Some(v)) = parse_number(CellRef::Text(num))
            {
                return Ok(Some((v, Some((*u).to_string()))));
            }
        }
    }
    parse_number(cell).map(|n| n.map(|v| (v, None)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiping_kernel::{IndicatorId, NewIndicator};

    fn text(s: &str) -> CellRef<'_> {
        CellRef::Text(s)
    }

    #[test]
    fn numbers_as_bureaus_write_them() {
        assert_eq!(parse_number(text("1,234.5")), Ok(Some(1234.5)));
        assert_eq!(parse_number(text("１２３４.５")), Ok(Some(1234.5)));
        assert_eq!(parse_number(text("１，２３４．５")), Ok(Some(1234.5)));
        assert_eq!(parse_number(text("5.2%")), Ok(Some(5.2)));
        assert_eq!(parse_number(text("5.2％")), Ok(Some(5.2)));
        assert_eq!(parse_number(text("−3.1")), Ok(Some(-3.1)));
        assert_eq!(parse_number(text("－3.1")), Ok(Some(-3.1)));
        assert_eq!(parse_number(text("+0.5")), Ok(Some(0.5)));
        assert_eq!(parse_number(text(" 12 ")), Ok(Some(12.0)));
        assert_eq!(parse_number(text("1.5E+3")), Ok(Some(1500.0)));
        assert_eq!(
            parse_number(CellRef::Number(0.1 + 0.2)),
            Ok(Some(0.1 + 0.2))
        );
    }

    #[test]
    fn missing_markers() {
        for m in [
            "", " ", "—", "——", "-", "--", "…", "……", "...", "－", "/", "／",
        ] {
            assert_eq!(parse_number(text(m)), Ok(None), "{m}");
        }
        assert_eq!(parse_number(CellRef::Empty), Ok(None));
    }

    #[test]
    fn garbage_is_refused() {
        for g in [
            "abc", "1,2", "12,34.5", "1.2.3", "inf", "NaN", "1e", "5%%", "约5", "1 2 3x",
        ] {
            assert_eq!(parse_number(text(g)), Err(NotANumber), "{g}");
        }
    }

    #[test]
    fn money_units_convert_exactly() {
        let gdp = Indicator {
            id: IndicatorId(1),
            data: NewIndicator::new("GDP", "地区生产总值", "亿元").unwrap(),
        };
        let c = unit_conversion(&gdp, Measure::Value, Declared::One("万元")).unwrap();
        assert_eq!(c.apply(12345.0), 1.2345);
        assert_eq!(c.apply(10023.0), 1.0023);
        let back = Convert::Shift(4);
        assert_eq!(back.apply(1.2345), 12345.0);
        assert_eq!(
            back.apply(0.1 + 0.2),
            3000.0000000000005,
            "the digits of the double"
        );
        assert_eq!(Convert::Shift(-1).apply(5.3), 0.53);
        assert_eq!(Convert::Shift(1).apply(0.53), 5.3);
        assert_eq!(Convert::Shift(-4).apply(-7.0), -0.0007);
        assert_eq!(
            unit_conversion(&gdp, Measure::Value, Declared::One("亿元")),
            Ok(Convert::Keep)
        );
        assert!(unit_conversion(&gdp, Measure::Value, Declared::One("万吨")).is_err());
        assert!(unit_conversion(&gdp, Measure::Value, Declared::One("万人")).is_err());
        let units = vec!["万元".to_string(), "%".to_string()];
        assert_eq!(
            unit_conversion(&gdp, Measure::Value, Declared::AnyOf(&units))
                .unwrap()
                .apply(1e4),
            1.0
        );
        assert_eq!(
            unit_conversion(&gdp, Measure::Growth, Declared::One("%")),
            Ok(Convert::Keep)
        );
        assert!(unit_conversion(&gdp, Measure::Growth, Declared::One("亿元")).is_err());
        let why = unit_conversion(&gdp, Measure::Value, Declared::One("%")).unwrap_err();
        assert!(why.contains("不是百分比"), "{why}");
        let rd = Indicator {
            id: IndicatorId(2),
            data: NewIndicator::new("RD", "研发投入强度", "%").unwrap(),
        };
        assert_eq!(
            unit_conversion(&rd, Measure::Value, Declared::One("‰")),
            Ok(Convert::Shift(-1))
        );
        assert_eq!(
            cell_unit_conversion(&rd, Measure::Value, "%", Declared::AnyOf(&[])),
            Ok(Convert::Keep)
        );
        assert!(cell_unit_conversion(&gdp, Measure::Value, "%", Declared::AnyOf(&[])).is_err());
        assert!(cell_unit_conversion(&gdp, Measure::Value, "万元", Declared::One("亿元")).is_err());
        assert_eq!(
            cell_unit_conversion(&gdp, Measure::Value, "万元", Declared::AnyOf(&[])),
            Ok(Convert::Shift(-4))
        );
        assert_eq!(
            cell_unit_conversion(&gdp, Measure::Growth, "%", Declared::One("%")),
            Ok(Convert::Keep)
        );
    }

    #[test]
    fn value_cells_carry_their_unit() {
        assert_eq!(parse_value(text("5.2%")), Ok(Some((5.2, Some("%".into())))));
        assert_eq!(
            parse_value(text("１，００２.３万元")),
            Ok(Some((1002.3, Some("万元".into()))))
        );
        assert_eq!(parse_value(text("3.1‰")), Ok(Some((3.1, Some("‰".into())))));
        assert_eq!(
            parse_value(text("12 亿元")),
            Ok(Some((12.0, Some("亿元".into()))))
        );
        assert_eq!(parse_value(text("12")), Ok(Some((12.0, None))));
        assert_eq!(parse_value(text("—")), Ok(None));
        assert_eq!(parse_value(text("约12万元")), Err(NotANumber));
        assert_eq!(parse_value(CellRef::Number(1.5)), Ok(Some((1.5, None))));
    }
}
