//! Arbitrary bytes through the YAML loader, then (when they are text) through the whole
//! single-file validator: neither may panic, hang or allocate without bound.
#![no_main]

use baton::load::{self, Limits};
use baton::validate::{NamespaceContext, validate_flow_source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = load::parse_document(data, &Limits::default());
    if let Ok(text) = std::str::from_utf8(data) {
        let context = NamespaceContext::default();
        let _ = validate_flow_source("flows/company/team/fuzz.yaml", text, &context);
    }
});
