//! The statistics checked three ways: against pinned reference values
//! ([`reference`]), on simulated data with a known effect ([`sim`]), and by
//! properties that hold for any input ([`prop`]).

mod prop;
mod reference;
mod sim;
