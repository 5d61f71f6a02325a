//! Building statements with a variable number of `$n` placeholders.

use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    F64(f64),
    Text(String),
    OptText(Option<String>),
    OptF64(Option<f64>),
}

/// A statement under construction: text plus the values its placeholders refer to.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    /// Adds a value and returns its placeholder.
    pub fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// `(p1, p2, …)` for a list of ids.
    pub fn in_list(&mut self, ids: impl IntoIterator<Item = i64>) -> String {
        let ph: Vec<String> = ids.into_iter().map(|i| self.arg(Arg::I64(i))).collect();
        if ph.is_empty() {
            // An empty IN list matches nothing; `(NULL)` keeps the SQL valid on both databases.
            "(NULL)".to_string()
        } else {
            format!("({})", ph.join(", "))
        }
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments> {
        bind_all(
            sqlx::query(sqlx::AssertSqlSafe(self.text.clone())),
            &self.args,
        )
    }
}

pub(crate) fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments>,
    args: &[Arg],
) -> Query<'q, Any, AnyArguments> {
    for a in args {
        q = match a {
            Arg::I64(v) => q.bind(*v),
            Arg::F64(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.clone()),
            Arg::OptText(v) => q.bind(v.clone()),
            Arg::OptF64(v) => q.bind(*v),
        };
    }
    q
}
