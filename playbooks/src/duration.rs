//! Durations written as `500ms`, `30s`, `15m`, `24h`, `7d` (or combined: `1h30m`).

use std::time::Duration;

pub fn parse(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = t.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if num.is_empty() {
            return Err(format!("`{s}`: expected a number before `{c}`"));
        }
        let n: u64 = num
            .parse()
            .map_err(|_| format!("`{s}`: number too large"))?;
        num.clear();
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            Duration::from_millis(n)
        } else {
            match c {
                's' => Duration::from_secs(n),
                'm' => Duration::from_secs(n * 60),
                'h' => Duration::from_secs(n * 3600),
                'd' => Duration::from_secs(n * 86400),
                'w' => Duration::from_secs(n * 7 * 86400),
                _ => return Err(format!("`{s}`: unknown unit `{c}`")),
            }
        };
        total += unit;
        any = true;
    }
    if !num.is_empty() {
        return Err(format!(
            "`{s}`: a number needs a unit (ms, s, m, h, d, w), e.g. `{num}s`"
        ));
    }
    if !any {
        return Err(format!("`{s}` is not a duration"));
    }
    Ok(total)
}

/// Renders a duration back in the shortest exact unit.
pub fn format(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".into();
    }
    for (unit, n) in [
        ("d", 86_400_000u64),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if ms.is_multiple_of(n) {
            return format!("{}{unit}", ms / n);
        }
    }
    format!("{ms}ms")
}

pub mod serde_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("7d").unwrap(), Duration::from_secs(604800));
        assert!(parse("30").unwrap_err().contains("unit"));
        assert!(parse("5x").is_err());
        assert_eq!(format(Duration::from_secs(5400)), "90m");
    }
}
