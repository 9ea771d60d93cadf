//! The review register's closed vocabularies (German labels live with the UI strings).

use matchraum_core::string_enum;

string_enum!(
    /// What kind of review an artefact is.
    ReviewKind {
        /// Datenschutz-Folgenabschätzung (Art. 35 DSGVO).
        Dsfa => "dsfa",
        /// BSI IT-Grundschutz check.
        ItGrundschutz => "it_grundschutz",
        LegalOpinion => "legal_opinion",
        /// Accessibility test (BITV 2.0 / WCAG).
        AccessibilityBitv => "accessibility_bitv",
        SecurityTest => "security_test",
        /// Procurement (Vergabe) note.
        Procurement => "procurement",
    }
);

string_enum!(
    /// Who may read a review.
    ReviewVisibility {
        Public => "public",
        /// Signed-in members of any administration (organisation) on the platform.
        Registered => "registered",
        /// Members of the reviewing organisation.
        Organisation => "organisation",
    }
);

string_enum!(
    /// The file types a review may be uploaded as, recognised by content.
    ReviewFileType {
        Pdf => "application/pdf",
        Odt => "application/vnd.oasis.opendocument.text",
        Markdown => "text/markdown",
    }
);

impl ReviewFileType {
    /// The file name extension that goes with the type.
    pub fn extension(self) -> &'static str {
        match self {
            ReviewFileType::Pdf => "pdf",
            ReviewFileType::Odt => "odt",
            ReviewFileType::Markdown => "md",
        }
    }

    /// The `Content-Type` a download is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ReviewFileType::Markdown => "text/markdown; charset=utf-8",
            other => other.as_str(),
        }
    }
}
