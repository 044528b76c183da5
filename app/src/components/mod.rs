//! Components shared by several pages.

pub mod key_form;
