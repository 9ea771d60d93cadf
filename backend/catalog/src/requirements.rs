//! Minimum requirements per solution kind (Mindestanforderungen): which fields a reuse
//! decision needs for each kind, kept as data in [`REQUIREMENTS`]. The completeness score
//! is the share of a kind's requirements that an entry meets, and the API lists what is
//! missing.

use crate::entity::solution::Model;
use crate::vocab::{Maturity, SolutionKind};

matchraum_core::string_enum!(
    /// A field a minimum requirement asks for.
    Requirement {
        /// A summary or a description.
        Description => "description",
        Maturity => "maturity",
        Licence => "licence",
        /// At least one contact.
        Contact => "contact",
        DocumentationUrl => "documentation_url",
        CodeUrl => "code_url",
        ReuseModel => "reuse_model",
        CostsModel => "costs_model",
        Standards => "standards",
        Provider => "provider",
        Url => "url",
        Hosting => "hosting",
        TransferConceptUrl => "transfer_concept_url",
        /// The OZG or LeiKa ids the entry implements or describes.
        ServiceIds => "service_ids",
    }
);

use Requirement as F;

/// The minimum requirements of each kind, in the order the UI lists what is missing.
pub const REQUIREMENTS: &[(SolutionKind, &[Requirement])] = &[
    (
        SolutionKind::Software,
        &[
            F::Description,
            F::Licence,
            F::Maturity,
            F::Contact,
            F::DocumentationUrl,
            F::CodeUrl,
        ],
    ),
    (
        SolutionKind::OnlineService,
        &[
            F::Description,
            F::ReuseModel,
            F::CostsModel,
            F::Standards,
            F::Contact,
            F::Provider,
            F::Url,
        ],
    ),
    (
        SolutionKind::Saas,
        &[
            F::Description,
            F::ReuseModel,
            F::CostsModel,
            F::Hosting,
            F::Contact,
            F::Provider,
        ],
    ),
    (
        SolutionKind::Fachverfahren,
        &[
            F::Description,
            F::Maturity,
            F::Standards,
            F::CostsModel,
            F::Contact,
            F::Provider,
        ],
    ),
    (
        SolutionKind::Concept,
        &[F::Description, F::DocumentationUrl, F::Contact, F::Provider],
    ),
    (
        SolutionKind::Guide,
        &[F::Description, F::DocumentationUrl, F::Contact],
    ),
    (
        SolutionKind::Template,
        &[F::Description, F::Licence, F::DocumentationUrl, F::Contact],
    ),
    (
        SolutionKind::Dataset,
        &[F::Description, F::Licence, F::Url, F::Contact],
    ),
    (
        SolutionKind::OzgLeistung,
        &[F::Description, F::ServiceIds, F::Provider],
    ),
    (
        SolutionKind::LeikaLeistung,
        &[F::Description, F::ServiceIds],
    ),
    (SolutionKind::Other, &[F::Description, F::Contact, F::Url]),
];

/// The requirements of `kind`.
pub fn of(kind: SolutionKind) -> &'static [Requirement] {
    REQUIREMENTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, r)| *r)
        .unwrap_or(&[])
}

fn met(m: &Model, r: Requirement) -> bool {
    let list = |s: &str| s != "[]";
    match r {
        F::Description => m.summary.is_some() || m.description.is_some(),
        F::Maturity => m.maturity != Maturity::Unknown.as_str(),
        F::Licence => m.licence.is_some(),
        F::Contact => list(&m.contacts),
        F::DocumentationUrl => m.documentation_url.is_some(),
        F::CodeUrl => m.code_url.is_some(),
        F::ReuseModel => m.reuse_model.is_some(),
        F::CostsModel => m.costs_model.is_some(),
        F::Standards => list(&m.standards),
        F::Provider => m.provider_id.is_some(),
        F::Url => m.url.is_some(),
        F::Hosting => m.hosting.is_some(),
        F::TransferConceptUrl => m.transfer_concept_url.is_some(),
        F::ServiceIds => list(&m.ozg_ids) || list(&m.leika_keys),
    }
}

/// The requirements of the entry's kind that it does not meet (a stored kind outside the
/// vocabulary has none: `to_view` refuses it anyway).
pub fn missing(m: &Model) -> Vec<Requirement> {
    let Ok(kind) = m.kind.parse::<SolutionKind>() else {
        return Vec::new();
    };
    of(kind).iter().copied().filter(|r| !met(m, *r)).collect()
}

/// The share (0..1, two decimals) of its kind's requirements the entry meets.
pub fn completeness(m: &Model) -> f64 {
    let Ok(kind) = m.kind.parse::<SolutionKind>() else {
        return 0.0;
    };
    let all = of(kind);
    if all.is_empty() {
        return 1.0;
    }
    let n = all.iter().filter(|r| met(m, **r)).count();
    (n as f64 / all.len() as f64 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(kind: SolutionKind) -> Model {
        let mut m = crate::store::solutions::blank(chrono::Utc::now());
        m.title = "x".into();
        m.kind = kind.as_str().into();
        m
    }

    #[test]
    fn every_kind_has_requirements() {
        for k in SolutionKind::ALL {
            assert!(!of(*k).is_empty(), "{k} has no minimum requirements");
        }
    }

    #[test]
    fn software_needs_licence_maturity_contact_and_documentation() {
        let mut m = model(SolutionKind::Software);
        m.summary = Some("s".into());
        m.licence = Some("EUPL-1.2".into());
        m.code_url = Some("https://example.org".into());
        assert_eq!(missing(&m), [F::Maturity, F::Contact, F::DocumentationUrl]);
        assert_eq!(completeness(&m), 0.5);
        m.maturity = Maturity::Pilot.as_str().into();
        m.contacts = r#"[{"email":"a@b.de"}]"#.into();
        m.documentation_url = Some("https://example.org/doc".into());
        assert!(missing(&m).is_empty());
        assert_eq!(completeness(&m), 1.0);
    }

    #[test]
    fn an_online_service_needs_reuse_and_costs_model_and_standards() {
        let mut m = model(SolutionKind::OnlineService);
        m.licence = Some("EUPL-1.2".into());
        let missing = missing(&m);
        for r in [F::ReuseModel, F::CostsModel, F::Standards, F::Contact] {
            assert!(missing.contains(&r), "{r} missing: {missing:?}");
        }
        assert!(
            !missing.contains(&F::Licence),
            "not required for online services"
        );
    }
}
