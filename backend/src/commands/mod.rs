//! Command-line jobs beside `serve`: each a small async function over the library.

pub mod eval;
