//! Freshness (Aktualität): an entry whose `last_verified_at` is older than the configured
//! number of months (`MATCHRAUM_CATALOG_STALE_AFTER_MONTHS`), or was never verified, is stale.

use chrono::{DateTime, Months, Utc};

/// The default of `MATCHRAUM_CATALOG_STALE_AFTER_MONTHS`.
pub const DEFAULT_STALE_AFTER_MONTHS: u32 = 12;

/// The instant before which a verification is too old.
pub fn cutoff(now: DateTime<Utc>, stale_after_months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(stale_after_months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn is_stale(last_verified_at: Option<DateTime<Utc>>, cutoff: DateTime<Utc>) -> bool {
    last_verified_at.is_none_or(|t| t < cutoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_than_the_months_or_never_verified_is_stale() {
        let now: DateTime<Utc> = "2026-12-03T10:00:00Z".parse().unwrap();
        let c = cutoff(now, 12);
        assert_eq!(c, "2025-12-03T10:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert!(is_stale(None, c));
        assert!(is_stale(Some("2025-12-03T09:59:59Z".parse().unwrap()), c));
        assert!(!is_stale(Some("2025-12-03T10:00:00Z".parse().unwrap()), c));
    }
}
