//! Noun phrases around a value: where a phrase starts (after barrier words), the phrase written
//! after a number, list items and the measure noun they share.

use crate::np::{self, SPLIT_NOUNS};
use crate::run::{at, ends_at, find, is_han, longest_at};

/// Words after which a phrase starts (为企业降本 → 企业).
pub(crate) const BARRIERS: &[&str] = &[
    "的", "为", "对", "向", "在", "把", "将", "使", "让", "给", "从", "由", "通过", "按照", "后",
    "等",
];

/// Where a phrase written after its number stops.
pub(crate) const AFTER_STOPS: &[&str] = &[
    "建设",
    "加快",
    "实现",
    "落地",
    "开工",
    "投产",
    "提速",
    "成功",
    "相继",
    "等",
    "和",
    "及",
    "上的",
    "的",
    "应",
    "已",
    "正在",
    "全面",
    "顺利",
    "基本",
    "获",
    "入选",
    "纳入",
    "完成",
    "达到",
    "建成",
    "落户",
    "加速",
    "签约",
    "开行",
    "进行",
    "提供",
    "有序",
    "形成",
    "入驻",
    "投用",
    "上线",
    "覆盖",
    "全覆盖",
    "配备",
    "参与",
    "享受",
    "受益",
    "带动",
    "发展",
    "通过",
    "被",
    "向",
    "累计",
];

/// The start of a phrase after its last barrier word (为企业降本 → 企业).
pub(crate) fn after_barriers(c: &[char], a: usize, e: usize) -> usize {
    let mut s = a;
    // 民生支出占一般公共预算支出的比重: 的 inside a share phrase keeps it whole.
    let share_at = find(c, a, e, "占");
    for i in a..e {
        if c[i] == '的' && share_at.is_some_and(|p| p < i) {
            continue;
        }
        for w in BARRIERS {
            let n = w.chars().count();
            if at(c, i, w) && i + n < e && !in_word(c, i) {
                s = s.max(i + n);
            }
        }
        // 支柱产业中食品… : 中 after a group noun means "among".
        if c[i] == '中'
            && i > a
            && matches!(c[i - 1], '业' | '域' | '群' | '类' | '链')
            && i + 1 < e
        {
            s = s.max(i + 1);
        }
    }
    s
}

/// Words in which a barrier character is not a barrier (等级, 作为, 在建, 转让…).
pub(crate) const NOT_BARRIERS: &[&str] = &[
    "等级", "平等", "同等", "作为", "成为", "认为", "行为", "称为", "视为", "因为", "更为", "较为",
    "极为", "存在", "所在", "现在", "实在", "正在", "在建", "在库", "在谈", "在途", "在线", "在岗",
    "对接", "面对", "相对", "针对", "对外", "对标", "方向", "导向", "面向", "定向", "服从", "自由",
    "理由", "由于", "将近", "即将", "后发", "最后", "以后", "后续", "前后", "供给", "补给", "使用",
    "大使", "转让", "出让", "把关", "向好", "目的", "有的", "的确", "给予", "从业", "从事",
];

pub(crate) fn in_word(c: &[char], i: usize) -> bool {
    NOT_BARRIERS.iter().any(|w| {
        w.chars()
            .enumerate()
            .any(|(k, ch)| ch == c[i] && i >= k && at(c, i - k, w))
    })
}

/// Whether `c[a..e]` is nothing but lead words (组建, 完善): a verb waiting for its object.
pub(crate) fn lead_only(c: &[char], a: usize, e: usize) -> bool {
    let mut i = a;
    while i < e {
        match longest_at(&c[..e], i, np::LEAD_STRIP) {
            Some((_, n)) => i += n,
            None => return false,
        }
    }
    true
}

/// The phrase written after a value (组建30亿元先进制造业基金): its end.
pub(crate) fn phrase_after(c: &[char], s: usize, end: usize) -> Option<usize> {
    let mut k = s;
    while k < end && k - s < 16 {
        let ch = c[k];
        if !(is_han(ch) || ch.is_ascii_alphabetic() || ch == '、' || ch == '“' || ch == '”') {
            break;
        }
        if k > s && longest_at(&c[..end], k, AFTER_STOPS).is_some() {
            break;
        }
        // 市、区两级重点项目 is one phrase; 优质学校、重庆大学附属医院 are two.
        if ch == '、' && (k == s || k - s > 2) {
            break;
        }
        // 积分贷超1亿元: the next value begins.
        if ["超", "近", "约", "达"].iter().any(|w| at(c, k, w))
            && c.get(k + 1).is_some_and(|d| d.is_ascii_digit())
        {
            break;
        }
        k += 1;
    }
    (k > s + 1).then_some(k)
}

/// Splits a phrase into list items at `、` (and at 和/及/与 when `and` is set); drops what follows
/// a final 等 (医改惠民等多个改革专项 → 医改惠民).
pub(crate) fn list_items(c: &[char], a: usize, e: usize, and: bool) -> Vec<(usize, usize)> {
    let mut items = Vec::new();
    let mut s = a;
    let mut depth = 0;
    for (i, &ch) in c.iter().enumerate().take(e).skip(a) {
        match ch {
            '“' | '(' => depth += 1,
            '”' | ')' if depth > 0 => depth -= 1,
            _ => {}
        }
        let sep = depth == 0 && (ch == '、' || (and && matches!(ch, '和' | '及' | '与')));
        if sep {
            items.push((s, i));
            s = i + 1;
        }
    }
    items.push((s, e));
    if items.len() > 1
        && let Some(last) = items.last_mut()
    {
        if let Some(p) = find(c, last.0, last.1, "等") {
            last.1 = p;
        } else if let Some(p) = (last.0 + 1..last.1).find(|&k| category_count_at(c, k)) {
            last.1 = p;
        }
    }
    items.retain(|(x, y)| y > x);
    items
}

/// A count naming the category of a list just before it: 三大支柱产业, 3个板块, 两类.
pub(crate) fn category_count_at(c: &[char], k: usize) -> bool {
    let j = if c[k].is_ascii_digit() {
        (k..c.len())
            .find(|&x| !c[x].is_ascii_digit())
            .unwrap_or(c.len())
    } else {
        match crate::number::chinese_at(c, k) {
            Some((_, j)) => j,
            None => return false,
        }
    };
    j > k
        && matches!(c.get(j), Some('大' | '类' | '项' | '个' | '种' | '家'))
        && c.get(j + 1).is_some_and(|&x| is_han(x))
}

/// The measure noun (or 增速) ending the last list item but no other: (noun, strip only).
pub(crate) fn shared_suffix(
    c: &[char],
    pairing: &[(Option<(usize, usize)>, usize)],
) -> Option<(String, bool)> {
    let items: Vec<(usize, usize)> = pairing.iter().filter_map(|p| p.0).collect();
    let (ls, le) = *items.last()?;
    let last = &c[ls..le];
    let mut words: Vec<(&str, bool)> = SPLIT_NOUNS.iter().map(|w| (*w, false)).collect();
    words.extend([
        ("增速", true),
        ("增幅", true),
        ("投资", false),
        ("收入", false),
    ]);
    let (word, strip_only) = words
        .iter()
        .filter(|(w, _)| ends_at(last, last.len(), w) && last.len() > w.chars().count())
        .max_by_key(|(w, _)| w.chars().count())?;
    // 批发销售额、住宿销售额、餐饮营业额: every item names its own measure.
    let others_have = items[..items.len() - 1].iter().any(|&(s, e)| {
        let item = &c[s..e];
        ends_at(item, item.len(), word)
            || words.iter().any(|(w, _)| ends_at(item, item.len(), w))
            || matches!(item.last(), Some('额' | '量' | '率' | '值' | '数' | '入'))
            // 投资 / 收入 are shared only by sector names (工业和基础设施投资).
            || (matches!(*word, "投资" | "收入") && !np::is_sector(item))
    });
    (!others_have).then(|| ((*word).to_string(), *strip_only))
}
