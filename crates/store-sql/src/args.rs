//! Building statements with a variable number of `$n` placeholders.

use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;

use crate::Dialect;

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    I64(i64),
    F64(f64),
    Text(String),
    OptText(Option<String>),
    OptF64(Option<f64>),
}

/// A statement under construction: text plus the values its placeholders refer to.
#[derive(Debug, Default)]
pub struct Sql {
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

    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// `(p1, p2, …)` for a list of ids.
    pub(crate) fn in_list(&mut self, ids: impl IntoIterator<Item = i64>) -> String {
        let ph: Vec<String> = ids.into_iter().map(|i| self.arg(Arg::I64(i))).collect();
        if ph.is_empty() {
            // An empty IN list matches nothing; `(NULL)` keeps the SQL valid on both databases.
            "(NULL)".to_string()
        } else {
            format!("({})", ph.join(", "))
        }
    }

    /// The statement for `dialect`. PostgreSQL takes the `$n` text as it is. For SQLite, `$n`
    /// becomes an anonymous `?` and the values are laid out in order of appearance: SQLite finds
    /// the name of a numbered parameter by a linear scan, which made a statement with thousands
    /// of `$n` parameters quadratic (7,000 rows/s on imports instead of hundreds of thousands).
    pub(crate) fn query(&self, dialect: Dialect) -> Query<'_, Any, AnyArguments> {
        match dialect {
            Dialect::Postgres => bind_all(
                sqlx::query(sqlx::AssertSqlSafe(self.text.clone())),
                &self.args,
            ),
            Dialect::Sqlite => {
                let (text, args) = positional(&self.text, &self.args);
                bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), &args)
            }
        }
    }
}

impl Sql {
    /// The SQLite form (`?` placeholders, values in order of appearance) for a native SQLite
    /// connection (see [`crate::native`]).
    pub fn positional(&self) -> (String, Vec<Arg>) {
        positional(&self.text, &self.args)
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

/// Rewrites `$n` placeholders as `?` with the values in order of appearance (a value used twice
/// is bound twice). The statements built here have no `$` inside string literals.
fn positional(text: &str, args: &[Arg]) -> (String, Vec<Arg>) {
    let mut out = String::with_capacity(text.len());
    let mut ordered = Vec::with_capacity(args.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end > start
                && let Ok(n) = text[start..end].parse::<usize>()
                && (1..=args.len()).contains(&n)
            {
                out.push('?');
                ordered.push(args[n - 1].clone());
                i = end;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    (out, ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_placeholders_become_positional_in_order_of_use() {
        let args = vec![Arg::I64(1), Arg::Text("a".into()), Arg::I64(3)];
        let (t, a) = positional("SELECT $2, $1 WHERE x = $3 OR y = $1 AND z = '价格'", &args);
        assert_eq!(t, "SELECT ?, ? WHERE x = ? OR y = ? AND z = '价格'");
        let shown: Vec<String> = a.iter().map(|a| format!("{a:?}")).collect();
        assert_eq!(shown, ["Text(\"a\")", "I64(1)", "I64(3)", "I64(1)"]);
    }

    #[test]
    fn a_dollar_not_followed_by_a_valid_number_is_left_alone() {
        let (t, a) = positional("SELECT $9, $x, $", &[Arg::I64(1)]);
        assert_eq!((t.as_str(), a.len()), ("SELECT $9, $x, $", 0));
    }
}
