//! Stepwise: a desktop support console for remote assistance.
//!
//! Layers, top to bottom (a module only uses the ones below it; `tests/architecture.rs` checks):
//! `app` (wiring, CLI, benchmarks) → `ui` (egui views) → `store` (SQLite), `transport` (QUIC),
//! `recording` (session recording files), `capture`, `overlay` (drawing over the user's screen),
//! `codec` → `protocol` (sans-IO).
//! See `ARCHITECTURE.md`.

pub mod app;
pub mod capture;
pub mod codec;
pub mod model;
pub mod overlay;
pub mod protocol;
pub mod recording;
pub mod store;
pub mod transport;
pub mod ui;
