use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{
    accounts, adoption, bundling, catalog, channels, health, matching, notices, open_data, people,
    problem::Problem, provider_radar, radar, reuse_checks, reviews, status, usages, users,
};
use crate::catalog::model::*;
use crate::catalog::vocab::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Matchraum API",
        description = "Matching and community platform for reuse (Nachnutzung) in German public administration."
    ),
    paths(
        health::healthz,
        health::readyz,
        status::status,
        catalog::list_organisations,
        catalog::get_organisation,
        catalog::create_organisation,
        catalog::update_organisation,
        catalog::delete_organisation,
        catalog::list_solutions,
        catalog::get_solution,
        catalog::verify_solution,
        catalog::export_solution_publiccode,
        open_data::catalog_jsonld,
        catalog::create_solution,
        catalog::update_solution,
        catalog::delete_solution,
        usages::list_usages,
        usages::get_usage,
        usages::create_usage,
        usages::claim_solution_usage,
        usages::update_usage,
        usages::delete_usage,
        usages::confirm_usage,
        usages::reject_usage,
        usages::solution_experiences,
        usages::create_experience,
        usages::update_experience,
        usages::delete_experience,
        reviews::solution_reviews,
        reviews::create_review,
        reviews::get_review,
        reviews::update_review,
        reviews::delete_review,
        reviews::upload_review_file,
        reviews::download_review_file,
        reviews::mark_review_reused,
        reviews::unmark_review_reused,
        matching::match_text,
        channels::list_channels,
        channels::create_channel,
        channels::get_channel,
        channels::update_channel,
        channels::delete_channel,
        channels::list_members,
        channels::set_member_role,
        channels::invite,
        channels::my_invitations,
        channels::accept_channel_invitation,
        channels::decline_channel_invitation,
        channels::remove_member,
        channels::sanction,
        channels::join,
        channels::leave,
        channels::history,
        people::channel_people,
        people::search_people,
        channels::post_message,
        channels::mark_read,
        channels::unread,
        channels::notifications,
        channels::get_message,
        channels::edit_message,
        channels::edits,
        channels::delete_message,
        channels::moderate,
        channels::add_reaction,
        channels::remove_reaction,
        channels::accept,
        channels::questions,
        channels::similar_questions,
        channels::report,
        channels::channel_reports,
        channels::all_reports,
        channels::resolve_report,
        channels::open_direct,
        matching::organisation_notifications,
        provider_radar::organisation_needs_radar,
        accounts::register,
        accounts::login,
        accounts::logout,
        accounts::me,
        accounts::export_me,
        accounts::delete_me,
        accounts::create_token,
        accounts::list_tokens,
        accounts::revoke_token,
        accounts::create_invitation,
        accounts::accept_invitation,
        accounts::set_role,
        accounts::list_audit,
        users::list_users,
        catalog::list_needs,
        catalog::get_need,
        catalog::create_need,
        catalog::update_need,
        catalog::delete_need,
        reuse_checks::list_reuse_checks,
        reuse_checks::create_reuse_check,
        reuse_checks::get_reuse_check,
        reuse_checks::update_reuse_check,
        reuse_checks::decide_candidate,
        reuse_checks::close_reuse_check,
        reuse_checks::export_markdown,
        reuse_checks::export_html,
        reuse_checks::export_stylesheet,
        radar::demand_radar,
        adoption::get_solution_interest,
        adoption::put_solution_interest,
        adoption::delete_solution_interest,
        adoption::solution_interests,
        adoption::get_need_interest,
        adoption::put_need_interest,
        adoption::delete_need_interest,
        adoption::need_interests,
        adoption::put_solution_threshold,
        adoption::delete_solution_threshold,
        adoption::put_need_threshold,
        adoption::delete_need_threshold,
        notices::organisation_notices,
        notices::unread_notices,
        notices::mark_notice_read,
        notices::mark_all_notices_read,
        bundling::list_bundlings,
        bundling::propose_bundling,
        bundling::accept_bundling,
        bundling::decline_bundling,
        bundling::end_bundling,
        bundling::client_interests,
        bundling::submit_bundled,
        bundling::put_bundler_threshold,
        bundling::delete_bundler_threshold,
    ),
    components(schemas(
        Problem,
        crate::catalog::requirements::Requirement,
        crate::reuse_check::model::ReuseCheck,
        crate::reuse_check::model::ReuseCheckSummary,
        crate::reuse_check::model::ReuseCheckInput,
        crate::reuse_check::model::ReuseCheckUpdate,
        crate::reuse_check::model::CandidateInput,
        crate::reuse_check::model::Candidate,
        crate::reuse_check::model::DecisionInput,
        crate::reuse_check::model::Decision,
        crate::reuse_check::model::OutcomeInput,
        crate::reuse_check::model::Outcome,
        crate::reuse_check::model::OutcomeKind,
        crate::reuse_check::radar::DemandRadar,
        crate::matching::provider_radar::NeedsRadar,
        crate::reuse_check::radar::DemandGroup,
        crate::reuse_check::radar::RadarItem,
        crate::reuse_check::radar::RadarOrganisation,
        crate::reuse_check::radar::RadarSource,
        crate::reuse_check::radar::Grouping,
        crate::adoption::model::Interest,
        crate::adoption::model::InterestInput,
        crate::adoption::model::InterestOverview,
        crate::adoption::model::InterestSummary,
        crate::adoption::model::LevelCount,
        crate::adoption::model::KindCount,
        crate::adoption::model::NamedInterest,
        crate::adoption::model::InterestLevel,
        crate::adoption::model::SizeUnit,
        crate::adoption::model::Threshold,
        crate::adoption::model::ThresholdInput,
        crate::adoption::model::Bundling,
        crate::adoption::model::BundlingInput,
        crate::adoption::model::BundlingState,
        crate::adoption::model::BundledInput,
        crate::adoption::model::ClientInterests,
        crate::auth::notices::OrganisationNotice,
        crate::auth::notices::NoticeEvent,
        notices::UnreadNotices,
        Organisation,
        OrganisationInput,
        Solution,
        SolutionInput,
        Usage,
        UsageInput,
        UsageClaim,
        Experience,
        ExperienceInput,
        crate::reviews::model::Review,
        crate::reviews::model::ReviewInput,
        crate::reviews::model::ReviewFileInfo,
        crate::reviews::model::ReuseInput,
        crate::reviews::vocab::ReviewKind,
        crate::reviews::vocab::ReviewVisibility,
        crate::reviews::vocab::ReviewFileType,
        Need,
        NeedInput,
        Contact,
        OrganisationKind,
        SolutionKind,
        Maturity,
        ReuseModel,
        CostsModel,
        UsageStatus,
        UsageVerification,
        UsageOrigin,
        NeedStatus,
        Visibility,
        crate::auth::PlatformRole,
        crate::auth::OrgRole,
        crate::auth::Scope,
        crate::auth::Membership,
        crate::auth::store::UserView,
        crate::auth::store::TokenView,
        accounts::RegisterInput,
        accounts::LoginInput,
        accounts::LoginResponse,
        accounts::TokenInput,
        accounts::CreatedToken,
        accounts::InvitationInput,
        accounts::CreatedInvitation,
        accounts::AcceptInput,
        accounts::Accepted,
        accounts::RoleInput,
        crate::auth::audit::AuditEntry,
        crate::auth::directory::AccountSummary,
        crate::community::store::QuestionStatus,
    ))
)]
pub struct ApiDoc;

/// The served document: the annotations, completed by `complete_problems` (built once).
pub fn document() -> &'static serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
        complete_problems(&mut doc);
        doc
    })
}

pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

const PROBLEM_TYPE: &str = "application/problem+json";

/// Errors are served as `application/problem+json`: every response with the `Problem` body
/// says so, and every operation lists the problems the edge answers for any route of its
/// shape (bad bodies, queries and paths, authentication and limits of writes, internal
/// errors), so that a client generated from the document knows every status it can get.
fn complete_problems(doc: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let problem = json!({ PROBLEM_TYPE: { "schema": { "$ref": "#/components/schemas/Problem" } } });
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (method, op) in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
    {
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let takes = |place: &str| params.iter().any(|p| p["in"] == place);
        let mut statuses = vec!["500"];
        if op.get("requestBody").is_some() {
            statuses.extend(["400", "413", "415", "422"]);
        }
        // Query values out of range (`limit=0`) and path segments that are not ids (a
        // reaction's emoji) fail validation: 422 with the field named.
        if takes("query") {
            statuses.extend(["400", "422"]);
        }
        if takes("path") {
            statuses.push("404");
        }
        if params
            .iter()
            .any(|p| p["in"] == "path" && p["schema"]["type"] == "string")
        {
            statuses.push("422");
        }
        // Writes: credentials, CSRF, the write limit, and the state they meet (a locked
        // message, a unique name, the last owner).
        if method != "get" {
            statuses.extend(["401", "403", "409", "429"]);
        }
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        for response in responses.values_mut() {
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                let is_problem = content
                    .get("application/json")
                    .is_some_and(|c| c["schema"]["$ref"] == "#/components/schemas/Problem");
                if is_problem {
                    let body = content.remove("application/json").expect("checked above");
                    content.insert(PROBLEM_TYPE.into(), body);
                }
            }
        }
        for status in statuses {
            responses.entry(status).or_insert_with(|| {
                json!({ "description": problem_description(status), "content": problem.clone() })
            });
        }
    }
}

fn problem_description(status: &str) -> &'static str {
    match status {
        "400" => "Malformed JSON or an invalid query string",
        "401" => "Authentication required",
        "403" => "Not allowed",
        "404" => "Not found",
        "409" => "Conflict with the current state",
        "413" => "The body is too large",
        "415" => "Unsupported content type",
        "422" => "The body does not have the expected shape or a field is invalid",
        "429" => "Too many requests",
        _ => "Internal error",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every enum the document names, and whether the API takes a value of it: each schema
    /// name maps to the Rust type that deserialises it.
    fn accepts(schema: &str, value: &Value) -> Option<bool> {
        macro_rules! by_type {
            ($($ty:ty => $name:literal),+ $(,)?) => {
                match schema {
                    $($name => Some(serde_json::from_value::<$ty>(value.clone()).is_ok()),)+
                    _ => None,
                }
            };
        }
        use crate::catalog::vocab::*;
        use crate::community::model::*;
        by_type!(
            OrganisationKind => "OrganisationKind",
            SolutionKind => "SolutionKind",
            Maturity => "Maturity",
            ReuseModel => "ReuseModel",
            CostsModel => "CostsModel",
            UsageStatus => "UsageStatus",
            UsageVerification => "UsageVerification",
            UsageOrigin => "UsageOrigin",
            crate::reviews::vocab::ReviewKind => "ReviewKind",
            crate::reviews::vocab::ReviewVisibility => "ReviewVisibility",
            crate::reviews::vocab::ReviewFileType => "ReviewFileType",
            NeedStatus => "NeedStatus",
            Visibility => "Visibility",
            crate::auth::PlatformRole => "PlatformRole",
            crate::auth::OrgRole => "OrgRole",
            crate::auth::Scope => "Scope",
            ChannelKind => "ChannelKind",
            ChannelVisibility => "ChannelVisibility",
            MemberRole => "MemberRole",
            MessageKind => "MessageKind",
            MessageState => "MessageState",
            Moderation => "Moderation",
            ResolveAction => "ResolveAction",
            crate::matching::model::Mode => "Mode",
            crate::matching::model::SemanticState => "SemanticState",
            crate::matching::model::MatchStrength => "MatchStrength",
            crate::community::store::QuestionStatus => "QuestionStatus",
            crate::adoption::model::InterestLevel => "InterestLevel",
            crate::adoption::model::SizeUnit => "SizeUnit",
            crate::adoption::model::BundlingState => "BundlingState",
            crate::auth::notices::NoticeEvent => "NoticeEvent",
            crate::reuse_check::model::Decision => "Decision",
            crate::reuse_check::model::OutcomeKind => "OutcomeKind",
            crate::reuse_check::radar::RadarSource => "RadarSource",
            crate::reuse_check::radar::Grouping => "Grouping",
            crate::matching::provider_radar::RadarRanking => "RadarRanking",
            crate::catalog::requirements::Requirement => "Requirement",
        )
    }

    #[test]
    fn every_documented_enum_value_is_accepted_by_the_api() {
        let doc = super::document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut checked = 0;
        for (name, schema) in schemas {
            let Some(values) = schema["enum"].as_array() else {
                continue;
            };
            for v in values {
                match accepts(name, v) {
                    Some(true) => checked += 1,
                    Some(false) => panic!("{name}: the API refuses the documented value {v}"),
                    None => panic!("{name}: an enum schema without a check; add it to `accepts`"),
                }
            }
        }
        assert!(checked > 50, "only {checked} values checked");
        // Enums inside other schemas or parameters would escape the check above.
        let text = doc.to_string();
        let inline = text.matches("\"enum\"").count();
        let named = schemas.values().filter(|s| s["enum"].is_array()).count();
        assert_eq!(inline, named, "an enum outside components/schemas");
    }

    #[test]
    fn errors_are_documented_as_problem_json_with_the_problem_schema() {
        let doc = super::document();
        let mut errors = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.contains_key("500"), "{method} {path}: no 500");
                if op.get("requestBody").is_some() {
                    for s in ["400", "413", "415", "422"] {
                        assert!(responses.contains_key(s), "{method} {path}: no {s}");
                    }
                }
                for (status, r) in responses {
                    if !status.starts_with(['4', '5']) {
                        continue;
                    }
                    errors += 1;
                    let content = r["content"]
                        .as_object()
                        .unwrap_or_else(|| panic!("{method} {path} {status}: no content"));
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                    assert_eq!(
                        content["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem"
                    );
                }
            }
        }
        assert!(errors > 100, "{errors}");
    }

    /// Code generators (the web UI's types among them) refuse a document in which two
    /// operations share an id; utoipa takes the id from the handler's function name.
    #[test]
    fn every_operation_id_is_unique() {
        let doc = super::document();
        let mut seen = std::collections::BTreeMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap_or_default().to_owned();
                if let Some(first) = seen.insert(id.clone(), format!("{method} {path}")) {
                    panic!("operationId {id} of {method} {path} is also {first}");
                }
            }
        }
    }
}
