//! Arbitrary push-webhook requests: the body through `parse_push`, and body plus signature
//! header (split at the first NUL byte) through `verify_github` and `verify_gitlab`.
#![no_main]

use baton::source::webhook::{parse_push, verify_github, verify_gitlab};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"fuzz-secret";

fuzz_target!(|data: &[u8]| {
    let _ = parse_push(data);
    let (header, body) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    let header = String::from_utf8_lossy(header);
    // A forged signature must never verify.
    assert!(verify_github(SECRET, body, Some(&header)).is_err());
    let _ = verify_github(SECRET, body, None);
    let _ = verify_gitlab(SECRET, Some(&header));
});
