use super::*;
use crate::record::OrgRef;
use matchraum_catalog::vocab::Maturity;
use std::path::PathBuf;

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/publiccode/files")
        .join(file)
}

#[test]
fn a_real_german_file_maps_name_texts_licence_maturity_and_provider() {
    let bytes = std::fs::read(data("it-at-m__mucgpt.publiccode.yml")).unwrap();
    let doc = parse(&bytes).unwrap();
    let s = map(doc, "it-at-m__mucgpt.publiccode.yml", SOURCE).unwrap();
    assert_eq!(
        s.input.source_id.as_deref(),
        Some("https://github.com/it-at-m/mucgpt")
    );
    assert!(
        s.input.title.to_lowercase().contains("mucgpt"),
        "{}",
        s.input.title
    );
    assert!(s.input.summary.is_some());
    assert_eq!(s.input.maturity, Maturity::InProduction);
    assert!(s.input.licence.is_some());
    assert_eq!(
        s.provider.as_ref().unwrap().name,
        "Landeshauptstadt München"
    );
    assert!(s.input.extra.as_ref().unwrap()["publiccode"]["name"].is_string());
}

#[test]
fn a_malformed_file_is_an_error_with_a_reason_not_a_panic() {
    let bytes = std::fs::read(data("BW-Projects__aTrain.publiccode.yml")).unwrap();
    let err = parse(&bytes).unwrap_err();
    assert!(err.message.starts_with("not valid YAML"), "{err}");
    assert!(err.line.is_some_and(|l| l > 1), "{err:?}");
    assert!(parse(b"- just\n- a list\n")
        .unwrap_err()
        .message
        .contains("mapping"));
    assert!(parse(&[0xff, 0xfe, b':']).is_err());
}

#[test]
fn yaml_1_1_quirks_and_mistyped_fields_are_read_leniently() {
    let doc = parse(
        b"name: no\nurl: https://example.org/x\ndevelopmentStatus: Stable\nlegal: {license: 1}\n\
          usedBy: Stadt Bonn\ncategories: [a, 2]\nmaintenance: {contacts: [{name: A, phone: 12345}, x]}\n\
          localisation: {availableLanguages: de}\n",
    )
    .unwrap();
    let s = map(doc, "f.yml", SOURCE).unwrap();
    assert_eq!(s.input.title, "no");
    assert_eq!(s.input.maturity, Maturity::InProduction);
    assert_eq!(s.input.licence.as_deref(), Some("1"));
    assert_eq!(s.used_by, vec![OrgRef::named("Stadt Bonn")]);
    assert_eq!(s.input.tags, vec!["a", "2"]);
    assert_eq!(s.input.contacts[0].phone.as_deref(), Some("12345"));
    assert_eq!(s.input.languages, vec!["de"]);
    assert!(map(parse(b"url: x\n").unwrap(), "f.yml", SOURCE)
        .unwrap_err()
        .contains("name"));
}

#[test]
fn every_real_file_parses_except_the_two_known_malformed_ones() {
    let dir = data("");
    let mut failed = vec![];
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        n += 1;
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        match parse(&std::fs::read(&p).unwrap())
            .map_err(|e| e.to_string())
            .and_then(|d| map(d, &name, SOURCE))
        {
            Ok(_) => {}
            Err(_) => failed.push(name),
        }
    }
    failed.sort();
    assert_eq!(n, 89);
    assert_eq!(
        failed,
        vec![
            "Azienda-USL-di-Bologna__DAE-RespondER.publiccode.yml",
            "BW-Projects__aTrain.publiccode.yml"
        ]
    );
}

#[test]
fn the_publishing_organisation_of_0_5_and_later_is_the_provider() {
    let bytes = std::fs::read(data("ARPA-VdA__OPAS.publiccode.yml")).unwrap();
    let s = map(parse(&bytes).unwrap(), "opas.yml", SOURCE).unwrap();
    assert_eq!(
        s.provider.unwrap().name,
        "Agenzia Regionale Protezione Ambiente Valle d'Aosta"
    );
    // A URN is no website; a web address is.
    let doc = parse(
        b"name: X\norganisation: {uri: 'https://ld.admin.ch/FCh', name: Bundeskanzlei}\n\
          legal: {mainCopyrightOwner: Someone else}\n",
    )
    .unwrap();
    let p = map(doc, "f.yml", SOURCE).unwrap().provider.unwrap();
    assert_eq!(p.name, "Bundeskanzlei");
    assert_eq!(p.website.as_deref(), Some("https://ld.admin.ch/FCh"));
}

#[test]
fn the_german_section_carries_leika_keys_and_ozg_ids() {
    let doc = parse(b"name: X\nDE: {leikaKeys: ['99012001000000'], ozgIds: [10513]}\n").unwrap();
    let s = map(doc, "f.yml", SOURCE).unwrap();
    assert_eq!(s.input.leika_keys, vec!["99012001000000"]);
    assert_eq!(s.input.ozg_ids, vec!["10513"]);
    assert!(s.present.contains("leika_keys") && s.present.contains("ozg_ids"));
    let lower = parse(b"name: X\nde: {ozgIds: '10110'}\n").unwrap();
    assert_eq!(
        map(lower, "f.yml", SOURCE).unwrap().input.ozg_ids,
        vec!["10110"]
    );
}

#[test]
fn missing_keys_names_what_version_0_7_requires() {
    let full = parse(
        b"publiccodeYmlVersion: '0.7'\nname: X\nurl: https://example.org/x.git\nplatforms: [web]\n\
          developmentStatus: stable\nsoftwareType: standalone/web\n\
          description: {de: {shortDescription: K, longDescription: L, features: [F]}}\n\
          legal: {license: EUPL-1.2}\nmaintenance: {type: internal, contacts: [{name: A}]}\n\
          localisation: {localisationReady: false, availableLanguages: [de]}\n",
    )
    .unwrap();
    assert_eq!(missing_keys(&full), Vec::<String>::new());
    let bad = parse(
        b"publiccodeYmlVersion: 0.7\nname: X\ndevelopmentStatus: production\n\
          maintenance: {type: contract}\norganisation: {name: O}\n\
          description: {de: {longDescription: L}}\n",
    )
    .unwrap();
    assert_eq!(
        missing_keys(&bad),
        vec![
            "publiccodeYmlVersion",
            "url",
            "platforms",
            "developmentStatus",
            "softwareType",
            "description/[lang]/shortDescription",
            "description/[lang]/features",
            "legal/license",
            "maintenance/contractors",
            "localisation/localisationReady",
            "localisation/availableLanguages",
            "organisation/uri",
        ]
    );
}
