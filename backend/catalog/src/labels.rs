//! German labels of the vocabularies for documents the server writes itself (the reuse
//! check's export, the JSON-LD of the catalogue); the web UI has its own in its strings.

use crate::vocab::{Maturity, SolutionKind};

pub fn kind_label(k: SolutionKind) -> &'static str {
    match k {
        SolutionKind::OnlineService => "Onlinedienst",
        SolutionKind::Fachverfahren => "Fachverfahren",
        SolutionKind::Software => "Software",
        SolutionKind::Saas => "Software as a Service",
        SolutionKind::Concept => "Konzept",
        SolutionKind::Guide => "Leitfaden",
        SolutionKind::Template => "Vorlage",
        SolutionKind::Dataset => "Datensatz",
        SolutionKind::OzgLeistung => "OZG-Leistung",
        SolutionKind::LeikaLeistung => "LeiKa-Leistung",
        SolutionKind::Other => "Sonstiges",
    }
}

pub fn maturity_label(m: Maturity) -> &'static str {
    match m {
        Maturity::Unknown => "Unbekannt",
        Maturity::Idea => "Idee",
        Maturity::InDevelopment => "In Entwicklung",
        Maturity::Pilot => "Pilotbetrieb",
        Maturity::InProduction => "Im Betrieb",
        Maturity::Widespread => "Weit verbreitet",
        Maturity::Retired => "Eingestellt",
    }
}
