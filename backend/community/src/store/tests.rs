//! The store against a real (in-memory) SQLite database with the real migrations; the
//! black-box suites in `tests/` cover the same rules through HTTP on both databases.

use sea_orm::ConnectionTrait;

use super::*;
use matchraum_accounts::{AuthMethod, PlatformRole};
use matchraum_core::Error;

async fn database() -> DatabaseConnection {
    // One connection (as `connect` opens for SQLite), so the in-memory database is shared.
    let db = matchraum_core::db::connect("sqlite::memory:")
        .await
        .unwrap();
    matchraum_core::db::migrate(&db).await.unwrap();
    db
}

async fn person(db: &DatabaseConnection, email: &str) -> Principal {
    let u = matchraum_accounts::store::insert_user(
        db,
        email,
        "not-a-real-hash".into(),
        None,
        PlatformRole::Seeker,
    )
    .await
    .unwrap();
    Principal {
        user_id: u.id,
        role: PlatformRole::Seeker,
        memberships: Vec::new(),
        via: AuthMethod::Session { session_id: 0 },
    }
}

async fn public_channel(db: &DatabaseConnection, owner: &Principal) -> Channel {
    let input = ChannelInput {
        kind: ChannelKind::Community,
        visibility: ChannelVisibility::Public,
        name: "Offene Runde".into(),
        description: String::new(),
        organisation_id: None,
        solution_id: None,
        members: Vec::new(),
    };
    create_channel(db, owner, input).await.unwrap().0
}

fn text(body: &str, client_msg_id: Option<&str>) -> MessageInput {
    MessageInput {
        body: body.into(),
        client_msg_id: client_msg_id.map(Into::into),
        ..Default::default()
    }
}

#[tokio::test]
async fn messages_are_numbered_without_gaps_and_a_retried_send_is_stored_once() {
    let db = database().await;
    let anna = person(&db, "anna@example.org").await;
    let ch = public_channel(&db, &anna).await;
    assert_eq!(ch.my_role, Some(MemberRole::Owner));

    let first = post_message(&db, &anna, ch.id, text("Erste", Some("c-1")))
        .await
        .unwrap();
    let retry = post_message(&db, &anna, ch.id, text("Erste", Some("c-1")))
        .await
        .unwrap();
    let second = post_message(&db, &anna, ch.id, text("Zweite", None))
        .await
        .unwrap();
    assert!(first.created && !retry.created && second.created);
    assert_eq!(retry.message.id, first.message.id);
    assert_eq!((first.message.seq, second.message.seq), (1, 2));
    let since = messages_since(&db, ch.id, 0, 10).await.unwrap();
    let bodies: Vec<&str> = since.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["Erste", "Zweite"]);
}

#[tokio::test]
async fn a_stranger_cannot_write_into_a_channel_they_have_not_joined() {
    let db = database().await;
    let anna = person(&db, "anna@example.org").await;
    let ben = person(&db, "ben@example.org").await;
    let ch = public_channel(&db, &anna).await;
    let err = post_message(&db, &ben, ch.id, text("Hallo", None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    join(&db, &ben, ch.id).await.unwrap();
    post_message(&db, &ben, ch.id, text("Hallo", None))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unknown_stored_vocabulary_value_fails_loudly_instead_of_defaulting() {
    let db = database().await;
    let anna = person(&db, "anna@example.org").await;
    let ch = public_channel(&db, &anna).await;
    let posted = post_message(&db, &anna, ch.id, text("Hallo", None))
        .await
        .unwrap();

    // A value no version of the code wrote: the read fails as corrupt data, it does not
    // turn into some default kind, visibility, role or state.
    for (sql, what) in [
        (
            "UPDATE channels SET visibility = 'everyone'",
            "ChannelVisibility",
        ),
        ("UPDATE channel_members SET role = 'admin'", "MemberRole"),
    ] {
        db.execute_unprepared(sql).await.unwrap();
        let err = get_channel(&db, Some(&anna), ch.id).await.unwrap_err();
        assert!(
            matches!(err, Error::Corrupt(ref m) if m.contains(what)),
            "{err:?}"
        );
        db.execute_unprepared("UPDATE channels SET visibility = 'public'")
            .await
            .unwrap();
        db.execute_unprepared("UPDATE channel_members SET role = 'owner'")
            .await
            .unwrap();
    }
    db.execute_unprepared("UPDATE messages SET state = 'shown'")
        .await
        .unwrap();
    let err = get_message(&db, Some(&anna), posted.message.id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Corrupt(ref m) if m.contains("MessageState")),
        "{err:?}"
    );
}
