//! Reports: the same results and comparisons rendered for different readers.

pub mod json;
pub mod terminal;

#[cfg(test)]
mod tests;
