//! Components shared by several pages.

pub mod audit;
pub mod connection;
pub mod dialog;
pub mod field;
pub mod header;
pub mod key_form;
