//! deribit-backfill: backfills Deribit market data into SQLite or PostgreSQL, with a terminal
//! dashboard, a headless mode and a faithful local simulator of the exchange.
//!
//! Layers (dependencies point down only), as DESIGN.md shows:
//! `cli` → `tui`/`headless` → `ui` → `app` → `jobs` → `exchange` | `store` → `domain`; `sim` beside.

pub mod app;
pub mod backfill;
pub mod cli;
pub mod collector;
pub mod config;
pub mod domain;
pub mod exchange;
pub mod headless;
pub mod health;
pub mod human;
pub mod jobs;
pub mod plot;
pub mod redact;
pub mod report;
pub mod signals;
pub mod sim;
pub mod store;
pub mod telemetry;
pub mod tui;
pub mod ui;
pub mod usage;
pub mod verify;
