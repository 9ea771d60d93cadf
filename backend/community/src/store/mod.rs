//! Storage and rules of the community: every function checks the caller against
//! `community::policy` and returns domain types; publishing to sockets is the caller's job
//! (persist first, then publish). One file per area.

mod channels;
mod direct;
mod members;
mod messages;
mod people;
mod qa;
mod reactions;
mod reads;
mod reports;

pub use channels::*;
pub use direct::*;
pub use members::*;
pub use messages::*;
pub use people::*;
pub use qa::*;
pub use reactions::*;
pub use reads::*;
pub use reports::*;

use chrono::{Duration, Utc};
use matchraum_core::sql::contains_ci;
use matchraum_core::vocab::Stored;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::entity::{channel, edit, invitation, member, message, notification, reaction, report};
use crate::markdown;
use crate::model::*;
use crate::policy;
use crate::{ChannelFacts, CommunityError, MemberFacts};
use matchraum_accounts::Principal;

type R<T> = Result<T, CommunityError>;

pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_CLIENT_MSG_ID: usize = 64;
pub const DEFAULT_PAGE: u64 = 50;
pub const MAX_PAGE: u64 = 200;

#[cfg(test)]
mod tests;
