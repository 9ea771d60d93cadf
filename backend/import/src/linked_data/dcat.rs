//! DCAT-AP 3 / ADMS-AP JSON-LD of the catalogue, one page at a time.
//!
//! Classes. The catalogue is a `dcat:Catalog`. Each solution is an ADMS-AP *Asset*, typed
//! `["dcat:Dataset", "adms:Asset"]`: ADMS-AP 2.01's own RDF schema
//! (SEMICeu/ADMS-AP, releases/2.01/adms-ap_v2.01_rdf_schema.ttl, "CLASS - ASSET") encodes the
//! Asset as `dcat:Dataset` — Joinup's interoperability solutions are harvested that way —
//! and `adms:Asset` (W3C ADMS) names it for ADMS readers. A plain `dcat:Resource` would be
//! skipped by DCAT-AP harvesters such as piveau, which index `dcat:Dataset` members of a
//! catalogue. The provider is the `dct:publisher`, a `foaf:Agent` with our organisation page
//! as `@id`. Our solution page is the `@id` and `dcat:landingPage`; the entry's own website
//! (where it has one) is a `foaf:page`. The JSON of our API and the publiccode.yml export
//! are the Asset's two `dcat:Distribution`s.
//!
//! Vocabularies: `adms:status` from the ADMS status scheme (purl.org/adms/status),
//! `dcat:theme` from the EU data themes where an OZG Themenfeld has a close one, `dct:type`
//! as a `skos:Concept` of our own solution kinds (neither the ADMS asset types, which are
//! kinds of semantic assets, nor the EIRA building blocks fit them). Contact persons are
//! left out: their names and addresses are for people reading one entry, not for bulk
//! harvesting.
//!
//! Paging: Hydra's `hydra:PartialCollectionView` (`hydra:first`, `hydra:previous`,
//! `hydra:next`, `hydra:last`) with `hydra:totalItems` on the catalogue, the convention
//! DCAT-AP harvesters (piveau) follow from page to page.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::{spdx_url, web, Urls};
use matchraum_catalog::labels::kind_label;
use matchraum_catalog::model::{Organisation, Solution};
use matchraum_catalog::vocab::Maturity;

const EU_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const ADMS_STATUS: &str = "http://purl.org/adms/status/";

/// Which page of how many entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

impl PageInfo {
    /// The last page (1 for an empty catalogue).
    pub fn last(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }
}

/// The inline JSON-LD context: prefixes, and which properties hold links (`@id`) or dates.
pub fn context() -> Value {
    let mut c = json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "adms": "http://www.w3.org/ns/adms#",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "hydra": "http://www.w3.org/ns/hydra/core#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "dct:modified": {"@type": "xsd:dateTime"},
        "dct:issued": {"@type": "xsd:dateTime"},
    });
    let map = c.as_object_mut().expect("an object");
    for link in [
        "dcat:landingPage",
        "dcat:accessURL",
        "dcat:mediaType",
        "dcat:theme",
        "adms:status",
        "foaf:page",
        "foaf:homepage",
        "dct:language",
        "hydra:first",
        "hydra:previous",
        "hydra:next",
        "hydra:last",
    ] {
        map.insert(link.into(), json!({"@type": "@id"}));
    }
    c
}

fn de(text: &str) -> Value {
    json!({"@language": "de", "@value": text})
}

/// The closest EU data theme of an OZG Themenfeld; `None` where none is close
/// (Ein- & Auswanderung).
pub fn theme(themenfeld: &str) -> Option<&'static str> {
    Some(match themenfeld {
        "Arbeit & Ruhestand" | "Familie & Kind" => "SOCI",
        "Bauen & Wohnen" => "REGI",
        "Bildung" | "Engagement & Hobby" => "EDUC",
        "Forschung & Förderung" => "TECH",
        "Gesundheit" => "HEAL",
        "Mobilität & Reisen" => "TRAN",
        "Querschnitt" => "GOVE",
        "Recht & Ordnung" => "JUST",
        "Steuern & Zoll" | "Unternehmensführung & -entwicklung" => "ECON",
        "Umwelt" => "ENVI",
        _ => return None,
    })
}

/// The ADMS status of a maturity; `None` when unknown.
pub fn status(m: Maturity) -> Option<&'static str> {
    Some(match m {
        Maturity::Idea | Maturity::InDevelopment | Maturity::Pilot => "UnderDevelopment",
        Maturity::InProduction | Maturity::Widespread => "Completed",
        Maturity::Retired => "Deprecated",
        Maturity::Unknown => return None,
    })
}

/// The provider as a `foaf:Agent` with our organisation page as `@id`.
pub fn agent(o: &Organisation, urls: &Urls) -> Value {
    let mut a = json!({
        "@id": urls.organisation_page(o.id),
        "@type": "foaf:Agent",
        "foaf:name": o.name,
    });
    if let Some(site) = web(o.website.as_deref()) {
        a["foaf:homepage"] = json!(site);
    }
    a
}

fn distribution(access: String, title: &str, media_type: &str) -> Value {
    json!({
        "@type": "dcat:Distribution",
        "dct:title": de(title),
        "dcat:accessURL": access,
        "dcat:mediaType": format!("https://www.iana.org/assignments/media-types/{media_type}"),
    })
}

/// One solution as an ADMS-AP Asset.
pub fn asset(s: &Solution, provider: Option<&Organisation>, urls: &Urls) -> Value {
    let page = urls.solution_page(s.id);
    let mut a = Map::new();
    let mut put = |k: &str, v: Value| {
        a.insert(k.to_owned(), v);
    };
    put("@id", json!(page));
    put("@type", json!(["dcat:Dataset", "adms:Asset"]));
    put("dct:identifier", json!(page));
    put("dct:title", de(&s.title));
    if let Some(d) = s.description.as_deref().or(s.summary.as_deref()) {
        put("dct:description", de(d));
    }
    if let Some(p) = provider {
        put("dct:publisher", agent(p, urls));
    }
    put("dct:issued", json!(s.created_at.to_rfc3339()));
    put("dct:modified", json!(s.updated_at.to_rfc3339()));
    put("dcat:landingPage", json!(page));
    let pages: Vec<&str> = [s.url.as_deref(), s.documentation_url.as_deref()]
        .into_iter()
        .filter_map(web)
        .collect();
    if !pages.is_empty() {
        put("foaf:page", json!(pages));
    }
    if let Some(l) = s.licence.as_deref() {
        let mut doc = json!({"@type": "dct:LicenseDocument", "rdfs:label": l});
        if let Some(iri) = spdx_url(l) {
            doc["@id"] = json!(iri);
        }
        put("dct:license", doc);
    }
    let keywords: Vec<Value> = s
        .tags
        .iter()
        .chain(s.standards.iter())
        .chain(s.themenfeld.iter())
        .chain(s.lebenslage.iter())
        // Plain literals: a source's tags are German, English or codes (publiccode categories).
        .map(|k| json!(k))
        .collect();
    if !keywords.is_empty() {
        put("dcat:keyword", json!(keywords));
    }
    put(
        "dct:type",
        json!({"@type": "skos:Concept", "skos:notation": s.kind.as_str(),
               "skos:prefLabel": de(kind_label(s.kind))}),
    );
    if let Some(st) = status(s.maturity) {
        put("adms:status", json!(format!("{ADMS_STATUS}{st}")));
    }
    if let Some(t) = s.themenfeld.as_deref().and_then(theme) {
        put("dcat:theme", json!(format!("{EU_THEME}{t}")));
    }
    put(
        "dcat:distribution",
        json!([
            distribution(
                urls.solution_api(s.id),
                "Eintrag als JSON (Matchraum-API)",
                "application/json"
            ),
            distribution(
                urls.solution_publiccode(s.id),
                "Eintrag als publiccode.yml",
                "application/yaml"
            ),
        ]),
    );
    Value::Object(a)
}

/// One page of the catalogue: the `dcat:Catalog` with this page's Assets and the Hydra
/// view linking the other pages. `providers` holds (at least) the providers of `solutions`.
pub fn catalog_page(
    solutions: &[Solution],
    providers: &HashMap<i64, Organisation>,
    urls: &Urls,
    page: PageInfo,
) -> Value {
    let datasets: Vec<Value> = solutions
        .iter()
        .map(|s| {
            let p = s.provider_id.and_then(|id| providers.get(&id));
            asset(s, p, urls)
        })
        .collect();
    let link = |n: u64| urls.catalog_page(n, page.per_page);
    let mut view = json!({
        "@id": link(page.page),
        "@type": "hydra:PartialCollectionView",
        "hydra:first": link(1),
        "hydra:last": link(page.last()),
    });
    if page.page > 1 {
        view["hydra:previous"] = json!(link(page.page - 1));
    }
    if page.page < page.last() {
        view["hydra:next"] = json!(link(page.page + 1));
    }
    json!({
        "@context": context(),
        "@id": urls.catalog(),
        "@type": ["dcat:Catalog", "hydra:Collection"],
        "dct:title": de("Matchraum – Katalog nachnutzbarer Lösungen der öffentlichen Verwaltung"),
        "dct:description": de(
            "Onlinedienste, Fachverfahren, Open-Source-Software, Konzepte und Vorlagen, die \
             Verwaltungen in Deutschland nachnutzen können, mit Anbietern, Reifegrad, Lizenz \
             und Nachnutzungsmodell."
        ),
        "dct:publisher": {"@id": format!("{}/", urls.base()), "@type": "foaf:Agent", "foaf:name": "Matchraum"},
        "foaf:homepage": format!("{}/katalog", urls.base()),
        "dct:language": "http://publications.europa.eu/resource/authority/language/DEU",
        // The entries come from sources under different licences (see each entry's
        // source); no single licence covers the catalogue, so none is claimed.
        "dct:rights": {
            "@type": "dct:RightsStatement",
            "rdfs:label": de(
                "Die Einträge stammen aus mehreren öffentlichen Quellen mit jeweils eigener \
                 Lizenz; Herkunft, Lizenz und Namensnennung jeder Quelle stehen in SOURCE.md \
                 und LICENCE.md der Katalogdaten."
            ),
        },
        "hydra:totalItems": page.total,
        "hydra:view": view,
        "dcat:dataset": datasets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_forward_and_back_and_the_last_page_has_no_next() {
        let urls = Urls::new("http://h");
        let mid = catalog_page(
            &[],
            &HashMap::new(),
            &urls,
            PageInfo {
                page: 2,
                per_page: 10,
                total: 25,
            },
        );
        let view = &mid["hydra:view"];
        assert_eq!(
            view["hydra:next"],
            "http://h/api/v1/catalog.jsonld?page=3&per_page=10"
        );
        assert_eq!(
            view["hydra:previous"],
            "http://h/api/v1/catalog.jsonld?page=1&per_page=10"
        );
        assert_eq!(
            view["hydra:last"],
            "http://h/api/v1/catalog.jsonld?page=3&per_page=10"
        );
        let last = catalog_page(
            &[],
            &HashMap::new(),
            &urls,
            PageInfo {
                page: 3,
                per_page: 10,
                total: 25,
            },
        );
        assert!(last["hydra:view"].get("hydra:next").is_none());
        let empty = PageInfo {
            page: 1,
            per_page: 10,
            total: 0,
        };
        assert_eq!(empty.last(), 1);
    }

    #[test]
    fn every_themenfeld_of_the_real_data_but_migration_has_a_theme() {
        let all = [
            "Unternehmensführung & -entwicklung",
            "Gesundheit",
            "Mobilität & Reisen",
            "Bauen & Wohnen",
            "Umwelt",
            "Engagement & Hobby",
            "Familie & Kind",
            "Steuern & Zoll",
            "Arbeit & Ruhestand",
            "Forschung & Förderung",
            "Bildung",
            "Querschnitt",
            "Recht & Ordnung",
        ];
        assert!(all.iter().all(|t| theme(t).is_some()));
        assert_eq!(theme("Ein- & Auswanderung"), None);
        assert_eq!(status(Maturity::Pilot), Some("UnderDevelopment"));
        assert_eq!(status(Maturity::Unknown), None);
    }
}
