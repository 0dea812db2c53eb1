//! Reports: the same results rendered for different readers.

pub mod terminal;
