//! A direct channel between a seeker and a solution's provider, opened from a match.

use super::{call, get, id, json_of, len, Offer};
use matchraum_tests::{assert_problem, on_both_backends, Backend, Role};
use reqwest::Method;
use serde_json::{json, Value};

/// The seeker opens (or reopens) the direct channel on the offer's solution, expecting
/// `status`; the answer.
async fn open(offer: &Offer, body: Value, status: u16) -> Value {
    let res = call(
        &offer.app,
        Method::POST,
        "/api/v1/matches/channel",
        Some(&offer.seeker),
        Some(body),
    )
    .await;
    json_of(res, status).await
}

/// The first message the seeker sends with the request.
fn first_contact(offer: &Offer) -> Value {
    json!({"solution_id": offer.solution, "text": "Können wir sprechen?"})
}

async fn a_match_opens_a_direct_channel_with_the_provider_in_one_call(backend: Backend) {
    let offer = Offer::new(backend).await;
    let d = open(&offer, first_contact(&offer), 201).await;
    assert_eq!(d["channel"]["kind"], "direct");
    let members = format!("/api/v1/channels/{}/members", id(&d["channel"]));
    assert_eq!(
        len(&get(&offer.app, &members, Some(&offer.provider)).await),
        2
    );
}

async fn opening_the_direct_channel_again_returns_the_same_one(backend: Backend) {
    let offer = Offer::new(backend).await;
    let first = open(&offer, first_contact(&offer), 201).await;
    let again = open(&offer, json!({"solution_id": offer.solution}), 200).await;
    assert_eq!(again["channel"]["id"], id(&first["channel"]));
}

async fn even_a_community_manager_cannot_read_someone_elses_direct_channel(backend: Backend) {
    let offer = Offer::new(backend).await;
    let d = open(&offer, first_contact(&offer), 201).await;
    let cm = offer.app.user(Role::CommunityManager, None).await;
    let path = format!("/api/v1/channels/{}", id(&d["channel"]));
    let res = call(&offer.app, Method::GET, &path, Some(&cm), None).await;
    assert_problem(res, 403, "forbidden").await;
}

on_both_backends!(
    a_match_opens_a_direct_channel_with_the_provider_in_one_call,
    opening_the_direct_channel_again_returns_the_same_one,
    even_a_community_manager_cannot_read_someone_elses_direct_channel,
);
