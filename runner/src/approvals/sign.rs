//! Signatures: HMAC-SHA256, Slack's `X-Slack-Signature` v0 check, and Riposte's own signed,
//! expiring tokens (Mattermost button contexts, Teams approval links).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const B: usize = 64;
    let mut k = [0u8; B];
    if key.len() > B {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; B];
    let mut opad = [0x5cu8; B];
    for i in 0..B {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// Equality in time independent of where the inputs differ (for equal lengths).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a Slack request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SlackReject {
    Missing,
    BadTimestamp,
    Stale,
    BadSignature,
}

impl SlackReject {
    pub fn as_str(&self) -> &'static str {
        match self {
            SlackReject::Missing => "missing X-Slack-Signature or X-Slack-Request-Timestamp",
            SlackReject::BadTimestamp => "X-Slack-Request-Timestamp is not a number",
            SlackReject::Stale => "timestamp outside the 5-minute window (replay?)",
            SlackReject::BadSignature => {
                "signature does not match (forged, or wrong signing secret)"
            }
        }
    }
}

/// The `v0=` signature Slack computes for a request.
pub fn slack_signature(secret: &[u8], ts: &str, body: &[u8]) -> String {
    let mut m = Vec::with_capacity(body.len() + ts.len() + 4);
    m.extend_from_slice(b"v0:");
    m.extend_from_slice(ts.as_bytes());
    m.push(b':');
    m.extend_from_slice(body);
    format!("v0={}", hex::encode(hmac_sha256(secret, &m)))
}

/// Verifies a Slack request on its raw bytes, before anything is parsed: the timestamp within
/// 300 s of `now` (Unix seconds), then the HMAC in constant time.
pub fn verify_slack(
    secret: &[u8],
    ts: Option<&str>,
    sig: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SlackReject> {
    let (Some(ts), Some(sig)) = (ts, sig) else {
        return Err(SlackReject::Missing);
    };
    let t: i64 = ts.trim().parse().map_err(|_| SlackReject::BadTimestamp)?;
    if (now - t).abs() > 300 {
        return Err(SlackReject::Stale);
    }
    let want = slack_signature(secret, ts.trim(), body);
    if ct_eq(want.as_bytes(), sig.trim().as_bytes()) {
        Ok(())
    } else {
        Err(SlackReject::BadSignature)
    }
}

/// What a Riposte token grants: one decision on one (run, step), through one provider, until
/// `exp` (Unix ms). `n` makes each token unique; uses are recorded in the approval record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub r: String,
    pub s: String,
    /// `approve` or `deny`.
    pub d: String,
    /// `mattermost` or `teams`.
    pub p: String,
    pub n: String,
    pub exp: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired(Box<Claims>),
}

impl TokenError {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenError::Malformed => "malformed token",
            TokenError::BadSignature => "token signature does not match (forged or altered)",
            TokenError::Expired(_) => "token expired",
        }
    }
}

static NONCE: AtomicU64 = AtomicU64::new(0);

/// A fresh nonce: unique per process and time (the HMAC, not the nonce, makes tokens unforgeable).
pub fn nonce(key: &[u8]) -> String {
    let c = NONCE.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let m = format!("{t}:{c}:{}", std::process::id());
    hex::encode(&hmac_sha256(key, m.as_bytes())[..12])
}

/// `v1.<claims>.<mac>`, URL-safe.
pub fn issue(key: &[u8], c: &Claims) -> String {
    let body = B64.encode(serde_json::to_vec(c).expect("claims serialise"));
    let mac = B64.encode(hmac_sha256(key, format!("v1.{body}").as_bytes()));
    format!("v1.{body}.{mac}")
}

/// Checks a token's MAC (constant time) before decoding its claims, then its expiry.
pub fn check(key: &[u8], token: &str, now_ms: i64) -> Result<Claims, TokenError> {
    let mut parts = token.split('.');
    let (Some("v1"), Some(body), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    if token.len() > 4096 {
        return Err(TokenError::Malformed);
    }
    let want = B64.encode(hmac_sha256(key, format!("v1.{body}").as_bytes()));
    if !ct_eq(want.as_bytes(), mac.as_bytes()) {
        return Err(TokenError::BadSignature);
    }
    let raw = B64.decode(body).map_err(|_| TokenError::Malformed)?;
    let c: Claims = serde_json::from_slice(&raw).map_err(|_| TokenError::Malformed)?;
    if now_ms >= c.exp {
        return Err(TokenError::Expired(Box::new(c)));
    }
    Ok(c)
}

/// The CSRF nonce a Teams confirmation page embeds for its token.
pub fn csrf(key: &[u8], token: &str) -> String {
    B64.encode(&hmac_sha256(key, format!("csrf:{token}").as_bytes())[..18])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tokens_verify_and_refuse_tampering() {
        let k = b"k".repeat(32);
        let c = Claims {
            r: "run-1".into(),
            s: "contain".into(),
            d: "approve".into(),
            p: "teams".into(),
            n: nonce(&k),
            exp: 2_000,
        };
        let t = issue(&k, &c);
        assert_eq!(check(&k, &t, 1_000), Ok(c.clone()));
        assert!(matches!(check(&k, &t, 2_000), Err(TokenError::Expired(_))));
        assert_eq!(check(b"other", &t, 1_000), Err(TokenError::BadSignature));
        let forged = Claims {
            d: "deny".into(),
            ..c
        };
        let fb = B64.encode(serde_json::to_vec(&forged).unwrap());
        let mac = t.rsplit('.').next().unwrap();
        assert_eq!(
            check(&k, &format!("v1.{fb}.{mac}"), 1_000),
            Err(TokenError::BadSignature)
        );
        assert_eq!(check(&k, "garbage", 1_000), Err(TokenError::Malformed));
    }
}
