//! Numbers as bureaus write them, and the unit conversions an import may apply.

use yiping_kernel::{Indicator, Measure};

use super::header::{GROWTH_UNITS, norm};
use crate::Cell;

/// Why a cell is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotANumber;

/// Reads a value cell: `Ok(None)` for a missing value (blank, —, ——, -, --, …, ..., /), the
/// number otherwise. Text may use thousands separators (1,234.5), full-width digits (１２３４.５),
/// a trailing % (5.2% → 5.2), a leading + and the Unicode minus (−3.1). A number cell is used as
/// it is.
pub(crate) fn parse_number(cell: &Cell) -> Result<Option<f64>, NotANumber> {
    let raw = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(n) => {
            return if n.is_finite() {
                Ok(Some(*n))
            } else {
                Err(NotANumber)
            };
        }
        Cell::Text(s) => s,
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

/// A unit family and the unit's size in the family's base unit (万元 = 10⁴ 元).
fn scale(unit: &str) -> Option<(u8, f64)> {
    Some(match unit {
        "元" => (0, 1.0),
        "千元" => (0, 1e3),
        "万元" => (0, 1e4),
        "亿元" => (0, 1e8),
        "人" => (1, 1.0),
        "万人" => (1, 1e4),
        _ => return None,
    })
}

/// How to turn a value in a file's unit into the indicator's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Convert {
    Keep,
    Multiply(f64),
    Divide(f64),
}

impl Convert {
    pub(crate) fn apply(self, v: f64) -> f64 {
        match self {
            Convert::Keep => v,
            Convert::Multiply(f) => v * f,
            Convert::Divide(f) => v / f,
        }
    }
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
    if fa != fb {
        return None;
    }
    // Ratios of powers of ten are exact, so dividing keeps 12345 万元 = 1.2345 亿元 exact.
    Some(if sa >= sb {
        Convert::Multiply(sa / sb)
    } else {
        Convert::Divide(sb / sa)
    })
}

/// What a file says about the unit of a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Declared<'a> {
    /// This column or row is in this unit (a header bracket, a unit row cell, a unit column).
    One(&'a str),
    /// The table says `单位：亿元、%`: one of these (none said: the indicator's unit).
    AnyOf(&'a [String]),
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

#[cfg(test)]
mod tests {
    use super::*;
    use yiping_kernel::{IndicatorId, NewIndicator};

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn numbers_as_bureaus_write_them() {
        assert_eq!(parse_number(&text("1,234.5")), Ok(Some(1234.5)));
        assert_eq!(parse_number(&text("１２３４.５")), Ok(Some(1234.5)));
        assert_eq!(parse_number(&text("１，２３４．５")), Ok(Some(1234.5)));
        assert_eq!(parse_number(&text("5.2%")), Ok(Some(5.2)));
        assert_eq!(parse_number(&text("5.2％")), Ok(Some(5.2)));
        assert_eq!(parse_number(&text("−3.1")), Ok(Some(-3.1)));
        assert_eq!(parse_number(&text("－3.1")), Ok(Some(-3.1)));
        assert_eq!(parse_number(&text("+0.5")), Ok(Some(0.5)));
        assert_eq!(parse_number(&text(" 12 ")), Ok(Some(12.0)));
        assert_eq!(parse_number(&text("1.5E+3")), Ok(Some(1500.0)));
        assert_eq!(parse_number(&Cell::Number(0.1 + 0.2)), Ok(Some(0.1 + 0.2)));
    }

    #[test]
    fn missing_markers() {
        for m in [
            "", " ", "—", "——", "-", "--", "…", "……", "...", "－", "/", "／",
        ] {
            assert_eq!(parse_number(&text(m)), Ok(None), "{m}");
        }
        assert_eq!(parse_number(&Cell::Empty), Ok(None));
    }

    #[test]
    fn garbage_is_refused() {
        for g in [
            "abc", "1,2", "12,34.5", "1.2.3", "inf", "NaN", "1e", "5%%", "约5", "1 2 3x",
        ] {
            assert_eq!(parse_number(&text(g)), Err(NotANumber), "{g}");
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
    }
}
