//! sea-orm entities: the storage shape of the catalogue. The domain types in
//! `catalog::model` are what the rest of the code sees.

pub mod need;
pub mod organisation;
pub mod solution;
pub mod usage;
pub mod usage_experience;
