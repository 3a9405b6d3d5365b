//! The team desk's views: the team database setting, signing in as an engineer of the
//! directory, the directory itself, and the conflict dialog shown when a colleague changed a
//! ticket first.

pub mod database;
