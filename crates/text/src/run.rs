//! Text as the extractor reads it: normalised characters, each remembering where it came from.
//!
//! A report's sentences cross layout line breaks (`产值97.5亿\n\n元`), so the scanners work on a
//! [`Run`]: the characters of a paragraph with whitespace removed and full-width forms folded to
//! ASCII, each carrying its character offset in the original text. A span found in a run maps back
//! to the exact original substring, line breaks included.

/// Folds one character: full-width ASCII (digits, letters, `％`, `，`, `．`, …) to half-width, the
/// ideographic full stop variants to `。`. One character in, one out, so offsets survive.
pub(crate) fn fold(c: char) -> char {
    match c {
        // `，` becomes `,`; the enumeration comma `、` is not full-width ASCII and stays.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{FF61}' => '。',
        '–' | '‑' => '-',
        other => other,
    }
}

/// Characters with their original offsets.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Run {
    pub c: Vec<char>,
    pub pos: Vec<usize>,
}

impl Run {
    pub fn push(&mut self, c: char, pos: usize) {
        self.c.push(c);
        self.pos.push(pos);
    }

    /// The original offsets `[start, end)` covered by `[a, b)` of the run.
    pub fn orig_span(&self, a: usize, b: usize) -> (usize, usize) {
        if a >= b || b > self.pos.len() {
            let p = self.pos.get(a).copied().unwrap_or(0);
            return (p, p);
        }
        (self.pos[a], self.pos[b - 1] + 1)
    }
}

/// Does `word` occur in `c` starting at `i`?
pub(crate) fn at(c: &[char], i: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(k, w)| c.get(i + k) == Some(&w))
}

/// Does `word` end exactly at `j` (exclusive) in `c`?
pub(crate) fn ends_at(c: &[char], j: usize, word: &str) -> bool {
    let n = word.chars().count();
    j >= n && at(c, j - n, word)
}

/// The longest word of `words` starting at `i`, as its length in chars.
pub(crate) fn longest_at(c: &[char], i: usize, words: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (k, w) in words.iter().enumerate() {
        if at(c, i, w) {
            let n = w.chars().count();
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((k, n));
            }
        }
    }
    best
}

/// The longest word of `words` ending at `j`, as (index, length in chars).
pub(crate) fn longest_ending(c: &[char], j: usize, words: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (k, w) in words.iter().enumerate() {
        if ends_at(c, j, w) {
            let n = w.chars().count();
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((k, n));
            }
        }
    }
    best
}

/// Position of the first occurrence of `word` in `c[from..to]`.
pub(crate) fn find(c: &[char], from: usize, to: usize, word: &str) -> Option<usize> {
    let n = word.chars().count();
    if to < n {
        return None;
    }
    (from..=to - n).find(|&i| at(c, i, word))
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Sentence-final punctuation (a fact never spans it).
pub(crate) fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | ';' | '；' | '!' | '?' | '！' | '？')
}

/// Clause punctuation inside a sentence (`、` is not one: it joins list items).
pub(crate) fn is_clause_break(c: char) -> bool {
    matches!(c, ',' | ':' | '，' | '：')
}

pub(crate) fn is_open_quote(c: char) -> bool {
    matches!(c, '“' | '‘' | '「' | '『' | '《' | '"')
}

pub(crate) fn is_close_quote(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '》')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_one_char_per_char() {
        let s = "增长７．２％，居第３";
        let f: String = s.chars().map(fold).collect();
        assert_eq!(f, "增长7.2%,居第3");
        assert_eq!(f.chars().count(), s.chars().count());
    }

    #[test]
    fn word_helpers_find_longest_matches() {
        let c: Vec<char> = "万平方米以上".chars().collect();
        assert_eq!(
            longest_at(&c, 0, &["万", "万平方米", "平方米"]),
            Some((1, 4))
        );
        assert!(ends_at(&c, 6, "以上"));
        assert_eq!(longest_ending(&c, 4, &["米", "平方米"]), Some((1, 3)));
        assert_eq!(find(&c, 0, c.len(), "方米"), Some(2));
    }
}
