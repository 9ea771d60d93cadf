//! Every black-box suite in one test binary: linking the whole server once instead of once
//! per suite keeps a cold build fast and its disk use small. nextest still runs each test
//! in its own process.

mod auth;
mod catalog_api;
mod channel_rights;
mod channels;
mod deploy;
mod edge;
mod eval;
mod freshness;
mod import;
mod interest;
mod interest_bundler_threshold;
mod interest_bundling;
mod interest_threshold;
mod matching;
mod multi_instance;
mod observability;
mod open_data;
mod people;
mod rate_limits;
mod redis_cluster;
mod reuse_checks;
mod reviews;
mod shutdown;
mod snapshot;
mod stale_notices;
mod ui_serving;
mod usages;
mod users_directory;
mod websocket;
mod ws_security;
