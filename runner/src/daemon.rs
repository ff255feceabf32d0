//! `riposte serve`: the unattended daemon.
//!
//! - **Sources** poll on their cron schedules (seconds precision). Each poll reads a batch after
//!   the source's durable cursor, normalises it, routes every alert to each playbook whose
//!   `match` takes it, and hands the batch to [`state::Store::intake`], which creates the runs,
//!   records unmatched and quarantined alerts and advances the cursor in one transaction:
//!   exactly-once intake, across restarts.
//! - **Workers** (at most `limits.concurrent_runs` at once) drive the created runs through the
//!   durable driver. The queue between pollers and workers is bounded: when it is full, polling
//!   waits instead of memory growing.
//! - **Start-up** resumes every run left `running` by a stop or a crash.
//! - **Shutdown** on SIGTERM/SIGINT: polling stops, runs in flight get `limits.shutdown_grace`
//!   to reach a journal boundary, the store is flushed, exit 0. Whatever is cut short resumes at
//!   the next start from its journal.
//! - **HTTP** (127.0.0.1 by default): `/healthz`, `/readyz`, `/metrics` (Prometheus text),
//!   `POST /alerts` (push source, bearer token).

use crate::config::{Loaded, SourceConfig, SourceType};
use crate::driver;
use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use integrations::Registry;
use playbooks::Playbook;
use playbooks::alert::{self, Alert, BadAlert};
use playbooks::engine;
use state::{Intake, Store};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::metrics::{global as metrics, label};

/// Everything the pollers, workers and HTTP handlers share.
pub struct Shared {
    pub store: Store,
    pub registry: Registry,
    pub playbooks: Vec<Playbook>,
    pub dry_run: bool,
    pub token: Option<integrations::secret::Secret>,
    pub ready: AtomicBool,
    /// Sources whose last poll failed, with the error (readiness reports them).
    pub failing: std::sync::Mutex<BTreeMap<String, String>>,
    pub(crate) queue: mpsc::Sender<String>,
    push_source: Option<String>,
    /// Approvals: groups, signing key, chat clients.
    pub approvals: Arc<crate::approvals::Approvals>,
    /// Deadlines for the shared approval timer.
    pub(crate) timer: mpsc::UnboundedSender<crate::approvals::web::Due>,
    /// Wall-clock Unix milliseconds (tests substitute a clock driven by paused tokio time).
    pub clock: Clock,
    /// `RUN|STEP|what` after each approval event (posted, decided, refused…): lets tests wait
    /// for the background work of a webhook without sleeping.
    pub events: tokio::sync::broadcast::Sender<String>,
    /// With `--once`: each driven run's summary line and status, by run id, printed at the end
    /// without reading every run back from the store. `None` (kept nothing) when serving.
    pub(crate) finished: std::sync::Mutex<Option<HashMap<String, (String, String)>>>,
}

pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The receiving ends of a [`Shared`]'s channels: runs to drive, and approval deadlines.
pub struct Channels {
    pub queue: mpsc::Receiver<String>,
    pub timer: mpsc::UnboundedReceiver<crate::approvals::web::Due>,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        registry: Registry,
        playbooks: Vec<Playbook>,
        dry_run: bool,
        token: Option<integrations::secret::Secret>,
        push_source: Option<String>,
        approvals: crate::approvals::Approvals,
        clock: Option<Clock>,
        queue_capacity: usize,
    ) -> (Arc<Shared>, Channels) {
        let (queue, qrx) = mpsc::channel(queue_capacity.max(1));
        let (timer, trx) = mpsc::unbounded_channel();
        let (events, _) = tokio::sync::broadcast::channel(1024);
        let sh = Arc::new(Shared {
            store,
            registry,
            playbooks,
            dry_run,
            token,
            ready: AtomicBool::new(false),
            failing: std::sync::Mutex::new(BTreeMap::new()),
            queue,
            push_source,
            approvals: Arc::new(approvals),
            timer,
            clock: clock.unwrap_or_else(|| Arc::new(crate::approvals::now_ms)),
            events,
            finished: std::sync::Mutex::new(None),
        });
        (
            sh,
            Channels {
                queue: qrx,
                timer: trx,
            },
        )
    }
}

/// A batch read from a source, with the cursor to store once it is taken in.
pub struct Batch {
    pub items: Vec<(String, Result<Alert, BadAlert>)>,
    pub cursor: serde_json::Value,
}

/// Routes a batch and takes it in (exactly once); returns the runs created.
pub fn take_in(sh: &Shared, source: &str, batch: Batch) -> Result<Vec<String>> {
    let mut records = Vec::new();
    let mut held = Vec::new();
    let (mut matched, mut unmatched, mut bad) = (0u64, 0u64, 0u64);
    for (origin, item) in &batch.items {
        match item {
            Err(b) => {
                bad += 1;
                tracing::warn!(source, origin, position = %b.position, reason = %b.reason, "alert quarantined");
                held.push(Intake::Quarantined {
                    id: format!("{}:{origin}:{}", state::records::now(), b.position),
                    record: serde_json::json!({"source": source, "origin": origin, "position": b.position, "reason": b.reason, "excerpt": b.excerpt, "at": state::records::now()}),
                });
            }
            Ok(a) => {
                let takers: Vec<&Playbook> = sh
                    .playbooks
                    .iter()
                    .filter(|p| engine::matches(p, &a.doc))
                    .collect();
                if takers.is_empty() {
                    unmatched += 1;
                    held.push(Intake::Unmatched {
                        id: a.id.clone(),
                        record: serde_json::json!({"source": source, "origin": origin, "alert_id": a.id, "at": state::records::now(), "alert": a.doc}),
                    });
                }
                for p in takers {
                    matched += 1;
                    let id = engine::run_id(source, &a.id, &p.id, &p.hash);
                    records.push(driver::new_record(p, source, a, &id, sh.dry_run));
                }
            }
        }
    }
    let mut items: Vec<Intake<'_>> = records.iter().map(Intake::Run).collect();
    items.extend(held);
    let created = sh.store.intake(source, &batch.cursor, &items)?;
    for id in &created {
        let r = records
            .iter()
            .find(|r| &r.run_id == id)
            .expect("created from records");
        sh.store.audit("run.created", Some(id), serde_json::json!({"source": source, "alert_id": r.alert_id, "playbook": r.playbook_id, "version": r.playbook_version, "hash": r.playbook_hash, "dry_run": r.dry_run}))?;
    }
    for it in &items {
        if let Intake::Quarantined { record, .. } = it {
            sh.store.audit("alert.quarantined", None, record.clone())?;
        }
    }
    let l = label("source", source);
    metrics().inc("riposte_alerts_polled_total", &l, batch.items.len() as u64);
    metrics().inc("riposte_alerts_matched_total", &l, matched);
    metrics().inc("riposte_alerts_unmatched_total", &l, unmatched);
    metrics().inc("riposte_alerts_quarantined_total", &l, bad);
    metrics().inc("riposte_runs_started_total", "", created.len() as u64);
    Ok(created)
}

/// Up to `max` JSON lines of `path` from byte `offset` (line number `line`, or counted when an
/// older cursor did not keep it), streamed: a big file is never held whole in memory. A last
/// line without its newline is taken only if `whole_file` (a file dropped in complete); in a
/// file being appended to it is still being written. Returns the items, the new offset and line,
/// and whether the file is exhausted.
#[allow(clippy::type_complexity)]
fn read_lines(
    path: &Path,
    origin: &str,
    offset: u64,
    line: Option<u64>,
    max: usize,
    whole_file: bool,
) -> Result<(Vec<(String, Result<Alert, BadAlert>)>, u64, u64, bool)> {
    use std::io::{BufRead, Seek};
    let mut f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let len = f.metadata()?.len();
    // Truncated or rotated (shorter than the cursor): start over.
    let (mut pos, line) = if offset <= len {
        (offset, line)
    } else {
        (0, Some(0))
    };
    let mut r = std::io::BufReader::with_capacity(256 * 1024, &mut f);
    let mut line_no = match line {
        Some(n) => n,
        None => {
            let mut n = 0u64;
            let mut left = pos;
            while left > 0 {
                let buf = r.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                let take = buf.len().min(left as usize);
                n += buf[..take].iter().filter(|b| **b == b'\n').count() as u64;
                r.consume(take);
                left -= take as u64;
            }
            n
        }
    };
    r.seek(std::io::SeekFrom::Start(pos))?;
    let mut items = Vec::new();
    let mut buf = Vec::new();
    let mut eof = false;
    while items.len() < max.max(1) {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 || (!whole_file && buf.last() != Some(&b'\n')) {
            eof = true;
            break;
        }
        pos += n as u64;
        line_no += 1;
        let t = String::from_utf8_lossy(&buf);
        if t.trim().is_empty() {
            continue;
        }
        let at = format!("{origin}:{line_no}");
        for mut r in alert::parse_text(&t) {
            // Positions of unreadable lines name the line in the file, not in the one-line text.
            if let Err(b) = &mut r {
                b.position = match b.position.strip_prefix("line 1") {
                    Some(rest) => format!("line {line_no}{rest}"),
                    None if b.position == "document" => format!("line {line_no}"),
                    None => format!("line {line_no}, {}", b.position),
                };
            }
            items.push((at.clone(), r));
        }
    }
    Ok((items, pos, line_no, eof))
}

/// Reads the next batch of a file-based source.
pub fn poll_files(
    s: &SourceConfig,
    path: &Path,
    cursor: Option<serde_json::Value>,
) -> Result<Batch> {
    let num =
        |c: Option<&serde_json::Value>, k: &str| c.and_then(|c| c.get(k)).and_then(|o| o.as_u64());
    match s.kind {
        SourceType::Directory => {
            let mut taken: Vec<String> = cursor
                .as_ref()
                .and_then(|c| c.get("taken"))
                .and_then(|t| serde_json::from_value(t.clone()).ok())
                .unwrap_or_default();
            // A JSON-lines file bigger than a batch is taken over several polls.
            let partial = cursor.as_ref().and_then(|c| c.get("partial")).cloned();
            let partial_name = partial
                .as_ref()
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_owned);
            let mut files = Vec::new();
            for e in std::fs::read_dir(path)
                .with_context(|| format!("source {}: reading {}", s.name, path.display()))?
            {
                let p = e?.path();
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if p.is_file() && crate::driver::is_alert_file(&p) && !taken.contains(&name) {
                    files.push((name, p));
                }
            }
            // The file being taken comes first: a poll that stopped before reaching it would
            // otherwise drop its place and read it again from the start.
            files.sort_by_key(|(name, _)| {
                (partial_name.as_deref() != Some(name.as_str()), name.clone())
            });
            let mut items = Vec::new();
            let mut next_partial = None;
            for (name, p) in files {
                let lines = p.extension().is_some_and(|x| x == "jsonl" || x == "ndjson");
                if lines {
                    // JSON lines: streamed, at most what is left of the batch.
                    let resume = partial_name.as_deref() == Some(name.as_str());
                    let pp = partial.as_ref().filter(|_| resume);
                    let (got, pos, line, eof) = read_lines(
                        &p,
                        &name,
                        num(pp, "offset").unwrap_or(0),
                        if resume { num(pp, "line") } else { Some(0) },
                        s.batch.saturating_sub(items.len()),
                        true,
                    )
                    .with_context(|| format!("source {}", s.name))?;
                    items.extend(got);
                    if !eof {
                        next_partial =
                            Some(serde_json::json!({"name": name, "offset": pos, "line": line}));
                        break;
                    }
                } else {
                    // One JSON document or array, or raw log text (audit records, event XML): read whole.
                    let text = std::fs::read_to_string(&p)
                        .with_context(|| format!("source {}: reading {}", s.name, p.display()))?;
                    for r in alert::parse_text(&text) {
                        items.push((name.clone(), r));
                    }
                }
                taken.push(name);
                if items.len() >= s.batch {
                    break;
                }
            }
            let mut cursor = serde_json::json!({"taken": taken});
            if let Some(p) = next_partial {
                cursor["partial"] = p;
            }
            Ok(Batch { items, cursor })
        }
        SourceType::File => {
            let (items, pos, line, _) = read_lines(
                path,
                &path.display().to_string(),
                num(cursor.as_ref(), "offset").unwrap_or(0),
                num(cursor.as_ref(), "line"),
                s.batch,
                false,
            )
            .with_context(|| format!("source {}", s.name))?;
            Ok(Batch {
                items,
                cursor: serde_json::json!({"offset": pos, "line": line}),
            })
        }
        _ => anyhow::bail!("source {} is not file-based", s.name),
    }
}

/// One poll of a source: read, take in, queue the new runs. Returns how many alerts the poll
/// brought and the ids of the runs it started.
async fn poll_once(sh: &Arc<Shared>, l: &Loaded, s: &SourceConfig) -> Result<(usize, Vec<String>)> {
    let cursor = sh.store.cursor(&s.name)?;
    let batch = match s.kind {
        SourceType::Directory | SourceType::File => {
            let p = l.resolve(s.path.as_deref().unwrap_or(Path::new(".")));
            poll_files(s, &p, cursor)?
        }
        SourceType::Push => return Ok((0, Vec::new())),
        SourceType::Kibana | SourceType::Elasticsearch | SourceType::Splunk => {
            let src = crate::sources::HttpSource::new(s)?;
            let batch = src.poll(cursor).await?;
            let polled = batch.items.len();
            let ids: Vec<String> = batch
                .items
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok().map(|a| a.id.clone()))
                .collect();
            let lag = batch
                .items
                .last()
                .and_then(|(_, r)| r.as_ref().ok())
                .and_then(|a| {
                    a.doc
                        .get("@timestamp")
                        .and_then(|t| t.as_str())
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                });
            let created = take_in(sh, &s.name, batch)?;
            if let Some(t) = lag {
                metrics().set(
                    "riposte_source_lag_seconds",
                    &label("source", &s.name),
                    (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_milliseconds() as f64
                        / 1000.0,
                );
            }
            // After the runs exist (the commit above): acknowledging is only bookkeeping in
            // Kibana; a failure here loses nothing because the cursor has moved on.
            if let Err(e) = src.acknowledge(&ids).await {
                tracing::warn!(source = %s.name, error = %format!("{e:#}"), "could not acknowledge alerts in Kibana");
                metrics().inc("riposte_source_errors_total", &label("source", &s.name), 1);
            }
            return Ok((polled, queue_all(sh, created).await?));
        }
    };
    let polled = batch.items.len();
    let created = take_in(sh, &s.name, batch)?;
    Ok((polled, queue_all(sh, created).await?))
}

async fn queue_all(sh: &Arc<Shared>, created: Vec<String>) -> Result<Vec<String>> {
    for id in &created {
        metrics().queued.fetch_add(1, Ordering::Relaxed);
        // A full queue makes the poller wait here: polling slows, memory does not grow.
        sh.queue
            .send(id.clone())
            .await
            .context("the run queue is closed")?;
    }
    Ok(created)
}

/// Fires a drill: its fixture alerts run, in dry-run, against its playbook, as fresh runs
/// (source `drill:NAME`, alert ids suffixed with the firing time), reported like any run.
pub async fn fire_drill(
    sh: &Arc<Shared>,
    l: &Loaded,
    d: &crate::config::DrillConfig,
) -> Result<Vec<String>> {
    let pb = sh
        .playbooks
        .iter()
        .find(|p| p.id == d.playbook)
        .with_context(|| format!("drills.{}: playbook `{}` is not loaded", d.name, d.playbook))?;
    let at = state::records::now();
    let source = format!("drill:{}", d.name);
    let mut records = Vec::new();
    let mut held = Vec::new();
    for f in &d.alerts {
        for (origin, item) in driver::read_alerts(&l.resolve(f))? {
            match item {
                Ok(mut a) => {
                    a.id = format!("{}@{at}", a.id);
                    let id = engine::run_id(&source, &a.id, &pb.id, &pb.hash);
                    records.push(driver::new_record(pb, &source, &a, &id, true));
                }
                Err(b) => held.push(Intake::Quarantined {
                    id: format!("{at}:{origin}:{}", b.position),
                    record: serde_json::json!({"source": source, "origin": origin, "position": b.position, "reason": b.reason, "excerpt": b.excerpt, "at": at}),
                }),
            }
        }
    }
    let mut items: Vec<Intake<'_>> = records.iter().map(Intake::Run).collect();
    items.extend(held);
    let created = sh
        .store
        .intake(&source, &serde_json::json!({"fired": at}), &items)?;
    sh.store.audit(
        "drill.fired",
        None,
        serde_json::json!({"drill": d.name, "playbook": pb.id, "runs": created.len()}),
    )?;
    for id in &created {
        sh.store.audit("run.created", Some(id), serde_json::json!({"source": source, "playbook": pb.id, "version": pb.version, "hash": pb.hash, "dry_run": true, "drill": d.name}))?;
    }
    metrics().inc("riposte_drills_total", &label("drill", &d.name), 1);
    queue_all(sh, created).await
}

async fn run_one(sh: Arc<Shared>, id: String) {
    metrics().queued.fetch_sub(1, Ordering::Relaxed);
    let rec = match sh.store.get_run(&id) {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(run_id = %id, error = %e, "cannot read run");
            return;
        }
    };
    let Some(pb) = sh
        .playbooks
        .iter()
        .find(|p| p.id == rec.playbook_id && p.hash == rec.playbook_hash)
    else {
        tracing::error!(run_id = %id, playbook = %rec.playbook_id, "[E-PLAYBOOK-CHANGED] the run's playbook version is not loaded; resume it with `riposte runs resume {id} --playbook OLD.yaml` or cancel it");
        metrics().inc("riposte_runs_blocked_total", "", 1);
        return;
    };
    let created_at = rec.created_at.clone();
    let driven = driver::drive(&sh.store, &sh.registry, pb, rec, None).await;
    if let (Ok(rep), Some(lines)) = (&driven, sh.finished.lock().expect("lines").as_mut()) {
        let line = crate::text::report_line(rep, &created_at);
        lines.insert(id.clone(), (line, rep.status.as_str().to_owned()));
    }
    if let Ok(rep) = &driven
        && !rep.unevaluated.is_empty()
    {
        // A shipper's format changed under the playbook, or a check has a bug: say so where
        // an operator looks (the run itself went to Tier 2 by the playbook's own rule).
        tracing::warn!(run_id = %id, playbook = %rep.playbook.id, checks = %rep.unevaluated.join(","), "checks could not be evaluated on this alert; the analysis is incomplete (see the run's notes)");
        metrics().inc(
            "riposte_checks_unevaluated_total",
            &label("playbook", &rep.playbook.id),
            rep.unevaluated.len() as u64,
        );
    }
    match driven {
        Ok(rep) if rep.status == engine::RunStatus::AwaitingApproval => {
            metrics().inc("riposte_runs_parked_total", "", 1);
            crate::approvals::web::on_parked(&sh, &id).await;
        }
        Ok(rep) => metrics().inc(
            "riposte_runs_finished_total",
            &label("status", rep.status.as_str()),
            1,
        ),
        Err(e) => {
            tracing::error!(run_id = %id, error = %format!("{e:#}"), "run failed to drive");
            metrics().inc("riposte_runs_errors_total", "", 1);
        }
    }
}

/// Whether the request carries `Authorization: Bearer <token>` (constant-time comparison).
pub(crate) fn bearer_ok(headers: &HeaderMap, token: &integrations::secret::Secret) -> bool {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    crate::approvals::sign::ct_eq(given.as_bytes(), token.expose().as_bytes())
}

async fn push_alerts(
    State(sh): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    let (Some(token), Some(source)) = (&sh.token, &sh.push_source) else {
        return (StatusCode::NOT_FOUND, "no push source is configured\n").into_response();
    };
    if !bearer_ok(&headers, token) {
        let _ = sh.store.audit(
            "push.rejected",
            None,
            serde_json::json!({"reason": "missing or wrong bearer token"}),
        );
        return (StatusCode::UNAUTHORIZED, "missing or wrong bearer token\n").into_response();
    }
    let items: Vec<_> = alert::parse_text(&body)
        .into_iter()
        .map(|r| ("push".to_owned(), r))
        .collect();
    let n = items.len();
    let prev = sh
        .store
        .cursor(source)
        .ok()
        .flatten()
        .and_then(|c| c.get("batches").and_then(|b| b.as_u64()))
        .unwrap_or(0);
    let batch = Batch {
        items,
        cursor: serde_json::json!({"batches": prev + 1}),
    };
    match take_in(&sh, source, batch) {
        Ok(created) => {
            let runs = created.clone();
            for id in created {
                metrics().queued.fetch_add(1, Ordering::Relaxed);
                if sh.queue.send(id).await.is_err() {
                    return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
                }
            }
            (
                StatusCode::ACCEPTED,
                axum::Json(serde_json::json!({"received": n, "runs": runs})),
            )
                .into_response()
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("intake failed: {e:#}\n"),
        )
            .into_response(),
    }
}

pub fn router(sh: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/readyz",
            get(|State(sh): State<Arc<Shared>>| async move {
                if !sh.ready.load(Ordering::Relaxed) {
                    return (StatusCode::SERVICE_UNAVAILABLE, "starting\n".to_owned());
                }
                let failing = sh.failing.lock().expect("failing").clone();
                if failing.is_empty() {
                    (StatusCode::OK, "ready\n".to_owned())
                } else {
                    let lines: Vec<String> = failing
                        .iter()
                        .map(|(s, e)| format!("source {s} unreachable: {e}"))
                        .collect();
                    (StatusCode::SERVICE_UNAVAILABLE, lines.join("\n") + "\n")
                }
            }),
        )
        .route(
            "/metrics",
            get(|| async {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    metrics().render(),
                )
            }),
        )
        .route("/alerts", post(push_alerts))
        .merge(crate::approvals::web::routes())
        .with_state(sh.clone())
        // The built-in external dynamic lists, for firewalls to pull.
        .merge(integrations::vendors::edl::edl_router(sh.store.clone()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `riposte serve`.
pub async fn serve(
    config: &Path,
    once: bool,
    dry_run: bool,
    drill: Option<&str>,
) -> Result<ExitCode> {
    let l = crate::config::load(config)?;
    let problems = crate::config::problems(&l);
    if !problems.is_empty() {
        anyhow::bail!(
            "{}:\n  {}\n`riposte config check --config {}` lists them",
            config.display(),
            problems.join("\n  "),
            config.display()
        );
    }
    let c = &l.config;
    let store = Store::open(&l.resolve(&c.data_dir))?;
    let registry = crate::config::registry(
        &l,
        &integrations::vendors::BuildEnv {
            store: Some(store.clone()),
        },
    )?;
    let pb_paths: Vec<PathBuf> = c.playbooks.iter().map(|p| l.resolve(p)).collect();
    let playbooks = driver::load_playbooks(&pb_paths)?;
    let token = match &c.server.token {
        Some(r) => Some(r.load().map_err(|e| anyhow::anyhow!("server.token: {e}"))?),
        None => None,
    };
    let grace = playbooks::duration::parse(&c.limits.shutdown_grace)
        .map_err(|e| anyhow::anyhow!("limits.shutdown_grace: {e}"))?;
    let concurrent = c.limits.concurrent_runs.max(1);
    let approvals = crate::approvals::Approvals::from_config(&c.approvals)?;
    let (
        sh,
        Channels {
            queue: mut rx,
            timer: timer_rx,
        },
    ) = Shared::new(
        store.clone(),
        registry,
        playbooks,
        dry_run,
        token,
        c.sources
            .iter()
            .find(|s| s.kind == SourceType::Push)
            .map(|s| s.name.clone()),
        approvals,
        None,
        concurrent * 4,
    );
    let tx = sh.queue.clone();
    store.audit("daemon.started", None, serde_json::json!({"config": config.display().to_string(), "dry_run": dry_run, "once": once, "by": state::records::local_user()}))?;

    // Workers. `close` ends intake into workers: `Some(true)` drains the queue first (--once),
    // `Some(false)` leaves queued runs for the next start (they are durable, status running).
    let (close_tx, mut close_rx) = watch::channel::<Option<bool>>(None);
    let sem = Arc::new(Semaphore::new(concurrent));
    let worker_sh = sh.clone();
    let workers = tokio::spawn(async move {
        let mut set = tokio::task::JoinSet::new();
        let spawn = |set: &mut tokio::task::JoinSet<()>, id: String, permit| {
            let sh = worker_sh.clone();
            set.spawn(async move {
                run_one(sh, id).await;
                drop(permit);
            });
        };
        let drain = loop {
            tokio::select! {
                biased;
                _ = close_rx.changed() => break close_rx.borrow().unwrap_or(false),
                id = rx.recv() => match id {
                    Some(id) => {
                        let permit = sem.clone().acquire_owned().await.expect("semaphore");
                        spawn(&mut set, id, permit);
                        while set.try_join_next().is_some() {}
                    }
                    None => break false,
                },
            }
        };
        if drain {
            while let Ok(id) = rx.try_recv() {
                let permit = sem.clone().acquire_owned().await.expect("semaphore");
                spawn(&mut set, id, permit);
            }
        }
        while set.join_next().await.is_some() {}
    });

    // Approvals decided while the daemon was stopped (`riposte approve`) left their runs
    // `running`; a decision recorded just before a crash is journaled now.
    let mut parked = Vec::new();
    for a in store.approvals()? {
        if a.decided.is_some() {
            if store
                .get_run(&a.run_id)?
                .is_some_and(|r| r.status == "awaiting_approval")
            {
                crate::approvals::record_decision(&store, &a)?;
            }
        } else if !a.notified {
            parked.push(a.run_id.clone());
        }
    }
    // Resume what a stop or crash left running.
    let mut resumed = 0;
    for r in store.runs()? {
        if driver::status_of(&r) == Some(engine::RunStatus::Running) {
            resumed += 1;
            metrics().queued.fetch_add(1, Ordering::Relaxed);
            tx.send(r.run_id).await.context("run queue")?;
        }
    }
    if resumed > 0 {
        tracing::info!(resumed, "resuming unfinished runs");
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    // The one approval timer (all parked runs' deadlines), and requests not yet posted.
    let timer_task = tokio::spawn(crate::approvals::web::timer(
        sh.clone(),
        timer_rx,
        stop_rx.clone(),
    ));
    for id in parked {
        let sh = sh.clone();
        tokio::spawn(async move { crate::approvals::web::on_parked(&sh, &id).await });
    }
    let mut pollers = tokio::task::JoinSet::new();
    let mut created_once = Vec::new();
    if once || drill.is_some() {
        *sh.finished.lock().expect("lines") = Some(HashMap::new());
    }
    let once_started = std::time::Instant::now();
    if let Some(name) = drill {
        let d = c.drills.iter().find(|d| d.name == name).with_context(|| {
            format!(
                "no drill `{name}` in {}; drills: {}",
                config.display(),
                c.drills
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        created_once.extend(fire_drill(&sh, &l, d).await?);
    } else if once {
        for s in &c.sources {
            // Drain file sources batch by batch (a poll brings at most `batch` alerts); a SIEM
            // is asked once per --once.
            let drain = matches!(s.kind, SourceType::Directory | SourceType::File);
            let mut polled = Ok(Vec::new());
            while let Ok(all) = polled.as_mut() {
                match poll_once(&sh, &l, s).await {
                    Ok((n, ids)) => {
                        all.extend(ids);
                        if n == 0 || !drain {
                            break;
                        }
                    }
                    Err(e) => polled = Err(e),
                }
            }
            match polled {
                Ok(ids) => {
                    tracing::info!(source = %s.name, runs = ids.len(), "polled");
                    created_once.extend(ids);
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    metrics().inc("riposte_source_errors_total", &label("source", &s.name), 1);
                }
            }
        }
    } else {
        let listener = tokio::net::TcpListener::bind(&c.server.listen)
            .await
            .with_context(|| format!("server.listen {}: cannot bind", c.server.listen))?;
        let addr = listener.local_addr()?;
        // Always on stderr, so scripts (and tests binding port 0) learn the address.
        eprintln!("riposte: listening on http://{addr}");
        let app = router(sh.clone());
        let mut srv_stop = stop_rx.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = srv_stop.changed().await;
                })
                .await;
        });
        for s in c
            .sources
            .iter()
            .filter(|s| s.kind != SourceType::Push)
            .cloned()
        {
            let sched = cron::Schedule::from_str(&s.schedule)
                .map_err(|e| anyhow::anyhow!("sources.{}: {e}", s.name))?;
            let sh = sh.clone();
            let mut stop = stop_rx.clone();
            let l2 = crate::config::Loaded {
                path: l.path.clone(),
                config: l.config.clone(),
            };
            pollers.spawn(async move {
                let mut failures = 0u32;
                while let Some(next) = sched.upcoming(chrono::Utc).next() {
                    let mut wait = (next - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO);
                    if failures > 0 {
                        // Back off a failing source (with jitter), up to 5 minutes.
                        let b = Duration::from_secs(1 << failures.min(8)).min(Duration::from_secs(300));
                        wait = wait.max(b.mul_f64(0.5 + (next.timestamp_subsec_nanos() % 1000) as f64 / 2000.0));
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => break,
                    }
                    let started = std::time::Instant::now();
                    match poll_once(&sh, &l2, &s).await {
                        Ok(_) => {
                            failures = 0;
                            sh.failing.lock().expect("failing").remove(&s.name);
                            metrics().set("riposte_source_poll_seconds", &label("source", &s.name), started.elapsed().as_secs_f64());
                            metrics().set("riposte_source_last_success_timestamp", &label("source", &s.name), chrono::Utc::now().timestamp() as f64);
                        }
                        Err(e) => {
                            failures += 1;
                            sh.failing.lock().expect("failing").insert(s.name.clone(), format!("{e:#}"));
                            tracing::error!(source = %s.name, failures, error = %format!("{e:#}"), "poll failed; backing off");
                            metrics().inc("riposte_source_errors_total", &label("source", &s.name), 1);
                        }
                    }
                }
            });
        }
        for d in c.drills.iter().cloned() {
            let sched = cron::Schedule::from_str(&d.schedule)
                .map_err(|e| anyhow::anyhow!("drills.{}: {e}", d.name))?;
            let sh = sh.clone();
            let mut stop = stop_rx.clone();
            let l2 = crate::config::Loaded {
                path: l.path.clone(),
                config: l.config.clone(),
            };
            pollers.spawn(async move {
                while let Some(next) = sched.upcoming(chrono::Utc).next() {
                    let wait = (next - chrono::Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => break,
                    }
                    if let Err(e) = fire_drill(&sh, &l2, &d).await {
                        tracing::error!(drill = %d.name, error = %format!("{e:#}"), "drill failed");
                    }
                }
            });
        }
        if let Some(age) = c
            .retention
            .runs
            .as_deref()
            .and_then(|r| playbooks::duration::parse(r).ok())
        {
            // Retention: at start and then daily at 03:00 UTC.
            let sched = cron::Schedule::from_str("0 0 3 * * *").expect("static schedule");
            let sh = sh.clone();
            let mut stop = stop_rx.clone();
            pollers.spawn(async move {
                loop {
                    match driver::prune(&sh.store, age) {
                        Ok((runs, _)) if runs > 0 => {
                            tracing::info!(runs, "retention removed finished runs")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %format!("{e:#}"), "retention failed"),
                    }
                    let Some(next) = sched.upcoming(chrono::Utc).next() else {
                        break;
                    };
                    let wait = (next - chrono::Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => break,
                    }
                }
            });
        }
        sh.ready.store(true, Ordering::Relaxed);
        shutdown_signal().await;
        tracing::info!("shutting down: polling stopped, finishing runs in flight");
        let _ = stop_tx.send(true);
    }
    while pollers.join_next().await.is_some() {}
    let _ = stop_tx.send(true);
    let _ = timer_task.await;
    drop(tx);
    let once = once || drill.is_some();
    // --once / --drill: run everything queued to the end; a stop leaves the queue for next start.
    let _ = close_tx.send(Some(once));
    let finished = if once {
        Ok(workers.await)
    } else {
        tokio::time::timeout(grace, workers).await
    };
    let ok = finished.is_ok();
    store.audit("daemon.stopped", None, serde_json::json!({"clean": ok}))?;
    store.flush()?;
    if once {
        let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
        let finished = sh
            .finished
            .lock()
            .expect("lines")
            .take()
            .unwrap_or_default();
        for id in &created_once {
            // Runs driven here left their line; one that failed to drive is read back.
            let (line, status) = match finished.get(id) {
                Some((l, s)) => (l.clone(), s.clone()),
                None => match store.get_run(id)? {
                    Some(r) => (crate::text::run_line(&r), r.status.clone()),
                    None => continue,
                },
            };
            println!("{line}");
            *by_status.entry(status).or_default() += 1;
        }
        let m = |n: &str| metrics().counter_sum(n);
        println!(
            "{} alert(s) polled: {} run(s) started ({}), {} not matched by any playbook (`riposte alerts unmatched`), {} quarantined (`riposte alerts quarantine`){}; {:.2} s, peak RSS {} MiB",
            m("riposte_alerts_polled_total"),
            created_once.len(),
            by_status
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", "),
            m("riposte_alerts_unmatched_total"),
            m("riposte_alerts_quarantined_total"),
            if dry_run || drill.is_some() {
                "; dry-run: no mutate action was sent"
            } else {
                ""
            },
            once_started.elapsed().as_secs_f64(),
            crate::metrics::proc_status_kib("VmHWM")
                .map(|k| (k / 1024).to_string())
                .unwrap_or_else(|| "?".into())
        );
        if m("riposte_source_errors_total") > 0 {
            return Ok(ExitCode::from(1));
        }
    }
    if !ok {
        tracing::warn!("grace period over; unfinished runs resume at the next start");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: &str, batch: usize) -> SourceConfig {
        serde_json::from_value(
            serde_json::json!({"name": "s", "type": kind, "path": "x", "batch": batch}),
        )
        .expect("source config")
    }

    fn line(i: usize) -> String {
        format!(
            "{{\"event\":{{\"id\":\"e{i}\"}},\"process\":{{\"name\":\"bash\"}},\"host\":{{\"name\":\"h\"}}}}\n"
        )
    }

    fn ids(b: &Batch) -> Vec<String> {
        b.items
            .iter()
            .map(|(o, r)| {
                format!(
                    "{}@{o}",
                    r.as_ref().map(|a| a.id.clone()).unwrap_or_default()
                )
            })
            .collect()
    }

    fn tmp(name: &str) -> state::scratch::TempDir {
        state::scratch::TempDir::new(&format!("riposte-poll-{name}"))
    }

    #[test]
    fn a_file_source_is_read_in_batches_from_its_cursor_and_waits_for_a_line_end() {
        let d = tmp("file");
        let p = d.join("a.jsonl");
        let mut text: String = (0..5).map(line).collect();
        text.push_str("{\"event\":{\"id\":\"half"); // still being written
        std::fs::write(&p, &text).unwrap();
        let s = source("file", 2);
        let origin = p.display().to_string();
        let b1 = poll_files(&s, &p, None).unwrap();
        assert_eq!(
            ids(&b1),
            [format!("e0@{origin}:1"), format!("e1@{origin}:2")]
        );
        let b2 = poll_files(&s, &p, Some(b1.cursor.clone())).unwrap();
        assert_eq!(
            ids(&b2),
            [format!("e2@{origin}:3"), format!("e3@{origin}:4")]
        );
        let b3 = poll_files(&s, &p, Some(b2.cursor.clone())).unwrap();
        assert_eq!(ids(&b3), [format!("e4@{origin}:5")]);
        // The half-written line is not taken until its newline arrives.
        let b4 = poll_files(&s, &p, Some(b3.cursor.clone())).unwrap();
        assert!(b4.items.is_empty());
        assert_eq!(b4.cursor, b3.cursor);
        std::fs::write(
            &p,
            format!("{text}\"}},\"process\":{{\"name\":\"sh\"}}}}\n"),
        )
        .unwrap();
        let b5 = poll_files(&s, &p, Some(b4.cursor.clone())).unwrap();
        assert_eq!(ids(&b5), [format!("half@{origin}:6")]);
        // A cursor written before line numbers were kept: they are counted from the offset.
        let old = serde_json::json!({"offset": b2.cursor["offset"]});
        let b6 = poll_files(&s, &p, Some(old)).unwrap();
        assert_eq!(
            ids(&b6),
            [format!("e4@{origin}:5"), format!("half@{origin}:6")]
        );
        // Truncated below the cursor (rotated): read from the start again.
        std::fs::write(&p, line(9)).unwrap();
        let b7 = poll_files(&s, &p, Some(b5.cursor.clone())).unwrap();
        assert_eq!(ids(&b7), [format!("e9@{origin}:1")]);
    }

    #[test]
    fn a_directory_takes_big_json_lines_files_over_several_batches_and_documents_whole() {
        let d = tmp("dir");
        std::fs::write(d.join("a.jsonl"), (0..5).map(line).collect::<String>()).unwrap();
        // A JSON array spread over lines is one document: read whole.
        std::fs::write(
            d.join("b.json"),
            format!("[\n{},\n{}\n]\n", line(10).trim(), line(11).trim()),
        )
        .unwrap();
        let s = source("directory", 2);
        let mut cursor = None;
        let mut all = Vec::new();
        for _ in 0..6 {
            let b = poll_files(&s, &d, cursor.clone()).unwrap();
            all.extend(ids(&b));
            cursor = Some(b.cursor);
        }
        assert_eq!(
            all,
            [
                "e0@a.jsonl:1",
                "e1@a.jsonl:2",
                "e2@a.jsonl:3",
                "e3@a.jsonl:4",
                "e4@a.jsonl:5",
                "e10@b.json",
                "e11@b.json"
            ]
        );
        let c = cursor.unwrap();
        assert_eq!(c["taken"], serde_json::json!(["a.jsonl", "b.json"]));
    }

    #[test]
    fn a_directory_takes_raw_audit_logs_and_event_xml_and_leaves_other_files() {
        let d = tmp("dir-raw");
        std::fs::write(
            d.join("audit.log"),
            "type=SYSCALL msg=audit(1700000000.1:7): syscall=59 success=yes ppid=1 pid=9 uid=0 exe=\"/usr/bin/bash\"\n\
             type=SYSCALL msg=audit(1700000000.2:8): syscall=59 success=yes ppid=1 pid=10 uid=0 exe=\"/usr/bin/id\"\n\
             type=EXECVE msg=audit(1700000000.1:7): argc=2 a0=\"bash\" a1=\"-i\"\n",
        )
        .unwrap();
        std::fs::write(
            d.join("ev.xml"),
            "<Events><Event><System><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel></System>\
             <EventData><Data Name='Image'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='CommandLine'>cmd /c ver</Data></EventData></Event></Events>",
        )
        .unwrap();
        std::fs::write(d.join("notes.txt"), "not an alert").unwrap();
        let b = poll_files(&source("directory", 10), &d, None).unwrap();
        let got: Vec<(String, String)> = b
            .items
            .iter()
            .map(|(o, r)| {
                let a = r.as_ref().expect("read");
                (
                    o.clone(),
                    a.doc["process"]["command_line"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("audit.log".to_owned(), "bash -i".to_owned()),
                ("audit.log".to_owned(), "".to_owned()),
                ("ev.xml".to_owned(), "cmd /c ver".to_owned())
            ]
        );
        assert_eq!(
            b.cursor["taken"],
            serde_json::json!(["audit.log", "ev.xml"])
        );
    }

    #[test]
    fn a_file_being_taken_keeps_its_place_when_new_files_arrive_before_it() {
        let d = tmp("dir-order");
        std::fs::write(d.join("m.jsonl"), (0..5).map(line).collect::<String>()).unwrap();
        let s = source("directory", 2);
        let b1 = poll_files(&s, &d, None).unwrap();
        assert_eq!(ids(&b1), ["e0@m.jsonl:1", "e1@m.jsonl:2"]);
        // A file that sorts first arrives while m.jsonl is half taken.
        std::fs::write(
            d.join("a.json"),
            format!("[{}, {}]", line(20).trim(), line(21).trim()),
        )
        .unwrap();
        let b2 = poll_files(&s, &d, Some(b1.cursor)).unwrap();
        assert_eq!(ids(&b2), ["e2@m.jsonl:3", "e3@m.jsonl:4"]);
        let b3 = poll_files(&s, &d, Some(b2.cursor)).unwrap();
        assert_eq!(ids(&b3), ["e4@m.jsonl:5", "e20@a.json", "e21@a.json"]);
        let b4 = poll_files(&s, &d, Some(b3.cursor)).unwrap();
        assert!(b4.items.is_empty());
    }

    #[test]
    fn an_unreadable_line_is_reported_at_its_line_in_the_file() {
        let d = tmp("bad-line");
        let p = d.join("s.jsonl");
        std::fs::write(&p, format!("{}{{not json\n{}", line(1), line(2))).unwrap();
        let b = poll_files(&source("file", 10), &p, None).unwrap();
        let bad: Vec<_> = b
            .items
            .iter()
            .filter_map(|(_, r)| r.as_ref().err())
            .collect();
        assert_eq!(bad.len(), 1);
        assert!(bad[0].position.starts_with("line 2"), "{}", bad[0].position);
        assert_eq!(b.items.len(), 3);
    }
}
