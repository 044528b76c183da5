//! Components shared by several pages.

pub mod field;
pub mod header;
pub mod key_form;
