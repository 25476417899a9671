//! A small lexer for the code inside `{{ }}` and `{% %}`: just enough structure (strings,
//! identifiers, bracket groups) for the Pebble-to-Jinja rewrite and the reference scan.

/// One lexical piece of template code.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// Whitespace, kept to preserve line numbers.
    Space(String),
    /// A quoted string literal, quotes included.
    Str(String),
    /// A number literal.
    Num(String),
    /// An identifier or keyword.
    Ident(String),
    /// An operator or punctuation (`??`, `???`, `?`, `.`, `|`, `,`, `==` ...).
    Punct(String),
    /// A bracketed group: opening char, its content, and whether it was closed.
    Group(char, Vec<Node>, bool),
}

impl Node {
    /// The source text of this node.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Node::Space(s) | Node::Str(s) | Node::Num(s) | Node::Ident(s) | Node::Punct(s) => {
                out.push_str(s)
            }
            Node::Group(open, inner, closed) => {
                out.push(*open);
                inner.iter().for_each(|n| n.write(out));
                if *closed {
                    out.push(closing(*open));
                }
            }
        }
    }

    pub(crate) fn is_space(&self) -> bool {
        matches!(self, Node::Space(_))
    }

    pub(crate) fn is_punct(&self, p: &str) -> bool {
        matches!(self, Node::Punct(s) if s == p)
    }

    pub(crate) fn is_ident(&self, name: &str) -> bool {
        matches!(self, Node::Ident(s) if s == name)
    }
}

/// Source text of a sequence of nodes.
pub(crate) fn text_of(nodes: &[Node]) -> String {
    nodes.iter().map(Node::text).collect()
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

const PUNCTS: [&str; 8] = ["???", "??", "==", "!=", "<=", ">=", "//", "**"];

/// Lexes template code into nodes, grouping brackets.
pub(crate) fn lex(code: &str) -> Vec<Node> {
    let chars: Vec<char> = code.chars().collect();
    let mut pos = 0;
    lex_seq(&chars, &mut pos, None)
}

fn lex_seq(chars: &[char], pos: &mut usize, close: Option<char>) -> Vec<Node> {
    let mut out = Vec::new();
    while *pos < chars.len() {
        let c = chars[*pos];
        if Some(c) == close {
            return out;
        }
        out.push(lex_one(chars, pos));
    }
    out
}

fn lex_one(chars: &[char], pos: &mut usize) -> Node {
    let start = *pos;
    let c = chars[start];
    let take_while = |pos: &mut usize, f: &dyn Fn(char) -> bool| {
        while *pos < chars.len() && f(chars[*pos]) {
            *pos += 1;
        }
        chars[start..*pos].iter().collect::<String>()
    };
    if c.is_whitespace() {
        return Node::Space(take_while(pos, &|c| c.is_whitespace()));
    }
    if c == '"' || c == '\'' {
        *pos += 1;
        while *pos < chars.len() && chars[*pos] != c {
            if chars[*pos] == '\\' {
                *pos += 1;
            }
            *pos += 1;
        }
        *pos = (*pos + 1).min(chars.len());
        return Node::Str(chars[start..*pos].iter().collect());
    }
    if c.is_ascii_digit() {
        return Node::Num(take_while(pos, &|c| c.is_ascii_alphanumeric() || c == '_'));
    }
    if c.is_alphabetic() || c == '_' {
        return Node::Ident(take_while(pos, &|c| c.is_alphanumeric() || c == '_'));
    }
    if matches!(c, '(' | '[' | '{') {
        *pos += 1;
        let inner = lex_seq(chars, pos, Some(closing(c)));
        let closed = *pos < chars.len();
        if closed {
            *pos += 1;
        }
        return Node::Group(c, inner, closed);
    }
    for p in PUNCTS {
        let len = p.chars().count();
        if chars[start..].iter().take(len).copied().eq(p.chars()) {
            *pos += len;
            return Node::Punct(p.to_string());
        }
    }
    *pos += 1;
    Node::Punct(c.to_string())
}
