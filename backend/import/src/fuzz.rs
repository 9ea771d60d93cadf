//! Bounded property tests ("fuzzing") of the importers: no input, however broken, panics the
//! mapping of a JSON Lines record or a publiccode.yml document; it maps or gives a reason.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::jsonl::{map_line, LineCtx};
use super::publiccode;

/// Field names the mappings read, so that generated records reach the mapping code.
const JSONL_KEYS: &[&str] = &[
    "id",
    "abstract",
    "application_url",
    "code_url",
    "description",
    "description_de",
    "developer",
    "developer_url",
    "developers",
    "keywords",
    "kind",
    "language",
    "lead_de",
    "lebenslage",
    "leika_key",
    "leika_leistungen",
    "licence",
    "license",
    "ozg_id",
    "provider",
    "summary",
    "tags",
    "themenfeld",
    "title",
    "url",
    "name",
    "land",
];
const ID_PREFIXES: &[&str] = &[
    "kdn-ozg:",
    "kdn-leika:",
    "kdn-kommune:",
    "kdn-provider:",
    "muc-svc:",
    "muc-oss:",
    "ber-oss:",
    "cfd:",
    "other:",
    "",
    ":",
];
const FOLDERS: &[&str] = &[
    "kdn_ozg_nrw/kommunen_nrw.jsonl",
    "kdn_ozg_nrw/it_dienstleister_nrw.jsonl",
    "kdn_ozg_nrw/leika.jsonl",
    "kdn_ozg_nrw/ozg.jsonl",
    "muenchen_dienstleistungen/s.jsonl",
    "muenchen_opensource/s.jsonl",
    "berlin_opensource/p.jsonl",
    "codefor_de/p.jsonl",
    "x.jsonl",
];
const PUBLICCODE_KEYS: &[&str] = &[
    "publiccodeYmlVersion",
    "name",
    "url",
    "landingURL",
    "landingUrl",
    "softwareType",
    "developmentStatus",
    "categories",
    "tags",
    "usedBy",
    "legal",
    "license",
    "mainCopyrightOwner",
    "repoOwner",
    "localisation",
    "availableLanguages",
    "description",
    "de",
    "en",
    "it",
    "shortDescription",
    "longDescription",
    "documentation",
    "maintenance",
    "contacts",
    "email",
    "phone",
    "affiliation",
];

/// Strings that matter to the mappings: empty, blank, long, odd Unicode, URL-like.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_owned()),
        Just("javascript:alert(1)".to_owned()),
        Just("zuelpich.de".to_owned()),
        Just("https://example.org/x".to_owned()),
        Just("Stable".to_owned()),
        ".{0,40}",
        "\\PC{0,300}",
        Just("x".repeat(5_000)),
    ]
}

/// JSON values of bounded depth whose object keys come from `keys`.
fn json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(keys), inner), 0..8).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn record() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(ID_PREFIXES),
        text(),
        prop::collection::vec((prop::sample::select(JSONL_KEYS), json(JSONL_KEYS)), 0..12),
    )
        .prop_map(|(prefix, id, fields)| {
            let mut m: Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            m.insert("id".into(), Value::String(format!("{prefix}{id}")));
            serde_json::to_vec(&Value::Object(m)).expect("serialises")
        })
}

fn map_jsonl(bytes: &[u8], folder: &str, source: Option<&str>) {
    let ctx = LineCtx {
        path: Path::new(folder),
        source,
    };
    if let Ok(Some(mut rec)) = map_line(bytes, &ctx) {
        rec.keep_web_urls();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn jsonl_lines_of_any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400),
                                            folder in prop::sample::select(FOLDERS)) {
        map_jsonl(&bytes, folder, None);
    }

    #[test]
    fn jsonl_records_of_any_shape_never_panic(line in record(),
                                              folder in prop::sample::select(FOLDERS),
                                              source in prop::option::of(prop::sample::select(&["kdn-ozg", "cfd", "muc-oss", "x"][..]))) {
        map_jsonl(&line, folder, source);
    }

    #[test]
    fn publiccode_files_of_any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(doc) = publiccode::parse(&bytes) {
            let _ = publiccode::map(doc, "f.yml", "publiccode");
        }
    }

    #[test]
    fn publiccode_documents_of_any_shape_never_panic(doc in json(PUBLICCODE_KEYS)) {
        let yaml = serde_yaml::to_string(&doc).expect("serialises");
        if let Ok(parsed) = publiccode::parse(yaml.as_bytes()) {
            if let Ok(rec) = publiccode::map(parsed, "f.yml", "publiccode") {
                let mut rec = super::record::Mapped::Solution(Box::new(rec));
                rec.keep_web_urls();
            }
        }
        let _ = publiccode::map(doc, "f.yml", "publiccode");
    }

    #[test]
    fn url_checks_never_panic(s in "\\PC{0,40}") {
        let kept = matchraum_catalog::validate::lenient_web_url(Some(s.clone()));
        prop_assert!(kept.iter().all(|u| matchraum_catalog::validate::is_web_url(u)));
        let _ = matchraum_catalog::validate::is_web_url(&s);
    }
}
