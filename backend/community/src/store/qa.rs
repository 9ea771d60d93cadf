//! Q&A: questions, accepted answers.

use super::*;

/// Marks `answer_id` the accepted answer of its question (the asker or a moderator).
pub async fn accept_answer(
    db: &DatabaseConnection,
    actor: &Principal,
    question_id: i64,
    answer_id: Option<i64>,
) -> R<Message> {
    let q = message_model(db, question_id).await?;
    if q.kind != "question" {
        return Err(CommunityError::invalid("question", "not a question"));
    }
    let (_, f) = facts(db, q.channel_id, Some(actor)).await?;
    policy::accept_answer(actor, &f, q.author_id == actor.user_id)?;
    if let Some(a) = answer_id {
        let ans = message_model(db, a).await?;
        if ans.reply_to != Some(question_id) || ans.state == "deleted" {
            return Err(CommunityError::invalid(
                "answer_id",
                "not an answer to this question",
            ));
        }
    }
    let mut am = q.into_active_model();
    am.accepted_answer_id = Set(answer_id);
    Message::from_model(am.update(db).await?, false)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    Open,
    Answered,
}

pub async fn questions(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    channel_id: i64,
    status: Option<QuestionStatus>,
    limit: u64,
) -> R<Vec<Question>> {
    readable(db, channel_id, actor).await?;
    let mut q = message::Entity::find()
        .filter(message::Column::ChannelId.eq(channel_id))
        .filter(message::Column::Kind.eq("question"))
        .filter(message::Column::State.eq("visible"));
    match status {
        Some(QuestionStatus::Open) => q = q.filter(message::Column::AcceptedAnswerId.is_null()),
        Some(QuestionStatus::Answered) => {
            q = q.filter(message::Column::AcceptedAnswerId.is_not_null())
        }
        None => {}
    }
    let rows = q
        .order_by_desc(message::Column::Id)
        .limit(limit.clamp(1, MAX_PAGE))
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let answers = message::Entity::find()
            .filter(message::Column::ReplyTo.eq(m.id))
            .filter(message::Column::State.eq("visible"))
            .count(db)
            .await?;
        let answered = m.accepted_answer_id.is_some();
        out.push(Question {
            message: Message::from_model(m, false)?,
            answers,
            answered,
        });
    }
    Ok(out)
}

/// Answered questions of the channel (newest first, at most `cap`) as candidates for
/// "similar questions".
pub async fn answered_questions(
    db: &DatabaseConnection,
    channel_id: i64,
    cap: u64,
) -> R<Vec<Message>> {
    let rows = message::Entity::find()
        .filter(message::Column::ChannelId.eq(channel_id))
        .filter(message::Column::Kind.eq("question"))
        .filter(message::Column::State.eq("visible"))
        .filter(message::Column::AcceptedAnswerId.is_not_null())
        .order_by_desc(message::Column::Id)
        .limit(cap)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|m| Message::from_model(m, false))
        .collect()
}
