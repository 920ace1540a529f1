//! The dashboard's number formats: the crate's one set of human formats.

pub use crate::human::*;
