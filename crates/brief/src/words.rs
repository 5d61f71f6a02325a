//! Numbers, ranks, moves and grades as the house style writes them (全市地区生产总值同比增长6.1%，
//! 高于全国1.2个百分点；居全市第3位、上升2位；A档).

/// `v` with exactly `decimals` places (`30145.79`, `6.1`); `-0.0` prints as `0.0`.
pub fn number(v: f64, decimals: u8) -> String {
    let s = format!("{:.*}", usize::from(decimals), v);
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// The value a printed number stands for (what a reader of the text gets back).
pub fn printed(v: f64, decimals: u8) -> f64 {
    number(v, decimals).parse().unwrap_or(v)
}

/// A level with its unit: `30145.79亿元`, `1250万元`.
pub fn amount(v: f64, decimals: u8, unit: &str) -> String {
    format!("{}{unit}", number(v, decimals))
}

/// Growth as a verb phrase: `增长6.1%`, `下降2.3%`, `与上年同期持平`.
pub fn growth(g: f64) -> String {
    let p = printed(g, 1);
    if p > 0.0 {
        format!("增长{}%", number(p, 1))
    } else if p < 0.0 {
        format!("下降{}%", number(-p, 1))
    } else {
        "与上年同期持平".to_string()
    }
}

/// The difference of two growth rates against a reference, in 个百分点, computed on the printed
/// rates so the sentence adds up: `高于全国1.2个百分点`, `低于全市0.9个百分点`, `与全市持平`.
pub fn versus(own: f64, reference: f64, name: &str) -> String {
    let d = printed(printed(own, 1) - printed(reference, 1), 1);
    if d > 0.0 {
        format!("高于{name}{}个百分点", number(d, 1))
    } else if d < 0.0 {
        format!("低于{name}{}个百分点", number(-d, 1))
    } else {
        format!("与{name}持平")
    }
}

/// The point difference [`versus`] prints (signed).
pub fn versus_points(own: f64, reference: f64) -> f64 {
    printed(printed(own, 1) - printed(reference, 1), 1)
}

/// `第3位`.
pub fn rank(r: u32) -> String {
    format!("第{r}位")
}

/// A move since the previous period: `上升2位`, `下降1位`, `位次不变`, `新进入排名` (no previous).
pub fn moved(m: Option<i64>) -> String {
    match m {
        Some(n) if n > 0 => format!("上升{n}位"),
        Some(n) if n < 0 => format!("下降{}位", -n),
        Some(_) => "位次不变".to_string(),
        None => "新进入排名".to_string(),
    }
}

/// The short form for a table cell: `↑2`, `↓1`, `—`, `新`.
pub fn moved_cell(m: Option<i64>) -> String {
    match m {
        Some(n) if n > 0 => format!("↑{n}"),
        Some(n) if n < 0 => format!("↓{}", -n),
        Some(_) => "—".to_string(),
        None => "新".to_string(),
    }
}

/// `A档`.
pub fn grade(g: &str) -> String {
    format!("{g}档")
}

/// A list of names as the house style joins them: `甲、乙和丙`.
pub fn list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}和{last}", init.join("、")),
    }
}

/// A percentage with one decimal: `73.3%`.
pub fn percent(v: f64) -> String {
    format!("{}%", number(v, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_the_indicators_decimals() {
        assert_eq!(amount(30145.794, 2, "亿元"), "30145.79亿元");
        assert_eq!(amount(1250.0, 0, "万元"), "1250万元");
        assert_eq!(amount(297.0, 1, "亿元"), "297.0亿元");
        assert_eq!(number(-0.04, 1), "0.0");
        assert_eq!(printed(6.149, 1), 6.1);
    }

    #[test]
    fn growth_has_its_verb() {
        assert_eq!(growth(6.1), "增长6.1%");
        assert_eq!(growth(-2.34), "下降2.3%");
        assert_eq!(growth(0.04), "与上年同期持平");
    }

    #[test]
    fn differences_are_in_points_of_the_printed_rates() {
        assert_eq!(versus(6.1, 4.9, "全国"), "高于全国1.2个百分点");
        assert_eq!(versus(5.2, 6.1, "全市"), "低于全市0.9个百分点");
        assert_eq!(versus(6.14, 6.1, "全市"), "与全市持平");
        // 6.06 prints as 6.1 and 4.94 as 4.9: the difference a reader computes is 1.2.
        assert_eq!(versus(6.06, 4.94, "全国"), "高于全国1.2个百分点");
        assert_eq!(versus_points(5.2, 6.1), -0.9);
    }

    #[test]
    fn ranks_moves_and_grades() {
        assert_eq!(rank(3), "第3位");
        assert_eq!(moved(Some(2)), "上升2位");
        assert_eq!(moved(Some(-1)), "下降1位");
        assert_eq!(moved(Some(0)), "位次不变");
        assert_eq!(moved(None), "新进入排名");
        assert_eq!(moved_cell(Some(-3)), "↓3");
        assert_eq!(grade("A"), "A档");
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&n(&["渝中区"])), "渝中区");
        assert_eq!(
            list(&n(&["渝中区", "江北区", "南岸区"])),
            "渝中区、江北区和南岸区"
        );
    }
}
