//! The `riposte` command-line interface and the driver that runs playbooks durably.
//!
//! A library so that the binary (`src/main.rs`) and the end-to-end test binary share one entry point.

pub mod approvals;
pub mod bench;
pub mod bench_store;
pub mod config;
pub mod daemon;
pub mod driver;
pub mod metrics;
pub mod playbook_cmd;
pub mod sources;
pub mod text;

/// The allocator the `riposte` binary installs (mimalloc instead of glibc malloc: the engine
/// allocates many small short-lived strings and maps per run, and glibc both costs more per call
/// there and holds on to freed memory under a long burst). Measured in README.md § Benchmarks.
pub use mimalloc::MiMalloc as Allocator;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "riposte",
    version,
    about = "Automated response orchestration for SOCs: durable, testable playbooks in one binary"
)]
struct Cli {
    /// Log format on stderr: text for terminals, json for the SIEM.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a playbook on every alert in a file or directory and print what each run decided.
    Run {
        #[arg(long)]
        playbook: PathBuf,
        /// A JSON document, JSON array or JSON-lines file, or a directory of them.
        #[arg(long)]
        alert: PathBuf,
        /// Record mutate actions with their exact requests; send nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Where runs, journals and the audit log are kept.
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
        /// The source name that, with the alert id, identifies a run (dedup key).
        #[arg(long, default_value = "cli")]
        source: String,
        /// Configuration binding capabilities to vendors (without it, lookups and actions
        /// fail with "no integration is configured", and dry-run withholds every mutate).
        #[arg(long, env = "RIPOSTE_CONFIG")]
        config: Option<PathBuf>,
    },
    /// The daemon: poll the configured sources on their schedules, run the playbooks, serve
    /// /healthz, /readyz, /metrics and POST /alerts. SIGTERM/SIGINT stop it cleanly.
    Serve {
        #[arg(long, env = "RIPOSTE_CONFIG")]
        config: PathBuf,
        /// Poll every source once, run what it brought to the end, and exit.
        #[arg(long)]
        once: bool,
        /// A drill of the whole daemon: every mutate action is recorded, none is sent.
        #[arg(long)]
        dry_run: bool,
        /// Fire one configured drill now (dry-run), run it to the end, and exit.
        #[arg(long, value_name = "NAME")]
        drill: Option<String>,
    },
    /// Alerts the daemon did not run: unmatched by any playbook, or quarantined as unreadable.
    Alerts {
        #[command(subcommand)]
        cmd: AlertsCmd,
    },
    /// Check a configuration file and the playbooks it names.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Write, check and test playbooks.
    Playbook {
        #[command(subcommand)]
        cmd: PlaybookCmd,
    },
    /// Inspect stored runs.
    Runs {
        #[command(subcommand)]
        cmd: RunsCmd,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Approval requests waiting for a decision.
    Approvals {
        #[command(subcommand)]
        cmd: ApprovalsCmd,
    },
    /// Approve a pending approval at the console (audited as local:$USER). Works on the data
    /// directory, so with the daemon stopped; with it running, use its HTTP API.
    Approve {
        /// The run id (`riposte approvals list` shows the pending ones).
        run: String,
        /// The action's id in the playbook.
        step: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Deny a pending approval at the console (audited as local:$USER); the action is not taken.
    Deny {
        /// The run id (`riposte approvals list` shows the pending ones).
        run: String,
        /// The action's id in the playbook.
        step: String,
        /// Why (kept in the audit log and the run report).
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Measure the engine: alerts per second and per-alert latency on one core.
    Bench {
        #[arg(
            long,
            default_value = "playbooks/library/t1059-command-and-scripting-interpreter.yaml"
        )]
        playbook: PathBuf,
        #[arg(long, default_value = "examples/alerts")]
        alerts: PathBuf,
        /// How many alert runs to time (with --store: calls per phase, at most 100,000; the
        /// concurrent phase writes twice as many records).
        #[arg(long, default_value_t = 20000)]
        runs: usize,
        /// Measure the store instead: raw sled vs journaled calls (flush per side effect), and
        /// the memory held by 10,000 runs parked awaiting approval.
        #[arg(long)]
        store: bool,
        /// Also time each analysis step (in a separate pass) and list the costliest: where a
        /// playbook spends its time.
        #[arg(long, conflicts_with = "store")]
        by_step: bool,
    },
}

#[derive(Subcommand)]
enum ApprovalsCmd {
    /// Pending approvals: run, step, action, approvers, votes so far, deadline.
    List {
        /// Decided ones too.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum PlaybookCmd {
    /// Report every problem in the playbooks (file:line:column, what is wrong, how to fix it).
    Validate { paths: Vec<PathBuf> },
    /// Run the playbooks' test cases offline and show a diff for each failure.
    Test {
        paths: Vec<PathBuf>,
        /// Print every case, not only failures.
        #[arg(long, short)]
        verbose: bool,
    },
}

#[derive(Subcommand)]
enum AlertsCmd {
    /// Print each alert in a file (or a directory's .json/.jsonl/.ndjson files) as playbooks
    /// see it: one JSON line per alert with its file, position, id and normalised ECS document;
    /// a document that cannot be read gets its reason instead. For writing match rules and
    /// checks against a product's shape.
    Show { path: PathBuf },
    /// Alerts no playbook took.
    Unmatched {
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Documents that could not be read as alerts (source, position, reason, excerpt).
    Quarantine {
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Validate the configuration: syntax (file:line:column), bindings, schedules, secrets
    /// present, and every playbook it names.
    Check {
        #[arg(long, env = "RIPOSTE_CONFIG")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum RunsCmd {
    /// List runs.
    List {
        /// running, awaiting_approval, needs_attention, completed, failed, cancelled
        #[arg(long)]
        status: Option<String>,
        /// Only runs created since: an RFC 3339 time or a duration ago (`24h`, `7d`).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// A run's report and journal timeline.
    Show {
        run: String,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Resume one run, or every unfinished (`running`) run, under the playbooks given.
    Resume {
        run: Option<String>,
        /// Playbook files or directories (default: the configuration's, else playbooks/library).
        #[arg(long)]
        playbook: Vec<PathBuf>,
        #[arg(long, env = "RIPOSTE_CONFIG")]
        config: Option<PathBuf>,
        /// You checked by hand that this in-doubt step took effect: record it as done.
        #[arg(long, value_name = "STEP")]
        assume_sent: Option<String>,
        /// You checked by hand that this in-doubt step did not take effect: send it again.
        #[arg(long, value_name = "STEP")]
        assume_not_sent: Option<String>,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Cancel an unfinished run (it is never resumed; steps already taken stay taken).
    Cancel {
        run: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Remove finished runs older than an age (their audit entries are kept).
    Prune {
        /// e.g. `90d`.
        #[arg(long)]
        older_than: String,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the hash chain and name the first entry that was altered, removed or reordered.
    Verify {
        /// Verify an exported JSON-lines file instead of the database.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The file is a slice of the chain (an export made with `--since`): verify it from its
        /// first entry and print the hash it is anchored to, to compare with the entry before it.
        #[arg(long, requires = "file")]
        partial: bool,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Write the audit log as JSON lines (with each entry's hash and the previous hash).
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only entries written since: an RFC 3339 time or a duration ago (`24h`, `7d`). The
        /// slice still verifies on its own (`audit verify --file F --partial`).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value = "./riposte-data", env = "RIPOSTE_DATA_DIR")]
        data_dir: PathBuf,
    },
}

/// `--since`: an RFC 3339 time, or a duration ago (`24h`, `7d`); returned as RFC 3339 (UTC).
fn parse_since(s: &str) -> Result<String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    let d = playbooks::duration::parse(s).map_err(|_| {
        anyhow::anyhow!("--since `{s}`: write an RFC 3339 time (2026-11-28T08:00:00Z) or a duration ago (24h, 7d)")
    })?;
    let t = chrono::Utc::now() - chrono::Duration::from_std(d)?;
    Ok(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn init_logs(f: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIPOSTE_LOG")
        .unwrap_or_else(|_| "warn".into());
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match f {
        LogFormat::Text => b.init(),
        LogFormat::Json => b.json().init(),
    }
}

/// The whole `riposte` command: parse the arguments, run, map errors to exit code 2.
pub fn main() -> ExitCode {
    // `riposte … | head` closes stdout early: that is the reader's choice, not a crash.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.to_string();
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info)
    }));
    let cli = Cli::parse();
    init_logs(cli.log_format);
    match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `riposte alerts show`: every alert as its ECS document, one JSON line each. Exits 1 when a
/// document could not be read (it is printed with its reason; the others still are).
fn show_alerts(path: &std::path::Path) -> Result<ExitCode> {
    let mut bad = 0;
    for (file, r) in driver::read_alerts(path)? {
        let line = match r {
            Ok(a) => serde_json::json!({
                "file": file, "position": a.position, "alert_id": a.id, "ecs": a.doc,
            }),
            Err(b) => {
                bad += 1;
                serde_json::json!({
                    "file": file, "position": b.position, "unreadable": b.reason, "excerpt": b.excerpt,
                })
            }
        };
        println!("{line}");
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn real_main(cli: Cli) -> Result<ExitCode> {
    match cli.cmd {
        Cmd::Run {
            playbook,
            alert,
            dry_run,
            format,
            data_dir,
            source,
            config,
        } => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(driver::run_command(
                &playbook,
                &alert,
                dry_run,
                format,
                &data_dir,
                &source,
                config.as_deref(),
            ))
        }
        Cmd::Config {
            cmd: ConfigCmd::Check { config },
        } => driver::config_check(&config),
        Cmd::Serve {
            config,
            once,
            dry_run,
            drill,
        } => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(daemon::serve(&config, once, dry_run, drill.as_deref()))
        }
        Cmd::Alerts { cmd } => {
            let (unmatched, data_dir) = match cmd {
                AlertsCmd::Show { path } => return show_alerts(&path),
                AlertsCmd::Unmatched { data_dir } => (true, data_dir),
                AlertsCmd::Quarantine { data_dir } => (false, data_dir),
            };
            let store = state::Store::open(&data_dir)?;
            let held = store.held_alerts(unmatched)?;
            for (source, r) in &held {
                if unmatched {
                    println!(
                        "{}  {source}  alert {}  from {}",
                        r["at"].as_str().unwrap_or(""),
                        r["alert_id"].as_str().unwrap_or(""),
                        r["origin"].as_str().unwrap_or("")
                    );
                } else {
                    println!(
                        "{}  {source}  {} {}: {}",
                        r["at"].as_str().unwrap_or(""),
                        r["origin"].as_str().unwrap_or(""),
                        r["position"].as_str().unwrap_or(""),
                        r["reason"].as_str().unwrap_or("")
                    );
                }
            }
            println!(
                "{} alert(s) {}",
                held.len(),
                if unmatched {
                    "not matched by any playbook"
                } else {
                    "quarantined"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Playbook {
            cmd: PlaybookCmd::Validate { paths },
        } => playbook_cmd::validate(&paths),
        Cmd::Playbook {
            cmd: PlaybookCmd::Test { paths, verbose },
        } => playbook_cmd::test(&paths, verbose),
        Cmd::Runs {
            cmd:
                RunsCmd::List {
                    status,
                    since,
                    data_dir,
                },
        } => {
            let since = since.as_deref().map(parse_since).transpose()?;
            let store = state::Store::open(&data_dir)?;
            let mut runs = store.runs()?;
            if let Some(t) = &since {
                runs.retain(|r| r.created_at.as_str() >= t.as_str());
            }
            runs.sort_by(|a, b| a.created_at.cmp(&b.created_at));
            for r in runs
                .iter()
                .filter(|r| status.as_deref().is_none_or(|s| s == r.status))
            {
                println!("{}", text::run_line(r));
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Runs {
            cmd:
                RunsCmd::Show {
                    run,
                    data_dir,
                    format,
                },
        } => {
            let store = state::Store::open(&data_dir)?;
            let r = store.get_run(&run)?.with_context(|| {
                format!(
                    "no run `{run}` in {}; `riposte runs list` shows the runs",
                    data_dir.display()
                )
            })?;
            let journal = store.journal(&run)?;
            if format == Format::Json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"run": r, "journal": journal})
                    )?
                );
            } else {
                let rep: playbooks::engine::Report =
                    serde_json::from_value(r.report.clone()).context("stored report")?;
                print!("{}", text::report(&rep));
                println!("journal:");
                // Each completed call also shows how long it took since it was started.
                let mut started: std::collections::HashMap<
                    String,
                    chrono::DateTime<chrono::FixedOffset>,
                > = std::collections::HashMap::new();
                for e in journal {
                    let mut line = text::journal_line(&e);
                    match &e {
                        state::records::JournalEntry::Started { at, key, .. } => {
                            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) {
                                started.insert(key.clone(), t);
                            }
                        }
                        state::records::JournalEntry::Completed { at, key, .. } => {
                            if let (Some(s), Ok(t)) =
                                (started.get(key), chrono::DateTime::parse_from_rfc3339(at))
                            {
                                line.push_str(&format!(" ({} ms)", (t - *s).num_milliseconds()));
                            }
                        }
                        _ => {}
                    }
                    println!("  {line}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Runs {
            cmd:
                RunsCmd::Resume {
                    run,
                    playbook,
                    config,
                    assume_sent,
                    assume_not_sent,
                    data_dir,
                },
        } => {
            let by = state::records::local_user();
            let resolution = match (assume_sent, assume_not_sent) {
                (Some(_), Some(_)) => {
                    anyhow::bail!("give --assume-sent or --assume-not-sent, not both")
                }
                (Some(key), None) => Some(driver::Resolution::AssumeSent { key, by }),
                (None, Some(key)) => Some(driver::Resolution::AssumeNotSent { key, by }),
                (None, None) => None,
            };
            if resolution.is_some() && run.is_none() {
                anyhow::bail!("--assume-sent/--assume-not-sent apply to one run: name it");
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(driver::resume_command(
                run.as_deref(),
                &playbook,
                config.as_deref(),
                resolution,
                &data_dir,
            ))
        }
        Cmd::Runs {
            cmd:
                RunsCmd::Cancel {
                    run,
                    reason,
                    data_dir,
                },
        } => {
            let store = state::Store::open(&data_dir)?;
            let rec = driver::cancel(&store, &run, &reason)?;
            println!(
                "run {} cancelled ({}@{}, alert {})",
                rec.run_id, rec.playbook_id, rec.playbook_version, rec.alert_id
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Runs {
            cmd:
                RunsCmd::Prune {
                    older_than,
                    data_dir,
                },
        } => {
            let age = playbooks::duration::parse(&older_than)
                .map_err(|e| anyhow::anyhow!("--older-than {older_than}: {e}"))?;
            let store = state::Store::open(&data_dir)?;
            let (runs, entries) = driver::prune(&store, age)?;
            println!(
                "removed {runs} finished run(s) older than {older_than} ({entries} journal entries); the audit log is kept"
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit {
            cmd:
                AuditCmd::Verify {
                    file,
                    partial,
                    data_dir,
                },
        } => {
            let (entries, what) = match file {
                Some(f) => {
                    let text = std::fs::read_to_string(&f)
                        .with_context(|| format!("reading {}", f.display()))?;
                    let mut v = Vec::new();
                    for (i, l) in text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| !l.trim().is_empty())
                    {
                        v.push(
                            serde_json::from_str::<state::audit::AuditEntry>(l).with_context(
                                || format!("{}:{}: not an audit entry", f.display(), i + 1),
                            )?,
                        );
                    }
                    (v, f.display().to_string())
                }
                None => (
                    state::Store::open(&data_dir)?.audit_entries()?,
                    data_dir.display().to_string(),
                ),
            };
            let (first_seq, anchor) = match entries.first() {
                Some(e) if e.seq != 0 && !partial => {
                    println!(
                        "audit chain BROKEN in {what} at entry 1 (line 1, seq {}): the chain starts at entry #{} instead of the genesis entry #0: entries were removed from its beginning. If this is an export made with --since, verify it with --partial",
                        e.seq, e.seq
                    );
                    return Ok(ExitCode::from(1));
                }
                Some(e) => (e.seq, e.prev.clone()),
                None => (0, state::audit::GENESIS.to_owned()),
            };
            match state::audit::verify_from(&entries, first_seq, &anchor) {
                None if first_seq > 0 => {
                    println!(
                        "audit chain intact: {} entries in {what}, from entry #{first_seq}; it is anchored to the hash {anchor} of entry #{}: compare that with the entry in the database or in an earlier export",
                        entries.len(),
                        first_seq - 1
                    );
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    println!("audit chain intact: {} entries in {what}", entries.len());
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!(
                        "audit chain BROKEN in {what} at entry {} (line {}, seq {}): {}",
                        b.position, b.position, b.seq, b.why
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        Cmd::Audit {
            cmd:
                AuditCmd::Export {
                    out,
                    since,
                    data_dir,
                },
        } => {
            let since = since.as_deref().map(parse_since).transpose()?;
            let entries = state::Store::open(&data_dir)?.audit_entries()?;
            // Entries are in time order (one chain, appended under a lock); a slice from the
            // first entry at or after `since` keeps the chain unbroken from there.
            let from = match &since {
                Some(t) => entries.partition_point(|e| e.at.as_str() < t.as_str()),
                None => 0,
            };
            let mut s = String::new();
            for e in &entries[from..] {
                s.push_str(&serde_json::to_string(e)?);
                s.push('\n');
            }
            match out {
                Some(p) => {
                    std::fs::write(&p, s).with_context(|| format!("writing {}", p.display()))?
                }
                None => {
                    use std::io::Write;
                    // A closed pipe (`| head`) is the reader's choice, not an error.
                    match std::io::stdout().lock().write_all(s.as_bytes()) {
                        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                            return Err(e.into());
                        }
                        _ => {}
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Approvals {
            cmd: ApprovalsCmd::List { all, data_dir },
        } => approvals::list_command(&data_dir, all),
        Cmd::Approve {
            run,
            step,
            reason,
            data_dir,
        } => approvals::decide_command(&data_dir, &run, &step, true, &reason),
        Cmd::Deny {
            run,
            step,
            reason,
            data_dir,
        } => approvals::decide_command(&data_dir, &run, &step, false, &reason),
        Cmd::Bench {
            store: true, runs, ..
        } => bench_store::run(runs.min(100_000)),
        Cmd::Bench {
            playbook,
            alerts,
            runs,
            store: false,
            by_step,
        } => bench::run(&playbook, &alerts, runs, by_step),
    }
}
