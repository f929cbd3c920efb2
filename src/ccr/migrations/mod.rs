//! The guided migration between two clusters: a stored plan ([`plan`]) and the recipe's steps,
//! each safe to repeat and reported per index.

pub mod aliases;
pub mod copy;
pub mod plan;
pub mod recipe;
