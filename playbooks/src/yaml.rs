//! A YAML document as a tree of nodes that remember where they were written.
//!
//! Playbooks and configuration are read in two phases (ripgrep/Vector style): first the YAML
//! syntax into this tree (one syntax error stops here, with its line and column), then our own
//! conversion into the validated model, which reports *every* problem at once with positions.

use crate::diag::{Diagnostics, Pos};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// One YAML node with its position (`pos`) and the char offset of its first character.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub offset: usize,
    pub kind: Kind,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Spanned<Kind> = Spanned::deserialize(d)?;
        let loc = s.referenced;
        Ok(Node {
            pos: Pos::new(loc.line() as u32, loc.column() as u32),
            offset: loc.span().offset() as usize,
            kind: s.value,
        })
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Kind, E> {
                Ok(Kind::Null)
            }
            fn visit_none<E>(self) -> Result<Kind, E> {
                Ok(Kind::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
                Kind::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Kind, E> {
                Ok(Kind::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Kind, E> {
                Ok(Kind::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
                i64::try_from(v)
                    .map(Kind::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Kind, E> {
                Ok(Kind::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Kind, E> {
                Ok(Kind::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Kind, E> {
                Ok(Kind::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Kind, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = a.next_element::<Node>()? {
                    out.push(n);
                }
                Ok(Kind::Seq(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Kind, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = a.next_key::<Node>()? {
                    let v = a.next_value::<Node>()?;
                    out.push((k, v));
                }
                Ok(Kind::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses YAML text into a node tree; a syntax error becomes one diagnostic.
pub fn parse(text: &str, diags: &mut Diagnostics) -> Option<Node> {
    match serde_saphyr::from_str::<Node>(text) {
        Ok(n) => Some(n),
        Err(e) => {
            let pos = e
                .location()
                .map(|l| Pos::new(l.line() as u32, l.column() as u32))
                .unwrap_or(Pos::UNKNOWN);
            let msg = first_line(&e.to_string());
            diags.error_hint(
                pos,
                format!("YAML syntax: {msg}"),
                "check indentation (spaces, not tabs), unbalanced quotes or brackets, and that a `key: value` has a space after the colon",
            );
            None
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

impl Node {
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A scalar rendered as text (numbers and booleans too), for fields like `version`.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }
    /// Converts to JSON (for `vars:` and literal parameters).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Int(i) => J::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Kind::Str(s) => J::String(s.clone()),
            Kind::Seq(v) => J::Array(v.iter().map(Node::to_json).collect()),
            Kind::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.scalar_text().unwrap_or_default(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Position of a character inside this scalar's value (0-based char index), mapped back to
    /// the file, so an error inside an expression points at the exact column.
    pub fn pos_in_value(&self, source: &str, char_index: usize) -> Pos {
        let Kind::Str(value) = &self.kind else {
            return self.pos;
        };
        let rest: String = source.chars().skip(self.offset).take(2).collect();
        let first = rest.chars().next().unwrap_or(' ');
        // Line/col within the value.
        let mut line = 0u32;
        let mut col = 0u32;
        for (i, c) in value.chars().enumerate() {
            if i == char_index {
                break;
            }
            if c == '\n' {
                line += 1;
                col = 0;
            } else {
                col += 1;
            }
        }
        // The parser may place a block scalar at its first content line: the header is then
        // the end of the line before.
        let header_before = block_header(source, self.pos.line);
        match first {
            '|' | '>' => block_pos(source, self.pos.line, first == '>', char_index)
                .unwrap_or_else(|| Pos::new(self.pos.line + 1 + line, col + 1)),
            _ if header_before.is_some() => block_pos(
                source,
                self.pos.line - 1,
                header_before == Some('>'),
                char_index,
            )
            .unwrap_or_else(|| Pos::new(self.pos.line + line, col + 1)),
            '"' | '\'' if line == 0 => Pos::new(self.pos.line, self.pos.col + 1 + col),
            _ if line == 0 => Pos::new(self.pos.line, self.pos.col + col),
            _ => Pos::new(self.pos.line + line, col + 1),
        }
    }
}

/// The block-scalar indicator (`|` or `>`, with optional chomping) ending the line before
/// `line` (1-based), if any.
fn block_header(source: &str, line: u32) -> Option<char> {
    let prev = source.lines().nth((line as usize).checked_sub(2)?)?;
    let t = prev.trim_end();
    let t = t.strip_suffix(['-', '+']).unwrap_or(t);
    // By characters: the last one may be multi-byte (a mangled file, a non-ASCII name).
    let mut rev = t.chars().rev();
    let c = rev.next()?;
    let before = rev.next();
    ((c == '|' || c == '>') && before.is_none_or(|b| b == ' ' || b == ':')).then_some(c)
}

/// Where a character of a block scalar's value sits in the source. The block's lines follow
/// the header line at the indentation of the first one. A literal block (`|`) keeps each line
/// break; a folded one (`>`) turns a break between two lines into a space and a run of empty
/// lines into as many newlines — one character per break either way, except the break before
/// empty lines, which folding drops.
fn block_pos(source: &str, header_line: u32, folded: bool, char_index: usize) -> Option<Pos> {
    let lines: Vec<&str> = source.lines().skip(header_line as usize).collect();
    let spaces = |l: &str| l.chars().take_while(|c| *c == ' ').count();
    let indent = spaces(lines.iter().find(|l| !l.trim().is_empty())?);
    let mut consumed = 0usize;
    let mut prev_content = false;
    for (k, l) in lines.iter().enumerate() {
        if l.trim().is_empty() {
            if !(folded && prev_content) {
                consumed += 1;
            }
            prev_content = false;
            continue;
        }
        if spaces(l) < indent {
            break;
        }
        let len = l.chars().count() - indent;
        if char_index <= consumed + len {
            let at = (char_index - consumed).min(len);
            return Some(Pos::new(
                header_line + 1 + k as u32,
                (indent + at + 1) as u32,
            ));
        }
        consumed += len + 1;
        prev_content = true;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_header_reads_characters_not_bytes() {
        // A line ending in a multi-byte character (a mangled file) is no block header, and
        // reading it must not split the character.
        let src = "a: x\n  - name: network_after_executio\u{FFFD}\nb: |\n  text\n";
        assert_eq!(block_header(src, 3), None);
        assert_eq!(block_header(src, 4), Some('|'));
        assert_eq!(block_header("k: é>\nv\n", 2), None);
        assert_eq!(block_header("k: >-\nv\n", 2), Some('>'));
    }

    #[test]
    fn nodes_carry_positions() {
        let mut d = Diagnostics::new("t.yaml");
        let n = parse("a: 1\nb:\n  - x\n  - 'y'\n", &mut d).unwrap();
        let Kind::Map(m) = &n.kind else { panic!() };
        assert_eq!(m[0].0.pos, Pos::new(1, 1));
        assert_eq!(m[0].1.pos, Pos::new(1, 4));
        let Kind::Seq(s) = &m[1].1.kind else { panic!() };
        assert_eq!(s[1].pos, Pos::new(4, 5));
        assert_eq!(s[1].kind, Kind::Str("y".into()));
    }

    #[test]
    fn syntax_error_has_position() {
        let mut d = Diagnostics::new("t.yaml");
        assert!(parse("a: [1, 2\nb: 3\n", &mut d).is_none());
        assert_eq!(d.len(), 1);
        assert!(d.items[0].pos.line >= 1, "{d}");
    }

    #[test]
    fn positions_inside_values() {
        let src = "x: 'ab cd'\ny: |\n  one\n  two three\n";
        let mut d = Diagnostics::new("t.yaml");
        let n = parse(src, &mut d).unwrap();
        let Kind::Map(m) = &n.kind else { panic!() };
        assert_eq!(m[0].1.pos_in_value(src, 3), Pos::new(1, 8));
        // "one\ntwo three": the ninth character is the `t` of `three`.
        assert_eq!(m[1].1.pos_in_value(src, 8), Pos::new(4, 7));
    }

    #[test]
    fn positions_inside_folded_values() {
        // A folded block joins its lines with spaces: the character after the join is still
        // found on its own line (an error in a long multi-line expression names that line).
        let src = "v: >\n  true\n  && regex(a, x)\n\n  && b\nw: 1\n";
        let mut d = Diagnostics::new("t.yaml");
        let n = parse(src, &mut d).unwrap();
        let Kind::Map(m) = &n.kind else { panic!() };
        let Kind::Str(v) = &m[0].1.kind else { panic!() };
        assert_eq!(v, "true && regex(a, x)\n&& b\n");
        let at = |needle: &str| v.find(needle).unwrap();
        assert_eq!(m[0].1.pos_in_value(src, at("regex")), Pos::new(3, 6));
        assert_eq!(m[0].1.pos_in_value(src, at("true")), Pos::new(2, 3));
        assert_eq!(m[0].1.pos_in_value(src, at("&& b")), Pos::new(5, 3));
    }
}
