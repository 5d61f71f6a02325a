//! The Chinese forms of periods written in statistics tables (`2024年1—9月`, `前三季度`,
//! `一季度`, `上半年`, `2024年3月份`, `第12周` …): parsing a whole cell, finding a period inside a
//! table title or sheet name, and printing the Chinese label.
//!
//! Grammar (after full-width characters are folded to ASCII):
//!
//! ```text
//! period  := code | numeric | [截至] [year [截至]] body? suffix* | year (底|末)
//! code    := 2024 | 2024H1 | 2024Q3 | 2024M03 | 2024M01-M09 | 2024W12      (also after 年: 2024年Q3;
//!            a whole cell may omit the year: Q3, H1, M03, W12)
//! numeric := 2024.1-9 | 2024.03 | 2024/3 | 2024-03                        ([月[份]] may follow)
//! year    := four digits 年[度]  (二〇二四年 too; two-digit years are refused)
//! body    := 全年 | 上半年 | 下半年 | 前 n [个] 季度 | 前 n [个] 月
//!          | [第] n 季度 | [第] n dash [第] m 季度 | [第] n 周
//!          | n 月[份] [dash [year] m 月[份]] | n dash m 月[份]
//! suffix  := 累计 | (累计) | 底 | 末
//! dash    := - — – ― ～ ~ 〜 至 到 (repeated dashes count as one)
//! n, m    := ASCII digits or Chinese numerals (一 … 十二, 两)
//! ```
//!
//! `截至n月` and `n月累计` mean the cumulative `1—n月`. Without a year the default year is used.
//! Dates (`2024-03-15`, `3月18日`) and ranges across years (`2023年12月—2024年2月`) are refused.

use super::{Period, PeriodError};

mod mention;

pub use mention::{Mention, Yearless};

const HINT: &str =
    "可写作 2024年1—9月、1—9月、前三季度、一季度、上半年、全年、2024年3月、第12周 或 2024Q3 等";
const CN_ORDINALS: [&str; 4] = ["一", "二", "三", "四"];

impl Period {
    /// Parses a canonical code (see [`Period::code`]) or one of the Chinese forms of statistics
    /// tables: `2024年1—9月`, `1-9月`, `1至9月`, `前三季度`, `2024年一季度`, `第二季度`,
    /// `一至三季度`, `上半年`, `全年`, `2024年`, `2024年3月份`, `十二月`, `2024年第12周`,
    /// `1—9月累计`, `截至9月`, `1月至9月`, `2024.1-9`, `2024-03`, full-width digits included.
    ///
    /// A form without a year takes `default_year`; without one it is refused with
    /// [`PeriodError::MissingYear`]. Anything else, two-digit years included, is refused with
    /// [`PeriodError::Unrecognised`] and a reason in Chinese.
    pub fn parse(input: &str, default_year: Option<i32>) -> Result<Self, PeriodError> {
        let chars = normalize(input, false);
        if chars.is_empty() {
            return Err(PeriodError::unrecognised(input, "内容为空"));
        }
        let folded: String = chars.iter().collect();
        if let Ok(p) = Self::parse_code(&folded) {
            return Ok(p);
        }
        let hit =
            parse_at(&chars, 0, Mode::Whole).map_err(|r| PeriodError::unrecognised(input, r))?;
        if hit.end < chars.len() {
            let rest: String = chars[hit.end..].iter().collect();
            return Err(PeriodError::unrecognised(
                input,
                format!("无法识别其中的“{rest}”；{HINT}"),
            ));
        }
        resolve(&hit, default_year, input)
    }

    /// Finds the period mentioned in a longer text: a table title (`2024年1—9月各区县主要经济指标`,
    /// `表1 2024年一季度全市规上工业增加值（单位：亿元）`) or a sheet name (`2024Q3`, `2024年9月`).
    ///
    /// A match with its own year is preferred to one without; among those the longest, then the
    /// first. A year written alone (`2024年各区县1—9月…`) gives its year to a match without one;
    /// otherwise such a match takes `default_year`, and is ignored when there is none. Returns
    /// `None` when no period is found.
    pub fn find_in_text(text: &str, default_year: Option<i32>) -> Option<Self> {
        if let Ok(p) = Self::parse(text, default_year) {
            return Some(p);
        }
        match Self::mention_in_text(text)? {
            Mention::Period(p) => Some(p),
            Mention::Year(y) => Self::year(y).ok(),
            Mention::Yearless(m) => m.in_year(default_year?).ok(),
        }
    }

    /// The Chinese label: `2024年`, `2024年上半年`, `2024年一季度`, `2024年3月`, `2024年1—9月`,
    /// `2024年第12周`. [`Period::parse`] reads it back.
    pub fn label_zh(&self) -> String {
        match *self {
            Self::Week { year, week } => format!("{year}年第{week}周"),
            Self::Months {
                year,
                from: 1,
                to: 12,
            } => format!("{year}年"),
            Self::Months {
                year,
                from: 1,
                to: 6,
            } => format!("{year}年上半年"),
            Self::Months {
                year,
                from: 7,
                to: 12,
            } => format!("{year}年下半年"),
            Self::Months { year, from, to } if to == from + 2 && from % 3 == 1 => {
                format!("{year}年{}季度", CN_ORDINALS[usize::from(from / 3)])
            }
            Self::Months { year, from, to } if from == to => format!("{year}年{from}月"),
            Self::Months { year, from, to } => format!("{year}年{from}—{to}月"),
        }
    }
}

/// Folds full-width ASCII (`２０２４`, `－`, `～`, `．`) to ASCII and drops whitespace, or, when
/// `keep_spaces`, turns every whitespace into one ASCII space (so `表1 2024年` stays two numbers).
fn normalize(s: &str, keep_spaces: bool) -> Vec<char> {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            match (c.is_whitespace(), keep_spaces) {
                (false, _) => Some(c),
                (true, true) => Some(' '),
                (true, false) => None,
            }
        })
        .collect()
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '—' | '–' | '―' | '‐' | '‑' | '−' | '﹣' | '~' | '～' | '〜' | '－'
    )
}

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_cn_numeral(c: char) -> bool {
    c == '十' || cn_digit(c).is_some()
}

/// A match does not start inside a number (`12024年` holds no `2024年`).
fn can_start(s: &[char], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| s[p]) else {
        return true;
    };
    let c = s[i];
    !(c.is_ascii_digit() && (prev.is_ascii_digit() || prev == '.')
        || is_cn_numeral(c) && is_cn_numeral(prev))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The whole input must be a period; errors say why not.
    Whole,
    /// A period may start here inside running text; be strict about lookalikes.
    Scan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumKind {
    Ascii,
    /// 一 … 九, 十, 十二, 二十三.
    Chinese,
    /// Chinese digits written place by place: 二〇二四.
    ChinesePositional,
}

#[derive(Debug, Clone, Copy)]
struct Num {
    value: u32,
    digits: usize,
    kind: NumKind,
}

impl Num {
    /// A month, quarter or week number: not `二〇二四`.
    fn small(self) -> Option<u32> {
        (self.kind != NumKind::ChinesePositional).then_some(self.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Months(u32, u32),
    Week(u32),
    Exact(Period),
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    year: Option<i32>,
    body: Body,
    end: usize,
    /// Only a year was written (`2024年`).
    bare_year: bool,
    /// A single month in Chinese numerals without a year (`一月`): in running text it is more
    /// often part of a word (统一月度) than a period.
    loose: bool,
}

struct Cur<'a> {
    s: &'a [char],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn eat(&mut self, word: &str) -> bool {
        let n = word.chars().count();
        let matches = self
            .s
            .get(self.i..self.i + n)
            .is_some_and(|got| got.iter().copied().eq(word.chars()));
        if matches {
            self.i += n;
        }
        matches
    }

    /// Eats the first of `words` that matches (put longer words first).
    fn eat_any(&mut self, words: &[&str]) -> bool {
        words.iter().any(|w| self.eat(w))
    }

    fn dash(&mut self) -> bool {
        if self.eat_any(&["至", "到"]) {
            return true;
        }
        let start = self.i;
        while self.peek().is_some_and(is_dash) {
            self.i += 1;
        }
        self.i > start
    }

    fn ascii_digits(&mut self) -> Option<&[char]> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        (self.i > start).then(|| &self.s[start..self.i])
    }

    fn number(&mut self) -> Option<Num> {
        let start = self.i;
        if let Some(digits) = self.ascii_digits() {
            let value = digits
                .iter()
                .try_fold(0u32, |v, c| v.checked_mul(10)?.checked_add(c.to_digit(10)?))
                .unwrap_or(u32::MAX);
            return Some(Num {
                value,
                digits: digits.len(),
                kind: NumKind::Ascii,
            });
        }
        while self.peek().is_some_and(is_cn_numeral) {
            self.i += 1;
        }
        let run = &self.s[start..self.i];
        let num = match run.iter().position(|&c| c == '十') {
            None if run.len() == 1 => cn_digit(run[0]).map(|value| Num {
                value,
                digits: 1,
                kind: NumKind::Chinese,
            }),
            None if !run.is_empty() => Some(Num {
                value: run
                    .iter()
                    .try_fold(0u32, |v, &c| v.checked_mul(10)?.checked_add(cn_digit(c)?))
                    .unwrap_or(u32::MAX),
                digits: run.len(),
                kind: NumKind::ChinesePositional,
            }),
            None => None,
            Some(ten) => {
                let digit = |c: char| cn_digit(c).filter(|d| *d > 0);
                let tens = match ten {
                    0 => Some(1),
                    1 => digit(run[0]),
                    _ => None,
                };
                let units = match &run[ten + 1..] {
                    [] => Some(0),
                    [c] => digit(*c),
                    _ => None,
                };
                tens.zip(units).map(|(t, u)| Num {
                    value: t * 10 + u,
                    digits: 2,
                    kind: NumKind::Chinese,
                })
            }
        };
        if num.is_none() {
            self.i = start;
        }
        num
    }

    fn small_number(&mut self) -> Option<u32> {
        let start = self.i;
        let n = self.number().and_then(Num::small);
        if n.is_none() {
            self.i = start;
        }
        n
    }

    /// `2024年` or `2024年度`; `Ok(None)` when no year is written here.
    fn year(&mut self) -> Result<Option<i32>, String> {
        let start = self.i;
        let Some(n) = self.number() else {
            return Ok(None);
        };
        if !self.eat("年") {
            self.i = start;
            return Ok(None);
        }
        let four = n.digits == 4 && n.kind != NumKind::Chinese;
        let written: String = self.s[start..self.i].iter().collect();
        if !four {
            return Err(format!("年份须写四位数（如2024年），不接受“{written}”"));
        }
        self.eat("度");
        i32::try_from(n.value)
            .map(Some)
            .map_err(|_| format!("年份“{written}”无效"))
    }

    fn upto(&mut self) -> bool {
        self.eat_any(&["截至到", "截止到", "截至", "截止"])
    }

    fn quarter_word(&mut self) -> bool {
        self.eat_any(&["季度", "季"])
    }

    fn month_word(&mut self) -> bool {
        let ate = self.eat("月");
        if ate {
            self.eat("份");
        }
        ate
    }
}

fn quarters(a: u32, b: u32) -> Result<Body, String> {
    if !(1..=4).contains(&a) || !(1..=4).contains(&b) {
        return Err("季度须在一至四之间".into());
    }
    if a > b {
        return Err(format!("起始季度（{a}）晚于截止季度（{b}）"));
    }
    Ok(Body::Months(a * 3 - 2, b * 3))
}

/// What [`body`] found.
#[derive(Debug, Clone, Copy)]
struct Found {
    body: Body,
    /// A single month written in Chinese numerals (`一月`).
    chinese_month: bool,
    /// The year repeated after the dash: `2024年1月至2024年9月`.
    year_to: Option<i32>,
}

impl From<Body> for Found {
    fn from(body: Body) -> Self {
        Self {
            body,
            chinese_month: false,
            year_to: None,
        }
    }
}

/// Refuses `3月18日`: a day, not a period.
fn no_day(c: &mut Cur) -> Result<(), String> {
    let start = c.i;
    let day = c.number().is_some() && c.eat_any(&["日", "号"]);
    c.i = start;
    if day {
        Err("这是日期，不是时期".into())
    } else {
        Ok(())
    }
}

/// The part after the year. `Ok(None)` when nothing here looks like a period.
fn body(c: &mut Cur) -> Result<Option<Found>, String> {
    let start = c.i;
    if c.eat_any(&["全年度", "全年"]) {
        return Ok(Some(Body::Months(1, 12).into()));
    }
    if c.eat_any(&["上半年度", "上半年"]) {
        return Ok(Some(Body::Months(1, 6).into()));
    }
    if c.eat_any(&["下半年度", "下半年"]) {
        return Ok(Some(Body::Months(7, 12).into()));
    }
    if c.eat("前") {
        if let Some(n) = c.small_number() {
            c.eat("个");
            if c.quarter_word() {
                return quarters(1, n).map(|b| Some(b.into()));
            }
            if c.month_word() {
                return Ok(Some(Body::Months(1, n).into()));
            }
        }
        c.i = start;
        return Ok(None);
    }
    let ordinal = c.eat("第");
    let first = c.i;
    let Some(a) = c.small_number() else {
        c.i = start;
        return Ok(None);
    };
    let chinese = !c.s[first].is_ascii_digit();
    if c.quarter_word() {
        return quarters(a, a).map(|b| Some(b.into()));
    }
    if c.eat("周") {
        return Ok(Some(Body::Week(a).into()));
    }
    if !ordinal && c.month_word() {
        no_day(c)?;
        let single = c.i;
        if c.dash() {
            let year_to = c.year()?;
            if let Some(b) = c.small_number()
                && c.month_word()
            {
                no_day(c)?;
                return Ok(Some(Found {
                    body: Body::Months(a, b),
                    chinese_month: false,
                    year_to,
                }));
            }
        }
        c.i = single;
        return Ok(Some(Found {
            body: Body::Months(a, a),
            chinese_month: chinese,
            year_to: None,
        }));
    }
    if c.dash() {
        let ordinal_b = c.eat("第");
        if let Some(b) = c.small_number() {
            if c.quarter_word() {
                return quarters(a, b).map(|b| Some(b.into()));
            }
            if c.eat("周") {
                return Err("一个时期只能是一周，不能是几周".into());
            }
            if !ordinal && !ordinal_b && c.month_word() {
                no_day(c)?;
                return Ok(Some(Body::Months(a, b).into()));
            }
        }
    }
    c.i = start;
    Ok(None)
}

/// A code without its year, `Q3`, `H1`, `M01-M09`, `W12`, as the months or week it names.
fn yearless_code(c: &mut Cur) -> Option<Body> {
    // 2020 has 53 ISO weeks; the real year is checked later.
    let (p, end) = code_tail(c.s, c.i, 2020)?;
    c.i = end;
    Some(match p {
        Period::Months { from, to, .. } => Body::Months(u32::from(from), u32::from(to)),
        Period::Week { week, .. } => Body::Week(u32::from(week)),
    })
}

/// `2024.1-9`, `2024.03`, `2024/3`, `2024-03`, optionally followed by `月`.
fn numeric(c: &mut Cur, mode: Mode) -> Result<Option<Hit>, String> {
    let four = (0..4).all(|k| c.peek_at(k).is_some_and(|d| d.is_ascii_digit()));
    let sep = c.peek_at(4).filter(|s| matches!(s, '.' | '/' | '-'));
    let (true, Some(sep), Some(true)) = (four, sep, c.peek_at(5).map(|d| d.is_ascii_digit()))
    else {
        return Ok(None);
    };
    let year: i32 = c.s[c.i..c.i + 4]
        .iter()
        .collect::<String>()
        .parse()
        .map_err(|_| "年份无效")?;
    c.i += 5;
    let month = |c: &mut Cur| match c.ascii_digits() {
        Some(d) if d.len() <= 2 => Ok(d
            .iter()
            .fold(0, |v, d| v * 10 + d.to_digit(10).unwrap_or(0))),
        _ => Err("月份须写一到两位数字".to_string()),
    };
    let digits_start = c.i;
    let a = month(c)?;
    let one_digit = c.i - digits_start == 1;
    if c.peek() == Some(sep) && c.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
        return Err("这是日期，不是时期".into());
    }
    let single = c.i;
    let mut b = a;
    let mut range = false;
    if c.dash() && c.peek().is_some_and(|d| d.is_ascii_digit()) {
        b = month(c)?;
        range = true;
    } else {
        c.i = single;
    }
    let month_word = c.month_word();
    if sep == '.' && !range && !month_word && one_digit && a == 1 {
        // Excel reads 2024.10 as the number 2024.1: January or October?
        return Err(format!(
            "有歧义：可能是{year}年1月，也可能是{year}.10被Excel当作数字保存后丢掉了末尾的0（{year}年10月）；请写作{year}年1月、{year}年10月或{year}M01、{year}M10"
        ));
    }
    if mode == Mode::Scan && sep == '.' && !range && !month_word {
        return Err("可能是小数".into());
    }
    Ok(Some(Hit {
        year: Some(year),
        body: Body::Months(a, b),
        end: c.i,
        bare_year: false,
        loose: false,
    }))
}

/// A code fragment after a year: `Q3`, `H1`, `M03`, `M01-M09`, `W12`.
fn code_tail(s: &[char], i: usize, year: i32) -> Option<(Period, usize)> {
    let tag = s.get(i)?.to_ascii_uppercase();
    if !matches!(tag, 'Q' | 'H' | 'M' | 'W') {
        return None;
    }
    let mut c = Cur { s, i: i + 1 };
    let first: String = c.ascii_digits()?.iter().collect();
    let mut code = format!("{year}{tag}{first}");
    let single = c.i;
    if tag == 'M' && c.eat("-") {
        c.eat("M");
        c.eat("m");
        match c.ascii_digits() {
            Some(d) => code = format!("{code}-M{}", d.iter().collect::<String>()),
            None => c.i = single,
        }
    }
    if c.peek().is_some_and(|ch| ch.is_ascii_alphanumeric()) {
        return None;
    }
    Period::parse_code(&code).ok().map(|p| (p, c.i))
}

/// A code inside running text: `2024Q3`, `2024M01-M09`, `2024W12` (not a bare `2024`).
fn code_at(s: &[char], i: usize) -> Option<Hit> {
    let digits = s.get(i..i + 4)?;
    if !digits.iter().all(|d| d.is_ascii_digit()) {
        return None;
    }
    let year: i32 = digits.iter().collect::<String>().parse().ok()?;
    let (p, end) = code_tail(s, i + 4, year)?;
    Some(Hit {
        year: Some(year),
        body: Body::Exact(p),
        end,
        bare_year: false,
        loose: false,
    })
}

fn parse_at(s: &[char], start: usize, mode: Mode) -> Result<Hit, String> {
    let mut c = Cur { s, i: start };
    let mut upto = c.upto();
    if !upto && let Some(hit) = numeric(&mut c, mode)? {
        return Ok(hit);
    }
    let mut year = c.year()?;
    if let Some(year) = year {
        if let Some((p, end)) = code_tail(s, c.i, year) {
            return Ok(Hit {
                year: Some(year),
                body: Body::Exact(p),
                end,
                bare_year: false,
                loose: false,
            });
        }
        upto |= c.upto();
    }
    let found = match body(&mut c)? {
        Some(found) => found,
        None if year.is_none() && !upto && mode == Mode::Whole => match yearless_code(&mut c) {
            Some(body) => body.into(),
            None => return Err(format!("无法识别；{HINT}")),
        },
        None => {
            if year.is_none() || upto {
                return Err(format!("无法识别；{HINT}"));
            }
            // `2024年末`, `2024年底`: the whole year.
            let end_of_year = c.eat_any(&["底", "末"]);
            return Ok(Hit {
                year,
                body: Body::Months(1, 12),
                end: c.i,
                bare_year: !end_of_year,
                loose: false,
            });
        }
    };
    if let Some(to) = found.year_to {
        match year {
            Some(from) if from != to => return Err("一个时期不能跨年".into()),
            _ => year = Some(to),
        }
    }
    let mut body = found.body;
    let mut cumulative = false;
    loop {
        if c.eat_any(&["累计", "(累计)"]) {
            c.eat("值");
            cumulative = true;
        } else if !c.eat_any(&["底", "末"]) {
            break;
        }
    }
    match body {
        Body::Week(_) if upto || cumulative => return Err("周不能累计".into()),
        Body::Months(_, to) if upto => body = Body::Months(1, to),
        Body::Months(from, to) if cumulative && from == to => body = Body::Months(1, to),
        _ => {}
    }
    Ok(Hit {
        year,
        body,
        end: c.i,
        bare_year: false,
        loose: year.is_none() && found.chinese_month && !upto && !cumulative,
    })
}

fn with_input(e: PeriodError, input: &str) -> PeriodError {
    match e {
        PeriodError::Unrecognised { reason, .. } => PeriodError::unrecognised(input, reason),
        PeriodError::MissingYear { .. } => PeriodError::MissingYear {
            input: input.to_string(),
        },
    }
}

/// Checks the numbers, then applies the year (or the default year).
fn resolve(hit: &Hit, default_year: Option<i32>, input: &str) -> Result<Period, PeriodError> {
    let bad = |reason: String| PeriodError::unrecognised(input, reason);
    let small = |n: u32| u8::try_from(n).unwrap_or(u8::MAX);
    match hit.body {
        Body::Exact(p) => return Ok(p),
        Body::Months(from, to) => {
            if !(1..=12).contains(&from) || !(1..=12).contains(&to) {
                let m = if (1..=12).contains(&from) { to } else { from };
                return Err(bad(format!("月份须在1—12之间，不能是{m}月")));
            }
            if from > to {
                return Err(bad(format!("起始月份（{from}月）晚于截止月份（{to}月）")));
            }
        }
        Body::Week(w) => {
            if !(1..=53).contains(&w) {
                return Err(bad(format!("周次须在1—53之间，不能是第{w}周")));
            }
        }
    }
    let year = hit
        .year
        .or(default_year)
        .ok_or_else(|| PeriodError::MissingYear {
            input: input.to_string(),
        })?;
    match hit.body {
        Body::Months(from, to) => Period::months(year, small(from), small(to)),
        Body::Week(w) => Period::week(year, small(w)),
        Body::Exact(p) => Ok(p),
    }
    .map_err(|e| with_input(e, input))
}

#[cfg(test)]
mod tests;
