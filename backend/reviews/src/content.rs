//! What an uploaded file is, decided by its bytes, never by its name or a client's
//! `Content-Type`: PDF (`%PDF-`), ODT (a ZIP whose first entry is the stored `mimetype`
//! `application/vnd.oasis.opendocument.text`, as OpenDocument requires), Markdown (valid
//! UTF-8 without NUL). Anything else is refused.

use matchraum_core::Error;

use crate::vocab::ReviewFileType;

const ODT_MIME: &[u8] = b"application/vnd.oasis.opendocument.text";
const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";

pub fn detect(bytes: &[u8]) -> Result<ReviewFileType, Error> {
    if bytes.is_empty() {
        return Err(Error::invalid("file", "the file is empty"));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(ReviewFileType::Pdf);
    }
    if bytes.starts_with(ZIP_LOCAL_HEADER) {
        return if is_odt(bytes) {
            Ok(ReviewFileType::Odt)
        } else {
            Err(Error::invalid(
                "file",
                "a ZIP file that is not an OpenDocument text (ODT); upload PDF, ODT or Markdown",
            ))
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(ReviewFileType::Markdown),
        _ => Err(Error::invalid(
            "file",
            "not a PDF, ODT or Markdown (UTF-8 text) file",
        )),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// The first local file header names `mimetype`, stored uncompressed, holding the ODT
/// media type.
fn is_odt(b: &[u8]) -> bool {
    let check = || -> Option<bool> {
        let method = u16_at(b, 8)?;
        let size = u32_at(b, 18)?;
        let name_len = u16_at(b, 26)?;
        let extra_len = u16_at(b, 28)?;
        let name = b.get(30..30 + name_len)?;
        let data = b.get(30 + name_len + extra_len..)?;
        Some(
            method == 0
                && name == b"mimetype"
                && (size == ODT_MIME.len() || size == 0)
                && data.starts_with(ODT_MIME),
        )
    };
    check().unwrap_or(false)
}

/// A ZIP local file header with one stored entry (enough for the ODT check; tests build
/// real-looking files with it).
pub fn zip_stored_entry(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(ZIP_LOCAL_HEADER);
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
    out.extend_from_slice(&[0; 4]); // time, date
    out.extend_from_slice(&[0; 4]); // crc-32 (not checked)
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_pdf_odt_and_markdown_by_content() {
        assert_eq!(detect(b"%PDF-1.7\n...").unwrap(), ReviewFileType::Pdf);
        let odt = zip_stored_entry(b"mimetype", ODT_MIME);
        assert_eq!(detect(&odt).unwrap(), ReviewFileType::Odt);
        assert_eq!(
            detect("# DSFA\n\nErgebnis: tragbar.".as_bytes()).unwrap(),
            ReviewFileType::Markdown
        );
    }

    #[test]
    fn refuses_what_only_looks_like_them() {
        // A spreadsheet is a ZIP with another media type.
        let ods = zip_stored_entry(
            b"mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        );
        assert!(detect(&ods).is_err());
        // Any other ZIP (a .docx, an archive with an executable) is refused.
        assert!(detect(&zip_stored_entry(b"word/document.xml", b"<w/>")).is_err());
        // Binary data, NUL bytes, invalid UTF-8, an empty file.
        assert!(detect(b"MZ\x90\x00\x03").is_err());
        assert!(detect(b"text\0with nul").is_err());
        assert!(detect(&[0xff, 0xfe, 0x41]).is_err());
        assert!(detect(b"").is_err());
        // A truncated header is not an ODT (and does not panic).
        assert!(detect(b"PK\x03\x04\x14\x00").is_err());
    }
}
