//! Answers that fit a seeker: administrative service descriptions (OZG/LeiKa) in their own
//! section, never crowding reusable solutions out; calibrated strengths with a flag when
//! nothing reusable fits; and navigation from a LeiKa hit over the OZG-Leistung that
//! bundles it to what implements it, with the path in the explanation.

use super::*;

on_both_backends!(
    services_have_their_own_section_and_lead_to_their_implementations,
    strengths_follow_the_thresholds_and_say_when_nothing_fits,
);

const DOG_KEY: &str = "99012001000000";

struct Graph {
    leika: i64,
    ozg: i64,
    portal: i64,
}

fn entry(title: &str, summary: &str, kind: SolutionKind) -> SolutionInput {
    SolutionInput {
        title: title.into(),
        summary: Some(summary.into()),
        kind,
        ..SolutionInput::default()
    }
}

/// Six LeiKa-Leistungen about dogs, the OZG-Leistung bundling the first, a citizen portal
/// implementing that OZG-Leistung (its text says nothing of dogs), and two reusable
/// solutions.
async fn seed_graph(db: &TestDb) -> Graph {
    let c = &db.conn;
    let krz = organisations::create(
        c,
        org(
            "Rechenzentrum West",
            OrganisationKind::ItDienstleister,
            "Hessen",
        ),
    )
    .await
    .unwrap()
    .id;
    let mut leika = entry(
        "Hundesteuer Anmeldung",
        "Anmeldung eines Hundes zur Hundesteuer.",
        SolutionKind::LeikaLeistung,
    );
    leika.leika_keys = vec![DOG_KEY.into()];
    let leika = solutions::create(c, leika).await.unwrap().id;
    for (i, title) in [
        "Hundesteuer Abmeldung",
        "Hundesteuer Ermäßigung",
        "Hundesteuer Befreiung",
        "Hundehaltung gefährlicher Hunde Erlaubnis",
        "Hundesteuermarke Ersatz",
    ]
    .into_iter()
    .enumerate()
    {
        let mut l = entry(
            title,
            "Leistung rund um die Hundesteuer und die Hundehaltung.",
            SolutionKind::LeikaLeistung,
        );
        l.leika_keys = vec![format!("9901300{i}000000")];
        solutions::create(c, l).await.unwrap();
    }
    let mut ozg = entry(
        "Hundesteuer",
        "Steuer für das Halten von Hunden.",
        SolutionKind::OzgLeistung,
    );
    ozg.ozg_ids = vec!["10071".into()];
    ozg.leika_keys = vec![DOG_KEY.into(), "99012001001000".into()];
    let ozg = solutions::create(c, ozg).await.unwrap().id;
    let mut portal = entry(
        "Bürgerkonto Musterstadt",
        "Zentrales Servicekonto für Anträge an die Stadtverwaltung.",
        SolutionKind::OnlineService,
    );
    portal.ozg_ids = vec!["10071".into()];
    portal.provider_id = Some(krz);
    let portal = solutions::create(c, portal).await.unwrap().id;
    for (title, summary) in [
        (
            "Steuerfachverfahren Kommunal",
            "Veranlagung kommunaler Steuern wie der Hundesteuer, mit Bescheiden.",
        ),
        (
            "Sperrmüll-Termine",
            "Abholtermine für Sperrmüll online buchen.",
        ),
    ] {
        let mut s = entry(title, summary, SolutionKind::Software);
        s.provider_id = Some(krz);
        solutions::create(c, s).await.unwrap();
    }
    Graph { leika, ozg, portal }
}

async fn graph_app(
    b: Backend,
    tweak: impl FnOnce(&mut matchraum::config::Config),
) -> (TestApp, Graph) {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let db = fresh_db(b).await;
    let g = seed_graph(&db).await;
    (start_app(db, tweak).await, g)
}

fn list<'a>(body: &'a Value, section: &str) -> &'a Vec<Value> {
    body[section].as_array().unwrap()
}

fn by_id(items: &[Value], id: i64) -> Option<&Value> {
    items.iter().find(|s| s["id"] == id)
}

async fn services_have_their_own_section_and_lead_to_their_implementations(b: Backend) {
    let (app, g) = graph_app(b, |_| {}).await;
    let body: Value = post_match(
        &app.client,
        &app.address,
        json!({"text": "Hundesteuer anmelden", "limit": 3}),
    )
    .await
    .json()
    .await
    .unwrap();
    let (solutions, services) = (list(&body, "solutions"), list(&body, "services"));
    assert_eq!(
        solutions.len(),
        3,
        "reusable solutions fill the limit: {body:#}"
    );
    let service_kinds = ["leika_leistung", "ozg_leistung"];
    assert!(solutions
        .iter()
        .all(|s| !service_kinds.contains(&s["kind"].as_str().unwrap())));
    assert_eq!(
        services.len(),
        3,
        "at most the limit (and at most 5) service descriptions"
    );
    assert!(services
        .iter()
        .all(|s| service_kinds.contains(&s["kind"].as_str().unwrap())));

    // The LeiKa hit leads to the OZG-Leistung bundling it and to the portal implementing it.
    let leika =
        by_id(services, g.leika).unwrap_or_else(|| panic!("the LeiKa-Leistung matches: {body:#}"));
    let ozg =
        by_id(services, g.ozg).unwrap_or_else(|| panic!("the OZG-Leistung is reached: {body:#}"));
    let path = &ozg["explanation"]["path"];
    assert_eq!(path["from"]["id"], g.leika);
    assert_eq!(path["from"]["title"], "Hundesteuer Anmeldung");
    assert_eq!(path["leika_key"], DOG_KEY);
    assert_eq!(path["ozg_leistung"]["title"], "Hundesteuer");
    assert_eq!(path["implementations"], 1);
    assert_eq!(
        leika["explanation"]["path"]["ozg_leistung"]["id"], g.ozg,
        "the path starts at the hit"
    );
    let portal = by_id(solutions, g.portal)
        .unwrap_or_else(|| panic!("the implementation is reached: {body:#}"));
    assert_eq!(portal["explanation"]["path"]["ozg_leistung"]["id"], g.ozg);
    assert_ne!(
        portal["strength"], "strong",
        "a reached entry is at most possible"
    );

    // Asking for service descriptions only: they fill the limit; the graph keeps the filter.
    let body: Value = post_match(
        &app.client,
        &app.address,
        json!({"text": "Hundesteuer anmelden", "limit": 6, "filters": {"kind": ["leika_leistung"]}}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(list(&body, "solutions").is_empty(), "{body:#}");
    let services = list(&body, "services");
    assert_eq!(services.len(), 6);
    assert!(
        services.iter().all(|s| s["kind"] == "leika_leistung"),
        "{body:#}"
    );
}

async fn strengths_follow_the_thresholds_and_say_when_nothing_fits(b: Backend) {
    let ask = |app: &TestApp, mode: &str| {
        let (client, addr) = (app.client.clone(), app.address.clone());
        let body = json!({"text": "Software für die Veranlagung kommunaler Steuern", "mode": mode});
        async move {
            post_match(&client, &addr, body)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let (app, _) = graph_app(b, |c| {
        c.matching.strong_score = f32::MAX;
        c.matching.possible_score = f32::MAX;
    })
    .await;
    let body = ask(&app, "hybrid").await;
    assert!(!list(&body, "solutions").is_empty());
    assert!(
        list(&body, "solutions")
            .iter()
            .all(|s| s["strength"] == "weak"),
        "{body:#}"
    );
    assert_eq!(body["no_reusable_fit"], true);
    // Only the hybrid mode is calibrated.
    let body = ask(&app, "lexical").await;
    assert!(
        list(&body, "solutions")
            .iter()
            .all(|s| s["strength"].is_null()),
        "{body:#}"
    );
    assert_eq!(body["no_reusable_fit"], false);
    drop(app);

    let (app, _) = graph_app(b, |c| {
        c.matching.strong_score = f32::MIN;
        c.matching.possible_score = f32::MIN;
    })
    .await;
    let body = ask(&app, "hybrid").await;
    assert_eq!(
        list(&body, "solutions")[0]["strength"],
        "strong",
        "{body:#}"
    );
    assert_eq!(body["no_reusable_fit"], false);
}
