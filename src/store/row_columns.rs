//! Reading a ticket row the same way from either database (SQLite rows and PostgreSQL rows),
//! so both backends build tickets and sidebar rows with one function.

use crate::model::{Category, Grade, Priority, SlaClock, Status, Ticket, TicketFields, TicketId, TicketSummary};

/// Typed column access by index, over a row of either database.
pub(super) trait RowColumns {
    /// The database's error.
    type Error;
    /// A text column.
    fn text(&self, index: usize) -> Result<String, Self::Error>;
    /// A nullable text column.
    fn optional_text(&self, index: usize) -> Result<Option<String>, Self::Error>;
    /// An integer column.
    fn int(&self, index: usize) -> Result<i64, Self::Error>;
    /// A nullable integer column.
    fn optional_int(&self, index: usize) -> Result<Option<i64>, Self::Error>;
    /// The error for a stored name this build does not know.
    fn unknown_value(index: usize, text: &str) -> Self::Error;

    /// A stored enum name; an unknown one is an error, not a panic.
    fn parsed<T>(&self, index: usize, parse: fn(&str) -> Option<T>) -> Result<T, Self::Error> {
        let text = self.text(index)?;
        parse(&text).ok_or_else(|| Self::unknown_value(index, &text))
    }
}

impl RowColumns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, index: usize) -> rusqlite::Result<String> {
        self.get(index)
    }
    fn optional_text(&self, index: usize) -> rusqlite::Result<Option<String>> {
        self.get(index)
    }
    fn int(&self, index: usize) -> rusqlite::Result<i64> {
        self.get(index)
    }
    fn optional_int(&self, index: usize) -> rusqlite::Result<Option<i64>> {
        self.get(index)
    }
    fn unknown_value(index: usize, text: &str) -> rusqlite::Error {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("unknown value {text:?}").into(),
        )
    }
}

impl RowColumns for postgres::Row {
    type Error = super::StoreError;
    fn text(&self, index: usize) -> Result<String, Self::Error> {
        self.try_get(index).map_err(super::team::classify)
    }
    fn optional_text(&self, index: usize) -> Result<Option<String>, Self::Error> {
        self.try_get(index).map_err(super::team::classify)
    }
    fn int(&self, index: usize) -> Result<i64, Self::Error> {
        self.try_get(index).map_err(super::team::classify)
    }
    fn optional_int(&self, index: usize) -> Result<Option<i64>, Self::Error> {
        self.try_get(index).map_err(super::team::classify)
    }
    fn unknown_value(index: usize, text: &str) -> Self::Error {
        super::StoreError::Postgres(format!("column {index} holds an unknown value {text:?}"))
    }
}

/// Builds a [`Ticket`] from a row selected with the tickets columns (`TICKET_COLUMNS`).
pub(super) fn ticket_from<R: RowColumns + ?Sized>(row: &R) -> Result<Ticket, R::Error> {
    Ok(Ticket {
        id: TicketId(row.int(0)?),
        number: row.text(1)?,
        fields: TicketFields {
            title: row.text(2)?,
            requester_name: row.text(3)?,
            department: row.text(4)?,
            contact: row.text(5)?,
            location: row.text(6)?,
            affected_system: row.text(7)?,
            affected_version: row.text(8)?,
            description: row.text(9)?,
            expectation: row.text(10)?,
            business_impact: row.text(11)?,
        },
        category: row.parsed(12, Category::parse)?,
        urgency: row.parsed(13, Grade::parse)?,
        impact: row.parsed(14, Grade::parse)?,
        priority: row.parsed(15, Priority::parse)?,
        status: row.parsed(16, Status::parse)?,
        assignee: row.optional_text(17)?,
        tier: row.int(18)?,
        resolution: row.text(19)?,
        satisfaction: row.optional_int(20)?,
        satisfaction_comment: row.text(21)?,
        reported_at_ms: row.int(22)?,
        created_at_ms: row.int(23)?,
        updated_at_ms: row.int(24)?,
        sla: SlaClock {
            started_at_ms: row.int(25)?,
            response_target_ms: row.int(26)?,
            resolution_target_ms: row.int(27)?,
            responded_at_ms: row.optional_int(28)?,
            paused_total_ms: row.int(29)?,
            paused_since_ms: row.optional_int(30)?,
        },
    })
}

/// Builds a sidebar row from a row selected with the summary columns (`SUMMARY_COLUMNS`).
pub(super) fn summary_from<R: RowColumns + ?Sized>(row: &R) -> Result<TicketSummary, R::Error> {
    Ok(TicketSummary {
        id: TicketId(row.int(0)?),
        number: row.text(1)?,
        title: row.text(2)?,
        requester_name: row.text(3)?,
        priority: row.parsed(4, Priority::parse)?,
        status: row.parsed(5, Status::parse)?,
        assignee: row.optional_text(6)?,
        sla: SlaClock {
            started_at_ms: row.int(7)?,
            response_target_ms: row.int(8)?,
            resolution_target_ms: row.int(9)?,
            responded_at_ms: row.optional_int(10)?,
            paused_total_ms: row.int(11)?,
            paused_since_ms: row.optional_int(12)?,
        },
    })
}
