//! Components shared by several pages.

pub mod audit;
pub mod connection;
pub mod field;
pub mod header;
pub mod key_form;
