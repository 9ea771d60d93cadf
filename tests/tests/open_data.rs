//! The catalogue in open standards, on SQLite and PostgreSQL: the DCAT-AP / ADMS-AP
//! JSON-LD catalogue (classes, properties, paging, every id ours and answering), the
//! schema.org block of a solution page (escaped, CSP unchanged, cached correctly), and the
//! publiccode.yml 0.7 round trip of the real files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use matchraum::catalog::model::{OrganisationInput, Solution, SolutionInput};
use matchraum::catalog::store::{organisations, solutions, usages};
use matchraum::catalog::vocab::{CostsModel, OrganisationKind, SolutionKind, UsageStatus};
use matchraum::import::record::{Mapped, SolRecord};
use matchraum::import::{import_paths, publiccode, ImportOptions, NoProgress};
use matchraum_tests::{
    assert_problem, on_both_backends, shared_data, spawn_app_with, Backend, TestApp,
};
use serde_json::Value;

const INDEX: &str = "<!doctype html><html lang=\"de\"><head><title>Matchraum</title>\
    <link rel=\"alternate\" type=\"application/ld+json\" href=\"/api/v1/catalog.jsonld\"></head>\
    <body><div id=\"app\"></div></body></html>";

struct Served {
    app: TestApp,
    _ui: tempfile::TempDir,
}

async fn app(backend: Backend) -> Served {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), INDEX).unwrap();
    let dir = ui.path().to_owned();
    let app = spawn_app_with(backend, move |c| {
        c.matching.enabled = false;
        c.http.ui_dir = dir;
    })
    .await;
    Served { app, _ui: ui }
}

async fn import(app: &TestApp, paths: &[PathBuf]) {
    let r = import_paths(&app.db.conn, paths, &ImportOptions::default(), &NoProgress)
        .await
        .expect("import runs");
    assert!(r.records.created > 0, "{}", r.summary());
}

/// Every compact IRI used as a key or type has its prefix in the inline context, so the
/// document expands without fetching anything; `seen` collects the prefixes used.
fn prefixes_declared(v: &Value, ctx: &serde_json::Map<String, Value>, seen: &mut BTreeSet<String>) {
    fn check(term: &str, ctx: &serde_json::Map<String, Value>, seen: &mut BTreeSet<String>) {
        if let Some((prefix, _)) = term.split_once(':') {
            if !term.contains("//") {
                assert!(ctx.contains_key(prefix), "undeclared prefix in {term}");
                seen.insert(prefix.to_owned());
            }
        }
    }
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter().filter(|(k, _)| *k != "@context") {
                check(k, ctx, seen);
                if k == "@type" {
                    let list = val.as_array().cloned().unwrap_or_else(|| vec![val.clone()]);
                    for t in list {
                        check(t.as_str().unwrap(), ctx, seen);
                    }
                }
                prefixes_declared(val, ctx, seen);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| prefixes_declared(i, ctx, seen)),
        _ => {}
    }
}

fn types(v: &Value) -> Vec<&str> {
    match &v["@type"] {
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => vec![s.as_str()],
        _ => vec![],
    }
}

async fn get_status(app: &TestApp, url: &str) -> u16 {
    app.client.get(url).send().await.unwrap().status().as_u16()
}

/// Every id answers: the page, the API entry and the publiccode.yml of a sample of
/// entries, and every publisher's page and API entry.
async fn ids_answer(app: &TestApp, publishers: &BTreeSet<String>) {
    let base = &app.address;
    let first: Value = app
        .get("/api/v1/catalog.jsonld?per_page=5")
        .await
        .json()
        .await
        .unwrap();
    for d in first["dcat:dataset"].as_array().unwrap() {
        assert_eq!(get_status(app, d["@id"].as_str().unwrap()).await, 200);
        for dist in d["dcat:distribution"].as_array().unwrap() {
            let url = dist["dcat:accessURL"].as_str().unwrap();
            assert!(url.starts_with(base.as_str()), "{url}");
            assert_eq!(get_status(app, url).await, 200, "{url}");
        }
    }
    for p in publishers {
        assert_eq!(get_status(app, p).await, 200, "{p}");
        let api = p.replace("/organisationen/", "/api/v1/organisations/");
        assert_eq!(get_status(app, &api).await, 200, "{api}");
    }
}

async fn the_catalogue_is_dcat_json_ld_and_its_pages_cover_every_entry_once(backend: Backend) {
    let s = app(backend).await;
    let dir = shared_data();
    import(
        &s.app,
        &[
            dir.join("publiccode/files"),
            dir.join("berlin_opensource/projects.jsonl"),
            dir.join("muenchen_opensource/software.jsonl"),
        ],
    )
    .await;
    let stored: BTreeSet<i64> = solutions::all(&s.app.db.conn)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    let base = s.app.address.clone();
    let mut next = Some(format!("{base}/api/v1/catalog.jsonld?per_page=40"));
    let (mut ids, mut pages, mut publishers) = (vec![], 0, BTreeSet::new());
    while let Some(url) = next.take() {
        let res = s.app.client.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(res.headers()["content-type"], "application/ld+json");
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let doc: Value = res.json().await.unwrap();
        pages += 1;
        let ctx = doc["@context"].as_object().expect("an inline context");
        let mut used = BTreeSet::new();
        prefixes_declared(&doc, ctx, &mut used);
        assert!(["dcat", "dct", "adms", "foaf", "hydra"]
            .iter()
            .all(|p| used.contains(*p)));
        assert!(types(&doc).contains(&"dcat:Catalog"));
        assert_eq!(doc["@id"], format!("{base}/api/v1/catalog.jsonld"));
        for key in [
            "dct:title",
            "dct:description",
            "dct:publisher",
            "dct:rights",
        ] {
            assert!(doc.get(key).is_some(), "catalogue lacks {key}");
        }
        assert_eq!(doc["hydra:totalItems"], stored.len() as u64);
        let view = &doc["hydra:view"];
        assert_eq!(view["@type"], "hydra:PartialCollectionView");
        assert_eq!(
            view["@id"],
            url.replace("?per_page=40", "?page=1&per_page=40")
        );
        for d in doc["dcat:dataset"].as_array().unwrap() {
            assert_eq!(types(d), vec!["dcat:Dataset", "adms:Asset"]);
            for key in [
                "dct:title",
                "dct:modified",
                "dcat:landingPage",
                "dct:type",
                "dcat:distribution",
            ] {
                assert!(d.get(key).is_some(), "{} lacks {key}", d["@id"]);
            }
            let id = d["@id"].as_str().unwrap();
            let n: i64 = id
                .strip_prefix(&format!("{base}/loesungen/"))
                .expect("our own solution page")
                .parse()
                .unwrap();
            ids.push(n);
            if let Some(p) = d.get("dct:publisher") {
                assert_eq!(p["@type"], "foaf:Agent");
                assert!(p["foaf:name"].is_string());
                publishers.insert(p["@id"].as_str().unwrap().to_owned());
            }
        }
        next = view["hydra:next"].as_str().map(str::to_owned);
        assert_eq!(
            link,
            next.as_ref().map(|n| format!("<{n}>; rel=\"next\"")),
            "the Link header names the same next page"
        );
    }
    assert_eq!(pages, stored.len().div_ceil(40));
    assert_eq!(ids.len(), stored.len(), "no entry twice");
    assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), stored);
    assert!(publishers.len() > 10, "{publishers:?}");
    ids_answer(&s.app, &publishers).await;
    // Bad paging is a problem+json.
    for bad in ["page=0", "per_page=0", "per_page=501", "page=x", "limit=3"] {
        let res = s.app.get(&format!("/api/v1/catalog.jsonld?{bad}")).await;
        assert_problem(res, 400, "invalid-query").await;
    }
    let res = s
        .app
        .get("/api/v1/catalog.jsonld?page=1000&per_page=500")
        .await;
    assert_problem(res, 404, "not-found").await;
}

/// The JSON inside the page's one `application/ld+json` script element.
fn ld_json_block(html: &str) -> Value {
    const OPEN: &str = "<script type=\"application/ld+json\">";
    assert_eq!(html.matches(OPEN).count(), 1, "{html}");
    let start = html.find(OPEN).unwrap() + OPEN.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

async fn a_solution_page_embeds_its_escaped_schema_org_block(backend: Backend) {
    let s = app(backend).await;
    let db = &s.app.db.conn;
    let hostile = "Formular </script><script>alert(1)</script><!-- \u{2028} & Co";
    let provider = organisations::create(
        db,
        OrganisationInput {
            name: "Stadt </SCRIPT> Beispiel".into(),
            kind: OrganisationKind::Kommune,
            land: None,
            region_code: None,
            website: Some("https://www.beispiel.de".into()),
            email: None,
            description: None,
            source: None,
            source_id: None,
            extra: None,
        },
    )
    .await
    .unwrap();
    let sol = solutions::create(
        db,
        SolutionInput {
            title: hostile.into(),
            summary: Some("Kurzbeschreibung <b>fett</b>".into()),
            kind: SolutionKind::OnlineService,
            costs_model: Some(CostsModel::Free),
            licence: Some("EUPL-1.2".into()),
            provider_id: Some(provider.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let page = format!("/loesungen/{}", sol.id);
    let res = s.app.get(&page).await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(headers["cache-control"], "no-cache");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(!html.contains("alert(1)</script>"), "{html}");
    assert_eq!(
        html.matches("</script>").count(),
        1,
        "only the block's own end tag"
    );
    let ld = ld_json_block(&html);
    let url = format!("{}{page}", s.app.address);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "SoftwareApplication");
    assert_eq!(ld["name"], hostile);
    assert_eq!(ld["url"], url);
    assert_eq!(ld["operatingSystem"], "Web");
    assert_eq!(ld["applicationCategory"], "Onlinedienst");
    assert_eq!(ld["offers"]["price"], "0");
    assert_eq!(ld["license"], "https://spdx.org/licenses/EUPL-1.2");
    assert_eq!(ld["provider"]["@type"], "Organization");
    assert_eq!(ld["provider"]["name"], "Stadt </SCRIPT> Beispiel");
    assert!(ld["dateModified"].is_string());
    let org_page = ld["provider"]["@id"].as_str().unwrap();
    assert_eq!(get_status(&s.app, org_page).await, 200);
    // The strict CSP is the one every page has: the data block needs no exception.
    let plain = s.app.get("/katalog").await;
    assert_eq!(
        plain.headers()["content-security-policy"],
        headers["content-security-policy"]
    );
    assert!(!plain
        .text()
        .await
        .unwrap()
        .contains("application/ld+json\">"));
    // Revalidation by ETag; a changed entry is a changed page.
    let revalidate = || {
        s.app
            .client
            .get(s.app.url(&page))
            .header("if-none-match", &etag)
            .send()
    };
    let again = revalidate().await.unwrap();
    assert_eq!(again.status(), 304);
    solutions::update(
        db,
        sol.id,
        SolutionInput {
            title: "Neuer Titel".into(),
            kind: SolutionKind::OnlineService,
            provider_id: Some(provider.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let changed = revalidate().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(
        ld_json_block(&changed.text().await.unwrap())["name"],
        "Neuer Titel"
    );
    // An unknown solution gets the app (which shows its own "not found").
    let unknown = s.app.get("/loesungen/999999").await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(unknown.text().await.unwrap(), INDEX);
}

/// The facts a publiccode.yml carries, as stored or as mapped from an export of it.
fn facts(
    i: &SolutionInput,
    provider: Option<&str>,
    mut used_by: Vec<String>,
) -> BTreeMap<&'static str, String> {
    let named: Vec<_> = i.contacts.iter().filter(|c| c.name.is_some()).collect();
    used_by.sort();
    BTreeMap::from([
        ("title", i.title.clone()),
        ("summary", format!("{:?}", i.summary)),
        ("description", format!("{:?}", i.description)),
        ("documentation_url", format!("{:?}", i.documentation_url)),
        ("licence", format!("{:?}", i.licence)),
        ("maturity", i.maturity.as_str().to_owned()),
        ("tags", format!("{:?}", i.tags)),
        ("contacts", format!("{named:?}")),
        ("last_verified_at", format!("{:?}", i.last_verified_at)),
        ("leika_keys", format!("{:?}", i.leika_keys)),
        ("ozg_ids", format!("{:?}", i.ozg_ids)),
        ("provider", format!("{provider:?}")),
        ("used_by", format!("{used_by:?}")),
    ])
}

/// A stored solution as the input it would be written with, its provider's name and the
/// names of the organisations using it.
async fn stored_facts(app: &TestApp, sol: &Solution) -> BTreeMap<&'static str, String> {
    let db = &app.db.conn;
    let provider = match sol.provider_id {
        Some(id) => Some(organisations::get(db, id).await.unwrap().name),
        None => None,
    };
    let org_ids: Vec<i64> = usages::for_solutions(db, &[sol.id])
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.status == UsageStatus::InUse)
        .map(|u| u.organisation_id)
        .collect();
    let users = organisations::get_many(db, &org_ids)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    let input = SolutionInput {
        title: sol.title.clone(),
        summary: sol.summary.clone(),
        description: sol.description.clone(),
        documentation_url: sol.documentation_url.clone(),
        licence: sol.licence.clone(),
        maturity: sol.maturity,
        tags: sol.tags.clone(),
        contacts: sol.contacts.clone(),
        last_verified_at: sol.last_verified_at,
        leika_keys: sol.leika_keys.clone(),
        ozg_ids: sol.ozg_ids.clone(),
        ..Default::default()
    };
    facts(&input, provider.as_deref(), users)
}

/// Whether a section holds an object with a `name` (or `id`), as the standard's lists need.
fn names_something(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Array(a)) => a.iter().any(|i| names_something(Some(i))),
        Some(Value::Object(o)) => {
            ["name", "id"]
                .iter()
                .any(|k| o.get(*k).is_some_and(|n| !n.is_null()))
                || ["open", "proprietary", "hardware"]
                    .iter()
                    .any(|k| names_something(o.get(*k)))
        }
        _ => false,
    }
}

async fn export_of(app: &TestApp, id: i64) -> Value {
    let res = app.get(&format!("/api/v1/solutions/{id}/publiccode")).await;
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/yaml"), "{ct}");
    publiccode::parse(&res.bytes().await.unwrap()).expect("export parses")
}

fn remapped(doc: Value) -> SolRecord {
    let mut m = Mapped::Solution(Box::new(
        publiccode::map(doc, "export.yml", "publiccode").unwrap(),
    ));
    m.keep_web_urls();
    match m {
        Mapped::Solution(s) => *s,
        Mapped::Organisation(_) => unreachable!("a publiccode.yml maps to a solution"),
    }
}

async fn real_publiccode_files_export_as_0_7_and_import_back_to_the_same_solution(
    backend: Backend,
) {
    let s = app(backend).await;
    let dir = shared_data();
    import(
        &s.app,
        &[
            dir.join("publiccode/files"),
            dir.join("kdn_ozg_nrw/ozg_leistungen.jsonl"),
        ],
    )
    .await;
    let all = solutions::all(&s.app.db.conn).await.unwrap();
    let (mut compared, mut compliant, mut originals_compliant, mut carried) = (0, 0, 0, 0);
    for sol in all
        .iter()
        .filter(|x| x.source.as_deref() == Some("publiccode"))
    {
        let file = dir
            .join("publiccode/files")
            .join(sol.extra["publiccode_file"].as_str().unwrap());
        let name = file.display();
        let original = publiccode::parse(&std::fs::read(&file).unwrap()).unwrap();
        let exported = export_of(&s.app, sol.id).await;
        assert_eq!(exported["publiccodeYmlVersion"], publiccode::VERSION);
        let back = remapped(exported.clone());
        let used: Vec<String> = back.used_by.iter().map(|o| o.name.clone()).collect();
        assert_eq!(
            stored_facts(&s.app, sol).await,
            facts(
                &back.input,
                back.provider.as_ref().map(|p| p.name.as_str()),
                used
            ),
            "{name}"
        );
        if sol.code_url.is_some() {
            assert_eq!(back.input.code_url, sol.code_url, "{name}");
            assert_eq!(back.input.url, sol.url, "{name}");
        }
        if !sol.languages.is_empty() {
            assert_eq!(back.input.languages, sol.languages, "{name}");
        }
        // What 0.5 and 0.7 added travels along.
        for key in ["fundedBy", "supports", "dependsOn"] {
            let had = names_something(original.get(key));
            assert_eq!(had, exported.get(key).is_some(), "{key} in {name}");
            carried += usize::from(had);
        }
        if sol.provider_id.is_some() {
            let uri = exported["organisation"]["uri"].as_str().unwrap();
            assert_eq!(get_status(&s.app, uri).await, 200, "{uri}");
        }
        // The export is never less complete than the file it came from.
        let before: BTreeSet<String> = publiccode::missing_keys(&original).into_iter().collect();
        let after: BTreeSet<String> = publiccode::missing_keys(&exported).into_iter().collect();
        assert!(
            after.is_subset(&before),
            "{name}: {after:?} not within {before:?}"
        );
        compared += 1;
        compliant += usize::from(after.is_empty());
        originals_compliant += usize::from(before.is_empty());
    }
    assert_eq!(compared, 87);
    assert!(
        carried >= 20,
        "fundedBy/supports/dependsOn in {carried} files"
    );
    println!(
        "[measure] publiccode exports with every 0.7 mandatory key: {compliant}/{compared} \
         (the original files: {originals_compliant})"
    );
    assert!(
        compliant > originals_compliant,
        "{compliant} vs {originals_compliant}"
    );
    // The German section carries an OZG-Leistung's ids and LeiKa keys there and back.
    let ozg = all
        .iter()
        .find(|x| !x.leika_keys.is_empty() && !x.ozg_ids.is_empty())
        .unwrap();
    let back = remapped(export_of(&s.app, ozg.id).await);
    assert_eq!(back.input.ozg_ids, ozg.ozg_ids);
    assert_eq!(back.input.leika_keys, ozg.leika_keys);
}

on_both_backends!(
    the_catalogue_is_dcat_json_ld_and_its_pages_cover_every_entry_once,
    a_solution_page_embeds_its_escaped_schema_org_block,
    real_publiccode_files_export_as_0_7_and_import_back_to_the_same_solution,
);
