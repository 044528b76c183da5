//! One module per page or group of pages.

pub mod api_keys;
pub mod auth;
pub mod guardian;
pub mod members;
pub mod onboarding;
pub mod settings;
