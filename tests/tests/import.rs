//! `matchraum import` against the real data in `../shared/data`, on SQLite and PostgreSQL.

use std::collections::BTreeMap;
use std::path::PathBuf;

use matchraum::catalog::entity::{organisation, solution};
use matchraum::import::{import_paths, ImportOptions, ImportReport, NoProgress};
use matchraum_tests::{fresh_db, on_both_backends, shared_data, spawn_app_with, Backend};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};

/// Solutions per source as the SOURCE.md files count them.
const SOLUTIONS: &[(&str, usize)] = &[
    ("ber-oss", 19),
    ("cfd", 247),
    ("kdn-leika", 5_249),
    ("kdn-ozg", 557),
    ("muc-oss", 142),
    ("muc-svc", 287),
    // 89 files, of which 2 do not parse (publiccode/SOURCE.md).
    ("publiccode", 87),
];

const ORGANISATIONS: &[(&str, usize)] = &[("kdn-kommune", 390), ("kdn-provider", 32)];

const MALFORMED: &[&str] = &[
    "Azienda-USL-di-Bologna__DAE-RespondER.publiccode.yml",
    "BW-Projects__aTrain.publiccode.yml",
];

/// Every folder of the shared data, as `import ../shared/data/*/` passes them.
fn all_folders() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(shared_data())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

async fn import(db: &DatabaseConnection, paths: &[PathBuf]) -> ImportReport {
    import_paths(db, paths, &ImportOptions::default(), &NoProgress)
        .await
        .expect("import runs")
}

/// One line per stored solution and organisation with the fields the import sets,
/// in source-id order, for comparing backends and runs.
async fn catalogue(db: &DatabaseConnection) -> (Vec<String>, BTreeMap<String, usize>) {
    let mut lines = vec![];
    let mut counts = BTreeMap::new();
    let orgs = organisation::Entity::find()
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await
        .unwrap();
    let org_key: BTreeMap<i64, String> = orgs
        .iter()
        .map(|o| (o.id, format!("{:?}/{:?}", o.source, o.source_id)))
        .collect();
    for o in &orgs {
        *counts
            .entry(format!("org {}", o.source.clone().unwrap_or_default()))
            .or_insert(0) += 1;
        let extra: serde_json::Value = serde_json::from_str(&o.extra).unwrap();
        lines.push(format!(
            "org {:?} {:?} {} {} {:?} {:?} {extra}",
            o.source, o.source_id, o.name, o.kind, o.land, o.website
        ));
    }
    for s in solution::Entity::find().all(db).await.unwrap() {
        *counts
            .entry(s.source.clone().unwrap_or_default())
            .or_insert(0) += 1;
        let extra: serde_json::Value = serde_json::from_str(&s.extra).unwrap();
        lines.push(format!(
            "sol {:?} {:?} {} {:?} {:?} {} {} {:?} {} {} {} {} {:?} {:?} {:?} {:?} {} {} {extra}",
            s.source,
            s.source_id,
            s.title,
            s.summary,
            s.description,
            s.kind,
            s.maturity,
            s.licence,
            s.tags,
            s.ozg_ids,
            s.leika_keys,
            s.languages,
            s.url,
            s.code_url,
            s.documentation_url,
            s.provider_id.map(|id| org_key[&id].clone()),
            s.contacts,
            s.completeness,
        ));
    }
    lines.sort();
    (lines, counts)
}

fn assert_expected_counts(counts: &BTreeMap<String, usize>) {
    for (source, n) in SOLUTIONS {
        assert_eq!(
            counts.get(*source),
            Some(n),
            "solutions of {source}: {counts:?}"
        );
    }
    for (source, n) in ORGANISATIONS {
        let key = format!("org {source}");
        assert_eq!(
            counts.get(&key),
            Some(n),
            "organisations of {source}: {counts:?}"
        );
    }
}

async fn all_real_data_imports_with_the_documented_counts_and_twice_changes_nothing(
    backend: Backend,
) {
    let db = fresh_db(backend).await;
    let report = import(&db.conn, &all_folders()).await;

    // Only the two files that are not YAML at all are skipped, with their line.
    let mut skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|s| {
            assert!(s.line.is_some(), "{s}");
            s.file.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    skipped.sort();
    assert_eq!(skipped, MALFORMED, "{}", report.summary());
    // taxonomie.json is passed over as not JSON Lines, not counted as an error.
    assert_eq!(report.ignored.len(), 1, "{:?}", report.ignored);
    assert!(report.ignored[0].0.ends_with("taxonomie.json"));

    // Full files and their no_<field> variants: one record per id.
    let full: usize = SOLUTIONS.iter().chain(ORGANISATIONS).map(|(_, n)| n).sum();
    assert_eq!(
        report.records.created as usize,
        full,
        "{}",
        report.summary()
    );
    assert_eq!(
        report.records.updated,
        0,
        "variants update nothing: {}",
        report.summary()
    );
    let variants = 557 + 287 + 142 + 19 + 247;
    assert_eq!(
        report.records.unchanged as usize,
        variants,
        "{}",
        report.summary()
    );
    assert_eq!(report.read as usize, full + variants + 2);

    let (before, counts) = catalogue(&db.conn).await;
    assert_expected_counts(&counts);

    // The variants did not erase the fields they lack.
    let by_id = |source: &str, id: &str| {
        let db = db.conn.clone();
        let (source, id) = (source.to_owned(), id.to_owned());
        async move {
            matchraum::catalog::store::solutions::find_by_source(&db, &source, &id)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let ozg = by_id("kdn-ozg", "kdn-ozg:1").await;
    assert_eq!(ozg.leika_keys, r#"["99012001000000","99012001001000"]"#);
    assert!(ozg.extra.contains("leika_leistungen"));
    let ber = by_id("ber-oss", "ber-oss:badestellen").await;
    assert!(ber.summary.is_some_and(|s| s.starts_with("Übersicht")));
    let cfd = by_id("cfd", "cfd:2011-12-31-accessmap").await;
    assert_eq!(cfd.title, "Access Map");
    let muc = by_id("muc-oss", "muc-oss:389_directory_server").await;
    assert!(muc.summary.is_some());
    let svc = by_id("muc-svc", "muc-svc:1063423").await;
    assert_ne!(svc.tags, "[]");
    assert!(svc.provider_id.is_some());

    // A second run reports no change and writes nothing.
    let again = import(&db.conn, &all_folders()).await;
    assert_eq!(again.records.created, 0, "{}", again.summary());
    assert_eq!(again.records.updated, 0, "{}", again.summary());
    assert_eq!(
        again.organisations_by_name.created + again.organisations_by_name.updated,
        0
    );
    assert_eq!(again.usages.created + again.usages.updated, 0);
    assert!(again.changed.is_empty());
    let (after, _) = catalogue(&db.conn).await;
    assert_eq!(before.len(), after.len());
    assert!(before == after, "a second import changed stored data");
}

async fn a_bad_file_reports_line_numbers_and_keeps_the_good_lines(backend: Backend) {
    let db = fresh_db(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.jsonl");
    let real = std::fs::read_to_string(shared_data().join("codefor_de/projects.jsonl")).unwrap();
    let mut lines: Vec<Vec<u8>> = real
        .lines()
        .take(3)
        .map(|l| l.as_bytes().to_vec())
        .collect();
    lines.insert(1, br#"{"id": "cfd:cut", "title": "Abgeschni"#.to_vec());
    lines.insert(
        2,
        b"{\"id\": \"cfd:bytes\", \"title\": \"\xff\xfe\"}".to_vec(),
    );
    lines.insert(
        3,
        br#"{"id": "cfd:typed", "title": "T", "tags": {"a": 1}}"#.to_vec(),
    );
    let long = "y".repeat(100_001);
    lines.insert(
        4,
        format!(r#"{{"id": "cfd:long", "title": "T", "description": "{long}"}}"#).into_bytes(),
    );
    std::fs::write(&file, lines.join(&b'\n')).unwrap();

    let report = import(&db.conn, std::slice::from_ref(&file)).await;
    let got: Vec<(u64, String)> = report
        .skipped
        .iter()
        .map(|s| (s.line.unwrap(), s.reason.clone()))
        .collect();
    assert_eq!(
        got.iter().map(|g| g.0).collect::<Vec<_>>(),
        vec![2, 3, 4, 5],
        "{got:?}"
    );
    assert!(got[0].1.contains("truncated"), "{got:?}");
    assert!(got[1].1.contains("UTF-8"), "{got:?}");
    assert!(got[2].1.contains("tags"), "{got:?}");
    assert!(
        got[3].1.contains("description") && got[3].1.contains("100000"),
        "{got:?}"
    );
    assert!(report.skipped.iter().all(|s| s.file == file));
    assert_eq!(report.records.created, 3);
    assert_eq!(report.read, 7);
    assert!(!report.is_clean());
    let (_, counts) = catalogue(&db.conn).await;
    assert_eq!(counts.get("cfd"), Some(&3));
}

async fn a_variant_after_its_full_file_keeps_the_missing_field(backend: Backend) {
    let db = fresh_db(backend).await;
    let dir = shared_data().join("codefor_de");
    import(&db.conn, &[dir.join("projects.jsonl")]).await;
    let (before, _) = catalogue(&db.conn).await;
    let r = import(&db.conn, &[dir.join("projects.no_title.jsonl")]).await;
    assert!(r.is_clean(), "{}", r.summary());
    assert_eq!(
        (r.records.created, r.records.updated, r.records.unchanged),
        (0, 0, 247)
    );
    let (after, _) = catalogue(&db.conn).await;
    assert!(before == after);
    // Alone on an empty database, the variant is named after its descriptions' first
    // sentences (flagged in `extra`); the full file later brings the real titles.
    let empty = fresh_db(backend).await;
    let r = import(&empty.conn, &[dir.join("projects.no_title.jsonl")]).await;
    // One project has neither title nor description: nothing to name or find it by.
    assert_eq!(r.skipped.len(), 1, "{}", r.summary());
    assert!(
        r.skipped[0].reason.contains("missing title"),
        "{}",
        r.skipped[0]
    );
    assert_eq!(r.records.created, 246);
    let derived = solution::Entity::find().all(&empty.conn).await.unwrap();
    assert!(derived
        .iter()
        .all(|s| !s.title.is_empty() && s.title.chars().count() <= 122));
    assert!(derived
        .iter()
        .all(|s| s.extra.contains("\"title_derived_from\":\"description\"")));
    let r = import(&empty.conn, &[dir.join("projects.jsonl")]).await;
    assert_eq!((r.records.created, r.records.updated), (1, 246));
    let full = solution::Entity::find().all(&empty.conn).await.unwrap();
    let mut real: Vec<String> = solution::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect();
    assert!(full.iter().all(|s| !s.extra.contains("title_derived_from")));
    let mut now: Vec<String> = full.into_iter().map(|s| s.title).collect();
    real.sort();
    now.sort();
    assert_eq!(real, now, "the full file brings the real titles back");
}

async fn a_solution_exports_as_publiccode_yml_that_parses_back(backend: Backend) {
    // The export needs no embedding model.
    let app = spawn_app_with(backend, |c| c.matching.enabled = false).await;
    let dir = shared_data();
    let paths = [
        dir.join("publiccode/files/it-at-m__mucgpt.publiccode.yml"),
        dir.join("muenchen_opensource/software.jsonl"),
    ];
    let r = import(&app.db.conn, &paths).await;
    assert!(r.is_clean(), "{}", r.summary());
    for (source, id) in [
        ("publiccode", "https://github.com/it-at-m/mucgpt"),
        ("muc-oss", "muc-oss:389_directory_server"),
    ] {
        let m = matchraum::catalog::store::solutions::find_by_source(&app.db.conn, source, id)
            .await
            .unwrap()
            .unwrap();
        let res = app
            .get(&format!("/api/v1/solutions/{}/publiccode", m.id))
            .await;
        assert_eq!(res.status().as_u16(), 200);
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("application/yaml"), "{ct}");
        let body = res.bytes().await.unwrap();
        let doc = matchraum::import::publiccode::parse(&body).expect("export parses");
        assert_eq!(doc["publiccodeYmlVersion"], "0.7");
        assert_eq!(doc["platforms"][0], "web");
        let back = matchraum::import::publiccode::map(doc, "export.yml", "publiccode").unwrap();
        assert_eq!(back.input.title, m.title);
        assert_eq!(back.input.licence, m.licence);
        assert_eq!(back.input.maturity.as_str(), m.maturity);
        assert_eq!(back.input.summary, m.summary);
    }
    let res = app.get("/api/v1/solutions/999999/publiccode").await;
    matchraum_tests::assert_problem(res, 404, "not-found").await;
}

on_both_backends!(
    all_real_data_imports_with_the_documented_counts_and_twice_changes_nothing,
    a_bad_file_reports_line_numbers_and_keeps_the_good_lines,
    a_variant_after_its_full_file_keeps_the_missing_field,
    a_solution_exports_as_publiccode_yml_that_parses_back,
);

/// The same files give the same catalogue on both databases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_hold_the_same_catalogue_after_import() {
    let lite = fresh_db(Backend::Sqlite).await;
    let pg = fresh_db(Backend::Postgres).await;
    let a = import(&lite.conn, &all_folders()).await;
    let b = import(&pg.conn, &all_folders()).await;
    assert_eq!(a.records, b.records);
    assert_eq!(a.by_source, b.by_source);
    assert_eq!(a.organisations_by_name, b.organisations_by_name);
    assert_eq!(a.usages, b.usages);
    let (la, ca) = catalogue(&lite.conn).await;
    let (lb, cb) = catalogue(&pg.conn).await;
    assert_eq!(ca, cb);
    assert_expected_counts(&ca);
    let differ: Vec<_> = la.iter().zip(&lb).filter(|(x, y)| x != y).take(3).collect();
    assert!(differ.is_empty(), "first differences: {differ:?}");
}
