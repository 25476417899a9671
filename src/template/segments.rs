//! Splits a template into text and code segments (`{{ }}`, `{% %}`, `{# #}`), honouring string
//! literals, nested brackets and `{% raw %}` blocks, so code can be rewritten or scanned alone.

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment<'a> {
    /// Literal text (including comments and raw blocks), copied as is.
    Text(&'a str),
    /// Code: `open` is `{{`/`{%` plus any `-`/`+` marker, `code` the inside, `close` the end.
    Code {
        open: &'a str,
        code: &'a str,
        close: &'a str,
        statement: bool,
    },
}

/// Splits `source` into segments; an unterminated tag becomes text (minijinja reports it).
pub(crate) fn split(source: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let mut text_start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'{' || !matches!(bytes[i + 1], b'{' | b'%' | b'#') {
            i += 1;
            continue;
        }
        let kind = bytes[i + 1];
        let end = match kind {
            b'#' => source[i + 2..].find("#}").map(|p| i + 2 + p + 2),
            _ => code_end(source, i + 2, kind),
        };
        let Some(end) = end else { break };
        if kind == b'#' {
            i = end;
            continue;
        }
        if text_start < i {
            out.push(Segment::Text(&source[text_start..i]));
        }
        let marker = matches!(bytes.get(i + 2), Some(b'-' | b'+'));
        let open_len = if marker { 3 } else { 2 };
        let close_marker =
            end >= 3 && matches!(bytes[end - 3], b'-' | b'+') && end - 3 >= i + open_len;
        let close_len = if close_marker { 3 } else { 2 };
        let code = &source[i + open_len..end - close_len];
        out.push(Segment::Code {
            open: &source[i..i + open_len],
            code,
            close: &source[end - close_len..end],
            statement: kind == b'%',
        });
        i = end;
        text_start = end;
        if kind == b'%' && code.trim() == "raw" {
            if let Some(raw_end) = raw_block_end(source, end) {
                out.push(Segment::Text(&source[end..raw_end]));
                i = raw_end;
                text_start = raw_end;
            }
        }
    }
    if text_start < source.len() {
        out.push(Segment::Text(&source[text_start..]));
    }
    out
}

/// Index just past the `}}`/`%}` closing the code starting at `from`.
fn code_end(source: &str, from: usize, kind: u8) -> Option<usize> {
    let closer = if kind == b'{' { b'}' } else { b'%' };
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 1;
            } else if b == q {
                quote = None;
            }
        } else if b == b'"' || b == b'\'' {
            quote = Some(b);
        } else if depth == 0 && b == closer && bytes.get(i + 1) == Some(&b'}') {
            return Some(i + 2);
        } else if matches!(b, b'(' | b'[' | b'{') {
            depth += 1;
        } else if matches!(b, b')' | b']' | b'}') {
            depth = depth.saturating_sub(1);
        }
        i += 1;
    }
    None
}

/// Index where the `{% endraw %}` tag after `from` starts.
fn raw_block_end(source: &str, from: usize) -> Option<usize> {
    let mut search = from;
    while let Some(p) = source[search..].find("{%") {
        let start = search + p;
        let end = code_end(source, start + 2, b'%')?;
        let inner = source[start + 2..end - 2].trim_matches(|c: char| c == '-' || c == '+');
        if inner.trim() == "endraw" {
            return Some(start);
        }
        search = end;
    }
    None
}
