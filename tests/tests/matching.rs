//! Matching against the real model, on SQLite and PostgreSQL: explained answers,
//! filters, clear errors, persisted vectors, and an index that follows writes.

use std::time::Duration;

use matchraum::catalog::model::{NeedInput, OrganisationInput, SolutionInput, UsageInput};
use matchraum::catalog::store::{needs, organisations, solutions, usages, Changed};
use matchraum::catalog::vocab::*;
use matchraum::matching::model::{MatchFilters, Mode};
use matchraum::matching::Matcher;
use matchraum_tests::ws::Ws;
use matchraum_tests::{
    assert_problem, attach_app, eventually, fresh_db, on_both_backends, spawn_app_with, start_app,
    test_config, Backend, Role, TestApp, TestDb,
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

mod answers;
mod index;
mod needs_radar;
mod notifications;
mod sections;

struct Seeded {
    krz: i64,
    city: i64,
    village: i64,
    wohnsitz: i64,
    kita: i64,
    hundesteuer: i64,
}

fn org(name: &str, kind: OrganisationKind, land: &str) -> OrganisationInput {
    OrganisationInput {
        name: name.into(),
        kind,
        land: Some(land.into()),
        region_code: None,
        website: None,
        email: None,
        description: None,
        source: None,
        source_id: None,
        extra: None,
    }
}

fn solution(title: &str, summary: &str, provider: i64) -> SolutionInput {
    SolutionInput {
        title: title.into(),
        summary: Some(summary.into()),
        provider_id: Some(provider),
        ..SolutionInput::default()
    }
}

async fn seed(db: &TestDb) -> Seeded {
    let c = &db.conn;
    let krz = organisations::create(
        c,
        org(
            "Rechenzentrum West",
            OrganisationKind::ItDienstleister,
            "Nordrhein-Westfalen",
        ),
    )
    .await
    .unwrap()
    .id;
    let bayern = organisations::create(
        c,
        org("Digitalagentur Süd", OrganisationKind::Land, "Bayern"),
    )
    .await
    .unwrap()
    .id;
    let city = organisations::create(
        c,
        org(
            "Stadt Beispielhausen",
            OrganisationKind::Kommune,
            "Nordrhein-Westfalen",
        ),
    )
    .await
    .unwrap()
    .id;
    let village = organisations::create(
        c,
        org("Gemeinde Musterdorf", OrganisationKind::Kommune, "Bayern"),
    )
    .await
    .unwrap()
    .id;
    let mut w = solution(
        "Online-Wohnsitzanmeldung",
        "Bürger melden ihren Wohnsitz nach einem Umzug online an, mit Anbindung an das Meldewesen.",
        krz,
    );
    w.maturity = Maturity::InProduction;
    w.standards = vec!["XMeld".into(), "FIT-Connect".into()];
    w.kind = SolutionKind::OnlineService;
    w.last_verified_at = Some(chrono::Utc::now() - chrono::Duration::days(30));
    let wohnsitz = solutions::create(c, w).await.unwrap().id;
    let mut k = solution(
        "Kita-Platz-Vergabe",
        "Eltern beantragen Betreuungsplätze in Kindertagesstätten online.",
        bayern,
    );
    k.maturity = Maturity::Pilot;
    let kita = solutions::create(c, k).await.unwrap().id;
    solutions::create(
        c,
        solution(
            "Sperrmüll-Termine",
            "Abholtermine für Sperrmüll online buchen.",
            bayern,
        ),
    )
    .await
    .unwrap();
    let hundesteuer = solutions::create(
        c,
        solution(
            "Hundesteuer",
            "An- und Abmeldung eines Hundes zur Hundesteuer.",
            krz,
        ),
    )
    .await
    .unwrap()
    .id;
    usages::create(
        c,
        UsageInput {
            solution_id: wohnsitz,
            organisation_id: city,
            since: None,
            context: None,
            status: UsageStatus::InUse,
            experience: Some("Weniger Andrang im Bürgerbüro.".into()),
            version: None,
        },
        usages::Claimant::IMPORT,
    )
    .await
    .unwrap();
    needs::create(
        c,
        NeedInput {
            organisation_id: village,
            title: "Wohnsitzanmeldung online".into(),
            description:
                "Wir suchen eine Online-Lösung für die Anmeldung des Wohnsitzes nach einem Umzug."
                    .into(),
            status: NeedStatus::Open,
            visibility: Visibility::Public,
        },
    )
    .await
    .unwrap();
    Seeded {
        krz,
        city,
        village,
        wohnsitz,
        kita,
        hundesteuer,
    }
}

/// Seeds first, then starts the server, so the start-up sync indexes the seed.
async fn seeded_app(b: Backend) -> (String, reqwest::Client, TestDb, Seeded) {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let db = fresh_db(b).await;
    let seeded = seed(&db).await;
    let TestApp {
        address,
        client,
        db,
        ..
    } = start_app(db, |_| {}).await;
    (address, client, db, seeded)
}

async fn post_match(client: &reqwest::Client, addr: &str, body: Value) -> reqwest::Response {
    client
        .post(format!("{addr}/api/v1/match"))
        .json(&body)
        .send()
        .await
        .unwrap()
}
