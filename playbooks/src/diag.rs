//! Diagnostics: every problem found in a playbook, with where it is and how to fix it.
//!
//! Loading never stops at the first problem: each phase pushes into a [`Diagnostics`]
//! list, and the caller prints them all (ripgrep/rustc style: `file:line:col: error: …`).

use std::fmt;

/// A position in a source file, 1-based. `line == 0` means "the file as a whole".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, col: 0 };
    pub fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    /// What is wrong, one sentence.
    pub message: String,
    /// How to fix it, when we can say.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pos.line == 0 {
            write!(f, "{}: error: {}", self.file, self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: error: {}",
                self.file, self.pos.line, self.pos.col, self.message
            )?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// All problems found in one file, in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    pub file: String,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            items: Vec::new(),
        }
    }
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.items.push(Diagnostic {
            file: self.file.clone(),
            pos,
            message: message.into(),
            hint: None,
        });
    }
    pub fn error_hint(&mut self, pos: Pos, message: impl Into<String>, hint: impl Into<String>) {
        self.items.push(Diagnostic {
            file: self.file.clone(),
            pos,
            message: message.into(),
            hint: Some(hint.into()),
        });
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn sort(&mut self) {
        self.items.sort_by_key(|a| a.pos);
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The closest candidate to `got` by edit distance, for "did you mean" hints.
pub fn suggest<'a>(got: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for c in candidates {
        let d = levenshtein(got, c);
        let limit = (c.len().max(got.len()) / 3).max(2);
        if d <= limit && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    best.map(|(c, _)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Did-you-mean hint text, or a list of what is allowed.
pub fn hint_for(got: &str, allowed: &[&str]) -> String {
    match suggest(got, allowed.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("expected one of: {}", allowed.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn suggests_close_names() {
        assert_eq!(
            suggest("escalaton", ["escalation", "actions"]),
            Some("escalation")
        );
        assert_eq!(suggest("zzz", ["escalation", "actions"]), None);
    }
}
