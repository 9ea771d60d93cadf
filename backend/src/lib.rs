//! Matchraum: brings together public administrations that seek a solution with those
//! that built one. See `README.md` for the tour and `ARCHITECTURE` notes in the modules.

pub mod auth;
pub mod catalog;
pub mod commands;
pub mod community;
pub mod config;
pub mod db;
pub mod demo;
pub mod http;
pub mod import;
pub mod matching;
pub mod metrics;
pub mod realtime;
pub mod snapshot;
pub mod startup;
pub mod state;
pub mod telemetry;
