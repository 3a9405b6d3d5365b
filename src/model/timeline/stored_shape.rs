//! The stored layout of a [`Shape`](crate::protocol::Shape): its kind as `"shape"` and its
//! points as named fields, the protocol's own type with the timeline's (self-describing)
//! representation.
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serializer};

use crate::protocol::{RemotePixel, Shape};

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Arrow,
    Highlight,
}

#[derive(Deserialize)]
struct Flat {
    shape: Kind,
    tail: Option<RemotePixel>,
    head: Option<RemotePixel>,
    from: Option<RemotePixel>,
    to: Option<RemotePixel>,
}

pub fn serialize<S: Serializer>(shape: &Shape, serializer: S) -> Result<S::Ok, S::Error> {
    let (kind, first, second) = match shape {
        Shape::Arrow { tail, head } => (("arrow", "tail", "head"), tail, head),
        Shape::Highlight { from, to } => (("highlight", "from", "to"), from, to),
    };
    let mut map = serializer.serialize_map(Some(3))?;
    map.serialize_entry("shape", kind.0)?;
    map.serialize_entry(kind.1, first)?;
    map.serialize_entry(kind.2, second)?;
    map.end()
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Shape, D::Error> {
    let flat = Flat::deserialize(deserializer)?;
    let missing = |name| serde::de::Error::missing_field(name);
    Ok(match flat.shape {
        Kind::Arrow => Shape::Arrow {
            tail: flat.tail.ok_or_else(|| missing("tail"))?,
            head: flat.head.ok_or_else(|| missing("head"))?,
        },
        Kind::Highlight => Shape::Highlight {
            from: flat.from.ok_or_else(|| missing("from"))?,
            to: flat.to.ok_or_else(|| missing("to"))?,
        },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::ArrowRecord;
    use crate::protocol::{RemotePixel, Shape};

    #[test]
    fn a_highlight_is_stored_flat_and_reads_back_as_the_protocol_shape() {
        let stored = json!({ "id": 3, "shape": "highlight", "from": { "x": 1, "y": 2 }, "to": { "x": 30, "y": 40 },
            "label": "", "color": "red", "fade_ms": 0 });
        let record: ArrowRecord = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(
            record.shape,
            Shape::Highlight { from: RemotePixel { x: 1, y: 2 }, to: RemotePixel { x: 30, y: 40 } }
        );
        assert_eq!(serde_json::to_value(&record).unwrap(), stored);
    }

    #[test]
    fn an_arrow_without_its_head_is_refused_with_the_missing_field_named() {
        let stored = json!({ "id": 3, "shape": "arrow", "tail": { "x": 1, "y": 2 } });
        let err = serde_json::from_value::<ArrowRecord>(stored).unwrap_err();
        assert!(err.to_string().contains("head"), "{err}");
    }
}
