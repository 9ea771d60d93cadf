//! JSON Lines: reading a file line by line as bytes, and mapping each source's records.
//!
//! The source of a record comes from `--source` when given, else from the prefix of its
//! `id` (`kdn-ozg:`, `kdn-leika:`, `kdn-kommune:`, `kdn-provider:`, `muc-svc:`,
//! `muc-oss:`, `ber-oss:`, `cfd:`), else from the folder and file name
//! (`kdn_ozg_nrw/kommunen_nrw.jsonl` → `kdn-kommune`, …). `source_id` is the record's `id`.
//! Unknown sources get a generic mapping (title, summary/abstract, description, tags, url,
//! code_url, licence; everything else in `extra`).

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::record::{put, Fields, Mapped, OrgRecord, OrgRef, SolRecord};
use matchraum_catalog::validate::MAX_LIST_ITEMS;
use matchraum_catalog::vocab::{Maturity, OrganisationKind, SolutionKind};

/// Lines longer than this are reported, not parsed.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

const NRW: &str = "Nordrhein-Westfalen";
const MUNICH: &str = "Landeshauptstadt München";
const NOT_IN_LEIKA: &str = "nicht im LeiKa";

/// The mapping applied to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    KdnOzg,
    KdnLeika,
    KdnKommune,
    KdnProvider,
    MucService,
    MucSoftware,
    BerlinProject,
    CodeFor,
    Generic,
}

impl Profile {
    /// The source name a profile stores under.
    pub fn source_name(self) -> Option<&'static str> {
        Some(match self {
            Profile::KdnOzg => "kdn-ozg",
            Profile::KdnLeika => "kdn-leika",
            Profile::KdnKommune => "kdn-kommune",
            Profile::KdnProvider => "kdn-provider",
            Profile::MucService => "muc-svc",
            Profile::MucSoftware => "muc-oss",
            Profile::BerlinProject => "ber-oss",
            Profile::CodeFor => "cfd",
            Profile::Generic => return None,
        })
    }

    /// The profile of a source name (also accepts the data folder names).
    pub fn by_name(name: &str) -> Profile {
        match name {
            "kdn-ozg" => Profile::KdnOzg,
            "kdn-leika" => Profile::KdnLeika,
            "kdn-kommune" => Profile::KdnKommune,
            "kdn-provider" => Profile::KdnProvider,
            "muc-svc" | "muenchen_dienstleistungen" => Profile::MucService,
            "muc-oss" | "muenchen_opensource" => Profile::MucSoftware,
            "ber-oss" | "berlin_opensource" => Profile::BerlinProject,
            "cfd" | "codefor_de" => Profile::CodeFor,
            _ => Profile::Generic,
        }
    }

    /// Guesses the profile from the folder and file name.
    fn by_path(path: &Path) -> Profile {
        let folder = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match Profile::by_name(folder) {
            Profile::Generic if folder == "kdn_ozg_nrw" || file.contains("nrw") => {
                if file.starts_with("kommunen") {
                    Profile::KdnKommune
                } else if file.starts_with("it_dienstleister") {
                    Profile::KdnProvider
                } else if file.starts_with("leika") {
                    Profile::KdnLeika
                } else if file.starts_with("ozg") {
                    Profile::KdnOzg
                } else {
                    Profile::Generic
                }
            }
            p => p,
        }
    }
}

/// Where a line comes from, and the `--source` override.
pub struct LineCtx<'a> {
    pub path: &'a Path,
    pub source: Option<&'a str>,
}

/// Reads the next line (without its line break) into `buf`; `Ok(false)` at the end.
pub fn next_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<usize>> {
    buf.clear();
    let n = reader.read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(n))
}

/// Maps one line. `Ok(None)` for a blank line; `Err` is the reason to skip it.
pub fn map_line(bytes: &[u8], ctx: &LineCtx<'_>) -> Result<Option<Mapped>, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if bytes.len() > MAX_LINE_BYTES {
        return Err(format!(
            "line is {} bytes long, at most {MAX_LINE_BYTES} are read",
            bytes.len()
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1))?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            format!("truncated JSON record: {e}")
        } else {
            format!("invalid JSON: {e}")
        }
    })?;
    let Value::Object(map) = value else {
        return Err(format!(
            "expected a JSON object, got {}",
            super::record::type_name(&value)
        ));
    };
    let mut f = Fields::new(map);
    let id = match f.string("id")? {
        Some(Some(id)) if !id.trim().is_empty() => id.trim().to_owned(),
        _ => return Err("missing id".into()),
    };
    let (profile, source) = match ctx.source {
        Some(s) => (Profile::by_name(s), s.to_owned()),
        None => {
            let by_prefix = id
                .split_once(':')
                .map(|(p, _)| Profile::by_name(p))
                .unwrap_or(Profile::Generic);
            let profile = match by_prefix {
                Profile::Generic => Profile::by_path(ctx.path),
                p => p,
            };
            let source = match profile.source_name() {
                Some(s) => s.to_owned(),
                None => match id.split_once(':') {
                    Some((p, _)) if !p.is_empty() => p.to_owned(),
                    _ => folder_name(ctx.path),
                },
            };
            (profile, source)
        }
    };
    map_record(profile, &source, &id, f).map(Some)
}

fn folder_name(path: &Path) -> String {
    path.parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("jsonl")
        .to_owned()
}

/// Maps the fields of one record (its `id` already taken) by profile.
pub fn map_record(
    profile: Profile,
    source: &str,
    id: &str,
    mut f: Fields,
) -> Result<Mapped, String> {
    match profile {
        Profile::KdnKommune | Profile::KdnProvider => {
            let kind = if profile == Profile::KdnKommune {
                OrganisationKind::Kommune
            } else {
                OrganisationKind::ItDienstleister
            };
            let mut o = OrgRecord::new(source, id, kind);
            put!(o, name, f.string("title")?.map(Option::unwrap_or_default));
            put!(o, website, f.string("url")?);
            put!(o, land, Some(Some(NRW.to_owned())));
            f.drop("kind");
            o.input.extra = Some(f.into_extra());
            Ok(Mapped::Organisation(Box::new(o)))
        }
        _ => {
            let s = map_solution(profile, source, id, &mut f)?;
            let mut s = s;
            s.input.extra = Some(f.into_extra());
            Ok(Mapped::Solution(Box::new(s)))
        }
    }
}

/// Maps a solution record: the kind, the fields every source shares, then the profile's.
fn map_solution(
    profile: Profile,
    source: &str,
    id: &str,
    f: &mut Fields,
) -> Result<SolRecord, String> {
    let mut s = SolRecord::new(source, id, solution_kind(profile, f)?);
    if profile != Profile::Generic
        || f.string_kept("kind")?
            .flatten()
            .is_some_and(|k| k.parse::<SolutionKind>().is_ok())
    {
        // The constant source label is replaced by the kind; a generic unknown label stays.
        f.drop("kind");
    }
    shared_fields(profile, &mut s, f)?;
    match profile {
        Profile::KdnOzg => kdn_ozg(&mut s, f)?,
        Profile::KdnLeika => kdn_leika(&mut s, f)?,
        Profile::MucService => muc_service(&mut s, f)?,
        Profile::MucSoftware => muc_software(&mut s, f)?,
        Profile::BerlinProject => berlin_project(&mut s, f)?,
        Profile::CodeFor => put!(s, tags, f.strings("tags")?),
        Profile::Generic => generic(&mut s, f)?,
        Profile::KdnKommune | Profile::KdnProvider => unreachable!("organisations"),
    }
    Ok(s)
}

/// The kind a profile implies; a generic record's own `kind` if it is one we know.
fn solution_kind(profile: Profile, f: &mut Fields) -> Result<SolutionKind, String> {
    Ok(match profile {
        Profile::KdnOzg => SolutionKind::OzgLeistung,
        Profile::KdnLeika => SolutionKind::LeikaLeistung,
        Profile::MucService => SolutionKind::OnlineService,
        Profile::MucSoftware | Profile::BerlinProject | Profile::CodeFor => SolutionKind::Software,
        _ => match f.string_kept("kind")? {
            Some(Some(k)) => k.parse().unwrap_or(SolutionKind::Other),
            _ => SolutionKind::Other,
        },
    })
}

/// Title, description, the record's date, url, licence and language.
fn shared_fields(profile: Profile, s: &mut SolRecord, f: &mut Fields) -> Result<(), String> {
    put!(s, title, f.string("title")?.map(Option::unwrap_or_default));
    put!(s, description, f.string("description")?);
    // The record's own date (it stays in `extra` as the source wrote it).
    for key in ["last_update", "date"] {
        if let Some(raw) = f.peek(key).and_then(serde_json::Value::as_str) {
            if let Some(at) = crate::record::source_date(raw) {
                put!(s, last_verified_at, Some(Some(at)));
                break;
            }
        }
    }
    if profile == Profile::MucSoftware {
        // The record's `url` is its page on opensource.muenchen.de: documentation.
        put!(s, documentation_url, f.string("url")?);
    } else {
        put!(s, url, f.string("url")?);
    }
    put!(s, licence, f.string("license")?);
    put!(
        s,
        languages,
        f.string("language")?.map(|l| l.into_iter().collect())
    );
    Ok(())
}

/// An OZG-Leistung of the KDN catalogue.
fn kdn_ozg(s: &mut SolRecord, f: &mut Fields) -> Result<(), String> {
    put!(s, themenfeld, f.string("themenfeld")?);
    put!(s, lebenslage, f.string("lebenslage")?);
    put!(
        s,
        ozg_ids,
        f.string("ozg_id")?.map(|o| o.into_iter().collect())
    );
    // The bundled LeiKa list stays in `extra` whole (its titles are not mapped);
    // `leika_keys` holds its distinct keys up to the catalogue's list limit (one
    // OZG-Leistung bundles 318).
    if let Some(list) = f.peek("leika_leistungen") {
        put!(s, leika_keys, Some(leika_keys_of(list)?));
    }
    if f.has("provider") {
        let p = f.string("provider")?.flatten();
        s.set_provider(p.map(OrgRef::named));
    }
    Ok(())
}

/// A LeiKa-Leistung of the KDN catalogue.
fn kdn_leika(s: &mut SolRecord, f: &mut Fields) -> Result<(), String> {
    // The key stays in `extra` too: "nicht im LeiKa" is information.
    if let Some(k) = f.string_kept("leika_key")? {
        put!(
            s,
            leika_keys,
            Some(k.into_iter().filter(|k| k != NOT_IN_LEIKA).collect())
        );
    }
    Ok(())
}

/// An online service of the city of Munich.
fn muc_service(s: &mut SolRecord, f: &mut Fields) -> Result<(), String> {
    put!(s, tags, f.strings("keywords")?);
    put!(s, maturity, Some(Maturity::InProduction));
    put!(
        s,
        leika_keys,
        f.string("leika_key")?.map(|k| k.into_iter().collect())
    );
    if f.has("provider") {
        // The full unit name stays in `extra`.
        let p = f.string_kept("provider")?.flatten();
        s.set_provider(p.map(|p| munich_unit(&p)));
    }
    Ok(())
}

/// Open-source software of the city of Munich.
fn muc_software(s: &mut SolRecord, f: &mut Fields) -> Result<(), String> {
    put!(s, summary, f.string("lead_de")?);
    put!(s, description, f.string("description_de")?);
    put!(s, code_url, f.string("code_url")?);
    put!(s, url, f.string("application_url")?);
    if let Some(tags) = f.strings("tags")? {
        let archived = tags.iter().any(|t| t == "archive");
        put!(
            s,
            maturity,
            Some(if archived {
                Maturity::Retired
            } else {
                Maturity::InProduction
            })
        );
        put!(s, tags, Some(tags));
    }
    if f.has("developer") {
        let website = f.string_kept("developer_url")?.flatten();
        let dev = f.string("developer")?.flatten().map(|d| {
            if d.trim() == "LHM" {
                OrgRef {
                    name: MUNICH.into(),
                    kind: Some(OrganisationKind::Kommune),
                    land: Some("Bayern".into()),
                    website: None,
                }
            } else {
                OrgRef {
                    website,
                    ..OrgRef::named(d)
                }
            }
        });
        s.set_provider(dev);
    }
    Ok(())
}

/// An open-source project of Berlin.
fn berlin_project(s: &mut SolRecord, f: &mut Fields) -> Result<(), String> {
    put!(s, summary, f.string("abstract")?);
    put!(s, code_url, f.string("code_url")?);
    put!(s, tags, f.strings("tags")?);
    // Developers stay in `extra` as a list; the first is the provider.
    if f.has("developers") {
        let devs = f.strings("developers")?.unwrap_or_default();
        s.set_provider(devs.first().map(OrgRef::named));
        f_put(f, "developers", devs);
    }
    Ok(())
}

/// A record of an unknown source: the common names of summary, code and licence.
fn generic(s: &mut SolRecord, f: &mut Fields) -> Result<(), String> {
    put!(s, summary, f.string("summary")?);
    if !s.present.contains("summary") {
        put!(s, summary, f.string("abstract")?);
    }
    put!(s, code_url, f.string("code_url")?);
    put!(s, tags, f.strings("tags")?);
    if !s.present.contains("licence") {
        put!(s, licence, f.string("licence")?);
    }
    Ok(())
}

fn f_put(f: &mut Fields, key: &str, list: Vec<String>) {
    f.insert(
        key,
        Value::Array(list.into_iter().map(Value::String).collect()),
    );
}

/// "Landeshauptstadt München (Stadtverwaltung München)" → the city as a Kommune.
fn munich_unit(provider: &str) -> OrgRef {
    let name = provider.split(" (").next().unwrap_or(provider).trim();
    let mut r = OrgRef::named(name);
    if name == MUNICH {
        r.kind = Some(OrganisationKind::Kommune);
        r.land = Some("Bayern".into());
        r.website = Some("https://stadt.muenchen.de".into());
    }
    r
}

fn leika_keys_of(list: &Value) -> Result<Vec<String>, String> {
    match list {
        Value::Null => Ok(vec![]),
        Value::Array(items) => {
            let mut keys: Vec<String> = vec![];
            for item in items {
                match item.get("leika_key") {
                    Some(Value::String(k)) if k != NOT_IN_LEIKA => {
                        if keys.len() < MAX_LIST_ITEMS && !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                    Some(Value::String(_) | Value::Null) | None => {}
                    Some(other) => {
                        return Err(format!(
                            "leika_leistungen.leika_key: expected a string, got {}",
                            super::record::type_name(other)
                        ))
                    }
                }
            }
            Ok(keys)
        }
        other => Err(format!(
            "leika_leistungen: expected a list, got {}",
            super::record::type_name(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matchraum_catalog::vocab::SolutionKind;
    use std::path::PathBuf;

    fn data(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data")
            .join(rel)
    }

    /// Maps line `n` (1-based) of a real file.
    fn real(rel: &str, n: usize) -> Mapped {
        let path = data(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().nth(n - 1).unwrap();
        let ctx = LineCtx {
            path: &path,
            source: None,
        };
        map_line(line.as_bytes(), &ctx).unwrap().unwrap()
    }

    fn sol(m: Mapped) -> SolRecord {
        match m {
            Mapped::Solution(s) => *s,
            other => panic!("expected a solution, got {other:?}"),
        }
    }

    #[test]
    fn kdn_records_map_to_ozg_and_leika_solutions_and_nrw_organisations() {
        let s = sol(real("kdn_ozg_nrw/ozg_leistungen.jsonl", 1));
        assert_eq!(s.input.source.as_deref(), Some("kdn-ozg"));
        assert_eq!(s.input.source_id.as_deref(), Some("kdn-ozg:1"));
        assert_eq!(s.input.kind, SolutionKind::OzgLeistung);
        assert_eq!(s.input.title, "Abbruchgenehmigung");
        assert_eq!(s.input.ozg_ids, vec!["10513"]);
        assert_eq!(s.input.leika_keys, vec!["99012001000000", "99012001001000"]);
        assert_eq!(s.input.themenfeld.as_deref(), Some("Bauen & Wohnen"));
        assert_eq!(s.input.lebenslage.as_deref(), Some("Bauen & Immobilien"));
        let extra = s.input.extra.unwrap();
        assert!(extra["leika_leistungen"].is_array());
        assert_eq!(extra["source_row_id"], 1);

        let v = sol(real("kdn_ozg_nrw/ozg_leistungen.no_leika.jsonl", 1));
        assert!(
            !v.present.contains("leika_keys"),
            "absent list must not be present"
        );

        let l = sol(real("kdn_ozg_nrw/leika_leistungen.jsonl", 1));
        assert_eq!(l.input.kind, SolutionKind::LeikaLeistung);
        assert!(
            l.input.leika_keys.is_empty(),
            "'nicht im LeiKa' is not a key"
        );
        assert_eq!(l.input.extra.unwrap()["leika_key"], "nicht im LeiKa");

        let Mapped::Organisation(k) = real("kdn_ozg_nrw/kommunen_nrw.jsonl", 1) else {
            panic!("kommune")
        };
        assert_eq!(k.input.kind, OrganisationKind::Kommune);
        assert_eq!(k.input.name, "Aachen");
        assert_eq!(k.input.land.as_deref(), Some(NRW));
        assert_eq!(k.input.source.as_deref(), Some("kdn-kommune"));
        let Mapped::Organisation(p) = real("kdn_ozg_nrw/it_dienstleister_nrw.jsonl", 1) else {
            panic!("provider")
        };
        assert_eq!(p.input.kind, OrganisationKind::ItDienstleister);
        assert_eq!(p.input.extra.unwrap()["town"], "Bonn");
    }

    #[test]
    fn munich_berlin_and_codefor_records_map_to_solutions() {
        let s = sol(real("muenchen_dienstleistungen/services.jsonl", 1));
        assert_eq!(s.input.kind, SolutionKind::OnlineService);
        assert_eq!(s.input.source.as_deref(), Some("muc-svc"));
        assert!(!s.input.tags.is_empty(), "keywords become tags");
        let p = s.provider.unwrap();
        assert_eq!(p.name, MUNICH);
        assert_eq!(p.kind, Some(OrganisationKind::Kommune));

        let o = sol(real("muenchen_opensource/software.jsonl", 1));
        assert_eq!(o.input.kind, SolutionKind::Software);
        assert!(o
            .input
            .summary
            .as_deref()
            .unwrap()
            .starts_with("389 Directory Server ist"));
        assert!(o.input.description.is_some());
        assert_eq!(
            o.input.licence.as_deref(),
            Some("GNU General Public License")
        );
        assert_eq!(
            o.input.code_url.as_deref(),
            Some("https://github.com/389ds/389-ds-base/")
        );
        assert!(o.present.contains("provider_id") && o.provider.is_none());
        assert!(o.input.extra.unwrap()["lead_en"].is_string());

        let b = sol(real("berlin_opensource/projects.jsonl", 1));
        assert_eq!(b.input.source.as_deref(), Some("ber-oss"));
        assert!(b.input.summary.as_deref().unwrap().starts_with("Übersicht"));
        assert_eq!(b.provider.unwrap().name, "Technologiestiftung Berlin");

        let c = sol(real("codefor_de/projects.jsonl", 1));
        assert_eq!(c.input.source.as_deref(), Some("cfd"));
        assert_eq!(c.input.title, "Access Map");
        assert_eq!(c.input.tags, vec!["Mobilität"]);
        assert_eq!(c.input.extra.unwrap()["labs"][0], "berlin");
        let v = sol(real("codefor_de/projects.no_title.jsonl", 1));
        assert!(!v.present.contains("title"));
    }

    #[test]
    fn malformed_lines_give_reasons_and_source_override_and_prefix_work() {
        let path = PathBuf::from("x/y.jsonl");
        let ctx = LineCtx {
            path: &path,
            source: None,
        };
        let err = |b: &[u8]| map_line(b, &ctx).unwrap_err();
        assert!(err(br#"{"id": "cfd:a", "title": "A"#).starts_with("truncated JSON"));
        assert!(err(b"{nope}").starts_with("invalid JSON"));
        assert!(err(b"[1]").contains("object"));
        assert!(err(br#"{"title": "A"}"#).contains("missing id"));
        assert!(err(br#"{"id": "cfd:a", "title": 5}"#).contains("title: expected a string"));
        assert!(err(br#"{"id": "cfd:a", "title": "A", "tags": "x"}"#).contains("tags"));
        assert!(err(b"{\"id\": \"cfd:a\", \"title\": \"\xff\xfe\"}").contains("invalid UTF-8"));
        assert!(map_line(b"   ", &ctx).unwrap().is_none());
        let m = sol(map_line(
            br#"{"id": "x-1", "title": "T", "abstract": "S", "kind": "saas"}"#,
            &ctx,
        )
        .unwrap()
        .unwrap());
        assert_eq!(
            m.input.source.as_deref(),
            Some("x"),
            "folder name when no prefix"
        );
        assert_eq!(m.input.summary.as_deref(), Some("S"));
        assert_eq!(m.input.kind, SolutionKind::Saas);
        let ctx = LineCtx {
            path: &path,
            source: Some("muc-oss"),
        };
        let m = sol(
            map_line(br#"{"id": "7", "title": "T", "lead_de": "L"}"#, &ctx)
                .unwrap()
                .unwrap(),
        );
        assert_eq!(m.input.source.as_deref(), Some("muc-oss"));
        assert_eq!(m.input.summary.as_deref(), Some("L"));
    }
}
