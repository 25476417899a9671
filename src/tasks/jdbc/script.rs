//! A task's `sql` read as a script: split into statements at top-level `;`, with `:name`
//! placeholders replaced by quoted literals, keeping a map from the text sent to the server back
//! to the user's text so a server error position points at the line and column the user wrote.
//!
//! The scanner knows just enough SQL to never split or substitute inside a string (`'..'`,
//! `E'..'`), a quoted identifier (`".."`), a dollar-quoted body (`$tag$..$tag$`) or a comment
//! (`-- ..`, nested `/* .. */`), and to leave `::` casts alone.

use serde_json::{Map, Value};

use super::error::JdbcError;
use super::quote::quote_parameter;

/// One statement of a script, as it will be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement text with parameters substituted.
    pub text: String,
    /// Lower-cased first word (`select`, `insert`, ...).
    pub verb: String,
    /// Whether a top-level `RETURNING` appears (an INSERT/UPDATE/DELETE/MERGE returning rows).
    pub returning: bool,
    /// Pieces of `text` and where each starts in the script (in characters).
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq)]
struct Piece {
    /// Character index in `text` where the piece starts.
    sent: usize,
    /// Character index in the script where the piece (or its placeholder) starts.
    written: usize,
    /// A substituted literal maps entirely to its placeholder's start.
    literal: bool,
}

impl Statement {
    /// Whether the statement produces a result set even when it has no rows.
    pub fn returns_rows(&self) -> bool {
        self.returning
            || matches!(
                self.verb.as_str(),
                "select" | "with" | "values" | "table" | "show" | "explain" | "fetch"
            )
    }

    /// Maps a 1-based character position in `text` to a 0-based character index in the script.
    pub fn written_index(&self, sent_position: usize) -> usize {
        let sent = sent_position.saturating_sub(1);
        let piece = self
            .pieces
            .iter()
            .rev()
            .find(|p| p.sent <= sent)
            .or(self.pieces.first());
        match piece {
            Some(p) if p.literal => p.written,
            Some(p) => p.written + (sent - p.sent),
            None => sent,
        }
    }
}

/// 1-based line and column of a 0-based character index in `script`.
pub fn line_and_column(script: &str, index: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for c in script.chars().take(index) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Splits `script` into its non-empty statements, substituting `:name` placeholders from
/// `parameters` (only when `parameters` is not empty, as Kestra does).
pub fn split(script: &str, parameters: &Map<String, Value>) -> Result<Vec<Statement>, JdbcError> {
    let chars: Vec<char> = script.chars().collect();
    let mut scanner = Scanner {
        chars: &chars,
        parameters,
        statements: Vec::new(),
        current: Builder::new(0),
    };
    scanner.run()?;
    Ok(scanner.statements)
}

struct Builder {
    text: String,
    sent_len: usize,
    pieces: Vec<Piece>,
    words: Vec<String>,
    significant: bool,
}

impl Builder {
    fn new(written: usize) -> Self {
        Self {
            text: String::new(),
            sent_len: 0,
            pieces: vec![Piece {
                sent: 0,
                written,
                literal: false,
            }],
            words: Vec::new(),
            significant: false,
        }
    }

    fn push(&mut self, c: char) {
        self.text.push(c);
        self.sent_len += 1;
    }

    fn push_literal(&mut self, literal: &str, written: usize, resume: usize) {
        self.pieces.push(Piece {
            sent: self.sent_len,
            written,
            literal: true,
        });
        self.text.push_str(literal);
        self.sent_len += literal.chars().count();
        self.pieces.push(Piece {
            sent: self.sent_len,
            written: resume,
            literal: false,
        });
    }
}

struct Scanner<'a> {
    chars: &'a [char],
    parameters: &'a Map<String, Value>,
    statements: Vec<Statement>,
    current: Builder,
}

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), JdbcError> {
        let mut i = 0;
        while i < self.chars.len() {
            i = self.step(i)?;
        }
        self.finish_statement(self.chars.len());
        Ok(())
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn copy(&mut self, from: usize, to: usize) {
        for i in from..to.min(self.chars.len()) {
            self.current.push(self.chars[i]);
        }
    }

    /// Handles the token starting at `i`; returns the index after it.
    fn step(&mut self, i: usize) -> Result<usize, JdbcError> {
        let c = self.chars[i];
        let next = self.at(i + 1);
        let end = match c {
            ';' => {
                self.finish_statement(i + 1);
                return Ok(i + 1);
            }
            '-' if next == Some('-') => self.line_comment_end(i),
            '/' if next == Some('*') => self.block_comment_end(i),
            '\'' => {
                let escapes = i > 0
                    && matches!(self.chars[i - 1], 'e' | 'E')
                    && !(i > 1 && is_word(self.chars[i - 2]));
                self.significant();
                quoted_end(self.chars, i, '\'', escapes)
            }
            '"' => {
                self.significant();
                quoted_end(self.chars, i, '"', false)
            }
            '$' => {
                self.significant();
                self.dollar_end(i)
            }
            ':' if next == Some(':') => {
                self.significant();
                i + 2
            }
            ':' if !self.parameters.is_empty() && next.is_some_and(is_word_start) => {
                self.significant();
                return self.placeholder(i);
            }
            c if is_word_start(c) => {
                let end = word_end(self.chars, i);
                let word: String = self.chars[i..end].iter().collect();
                self.current.words.push(word.to_lowercase());
                self.significant();
                end
            }
            c if c.is_whitespace() => i + 1,
            _ => {
                self.significant();
                i + 1
            }
        };
        self.copy(i, end);
        Ok(end)
    }

    fn significant(&mut self) {
        self.current.significant = true;
    }

    fn placeholder(&mut self, i: usize) -> Result<usize, JdbcError> {
        let end = word_end(self.chars, i + 1);
        let name: String = self.chars[i + 1..end].iter().collect();
        let value = self
            .parameters
            .get(&name)
            .ok_or_else(|| JdbcError::Property {
                property: "parameters",
                reason: format!("the SQL uses :{name} but `parameters` has no `{name}`"),
            })?;
        let literal = quote_parameter(&name, value)?;
        self.current.push_literal(&literal, i, end);
        Ok(end)
    }

    fn line_comment_end(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.chars.len() && self.chars[j] != '\n' {
            j += 1;
        }
        j
    }

    fn block_comment_end(&self, i: usize) -> usize {
        let mut depth = 0usize;
        let mut j = i;
        while j < self.chars.len() {
            match (self.chars[j], self.at(j + 1)) {
                ('/', Some('*')) => {
                    depth += 1;
                    j += 2;
                }
                ('*', Some('/')) => {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        return j;
                    }
                }
                _ => j += 1,
            }
        }
        j
    }

    /// `$tag$ ... $tag$` (tag empty or an identifier); a `$1` positional parameter is one token.
    fn dollar_end(&self, i: usize) -> usize {
        let mut j = i + 1;
        while j < self.chars.len() && is_word(self.chars[j]) && self.chars[j] != '$' {
            j += 1;
        }
        let tag_is_valid =
            self.at(j) == Some('$') && !self.at(i + 1).is_some_and(|c| c.is_ascii_digit());
        if !tag_is_valid {
            return (i + 1).max(j);
        }
        let tag = &self.chars[i..=j];
        let mut k = j + 1;
        while k + tag.len() <= self.chars.len() {
            if &self.chars[k..k + tag.len()] == tag {
                return k + tag.len();
            }
            k += 1;
        }
        self.chars.len()
    }

    fn finish_statement(&mut self, next_start: usize) {
        let done = std::mem::replace(&mut self.current, Builder::new(next_start));
        if !done.significant {
            return;
        }
        let returning = done.words.iter().skip(1).any(|w| w == "returning");
        self.statements.push(Statement {
            verb: done.words.first().cloned().unwrap_or_default(),
            returning,
            text: done.text,
            pieces: done.pieces,
        });
    }
}

/// End (exclusive) of a quoted token opened at `i`; a doubled quote stays inside.
fn quoted_end(chars: &[char], i: usize, quote: char, backslash_escapes: bool) -> usize {
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' if backslash_escapes => j += 2,
            c if c == quote => {
                if chars.get(j + 1) == Some(&quote) {
                    j += 2;
                } else {
                    return j + 1;
                }
            }
            _ => j += 1,
        }
    }
    chars.len()
}

fn word_end(chars: &[char], i: usize) -> usize {
    let mut j = i;
    while j < chars.len() && is_word(chars[j]) {
        j += 1;
    }
    j
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(script: &str) -> Vec<String> {
        split(script, &Map::new())
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.text.trim().to_owned())
            .collect()
    }

    #[test]
    fn semicolons_inside_strings_comments_and_bodies_do_not_split() {
        let script = "select 'a;b', \"x;y\" -- c;d\n; /* e; /* f; */ g; */ select $$h;i$$;\
                      select $fn$ j; $fn$, E'k\\';l'; ;";
        assert_eq!(
            texts(script),
            vec![
                "select 'a;b', \"x;y\" -- c;d",
                "/* e; /* f; */ g; */ select $$h;i$$",
                "select $fn$ j; $fn$, E'k\\';l'",
            ]
        );
    }

    #[test]
    fn comment_only_statements_are_dropped() {
        assert_eq!(texts("-- nothing\n;  ; /* x */"), Vec::<String>::new());
    }

    #[test]
    fn placeholders_become_literals_but_casts_and_strings_stay() {
        let params = json!({"id": 7, "name": "O'Brien", "flag": true, "none": null})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let statements = split(
            "select :id::int, ':name', :name, :flag, :none, x::text from t where $1 = :id",
            &params,
        )
        .unwrap_or_default();
        assert_eq!(
            statements[0].text,
            "select 7::int, ':name', E'O''Brien', TRUE, NULL, x::text from t where $1 = 7"
        );
    }

    #[test]
    fn missing_parameter_is_an_error_naming_it() {
        let params = json!({"a": 1}).as_object().cloned().unwrap_or_default();
        let error = split("select :b", &params).err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains(":b")));
    }

    #[test]
    fn positions_map_back_through_literals_to_the_written_line() {
        let params = json!({"long": "a much longer value than the name"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let script = "select 1;\nselect :long,\n  oops";
        let statements = split(script, &params).unwrap_or_default();
        let second = &statements[1];
        let sent = second
            .text
            .find("oops")
            .map_or(0, |b| second.text[..b].chars().count());
        let index = second.written_index(sent + 1);
        assert_eq!(line_and_column(script, index), (3, 3));
    }

    #[test]
    fn verbs_and_returning_are_seen() {
        let statements = split(
            "WITH x AS (select 1) select * from x; insert into t values (1) returning id; update t set a = 1",
            &Map::new(),
        )
        .unwrap_or_default();
        let kinds: Vec<bool> = statements.iter().map(Statement::returns_rows).collect();
        assert_eq!(kinds, vec![true, true, false]);
    }
}
