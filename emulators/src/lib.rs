//! Local emulators of the vendor APIs Riposte calls, for tests. Each vendor module builds an
//! axum `Router` that follows the vendor's documented paths, auth, bodies and error shapes
//! (see `/work/shared/reference/vendor-apis.md` for sources); [`serve`] binds it on
//! 127.0.0.1:0 behind a layer that records every request and injects queued faults.
//!
//! Emulators keep their state in memory and expose it (`Emulator::state`) so tests can assert
//! what the vendor received and set up what it holds (a host already contained, a ticket that
//! already exists).

pub mod alerts_index;
pub mod cloudflare;
pub mod crowdstrike;
pub mod elastic_defend;
pub mod elasticsearch;
pub mod jira;
pub mod mattermost;
pub mod mde;
pub mod misp;
pub mod opnsense;
pub mod panos;
pub mod sentinelone;
pub mod servicenow;
pub mod slack;
pub mod splunk;
pub mod teams;
pub mod thehive;
pub mod virustotal;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One request as an emulator received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// Path and query, e.g. `/devices/queries/devices/v1?filter=...` (query percent-decoded).
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: String,
    /// When the emulator received it (benchmarks measure latency to a side effect with it).
    pub at: std::time::Instant,
}

impl Received {
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or(Json::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A fault to answer the next matching request with, instead of the emulated API.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status (and `Retry-After` seconds, and a JSON body) without handling.
    Status {
        status: u16,
        retry_after: Option<u64>,
        body: Json,
    },
    /// Handle the request (the effect happens) but answer 502: "did it work?" is in doubt.
    AfterEffect { status: u16 },
    /// Answer normally, but only after this many milliseconds (latency; client timeouts).
    Delay { ms: u64 },
    /// Hang up mid-response: the headers go out, then the connection breaks. With
    /// `after_effect` the request is handled first (the vendor acted; the answer is lost).
    Drop { after_effect: bool },
    /// Send the real body slowly: one chunk, then a pause of `ms` milliseconds per chunk.
    SlowBody { ms: u64 },
}

/// Faults and the request log shared by the layer and the tests.
#[derive(Default)]
pub struct Recorder {
    faults: Mutex<VecDeque<(Option<String>, Fault)>>,
    received: Mutex<Vec<Received>>,
}

impl Recorder {
    /// Queue a fault for the next request (whose path contains `path_contains`, if given).
    pub fn fail_next(&self, path_contains: Option<&str>, f: Fault) {
        self.faults
            .lock()
            .expect("faults")
            .push_back((path_contains.map(str::to_owned), f));
    }
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("received").clone()
    }
    /// Requests whose method is `method` and whose path contains `path`.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.received()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path))
            .count()
    }
    fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut q = self.faults.lock().expect("faults");
        let i = q
            .iter()
            .position(|(p, _)| p.as_deref().is_none_or(|p| path.contains(p)))?;
        q.remove(i).map(|(_, f)| f)
    }
}

fn decode(q: &str) -> String {
    let b = q.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn record(State(rec): State<Arc<Recorder>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let query = parts.uri.query().map(decode).unwrap_or_default();
    let path = parts.uri.path().to_owned();
    rec.received.lock().expect("received").push(Received {
        method: parts.method.to_string(),
        path: if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{query}")
        },
        query,
        headers: parts.headers.clone(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        at: std::time::Instant::now(),
    });
    let fault = rec.take_fault(&path);
    match fault {
        Some(Fault::Status {
            status,
            retry_after,
            body,
        }) => {
            let mut r = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                axum::Json(body),
            )
                .into_response();
            if let Some(s) = retry_after {
                r.headers_mut()
                    .insert("retry-after", s.to_string().parse().expect("header"));
            }
            r
        }
        Some(Fault::AfterEffect { status }) => {
            let _ = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            StatusCode::from_u16(status)
                .unwrap_or(StatusCode::BAD_GATEWAY)
                .into_response()
        }
        Some(Fault::Delay { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Some(Fault::Drop { after_effect }) => {
            if after_effect {
                let _ = next
                    .run(Request::from_parts(parts, Body::from(bytes)))
                    .await;
            }
            let broken = futures_util::stream::iter([
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"partial\":")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "emulated hang-up",
                )),
            ]);
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from_stream(broken))
                .expect("response")
        }
        Some(Fault::SlowBody { ms }) => {
            let res = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (p, body) = res.into_parts();
            let all = axum::body::to_bytes(body, 16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            let chunks: Vec<axum::body::Bytes> = all
                .chunks(8)
                .map(axum::body::Bytes::copy_from_slice)
                .collect();
            let slow = futures_util::stream::unfold(chunks.into_iter(), move |mut it| async move {
                let c = it.next()?;
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                Some((Ok::<_, std::io::Error>(c), it))
            });
            let mut p = p;
            p.headers.remove("content-length");
            Response::from_parts(p, Body::from_stream(slow))
        }
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}

/// A running emulator.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub recorder: Arc<Recorder>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on 127.0.0.1:0 behind the recording and fault layer.
pub async fn serve(router: Router) -> Emulator {
    let recorder = Arc::new(Recorder::default());
    let app = router.layer(middleware::from_fn_with_state(recorder.clone(), record));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Emulator {
        url,
        recorder,
        task,
    }
}

/// A JSON error response.
pub fn error(status: u16, body: Json) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

/// The bearer token of a request, if any.
pub fn bearer(h: &HeaderMap) -> Option<&str> {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_decoding() {
        assert_eq!(
            super::decode("filter=hostname%3A%27WS%2001%27+x"),
            "filter=hostname:'WS 01' x"
        );
        assert_eq!(super::decode("a=%zz%"), "a=%zz%");
    }
}
