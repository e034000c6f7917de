//! Small helpers: times, ids, cursors, money.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

const RFC3339_SECONDS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const SLASHED: &[BorrowedFormatItem<'static>] =
    format_description!("[year]/[month]/[day] [hour]:[minute]");

/// `2024-01-15T10:30:00Z` (RFC 3339, UTC, whole seconds).
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(RFC3339_SECONDS)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// `2024/01/15 10:30`: what the `schema-created-at` fault writes.
pub fn slashed(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(SLASHED)
        .unwrap_or_else(|_| String::from("1970/01/01 00:00"))
}

/// An RFC 3339 UTC time rewritten in the +02:00 offset (the `times-local-offset` fault).
pub fn plus_two_hours(t: &str) -> String {
    const LOCAL: &[BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+02:00");
    match OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        Ok(u) => (u + time::Duration::hours(2))
            .format(LOCAL)
            .unwrap_or_else(|_| t.to_owned()),
        Err(_) => t.to_owned(),
    }
}

pub fn now() -> OffsetDateTime {
    // Whole seconds, so that stored times and their rendering agree.
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

pub fn rfc3339_now() -> String {
    rfc3339(now())
}

pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}

/// An opaque page cursor that carries a position.
pub fn encode_cursor(kind: &str, position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{position}"))
}

pub fn decode_cursor(kind: &str, cursor: &str) -> Option<u64> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (k, pos) = text.split_once(':')?;
    if k != kind {
        return None;
    }
    pos.parse().ok()
}

/// Whole cents of a money amount, if it has at most 2 decimals.
pub fn cents(amount: f64) -> Option<i64> {
    if !amount.is_finite() {
        return None;
    }
    let scaled = amount * 100.0;
    let rounded = scaled.round();
    if (scaled - rounded).abs() > 1e-6 || rounded.abs() > 1e15 {
        return None;
    }
    Some(rounded as i64)
}

pub fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// How much of an unread request body the sandbox reads and throws away before it answers,
/// so the client finishes sending and the connection stays usable (an HTTP/1.1 client that is
/// still writing when the server closes sees a broken pipe, not the answer).
pub const DRAIN_CAP: usize = 8 * 1024 * 1024;

/// Reads `body` to its end, keeping nothing, for at most `cap` bytes and 5 s. Returns whether
/// the whole body was read (when not, the answer should close the connection).
pub async fn drain(body: axum::body::Body, cap: usize) -> bool {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut seen = 0usize;
    let read = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Some(data) = frame.data_ref() {
                seen += data.len();
                if seen > cap {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), read)
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = time::macros::datetime!(2024-01-15 10:30:05 UTC);
        assert_eq!(rfc3339(t), "2024-01-15T10:30:05Z");
        assert_eq!(slashed(t), "2024/01/15 10:30");
        assert_eq!(
            plus_two_hours("2024-01-15T23:30:05Z"),
            "2024-01-16T01:30:05+02:00"
        );
    }

    #[test]
    fn cursor_round_trip() {
        let c = encode_cursor("orders", 42);
        assert_eq!(decode_cursor("orders", &c), Some(42));
        assert_eq!(decode_cursor("deliveries", &c), None);
        assert_eq!(decode_cursor("orders", "not a cursor!"), None);
    }

    #[test]
    fn money_decimals() {
        assert_eq!(cents(29.99), Some(2999));
        assert_eq!(cents(9.5), Some(950));
        assert_eq!(cents(0.0), Some(0));
        assert_eq!(cents(1.005), None);
        assert_eq!(cents(29.999), None);
        assert_eq!(money(8997), 89.97);
    }
}
