//! Bounds of query parameters on every list.

use matchraum_tests::{assert_problem, on_both_backends, spawn_app, Backend};

on_both_backends!(offsets_beyond_i64_are_a_clear_400_on_every_list);

/// `offset` above `i64::MAX` used to panic a worker in the binder (the client saw an empty
/// reply); now every list refuses it at the edge, and the largest allowed offset binds.
async fn offsets_beyond_i64_are_a_clear_400_on_every_list(b: Backend) {
    let app = spawn_app(b).await.as_operator().await;
    for list in [
        "solutions",
        "organisations",
        "needs",
        "usages",
        "channels",
        "audit",
    ] {
        let res = app
            .get(&format!("/api/v1/{list}?offset=9223372036854775808"))
            .await;
        let body = assert_problem(res, 400, "invalid-query").await;
        assert!(
            body["detail"].as_str().unwrap().contains("offset"),
            "{body}"
        );
        let res = app
            .get(&format!("/api/v1/{list}?offset=9007199254740991"))
            .await;
        assert_eq!(res.status(), 200, "{list}: {:?}", res.text().await);
    }
}
