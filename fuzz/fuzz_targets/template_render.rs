//! Arbitrary expressions parsed by `check_syntax` and rendered against a fixed context with
//! the default sandbox limits: errors are fine, panics, hangs and runaway output are not.
#![no_main]

use std::sync::{Arc, OnceLock};

use baton::template::{EnvServices, RenderContext, Renderer, check_syntax};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fn fixture() -> &'static (Renderer, RenderContext) {
    static FIXTURE: OnceLock<(Renderer, RenderContext)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let vars = json!({
            "flow": {"id": "hello", "namespace": "company.team"},
            "execution": {"id": "exec1", "startDate": "2024-01-02T03:04:05.678Z"},
            "inputs": {"name": "World", "count": 3, "list": [3, 1, 2], "map": {"b": 2, "a": 1},
                       "json": "{\"k\": [1, 2]}", "nothing": null},
            "outputs": {"my-task": {"value": "dash"}, "first": {"value": 42}},
            "vars": {"greeting": "Hello {{ inputs.name }}", "loop": "{{ render(vars.loop) }}"},
            "labels": {"team": "data"},
            "envs": {}
        });
        (
            Renderer::new(),
            RenderContext::new(vars, Arc::new(EnvServices)),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(template) = std::str::from_utf8(data) else {
        return;
    };
    let _ = check_syntax(template);
    let (renderer, context) = fixture();
    if let Ok(output) = renderer.render_str(template, context) {
        assert!(output.len() <= renderer.limits().max_output_bytes);
    }
});
