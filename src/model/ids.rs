//! Typed ids: a ticket's id cannot be passed where a guide's is expected.

use serde::{Deserialize, Serialize};

/// Declares a row-id newtype over `i64` (serialised as the bare number, as stored).
macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

row_id!(
    /// A ticket's database id (the human-readable one is its number, `T-YYYYMMDD-NNNN`).
    TicketId
);
row_id!(
    /// A guide's database id (0 for a guide not saved yet).
    GuideId
);
row_id!(
    /// An engineer's id in the team directory (one row per engineer who signs in).
    EngineerId
);
row_id!(
    /// A remote session's database id: one row per session started from a ticket.
    SessionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_bare_numbers_and_print_as_numbers() {
        assert_eq!(serde_json::to_string(&TicketId(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<GuideId>("7").unwrap(), GuideId(7));
        assert_eq!(TicketId(42).to_string(), "42");
    }
}
