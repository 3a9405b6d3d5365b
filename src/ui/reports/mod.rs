//! The Reports window: date range and filters, every chart with its table underneath, exports.

pub mod spec;
