//! Q&A channels of a solution: questions, answers, the accepted answer, and similar
//! questions shown to whoever asks again.

use super::{call, create, get, id, json_of, len, post, Offer};
use matchraum_tests::ws::join;
use matchraum_tests::{assert_problem, on_both_backends, Backend, Role};
use reqwest::Method;
use serde_json::{json, Value};

/// The provider's public Q&A channel on its solution, which the seeker has joined.
struct Qa {
    offer: Offer,
    ch: i64,
}

impl Qa {
    async fn new(backend: Backend) -> Self {
        let offer = Offer::new(backend).await;
        let body = json!({"kind": "qa", "visibility": "public", "name": "Fragen",
                          "solution_id": offer.solution});
        let ch = id(&create(&offer.app, &offer.provider, body).await);
        join(&offer.app, &offer.seeker, ch).await;
        Qa { offer, ch }
    }

    /// The seeker's question (a post with a title).
    async fn ask(&self) -> Value {
        let body = json!({"title": "Anbindung Meldewesen",
                          "body": "Wie wird das Meldewesen Fachverfahren angebunden?"});
        post(&self.offer.app, &self.offer.seeker, self.ch, body).await
    }

    /// The provider's reply to `question`.
    async fn answer(&self, question: i64) -> Value {
        let body = json!({"body": "Über XMeld.", "reply_to": question});
        post(&self.offer.app, &self.offer.provider, self.ch, body).await
    }

    /// `u` accepts `answer` to `question`.
    async fn accept(
        &self,
        u: &matchraum_tests::TestUser,
        question: i64,
        answer: &Value,
    ) -> reqwest::Response {
        let path = format!("/api/v1/messages/{question}/accept");
        let body = json!({"answer_id": answer["id"]});
        call(&self.offer.app, Method::POST, &path, Some(u), Some(body)).await
    }

    /// A question with the provider's answer, which the seeker accepted; its id.
    async fn answered(&self) -> i64 {
        let question = id(&self.ask().await);
        let answer = self.answer(question).await;
        json_of(
            self.accept(&self.offer.seeker, question, &answer).await,
            200,
        )
        .await;
        question
    }

    /// The channel's questions with `status`, read anonymously.
    async fn questions(&self, status: &str) -> Value {
        let path = format!("/api/v1/channels/{}/questions?status={status}", self.ch);
        get(&self.offer.app, &path, None).await
    }
}

async fn a_post_with_a_title_in_a_qa_channel_is_a_question(backend: Backend) {
    let qa = Qa::new(backend).await;
    assert_eq!(qa.ask().await["kind"], "question");
}

async fn a_reply_to_a_question_is_an_answer(backend: Backend) {
    let qa = Qa::new(backend).await;
    let question = id(&qa.ask().await);
    assert_eq!(qa.answer(question).await["kind"], "answer");
}

async fn an_answered_question_stays_open_until_an_answer_is_accepted(backend: Backend) {
    let qa = Qa::new(backend).await;
    let question = id(&qa.ask().await);
    qa.answer(question).await;
    assert_eq!(len(&qa.questions("open").await), 1);
}

async fn only_the_asker_accepts_an_answer(backend: Backend) {
    let qa = Qa::new(backend).await;
    let question = id(&qa.ask().await);
    let answer = qa.answer(question).await;
    let other = qa.offer.app.user(Role::Seeker, None).await;
    let res = qa.accept(&other, question, &answer).await;
    assert_problem(res, 403, "forbidden").await;
    let res = qa.accept(&qa.offer.seeker, question, &answer).await;
    assert_eq!(json_of(res, 200).await["accepted_answer_id"], answer["id"]);
}

async fn an_accepted_question_is_listed_as_answered_with_its_answer_count(backend: Backend) {
    let qa = Qa::new(backend).await;
    qa.answered().await;
    assert_eq!(qa.questions("answered").await[0]["answers"], 1);
}

async fn a_similar_new_question_shows_the_answered_one_first(backend: Backend) {
    let qa = Qa::new(backend).await;
    let question = qa.answered().await;
    let path = format!("/api/v1/channels/{}/messages", qa.ch);
    let body = json!({"body": "Wie wird das Meldewesen angebunden, welches Fachverfahren?"});
    let res = call(
        &qa.offer.app,
        Method::POST,
        &path,
        Some(&qa.offer.seeker),
        Some(body),
    )
    .await;
    let res = json_of(res, 201).await;
    assert_eq!(res["similar"][0]["question"]["id"], question, "{res}");
}

on_both_backends!(
    a_post_with_a_title_in_a_qa_channel_is_a_question,
    a_reply_to_a_question_is_an_answer,
    an_answered_question_stays_open_until_an_answer_is_accepted,
    only_the_asker_accepts_an_answer,
    an_accepted_question_is_listed_as_answered_with_its_answer_count,
    a_similar_new_question_shows_the_answered_one_first,
);
