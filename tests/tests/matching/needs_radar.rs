//! The provider's needs radar (`/organisations/{id}/needs-radar`) on the real model:
//! ranking by the stored vectors, the needs list's visibility, who may read it, paging,
//! the solution filter, and the word-based fallback of an instance without the model.

use super::*;
use matchraum_tests::{status_and_json, TestUser};

on_both_backends!(
    the_radar_ranks_visible_needs_by_the_providers_solutions,
    without_the_model_the_radar_compares_words,
    a_seeker_sees_peers_with_a_similar_need_before_anyone_uses_a_solution,
);

struct Radar {
    app: TestApp,
    s: Seeded,
    kreis: i64,
    /// Public needs of other organisations: about moving house, about the dog tax, unrelated.
    umzug: i64,
    hund: i64,
    friedhof: i64,
    /// The Kreis's need only its members see, and one of the provider itself.
    private: i64,
    own: i64,
    /// A closed need (solved): not on a radar.
    closed: i64,
}

fn need(org: i64, title: &str, description: &str, visibility: Visibility) -> NeedInput {
    NeedInput {
        organisation_id: org,
        title: title.into(),
        description: description.into(),
        status: NeedStatus::Open,
        visibility,
    }
}

/// Seeds the catalogue and the needs, then starts the server (whose start-up sync embeds
/// them all), with `tweak` applied to its configuration.
async fn radar_app(b: Backend, tweak: impl FnOnce(&mut matchraum::config::Config)) -> Radar {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let db = fresh_db(b).await;
    let s = seed(&db).await;
    let c = &db.conn;
    let kreis = organisations::create(
        c,
        org("Kreis Radarstedt", OrganisationKind::Kreis, "Niedersachsen"),
    )
    .await
    .unwrap()
    .id;
    let create = |n: NeedInput| async move { needs::create(c, n).await.unwrap().id };
    let umzug = create(need(
        kreis,
        "Umzug digital melden",
        "Bürgerinnen und Bürger sollen ihren neuen Wohnsitz nach einem Umzug online anmelden können, angebunden an das Meldewesen.",
        Visibility::Public,
    ))
    .await;
    let hund = create(need(
        kreis,
        "Hund online anmelden",
        "Hundehalter sollen ihren Hund online zur Hundesteuer an- und abmelden können.",
        Visibility::Public,
    ))
    .await;
    let friedhof = create(need(
        kreis,
        "Grabstellen verwalten",
        "Die Friedhofsverwaltung braucht ein Verzeichnis der Grabstellen mit Ruhefristen und Gebührenbescheiden.",
        Visibility::Public,
    ))
    .await;
    let private = create(need(
        kreis,
        "Wohnsitz online anmelden (intern)",
        "Bürgerinnen und Bürger sollen ihren Wohnsitz nach einem Umzug online anmelden können, angebunden an das Meldewesen.",
        Visibility::Organisation,
    ))
    .await;
    let own = create(need(
        s.krz,
        "Wohnsitzanmeldung für unsere Kunden",
        "Eine Online-Wohnsitzanmeldung nach einem Umzug für die Kommunen, die wir betreuen.",
        Visibility::Public,
    ))
    .await;
    let mut done = need(
        kreis,
        "Wohnsitzanmeldung online (erledigt)",
        "Bürger melden ihren Wohnsitz nach einem Umzug online an.",
        Visibility::Public,
    );
    done.status = NeedStatus::Solved;
    let closed = create(done).await;
    let app = start_app(db, tweak).await;
    Radar {
        app,
        s,
        kreis,
        umzug,
        hund,
        friedhof,
        private,
        own,
        closed,
    }
}

impl Radar {
    async fn get(&self, query: &str, user: Option<&TestUser>) -> reqwest::Response {
        self.app
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/organisations/{}/needs-radar{query}", self.s.krz),
                user,
            )
            .send()
            .await
            .unwrap()
    }

    async fn radar(&self, query: &str, user: &TestUser) -> Value {
        let (status, body) = status_and_json(self.get(query, Some(user)).await).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

fn need_ids(radar: &Value) -> Vec<i64> {
    radar["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect()
}

fn item(radar: &Value, need: i64) -> &Value {
    radar["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == need)
        .unwrap_or_else(|| panic!("need {need} is not on the radar: {radar}"))
}

async fn the_radar_ranks_visible_needs_by_the_providers_solutions(b: Backend) {
    let r = radar_app(b, |_| {}).await;
    let member = r.app.user(Role::Provider, Some(r.s.krz)).await;
    let radar = r.radar("", &member).await;
    assert_eq!(radar["ranking"], "semantic", "{radar}");
    let ids = need_ids(&radar);

    // The two needs this provider's solutions answer are on it, each with its solution.
    let umzug = item(&radar, r.umzug);
    assert_eq!(
        umzug["solutions"][0]["solution"]["id"], r.s.wohnsitz,
        "{umzug}"
    );
    assert_eq!(umzug["organisation"]["id"], r.kreis);
    assert_eq!(umzug["organisation"]["land"], "Niedersachsen");
    assert_eq!(umzug["status"], "open");
    assert!(umzug["created_at"].is_string() && umzug["updated_at"].is_string());
    let terms: Vec<&str> = umzug["solutions"][0]["shared_terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(terms.contains(&"Wohnsitz"), "why: {terms:?}");
    let hund = item(&radar, r.hund);
    assert_eq!(
        hund["solutions"][0]["solution"]["id"], r.s.hundesteuer,
        "{hund}"
    );
    for n in [umzug, hund] {
        assert!(
            ["strong", "possible"].contains(&n["strength"].as_str().unwrap()),
            "{n}"
        );
        assert_eq!(n["score"], n["solutions"][0]["score"]);
    }
    // The village's seeded need asks for the same as the Kreis's: both outrank the unrelated one.
    let pos = |id: i64| ids.iter().position(|x| *x == id);
    if let Some(f) = pos(r.friedhof) {
        assert!(
            pos(r.umzug).unwrap() < f && pos(r.hund).unwrap() < f,
            "{ids:?}"
        );
    }
    // Best first, and no need twice.
    let scores: Vec<f64> = radar["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    assert_eq!(radar["total"], ids.len() as u64);

    // Never its own need, a solved one, or another organisation's private one.
    for hidden in [r.own, r.closed, r.private] {
        assert!(!ids.contains(&hidden), "need {hidden} is shown: {ids:?}");
    }
    // Operators see what the needs list shows them: private needs too.
    let op = r.app.operator().await;
    let as_operator = need_ids(&r.radar("", &op).await);
    assert!(as_operator.contains(&r.private), "{as_operator:?}");
    assert!(!as_operator.contains(&r.own) && !as_operator.contains(&r.closed));

    // Paging: a page is a slice of the whole ranking, with the same total.
    let second = r.radar("?limit=1&offset=1", &member).await;
    assert_eq!(need_ids(&second), ids[1..2].to_vec());
    assert_eq!(
        (
            second["total"].clone(),
            second["limit"].clone(),
            second["offset"].clone()
        ),
        (json!(ids.len()), json!(1), json!(1))
    );
    let beyond = r.radar(&format!("?offset={}", ids.len()), &member).await;
    assert_eq!(beyond["items"], json!([]));
    assert_problem(
        r.get("?limit=0", Some(&member)).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        r.get("?limit=501", Some(&member)).await,
        422,
        "validation-failed",
    )
    .await;

    // The solution filter: only that solution's needs; a solution of another provider is refused.
    let dogs = r
        .radar(&format!("?solution={}", r.s.hundesteuer), &member)
        .await;
    assert_eq!(need_ids(&dogs)[0], r.hund, "{dogs}");
    for n in dogs["items"].as_array().unwrap() {
        assert_eq!(n["solutions"].as_array().unwrap().len(), 1);
        assert_eq!(n["solutions"][0]["solution"]["id"], r.s.hundesteuer);
    }
    assert_problem(
        r.get(&format!("?solution={}", r.s.kita), Some(&member))
            .await,
        422,
        "validation-failed",
    )
    .await;

    // Members and operators only.
    assert_problem(r.get("", None).await, 401, "unauthorized").await;
    let outsider = r.app.user(Role::Provider, Some(r.kreis)).await;
    assert_problem(r.get("", Some(&outsider)).await, 403, "forbidden").await;
    let res = r
        .app
        .request(
            reqwest::Method::GET,
            "/api/v1/organisations/999999/needs-radar",
            Some(&op),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not-found").await;
}

async fn without_the_model_the_radar_compares_words(b: Backend) {
    let r = radar_app(b, |c| c.matching.enabled = false).await;
    let member = r.app.user(Role::Provider, Some(r.s.krz)).await;
    let radar = r.radar("", &member).await;
    assert_eq!(radar["ranking"], "words", "{radar}");
    let ids = need_ids(&radar);
    let umzug = item(&radar, r.umzug);
    assert_eq!(
        umzug["solutions"][0]["solution"]["id"], r.s.wohnsitz,
        "{umzug}"
    );
    assert_eq!(
        umzug["strength"], "possible",
        "words alone never claim a strong fit"
    );
    assert!(!umzug["solutions"][0]["shared_terms"]
        .as_array()
        .unwrap()
        .is_empty());
    let hund = item(&radar, r.hund);
    assert_eq!(
        hund["solutions"][0]["solution"]["id"], r.s.hundesteuer,
        "{hund}"
    );
    // Sharing no words with the provider's solutions, the cemetery need is not on it.
    for hidden in [r.friedhof, r.own, r.closed, r.private] {
        assert!(!ids.contains(&hidden), "need {hidden} is shown: {ids:?}");
    }
}

async fn a_seeker_sees_peers_with_a_similar_need_before_anyone_uses_a_solution(b: Backend) {
    let r = radar_app(b, |_| {}).await;
    // Nobody uses the dog-tax solution; the Kreis posted the need for it.
    let used: Vec<i64> = usages::for_solutions(&r.app.db.conn, &[r.s.hundesteuer])
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert!(used.is_empty());
    let town = organisations::create(
        &r.app.db.conn,
        org("Stadt Peerhausen", OrganisationKind::Kommune, "Hessen"),
    )
    .await
    .unwrap()
    .id;
    let seeker = r.app.user(Role::Seeker, Some(town)).await;
    let res = r
        .app
        .request(reqwest::Method::POST, "/api/v1/match", Some(&seeker))
        .json(&json!({"text": "Hundehalter sollen ihren Hund online zur Hundesteuer anmelden und abmelden können."}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(res).await;
    assert_eq!(status, 200, "{body}");
    let peer = body["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"]["id"] == r.kreis)
        .unwrap_or_else(|| panic!("the Kreis is no peer: {body}"));
    assert_eq!(peer["uses_solution_ids"], json!([]), "{peer}");
    let needs: Vec<i64> = peer["similar_needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect();
    assert!(needs.contains(&r.hund), "{peer}");
    assert!(
        !needs.contains(&r.private),
        "another organisation's private need: {peer}"
    );
}
