//! The catalogue as linked data: DCAT-AP 3 / ADMS-AP JSON-LD for harvesters ([`dcat`]) and
//! schema.org `SoftwareApplication` for search engines ([`schema_org`]). Every `@id` is one
//! of our own absolute addresses ([`Urls`]), so that each node dereferences to a page or an
//! API answer of this instance. Contexts are inline: nothing is fetched to read them.

pub mod dcat;
pub mod schema_org;

use matchraum_catalog::validate::is_web_url;

/// Our own absolute addresses, from the public base URL (`[http] public_url`).
#[derive(Clone, Debug)]
pub struct Urls {
    base: String,
}

impl Urls {
    pub fn new(public_url: &str) -> Self {
        Urls {
            base: public_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The web UI's page of a solution.
    pub fn solution_page(&self, id: i64) -> String {
        format!("{}/loesungen/{id}", self.base)
    }

    pub fn solution_api(&self, id: i64) -> String {
        format!("{}/api/v1/solutions/{id}", self.base)
    }

    pub fn solution_publiccode(&self, id: i64) -> String {
        format!("{}/api/v1/solutions/{id}/publiccode", self.base)
    }

    /// The web UI's page of an organisation.
    pub fn organisation_page(&self, id: i64) -> String {
        format!("{}/organisationen/{id}", self.base)
    }

    pub fn organisation_api(&self, id: i64) -> String {
        format!("{}/api/v1/organisations/{id}", self.base)
    }

    /// The DCAT catalogue document (without paging: the catalogue itself).
    pub fn catalog(&self) -> String {
        format!("{}/api/v1/catalog.jsonld", self.base)
    }

    pub fn catalog_page(&self, page: u64, per_page: u64) -> String {
        format!("{}?page={page}&per_page={per_page}", self.catalog())
    }
}

/// The SPDX page of a licence named by a plain SPDX identifier (`EUPL-1.2`, `MIT`);
/// `None` for expressions (`A OR B`) and free text ("proprietär", "Open Source"), which
/// stay labels only.
pub fn spdx_url(licence: &str) -> Option<String> {
    const PLAIN: &[&str] = &["MIT", "ISC", "Zlib", "Unlicense", "WTFPL", "NCSA"];
    let l = licence.trim();
    let id_chars = !l.is_empty()
        && l.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    let versioned = l.contains('-') && l.chars().any(|c| c.is_ascii_digit());
    (id_chars && (versioned || PLAIN.contains(&l)))
        .then(|| format!("https://spdx.org/licenses/{l}"))
}

/// A web address of the entry's own, if the stored value is one.
pub(crate) fn web(url: Option<&str>) -> Option<&str> {
    url.filter(|u| is_web_url(u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_spdx_identifiers_become_links() {
        assert_eq!(
            spdx_url("EUPL-1.2").as_deref(),
            Some("https://spdx.org/licenses/EUPL-1.2")
        );
        assert!(spdx_url("MIT").is_some());
        assert!(spdx_url("AGPL-3.0-or-later").is_some());
        for text in [
            "proprietär",
            "Open Source",
            "EUPL-1.2 OR MIT",
            "",
            "Proprietary",
        ] {
            assert_eq!(spdx_url(text), None, "{text}");
        }
    }

    #[test]
    fn addresses_are_absolute_below_the_base() {
        let u = Urls::new("https://matchraum.example/");
        assert_eq!(u.solution_page(7), "https://matchraum.example/loesungen/7");
        assert_eq!(
            u.catalog_page(2, 50),
            "https://matchraum.example/api/v1/catalog.jsonld?page=2&per_page=50"
        );
    }
}
