//! A panic in a handler becomes a logged 500 problem instead of a dropped connection.
//!
//! The middleware polls the rest of the service inside `catch_unwind`, and the process panic
//! hook, while such a poll runs on the thread, writes one short log line with the request id
//! (message and location, no backtrace) instead of the default hook's report.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Poll;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::HttpMessage;
use tracing_actix_web::RequestId;

use super::problem::{ApiError, ProblemKind};

thread_local! {
    /// The request being polled on this thread, if any (read by the panic hook).
    static CURRENT: Cell<Option<Option<RequestId>>> = const { Cell::new(None) };
}

/// Installs the hook once per process; panics outside requests still go to the previous
/// hook (tests and background tasks keep their normal report).
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| match CURRENT.get() {
            Some(request_id) => {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".into());
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                tracing::error!(
                    request_id = request_id.map(|id| id.to_string()).unwrap_or_default(),
                    %location,
                    panic = %message.chars().take(500).collect::<String>(),
                    "request handler panicked; answered 500"
                );
            }
            None => previous(info),
        }));
    });
}

/// For `App::wrap_fn`: calls the service, turning a panic while it runs into a 500 problem.
/// The problem travels as the service's error (the server answers it with the problem's
/// response): a clone of the request, to build a response here, would break the routing.
pub fn catch_panic<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let id = req.extensions().get::<RequestId>().copied();
    let mut fut = Box::pin(srv.call(req));
    poll_fn(move |cx| {
        CURRENT.set(Some(id));
        let polled = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)));
        CURRENT.set(None);
        match polled {
            Ok(poll) => poll,
            Err(_) => Poll::Ready(Err(ApiError::new(
                ProblemKind::Internal,
                "the request could not be completed",
            )
            .into())),
        }
    })
}

#[cfg(test)]
mod tests {
    use actix_web::{test, web, App};

    async fn boom() -> &'static str {
        panic!("boom")
    }

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_problem_and_the_worker_goes_on() {
        super::install_hook();
        let app = test::init_service(
            App::new()
                .wrap_fn(super::catch_panic)
                .route("/boom", web::get().to(boom))
                .route("/ok", web::get().to(|| async { "fine" })),
        )
        .await;
        let err = test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request())
            .await
            .expect_err("the panic becomes an error");
        let res = err.error_response();
        assert_eq!(res.status(), 500);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["type"], "/problems/internal");
        assert!(
            !body["detail"].as_str().unwrap().contains("boom"),
            "no details leak"
        );
        let res = test::call_service(&app, test::TestRequest::get().uri("/ok").to_request()).await;
        assert_eq!(res.status(), 200);
    }
}
