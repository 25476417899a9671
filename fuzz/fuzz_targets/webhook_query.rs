//! Arbitrary query strings of execution webhooks -> `trigger::webhook::query_parameters` (what
//! becomes `trigger.parameters`), checked against an independent decoder written from the
//! WHATWG `application/x-www-form-urlencoded` parser: `+` is a space, `%` followed by two hex
//! digits is that byte, any other `%` is itself.
#![no_main]

use std::collections::BTreeMap;

use baton::trigger::webhook::query_parameters;
use libfuzzer_sys::fuzz_target;

fn reference_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'+' {
            out.push(b' ');
        } else if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
            i += 2;
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reference(query: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(reference_decode(k))
            .or_default()
            .push(reference_decode(v));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(query_parameters(query), reference(query), "query {query:?}");
});
