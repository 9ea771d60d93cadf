//! Query pieces that behave the same on SQLite and PostgreSQL.

use sea_orm::sea_query::{Expr, Func, LikeExpr, SimpleExpr};
use sea_orm::ColumnTrait;

/// Case-insensitive substring match (ASCII case-folding on SQLite, full on PostgreSQL).
pub fn contains_ci(col: impl ColumnTrait, value: &str) -> SimpleExpr {
    let needle = escape_like(&value.to_lowercase());
    Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(format!("%{needle}%")).escape('\\'))
}

/// `s` with the `LIKE` wildcards and the escape character escaped (escape character `\`).
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
