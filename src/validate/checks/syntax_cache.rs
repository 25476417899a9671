//! A per-thread memo of `template::check_syntax`, keyed by a template's tags only.
//!
//! Parsing a template costs far more than the rest of checking a string, and across a repo the
//! same expressions recur in different text (`"step 3 of {{ inputs.name }}"`,
//! `"step 4 of {{ inputs.name }}"`). Text outside tags neither parses nor reads variables, so
//! the tags alone decide the result; on an error the full string is parsed again for an exact
//! message.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::template::{TemplateError, check_syntax};

/// Entries kept per thread before the memo starts over (bounds memory on huge repos).
const MAX_ENTRIES: usize = 20_000;

type Paths = Rc<[String]>;

thread_local! {
    static MEMO: RefCell<HashMap<String, Option<Paths>>> = RefCell::new(HashMap::new());
}

/// The variable paths `text` reads, or why it does not parse.
pub fn referenced_paths(text: &str) -> Result<Paths, TemplateError> {
    let Some(key) = tags_only(text) else {
        return check_syntax(text).map(Paths::from);
    };
    let cached = MEMO.with(|m| m.borrow().get(&key).cloned());
    let parsed = match cached {
        Some(result) => result,
        None => {
            let result = check_syntax(&key).ok().map(Paths::from);
            MEMO.with(|m| {
                let mut m = m.borrow_mut();
                if m.len() >= MAX_ENTRIES {
                    m.clear();
                }
                m.insert(key, result.clone());
            });
            result
        }
    };
    match parsed {
        Some(paths) => Ok(paths),
        // Parse the real text for an error that names its line.
        None => check_syntax(text).map(Paths::from),
    }
}

/// The concatenated `{{ }}`, `{% %}` and `{# #}` tags of `text`; `None` when a tag is not
/// closed or a `raw` block makes text significant.
fn tags_only(text: &str) -> Option<String> {
    if text.contains("raw") {
        return None;
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start..];
        let close = match after.as_bytes().get(1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => "#}",
            _ => {
                rest = &after[1..];
                continue;
            }
        };
        let end = after[2..].find(close)? + 2 + close.len();
        out.push_str(&after[..end]);
        // Keep tags apart so that `}}{{` cannot be read differently than in the text.
        out.push(' ');
        rest = &after[end..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_tags_only() {
        assert_eq!(
            tags_only("a {{ x }} b {% if y %}c{% endif %}").as_deref(),
            Some("{{ x }} {% if y %} {% endif %} ")
        );
        assert_eq!(tags_only("{{ x "), None);
        assert_eq!(tags_only("{% raw %}{{{% endraw %}"), None);
    }

    #[test]
    fn same_paths_as_the_full_text_and_exact_errors() {
        let paths = referenced_paths("step 1 {{ inputs.a }}").expect("parses");
        assert_eq!(&*paths, ["inputs.a".to_string()]);
        let again = referenced_paths("step 2 {{ inputs.a }}").expect("parses");
        assert_eq!(paths, again);
        assert!(referenced_paths("line\n{{ inputs.a ").is_err());
    }
}
