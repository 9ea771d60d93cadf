//! sea-orm entities of the review register.

pub mod review;
pub mod review_file;
pub mod review_reuse;
