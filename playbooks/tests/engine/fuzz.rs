//! Seeded mutation fuzzing of the two parsers that take hostile or careless input: alert
//! documents (from SIEMs, files, webhooks) and playbooks (from authors). Neither may panic:
//! every input ends as an alert, a reported bad document, a playbook, or diagnostics with a
//! position. Alerts that parse are also run through the T1059 playbook offline, so the
//! expression functions (decoding, regexes, URL and IP extraction) see mangled data too.
//!
//! Deterministic (fixed seeds, fixed iteration counts), so a failure names a reproducible case.

use playbooks::alert;
use playbooks::engine::{self, Outcome};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "1e999",
    "-0",
    "{{",
    "}}",
    "$(id)",
    "`",
    "'",
    "\n",
    "\r\n",
    "\u{feff}",
    "é",
    "😀",
    "powershell -enc ",
    "SQBFAFgA",
    "%",
    "../",
    "\u{202e}",
    "\t",
    "#",
    "- ",
    "&anchor",
    "*anchor",
    "!!binary",
    "<<",
    "? ",
    "---",
    "...",
];

fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut b: Vec<u8> = s.as_bytes().to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(b.len() + 1);
        match rng.below(5) {
            0 if !b.is_empty() => {
                let end = (at + rng.below(16)).min(b.len());
                b.drain(at.min(b.len())..end);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                b.splice(at..at, t.iter().copied());
            }
            2 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] = b[i].wrapping_add(1 + rng.below(254) as u8);
            }
            3 => b.truncate(at),
            _ => {
                // Duplicate a slice (repeated keys, nested copies).
                let from = rng.below(b.len() + 1);
                let end = (from + rng.below(64)).min(b.len());
                let piece: Vec<u8> = b[from..end].to_vec();
                b.splice(at..at, piece);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn mangled_alerts_never_panic_and_every_document_is_accounted_for() {
    let pb = crate::t1059();
    let mut seeds = Vec::new();
    for f in [
        "../examples/alerts/windows-empire-chain.jsonl",
        "../examples/alerts/linux-macos.jsonl",
    ] {
        let t = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f))
            .unwrap();
        seeds.extend(
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    assert!(seeds.len() >= 4);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut bad) = (0, 0);
    for i in 0..3000 {
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        let out = alert::parse_text(&input);
        // A non-blank input yields at least one result: never silently dropped.
        if !input.trim().trim_start_matches('\u{feff}').is_empty() {
            assert!(!out.is_empty(), "case {i}: {input:?} vanished");
        }
        for r in out {
            match r {
                Ok(a) => {
                    ok += 1;
                    if engine::matches(&pb, &a.doc) {
                        let rep = engine::run_offline(
                            &pb,
                            &a.id,
                            &a.doc,
                            true,
                            |_| Outcome::Ok {
                                result: serde_json::Value::Null,
                            },
                            |_| None,
                        );
                        assert!(!rep.run_id.is_empty(), "case {i}");
                    }
                }
                Err(b) => {
                    bad += 1;
                    assert!(
                        !b.reason.is_empty() && !b.position.is_empty(),
                        "case {i}: {b:?}"
                    );
                }
            }
        }
    }
    assert!(
        ok > 100 && bad > 100,
        "the mutations exercised both paths: {ok} ok, {bad} bad"
    );
}

#[test]
fn mangled_playbooks_never_panic_and_errors_have_positions() {
    let text = std::fs::read_to_string(crate::t1059_path()).unwrap();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let (mut loaded, mut rejected) = (0, 0);
    for i in 0..400 {
        let input = mutate(&mut rng, &text);
        match playbooks::load_str("fuzz.yaml", &input) {
            Ok(_) => loaded += 1,
            Err(d) => {
                rejected += 1;
                let msg = d.to_string();
                assert!(
                    msg.contains("fuzz.yaml:"),
                    "case {i}: diagnostics without a position: {msg}"
                );
            }
        }
    }
    assert!(rejected > 50, "{loaded} loaded, {rejected} rejected");
}
