//! Direct channels opened from a match.

use super::*;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectInput {
    pub solution_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// A first message, posted into the channel.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectChannel {
    pub channel: Channel,
    pub created: bool,
    pub message: Option<Message>,
}

#[utoipa::path(post, path = "/api/v1/matches/channel", tag = "community", request_body = DirectInput,
    responses((status = 201, body = DirectChannel), (status = 200, body = DirectChannel), (status = 422, body = Problem)))]
pub async fn open_direct(
    state: web::Data<AppState>,
    p: Caller,
    body: web::Json<DirectInput>,
) -> ApiResult {
    let b = body.into_inner();
    let (channel, created) =
        store::open_direct(&state.db, &p, b.solution_id, b.organisation_id).await?;
    let message = match b.text.filter(|t| !t.trim().is_empty()) {
        Some(text) => {
            let first = MessageInput {
                body: text,
                ..Default::default()
            };
            Some(
                services::post_message(&state, &p, channel.id, first)
                    .await?
                    .message,
            )
        }
        None => None,
    };
    let status = if created {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(DirectChannel {
        channel,
        created,
        message,
    }))
}
