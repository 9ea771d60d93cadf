//! Community REST API on SQLite and PostgreSQL: channels, membership, history with cursor
//! pagination, search, unread counts, Q&A, moderation and reports.

use matchraum_tests::ws::rt_config;
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

async fn call(
    app: &TestApp,
    m: Method,
    path: &str,
    u: Option<&TestUser>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut rb = app.request(m, path, u);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

async fn channels_crud_membership_and_visibility(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let anna = app.user(Role::Seeker, None).await;
    let ben = app.user(Role::Seeker, None).await;
    let carl = app.user(Role::Seeker, None).await;

    // Anonymous callers cannot create; forums are for community managers.
    assert_problem(
        call(
            &app,
            Method::POST,
            "/api/v1/channels",
            None,
            Some(json!({"kind": "community", "visibility": "public", "name": "x"})),
        )
        .await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::POST,
            "/api/v1/channels",
            Some(&anna),
            Some(json!({"kind": "forum", "visibility": "public", "name": "x"})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::POST,
            "/api/v1/channels",
            Some(&anna),
            Some(json!({"kind": "qa", "visibility": "public", "name": "x"})),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;

    let public = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/channels",
            Some(&anna),
            Some(json!({"kind": "community", "visibility": "public", "name": "Offene Runde"})),
        )
        .await,
        201,
    )
    .await;
    let pid = public["id"].as_i64().unwrap();
    assert_eq!(public["my_role"], "owner");
    let private = json_of(call(&app, Method::POST, "/api/v1/channels", Some(&anna), Some(json!({"kind": "community", "visibility": "members", "name": "Kernteam", "members": [ben.id]}))).await, 201).await;
    let xid = private["id"].as_i64().unwrap();
    // `members` are invited, not added: Ben reads the channel only once he accepts.
    assert_problem(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{xid}"),
            Some(&ben),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let invitations = json_of(
        call(
            &app,
            Method::GET,
            "/api/v1/me/channel-invitations",
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(invitations[0]["channel_id"], xid, "{invitations}");
    assert_eq!(invitations[0]["invited_by"], anna.id);
    let inv = invitations[0]["id"].as_i64().unwrap();
    // Nobody else can accept it.
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channel-invitations/{inv}/accept"),
            Some(&carl),
            None,
        )
        .await,
        404,
        "not-found",
    )
    .await;
    let joined = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channel-invitations/{inv}/accept"),
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(joined["role"], "member");

    // Public: readable anonymously; private: only members.
    json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{pid}"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{pid}/messages"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{xid}"),
            Some(&carl),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{xid}"),
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;
    let list = json_of(
        call(&app, Method::GET, "/api/v1/channels", None, None).await,
        200,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let list = json_of(
        call(
            &app,
            Method::GET,
            "/api/v1/channels?mine=true",
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Join, leave, invitation only for private ones.
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{pid}/join"),
            Some(&carl),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{xid}/join"),
            Some(&carl),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{xid}/invitations"),
            Some(&ben),
            Some(json!({"user_id": carl.id})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Changing the role of a non-member is not a way to add them.
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{xid}/members"),
            Some(&anna),
            Some(json!({"user_id": carl.id, "role": "moderator"})),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    matchraum_tests::ws::invite_and_accept(&app, &anna, xid, &carl, "moderator").await;
    let members = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{xid}/members"),
            Some(&carl),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(members.as_array().unwrap().len(), 3);
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{pid}/leave"),
            Some(&anna),
            None,
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{pid}/leave"),
            Some(&carl),
            None
        )
        .await
        .status(),
        204
    );

    // Update and delete by the owner only.
    let upd = json_of(
        call(
            &app,
            Method::PATCH,
            &format!("/api/v1/channels/{xid}"),
            Some(&anna),
            Some(json!({"name": "Kernteam Meldewesen"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(upd["name"], "Kernteam Meldewesen");
    assert_problem(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/channels/{xid}"),
            Some(&carl),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/channels/{xid}"),
            Some(&anna),
            None
        )
        .await
        .status(),
        204
    );
    assert_problem(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{xid}"),
            Some(&anna),
            None,
        )
        .await,
        404,
        "not-found",
    )
    .await;
}

async fn post(app: &TestApp, u: &TestUser, ch: i64, body: Value) -> Value {
    json_of(
        call(
            app,
            Method::POST,
            &format!("/api/v1/channels/{ch}/messages"),
            Some(u),
            Some(body),
        )
        .await,
        201,
    )
    .await["message"]
        .clone()
}

async fn history_search_unread_edits_and_reactions(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let anna = app.user(Role::Seeker, None).await;
    let ben = app.user(Role::Seeker, None).await;
    let ch = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/channels",
            Some(&anna),
            Some(json!({"kind": "community", "visibility": "public", "name": "Runde"})),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{ch}/join"),
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;

    let mut ids = Vec::new();
    for i in 0..7 {
        let body = if i == 3 {
            format!(
                "Frage zur **Wohnsitzanmeldung** an @user:{} <script>x</script>",
                ben.id
            )
        } else {
            format!("Nachricht {i}")
        };
        ids.push(
            post(&app, &anna, ch, json!({"body": body})).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    // Cursor pagination, newest first.
    let p1 = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{ch}/messages?limit=3"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    let got: Vec<i64> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[6], ids[5], ids[4]]);
    let before = p1["next_before"].as_i64().unwrap();
    let p2 = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{ch}/messages?limit=3&before={before}"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    let got: Vec<i64> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![ids[3], ids[2], ids[1]]);
    let p3 = json_of(
        call(
            &app,
            Method::GET,
            &format!(
                "/api/v1/channels/{ch}/messages?limit=3&before={}",
                p2["next_before"]
            ),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(p3["items"].as_array().unwrap().len(), 1);
    assert!(p3["next_before"].is_null());
    assert_problem(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{ch}/messages?limit=0"),
            None,
            None,
        )
        .await,
        422,
        "validation-failed",
    )
    .await;

    // Markdown is rendered and sanitised; search finds by text.
    let found = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{ch}/messages?q=wohnsitz"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let html = items[0]["body_html"].as_str().unwrap();
    assert!(
        html.contains("<strong>Wohnsitzanmeldung</strong>") && !html.contains("<script"),
        "{html}"
    );

    // Mentions notify; unread counts follow the read mark.
    let notes = json_of(
        call(&app, Method::GET, "/api/v1/notifications", Some(&ben), None).await,
        200,
    )
    .await;
    assert_eq!(notes[0]["message_id"], ids[3]);
    let unread = json_of(
        call(
            &app,
            Method::GET,
            "/api/v1/channels/unread",
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(unread[0]["unread"], 7);
    assert_eq!(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{ch}/read"),
            Some(&ben),
            Some(json!({"message_id": ids[4]}))
        )
        .await
        .status(),
        204
    );
    let unread = json_of(
        call(
            &app,
            Method::GET,
            "/api/v1/channels/unread",
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(unread[0]["unread"], 2);

    // Threads, edits with history, reactions.
    let reply = post(
        &app,
        &ben,
        ch,
        json!({"body": "Antwort", "reply_to": ids[3]}),
    )
    .await;
    let thread = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{ch}/messages?thread={}", ids[3]),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(thread["items"].as_array().unwrap().len(), 2);
    let rid = reply["id"].as_i64().unwrap();
    // Only the author or a moderator (anna owns the channel) edits.
    let dora = app.user(Role::Seeker, None).await;
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{ch}/join"),
            Some(&dora),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::PATCH,
            &format!("/api/v1/messages/{rid}"),
            Some(&dora),
            Some(json!({"body": "fremd"})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let edited = json_of(
        call(
            &app,
            Method::PATCH,
            &format!("/api/v1/messages/{rid}"),
            Some(&ben),
            Some(json!({"body": "Antwort, korrigiert"})),
        )
        .await,
        200,
    )
    .await;
    assert!(edited["edited_at"].is_string());
    let edits = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/messages/{rid}/edits"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(edits[0]["body"], "Antwort");
    let r = json_of(
        call(
            &app,
            Method::PUT,
            &format!("/api/v1/messages/{rid}/reactions/%F0%9F%91%8D"),
            Some(&anna),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(r[0]["count"], 1);
    // Idempotent retry via client_msg_id over REST too.
    let a = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{ch}/messages"),
            Some(&ben),
            Some(json!({"body": "x", "client_msg_id": "k1"})),
        )
        .await,
        201,
    )
    .await;
    let b = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{ch}/messages"),
            Some(&ben),
            Some(json!({"body": "x", "client_msg_id": "k1"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    assert_eq!(b["created"], false);
    // Deleting own message blanks it.
    let del = json_of(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/messages/{rid}"),
            Some(&ben),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(del["state"], "deleted");
    assert_eq!(del["body"], "");
}

async fn qa_and_moderation(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let op = app.operator().await;
    let org = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/organisations",
            Some(&op),
            Some(json!({"name": "Stadt Musterstadt", "kind": "kommune"})),
        )
        .await,
        201,
    )
    .await;
    let org_id = org["id"].as_i64().unwrap();
    let sol = json_of(call(&app, Method::POST, "/api/v1/solutions", Some(&op), Some(json!({"title": "Online-Wohnsitzanmeldung", "kind": "online_service", "provider_id": org_id, "summary": "Anmeldung online"}))).await, 201).await;
    let sid = sol["id"].as_i64().unwrap();
    let provider = app.user(Role::Provider, Some(org_id)).await;
    let seeker = app.user(Role::Seeker, None).await;
    let cm = app.user(Role::CommunityManager, None).await;

    let qa = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/channels",
            Some(&provider),
            Some(
                json!({"kind": "qa", "visibility": "public", "name": "Fragen", "solution_id": sid}),
            ),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{qa}/join"),
            Some(&seeker),
            None,
        )
        .await,
        200,
    )
    .await;
    let q1 = post(&app, &seeker, qa, json!({"title": "Anbindung Meldewesen", "body": "Wie wird das Meldewesen Fachverfahren angebunden?"})).await;
    assert_eq!(q1["kind"], "question");
    let q1id = q1["id"].as_i64().unwrap();
    let other = app.user(Role::Seeker, None).await;
    let ans = post(
        &app,
        &provider,
        qa,
        json!({"body": "Über XMeld.", "reply_to": q1id}),
    )
    .await;
    assert_eq!(ans["kind"], "answer");
    let open = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{qa}/questions?status=open"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/messages/{q1id}/accept"),
            Some(&other),
            Some(json!({"answer_id": ans["id"]})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let acc = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/messages/{q1id}/accept"),
            Some(&seeker),
            Some(json!({"answer_id": ans["id"]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(acc["accepted_answer_id"], ans["id"]);
    let answered = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{qa}/questions?status=answered"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(answered[0]["answers"], 1);
    // A new, similar question shows the answered one first.
    let res = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{qa}/messages"),
            Some(&seeker),
            Some(json!({"body": "Wie wird das Meldewesen angebunden, welches Fachverfahren?"})),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(res["similar"][0]["question"]["id"], q1id, "{res}");

    // Moderation in a forum: community manager pins, hides, locks, mutes; all audited.
    let forum = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/channels",
            Some(&cm),
            Some(json!({"kind": "forum", "visibility": "public", "name": "Austausch"})),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{forum}/join"),
            Some(&seeker),
            None,
        )
        .await,
        200,
    )
    .await;
    let topic = post(
        &app,
        &seeker,
        forum,
        json!({"title": "Erfahrungen", "body": "Wer nutzt das schon?"}),
    )
    .await;
    assert_eq!(topic["kind"], "topic");
    let tid = topic["id"].as_i64().unwrap();
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/messages/{tid}/moderation"),
            Some(&seeker),
            Some(json!({"action": "pin"})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    for action in ["pin", "lock"] {
        json_of(
            call(
                &app,
                Method::POST,
                &format!("/api/v1/messages/{tid}/moderation"),
                Some(&cm),
                Some(json!({"action": action})),
            )
            .await,
            200,
        )
        .await;
    }
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{forum}/messages"),
            Some(&seeker),
            Some(json!({"body": "noch was", "reply_to": tid})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let pinned = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{forum}/messages?pinned=true"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(pinned["items"].as_array().unwrap().len(), 1);

    // Report queue: a member flags, the community manager hides through the queue.
    let bad = post(&app, &seeker, forum, json!({"body": "Werbung!"})).await;
    let bid = bad["id"].as_i64().unwrap();
    let rep = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/messages/{bid}/report"),
            Some(&seeker),
            Some(json!({"reason": "Spam"})),
        )
        .await,
        201,
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{forum}/reports"),
            Some(&seeker),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let queue = json_of(
        call(&app, Method::GET, "/api/v1/reports", Some(&cm), None).await,
        200,
    )
    .await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/reports/{}/resolve", rep["id"]),
            Some(&cm),
            Some(json!({"action": "hide"})),
        )
        .await,
        200,
    )
    .await;
    let m = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/messages/{bid}"),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(m["state"], "hidden");
    assert_eq!(m["body"], "");

    // Mute and ban.
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{forum}/members/{}/sanction", seeker.id),
            Some(&cm),
            Some(json!({"mute_minutes": 10})),
        )
        .await,
        200,
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{forum}/messages"),
            Some(&seeker),
            Some(json!({"body": "hallo?"})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/channels/{forum}/members/{}/sanction", seeker.id),
            Some(&cm),
            Some(json!({"ban": true})),
        )
        .await,
        200,
    )
    .await;
    assert_problem(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{forum}/messages"),
            Some(&seeker),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    let audit = json_of(
        call(
            &app,
            Method::GET,
            "/api/v1/audit?limit=100",
            Some(&op),
            None,
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "message.pin",
        "message.lock",
        "report.resolve",
        "channel.sanction",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    // A direct channel from a match, in one call, idempotent.
    let d = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/matches/channel",
            Some(&seeker),
            Some(json!({"solution_id": sid, "text": "Können wir sprechen?"})),
        )
        .await,
        201,
    )
    .await;
    let did = d["channel"]["id"].as_i64().unwrap();
    assert_eq!(d["channel"]["kind"], "direct");
    let members = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{did}/members"),
            Some(&provider),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(members.as_array().unwrap().len(), 2);
    let again = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/matches/channel",
            Some(&seeker),
            Some(json!({"solution_id": sid})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again["channel"]["id"], did);
    assert_problem(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/channels/{did}"),
            Some(&cm),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

on_both_backends!(
    channels_crud_membership_and_visibility,
    history_search_unread_edits_and_reactions,
    qa_and_moderation
);
