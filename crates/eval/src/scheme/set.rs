//! A set of schemes that evaluate together: composites must name schemes of the set, and the
//! references must not form a cycle. The set gives the order in which to evaluate them.

use super::{FieldError, Scheme, SchemeError};

/// Schemes with unique codes, composites resolved, in an evaluation order where every component
/// comes before the composite that takes its score.
#[derive(Debug, Clone)]
pub struct SchemeSet {
    schemes: Vec<Scheme>,
    order: Vec<usize>,
}

impl SchemeSet {
    pub fn new(schemes: Vec<Scheme>) -> Result<Self, SchemeError> {
        let mut errors = Vec::new();
        for (i, s) in schemes.iter().enumerate() {
            if schemes[..i].iter().any(|t| t.code() == s.code()) {
                errors.push(FieldError {
                    path: format!("{}.code", s.code()),
                    message: format!("方案代码“{}”重复", s.code()),
                });
            }
            for (k, item) in s.items().iter().enumerate() {
                if let super::MeasureKind::SchemeScore { scheme } = &item.measure
                    && !schemes.iter().any(|t| t.code() == scheme)
                {
                    errors.push(FieldError {
                        path: format!("{}.items[{k}].scheme", s.code()),
                        message: format!("引用的方案“{scheme}”不存在"),
                    });
                }
            }
        }
        if !errors.is_empty() {
            return Err(SchemeError::Invalid(errors));
        }
        // Depth-first topological order; a grey node met again is a cycle.
        let index = |code: &str| schemes.iter().position(|s| s.code() == code);
        let mut state = vec![0_u8; schemes.len()];
        let mut order = Vec::with_capacity(schemes.len());
        fn visit(
            i: usize,
            schemes: &[Scheme],
            index: &dyn Fn(&str) -> Option<usize>,
            state: &mut [u8],
            order: &mut Vec<usize>,
        ) -> Result<(), String> {
            match state[i] {
                2 => return Ok(()),
                1 => return Err(schemes[i].code().to_string()),
                _ => {}
            }
            state[i] = 1;
            for c in schemes[i].component_schemes() {
                if let Some(j) = index(c) {
                    visit(j, schemes, index, state, order)?;
                }
            }
            state[i] = 2;
            order.push(i);
            Ok(())
        }
        for i in 0..schemes.len() {
            if let Err(code) = visit(i, &schemes, &index, &mut state, &mut order) {
                return Err(SchemeError::Invalid(vec![FieldError {
                    path: format!("{code}.items"),
                    message: "综合方案之间存在循环引用".to_string(),
                }]));
            }
        }
        Ok(Self { schemes, order })
    }

    pub fn get(&self, code: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.code() == code)
    }

    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }

    /// The schemes in evaluation order: components before the composites that take their scores.
    pub fn in_evaluation_order(&self) -> impl Iterator<Item = &Scheme> {
        self.order.iter().map(|&i| &self.schemes[i])
    }
}
