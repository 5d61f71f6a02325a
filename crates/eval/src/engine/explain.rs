//! The Chinese one-line explanation of a row, built on demand so that an evaluation of 100 000
//! firms does not format 100 000 sentences nobody reads.
//!
//! Single-item schemes lead with the measure ("地区生产总值增速8.5%"), others with the total score
//! ("综合得分92.4分"); then the overall rank and its move, the cohort rank, and the grade with
//! 晋升/下降 (or 不定等级), or the colour when the scheme has no grades.

use std::fmt::Write;

use super::output::{Evaluation, GradeChange, RankMove};

impl Evaluation {
    /// "地区生产总值增速8.5%，居全市第3位，A档" or "综合得分92.4分，居全市第2位（上升1位），A档（晋升）".
    pub fn explanation(&self, row: usize) -> String {
        let r = &self.rows[row];
        if let Some(k) = r.excluded_by {
            return format!("缺少{}数据，未参加评价", self.items[k as usize].name);
        }
        let mut s = String::with_capacity(96);
        if self.lead_with_measure {
            let it = &self.items[0];
            match it.measure[row] {
                Some(v) => {
                    let _ = write!(
                        s,
                        "{}{:.*}{}",
                        it.name,
                        usize::from(it.decimals),
                        v,
                        it.unit
                    );
                }
                None => {
                    let _ = write!(s, "{}无数据", it.name);
                }
            }
        } else if let Some(score) = r.score {
            let d = usize::from(self.score_decimals.unwrap_or(1));
            let _ = write!(s, "{}{:.*}分", self.score_label, d, score);
        }
        if let Some(rank) = r.rank {
            let _ = write!(s, "，居{}第{}位", self.scope_label, rank);
            if let Some(m) = r.rank_move {
                let _ = write!(s, "（{}）", m.phrase_zh());
            }
        }
        if let (Some(cohort), Some(cr)) = (self.cohort_of(r), r.cohort_rank) {
            let _ = write!(s, "，{cohort}第{cr}位");
            if let Some(m) = r.cohort_rank_move.filter(|m| *m != RankMove::New) {
                let _ = write!(s, "（{}）", m.phrase_zh());
            }
        }
        if r.exempt && !self.grades.is_empty() {
            s.push_str("，不定等级");
        } else if let Some(grade) = self.grade_of(r) {
            let _ = write!(s, "，{grade}{}", self.grade_suffix);
            if let Some(c @ (GradeChange::Up | GradeChange::Down)) = r.grade_change {
                let _ = write!(s, "（{}）", c.label_zh());
            }
        } else if self.grades.is_empty()
            && let Some(colour) = self.colour_of(r)
        {
            let _ = write!(
                s,
                "，{colour}{}",
                if colour.ends_with('色') { "" } else { "色" }
            );
        }
        s
    }
}
