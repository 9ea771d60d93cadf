//! Bounds of numeric query parameters, checked while the query string is parsed so that a
//! value the database cannot bind (above `i64::MAX`) is a 400 `invalid-query`, never a panic.
//! The bound is JavaScript's largest safe integer, exact in JSON and in the OpenAPI document.

use serde::{Deserialize, Deserializer};

/// The largest offset any list accepts (`Number.MAX_SAFE_INTEGER`; both databases bind it).
pub const MAX_OFFSET: u64 = (1 << 53) - 1;

/// `deserialize_with` for `offset: Option<u64>` (use together with `#[serde(default)]`).
pub fn offset<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<u64>::deserialize(d)? {
        Some(n) if n > MAX_OFFSET => Err(serde::de::Error::custom(format!(
            "offset: must be at most {MAX_OFFSET}"
        ))),
        other => Ok(other),
    }
}

/// `deserialize_with` for a comma-separated list of ids (`ids=1,2,3`) of at most
/// [`MAX_IDS`]; anything else is a 400 `invalid-query`.
pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    let s = String::deserialize(d)?;
    let ids: Vec<i64> = s
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| serde::de::Error::custom("ids: comma-separated whole numbers"))?;
    if ids.len() > MAX_IDS {
        return Err(serde::de::Error::custom(format!(
            "ids: at most {MAX_IDS} at once"
        )));
    }
    Ok(ids)
}

/// The most ids a list parameter takes.
pub const MAX_IDS: usize = 100;

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct Q {
        #[serde(default, deserialize_with = "super::offset")]
        offset: Option<u64>,
    }

    fn parse(s: &str) -> Result<Option<u64>, String> {
        actix_web::web::Query::<Q>::from_query(s)
            .map(|q| q.into_inner().offset)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn offsets_beyond_what_a_database_binds_are_refused() {
        assert_eq!(parse(""), Ok(None));
        assert_eq!(
            parse("offset=9007199254740991"),
            Ok(Some(super::MAX_OFFSET))
        );
        let err = parse("offset=9223372036854775808").unwrap_err();
        assert!(err.contains("at most"), "{err}");
        assert!(parse("offset=-1").is_err());
        assert!(parse("offset=18446744073709551616").is_err());
    }
}
