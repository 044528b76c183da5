//! The Guardian console server: startup, router and middleware. `main.rs` only parses the
//! command line; integration tests build the same router through [`router::build`].

pub mod auth;
pub mod client_address;
pub mod commands;
pub mod config;
pub mod router;
pub mod security;
pub mod sessions;
pub mod startup;
