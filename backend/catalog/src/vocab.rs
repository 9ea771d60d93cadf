//! Closed vocabularies of the catalogue. Each value is stored and sent as a stable
//! snake_case code; German labels for the UI live with the UI strings.

use std::fmt;
use std::str::FromStr;

/// Declares a string-coded enum with serde, OpenAPI schema, `as_str`, `FromStr` and `ALL`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        vocabulary: stringify!($name),
                        value: s.chars().take(64).collect(),
                        allowed: &[$($code),+],
                    }),
                }
            }
        }
    };
}

/// A value outside a closed vocabulary.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown {vocabulary} value '{value}', expected one of: {}", allowed.join(", "))]
pub struct UnknownValue {
    pub vocabulary: &'static str,
    pub value: String,
    pub allowed: &'static [&'static str],
}

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
