//! A fixed-size summary of a ticket's search tokens (a Bloom filter of 1 024 bits, two bits per
//! token), kept in the urgency index next to each row's key. A common-word search walks that
//! index in urgency order and skips every row whose signature lacks one of the search's bits
//! without reading the row itself (an index-only scan); only the candidates left are read and
//! checked against their search text. A signature never misses a row that holds every token,
//! so the walk finds exactly what reading every row finds.
//!
//! The bit positions are part of the stored data: changing [`TokenSignature::BITS`], the hash
//! or the bits per token needs a migration that recomputes every row's signature.

use bytes::BufMut as _;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// The signature of a set of search tokens (`bit(1024)` on the server).
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSignature([u8; TokenSignature::BYTES]);

impl TokenSignature {
    /// Bits in a signature.
    pub const BITS: usize = 1_024;
    const BYTES: usize = Self::BITS / 8;

    /// The signature of no token (every bit clear).
    pub fn empty() -> Self {
        TokenSignature([0; Self::BYTES])
    }

    /// The signature of `tokens`: two bits per token, from two halves of its 64-bit FNV-1a hash.
    pub fn of<S: AsRef<str>>(tokens: &[S]) -> Self {
        let mut signature = Self::empty();
        for token in tokens {
            let hash = fnv1a_64(token.as_ref().as_bytes());
            signature.set((hash & 0xFFFF_FFFF) as usize % Self::BITS);
            signature.set((hash >> 32) as usize % Self::BITS);
        }
        signature
    }

    fn set(&mut self, bit: usize) {
        // Bit 0 is the leftmost of the server's bit string (the high bit of the first byte).
        self.0[bit / 8] |= 0x80 >> (bit % 8);
    }

    /// Whether every bit of `other` is set here (a row holding `other`'s tokens may be here).
    pub fn covers(&self, other: &TokenSignature) -> bool {
        self.0.iter().zip(&other.0).all(|(mine, theirs)| mine & theirs == *theirs)
    }

    /// The positions of the set bits, lowest first (the server's `get_bit` numbering).
    pub fn set_bits(&self) -> impl Iterator<Item = usize> + '_ {
        (0..Self::BITS).filter(|bit| self.0[bit / 8] & (0x80 >> (bit % 8)) != 0)
    }

    /// The signature as the server prints a `bit(1024)`: `0`s and `1`s, bit 0 first.
    pub fn to_bit_string(&self) -> String {
        (0..Self::BITS).map(|bit| if self.0[bit / 8] & (0x80 >> (bit % 8)) != 0 { '1' } else { '0' }).collect()
    }
}

impl std::fmt::Debug for TokenSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set: u32 = self.0.iter().map(|byte| byte.count_ones()).sum();
        write!(f, "TokenSignature({set} of {} bits set)", Self::BITS)
    }
}

/// 64-bit FNV-1a: simple, stable across platforms and releases (the stored bits depend on it).
fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

impl ToSql for TokenSignature {
    /// The binary form of `bit` / `varbit`: the length in bits, then the bytes.
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.put_i32(Self::BITS as i32);
        out.put_slice(&self.0);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::BIT | Type::VARBIT)
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for TokenSignature {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let (length, bits) = raw.split_first_chunk::<4>().ok_or("a bit string without its length")?;
        if i32::from_be_bytes(*length) != Self::BITS as i32 {
            return Err(format!("a token signature of {} bits, not {}", i32::from_be_bytes(*length), Self::BITS).into());
        }
        let bits: [u8; Self::BYTES] = bits.try_into().map_err(|_| "a token signature of the wrong size")?;
        Ok(TokenSignature(bits))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::BIT | Type::VARBIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bit_positions_are_the_stored_ones() {
        // Stored signatures depend on these exact positions: a change needs a migration.
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let bits = TokenSignature::of(&["pri"]).to_bit_string();
        let set: Vec<usize> = bits.char_indices().filter(|(_, bit)| *bit == '1').map(|(at, _)| at).collect();
        let hash = fnv1a_64(b"pri");
        let mut expected = vec![(hash & 0xFFFF_FFFF) as usize % 1_024, (hash >> 32) as usize % 1_024];
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(set, expected);
        assert_eq!(TokenSignature::of(&["pri"]).set_bits().collect::<Vec<_>>(), expected);
        assert_eq!(TokenSignature::empty().set_bits().count(), 0);
    }

    #[test]
    fn a_row_covers_every_search_of_its_own_tokens() {
        let row = ["dru", "ruc", "uck", "cke", "ker", "打印", "印"];
        let signature = TokenSignature::of(&row);
        assert!(signature.covers(&TokenSignature::of(&["dru", "ker"])));
        assert!(signature.covers(&TokenSignature::of(&["打印"])));
        assert!(signature.covers(&TokenSignature::empty()));
        assert!(!TokenSignature::empty().covers(&TokenSignature::of(&["dru"])));
        // A note's tokens grow the row's signature by OR (what the one-statement write does).
        let mut grown = signature.clone();
        for (byte, note) in grown.0.iter_mut().zip(TokenSignature::of(&["vpn"]).0) {
            *byte |= note;
        }
        assert_eq!(grown, TokenSignature::of(&["dru", "ruc", "uck", "cke", "ker", "打印", "印", "vpn"]));
    }

    #[test]
    fn the_wire_form_round_trips_and_a_wrong_length_is_refused() {
        let signature = TokenSignature::of(&["printer", "vpn"]);
        let mut out = bytes::BytesMut::new();
        signature.to_sql(&Type::BIT, &mut out).unwrap();
        assert_eq!(out.len(), 4 + 128);
        assert_eq!(TokenSignature::from_sql(&Type::BIT, &out).unwrap(), signature);
        assert!(TokenSignature::from_sql(&Type::BIT, &out[..40]).is_err());
        let mut short = out.clone();
        short[..4].copy_from_slice(&64_i32.to_be_bytes());
        assert!(TokenSignature::from_sql(&Type::BIT, &short).is_err());
        assert!(TokenSignature::from_sql(&Type::BIT, &[]).is_err());
    }
}
