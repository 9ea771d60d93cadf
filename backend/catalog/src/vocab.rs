//! Closed vocabularies of the catalogue. Each value is stored and sent as a stable
//! snake_case code; German labels for the UI live with the UI strings.

use matchraum_core::string_enum;
pub use matchraum_core::vocab::UnknownValue;

string_enum!(
    /// What kind of body an organisation is.
    OrganisationKind {
        Bund => "bund",
        Land => "land",
        Kommune => "kommune",
        Kreis => "kreis",
        ItDienstleister => "it_dienstleister",
        Intermediaer => "intermediaer",
        Forschung => "forschung",
        Zivilgesellschaft => "zivilgesellschaft",
        Other => "other",
    }
);

string_enum!(
    /// What kind of reusable thing a solution is.
    #[derive(Default)]
    SolutionKind {
        OnlineService => "online_service",
        Fachverfahren => "fachverfahren",
        Software => "software",
        Saas => "saas",
        Concept => "concept",
        Guide => "guide",
        Template => "template",
        Dataset => "dataset",
        OzgLeistung => "ozg_leistung",
        LeikaLeistung => "leika_leistung",
        #[default]
        Other => "other",
    }
);

string_enum!(
    /// How far a solution is from being reusable today.
    #[derive(Default)]
    Maturity {
        #[default]
        Unknown => "unknown",
        Idea => "idea",
        InDevelopment => "in_development",
        Pilot => "pilot",
        InProduction => "in_production",
        Widespread => "widespread",
        Retired => "retired",
    }
);

string_enum!(
    /// How another administration can reuse a solution.
    ReuseModel {
        /// Own operation: the reusing body runs its own copy.
        Uebernahme => "uebernahme",
        /// Shared use of the provider's operation (SaaS).
        Mitnutzung => "mitnutzung",
        /// "Einer für alle": built once, offered to all Länder.
        Efa => "efa",
    }
);

string_enum!(
    /// What reusing a solution costs.
    CostsModel {
        Free => "free",
        OneOff => "one_off",
        Recurring => "recurring",
        OnRequest => "on_request",
    }
);

string_enum!(
    /// State of an organisation's use of a solution.
    UsageStatus {
        Planned => "planned",
        Piloting => "piloting",
        InUse => "in_use",
        Ended => "ended",
    }
);

string_enum!(
    /// Whether the using organisation stands behind a usage. A usage entered by anyone
    /// else (or imported) is `claimed` until a member of the organisation confirms it;
    /// only `confirmed` usages count as facts.
    UsageVerification {
        Claimed => "claimed",
        Confirmed => "confirmed",
        /// The organisation says the claim about it is wrong.
        Rejected => "rejected",
    }
);

string_enum!(
    /// Where a usage claim came from.
    UsageOrigin {
        /// An imported source's `usedBy` (publiccode.yml, JSON Lines).
        Import => "import",
        /// A person, through the API.
        Person => "person",
    }
);

string_enum!(
    /// Lifecycle of a seeker's need.
    NeedStatus {
        Open => "open",
        InProgress => "in_progress",
        Solved => "solved",
        Closed => "closed",
    }
);

string_enum!(
    /// Who may read a need.
    Visibility {
        Public => "public",
        Organisation => "organisation",
    }
);

/// The sixteen Länder, as organisations name their `land`.
pub const LAENDER: [&str; 16] = [
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_values_name_the_allowed_ones() {
        for m in Maturity::ALL {
            assert_eq!(m.as_str().parse::<Maturity>().unwrap(), *m);
        }
        let err = "beta".parse::<Maturity>().unwrap_err().to_string();
        assert!(err.contains("in_production"), "{err}");
        assert_eq!(serde_json::to_string(&ReuseModel::Efa).unwrap(), "\"efa\"");
    }
}
