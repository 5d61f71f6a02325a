//! Plain-text tables for the terminal, aligned for Chinese text (a CJK character is two columns).

/// Display width: two columns for wide (CJK and full-width) characters, one otherwise.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Renders `rows` under `header`; columns in `right` are right-aligned (numbers). The last column
/// is not padded, so long explanations do not push trailing spaces.
pub fn render(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let n = header.len();
    let mut w: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            w[i] = w[i].max(width(c));
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, c) in cells.enumerate() {
            let pad = w[i].saturating_sub(width(c));
            if i > 0 {
                s.push_str("  ");
            }
            if right.contains(&i) {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < n {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_counts_double() {
        assert_eq!(width("渝中区"), 6);
        assert_eq!(width("A档"), 3);
        let t = render(
            &["排名", "名称"],
            &[
                vec!["1".into(), "渝中区".into()],
                vec!["10".into(), "两江".into()],
            ],
            &[0],
        );
        assert_eq!(t, "排名  名称\n   1  渝中区\n  10  两江\n");
    }
}
