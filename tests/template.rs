//! Kestra-compatible templating: functions, filters, Pebble operators, strict variables,
//! references for the validator, secrets and masking, sandbox limits, typed rendering.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use baton::template::{
    EnvServices, Limits, RenderContext, Renderer, TemplateError, TemplateServices, check_syntax,
    mask,
};
use chrono::TimeZone as _;
use serde_json::{Value, json};

/// Services with a pinned clock, an in-memory KV store and clear-text secrets.
struct PinnedServices {
    secrets: BTreeMap<String, String>,
    kv: BTreeMap<String, Value>,
}

impl TemplateServices for PinnedServices {
    fn secret(&self, _namespace: &str, key: &str) -> Result<String, String> {
        self.secrets
            .get(key)
            .cloned()
            .ok_or_else(|| format!("no secret {key}"))
    }
    fn kv(&self, namespace: &str, key: &str) -> Result<Option<Value>, String> {
        Ok(self.kv.get(&format!("{namespace}/{key}")).cloned())
    }
    fn read_file(&self, uri: &str) -> Result<String, String> {
        std::fs::read_to_string(uri.trim_start_matches("file://")).map_err(|e| e.to_string())
    }
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc
            .with_ymd_and_hms(2024, 3, 15, 10, 30, 45)
            .single()
            .expect("valid date")
    }
}

fn vars() -> Value {
    json!({
        "flow": {"id": "hello", "namespace": "company.team"},
        "execution": {"id": "exec1", "startDate": "2024-01-02T03:04:05.678Z"},
        "inputs": {"name": "World", "count": 3, "empty": "", "nothing": null,
                   "list": [3, 1, 2, 1], "map": {"b": 2, "a": 1}, "json": "{\"k\": [1, 2]}"},
        "outputs": {"my-task": {"value": "dash"}, "first": {"value": 42, "uri": "kestra://x"}},
        "vars": {"greeting": "Hello {{ inputs.name }}", "x": "y"},
        "labels": {"team": "data"}
    })
}

fn ctx() -> RenderContext {
    let services = PinnedServices {
        secrets: BTreeMap::from([("API_KEY".to_string(), "s3cr3t-value".to_string())]),
        kv: BTreeMap::from([("company.team/threshold".to_string(), json!(10))]),
    };
    RenderContext::new(vars(), Arc::new(services))
}

fn render(template: &str) -> String {
    Renderer::new()
        .render_str(template, &ctx())
        .unwrap_or_else(|e| panic!("{template}: {e}"))
}

fn render_err(template: &str) -> TemplateError {
    match Renderer::new().render_str(template, &ctx()) {
        Ok(out) => panic!("{template} should fail, rendered {out:?}"),
        Err(e) => e,
    }
}

#[test]
fn plain_strings_are_returned_as_is() {
    assert_eq!(
        render("no template here {# not a comment"),
        "no template here {# not a comment"
    );
    assert_eq!(render("echo ${#arr[@]}"), "echo ${#arr[@]}");
}

#[test]
fn variables_and_concatenation() {
    assert_eq!(render("Hello {{ inputs.name }}!"), "Hello World!");
    assert_eq!(
        render("{{ flow.namespace ~ '.' ~ flow.id }}"),
        "company.team.hello"
    );
    assert_eq!(render("{{ outputs['my-task'].value }}"), "dash");
    assert_eq!(render("{{ inputs.count + 2 }}"), "5");
    assert_eq!(
        render("{% for i in inputs.list %}{{ i }}{% endfor %}"),
        "3121"
    );
    // Pebble's loop.index starts at 0.
    assert_eq!(
        render("{% for i in inputs.list %}{{ loop.index }}{% endfor %}"),
        "0123"
    );
    assert_eq!(
        render("{{ true }}/{{ inputs.nothing }}/{{ [1] is empty }}"),
        "true//false"
    );
}

#[test]
fn null_coalescing_operator() {
    assert_eq!(render("{{ inputs.missing ?? 'fallback' }}"), "fallback");
    assert_eq!(render("{{ inputs.nothing ?? 'was null' }}"), "was null");
    assert_eq!(render("{{ inputs.name ?? 'unused' }}"), "World");
    assert_eq!(render("{{ outputs.absent.value ?? 'deep' }}"), "deep");
    assert_eq!(render("{{ nope ?? inputs.missing ?? 'third' }}"), "third");
    assert_eq!(
        render("{{ outputs['none'].value ?? outputs['my-task'].value }}"),
        "dash"
    );
    assert_eq!(render("{{ (inputs.missing ?? 'a') | upper }}"), "A");
    assert_eq!(
        render("{{ inputs.missing ?? kv('absent', errorOnMissing=false) ?? 'x' }}"),
        "x"
    );
}

#[test]
fn null_coalescing_leaves_strings_alone() {
    assert_eq!(render("{{ 'what ?? now' }}"), "what ?? now");
    assert_eq!(
        render("{{ \"a ? b : c\" ~ (inputs.missing ?? '!') }}"),
        "a ? b : c!"
    );
    assert_eq!(
        render("text ?? outside {{ inputs.name }}"),
        "text ?? outside World"
    );
}

#[test]
fn undefined_coalescing_operator_keeps_null() {
    assert_eq!(render("{{ inputs.missing ??? 'undef' }}"), "undef");
    assert_eq!(render("{{ (inputs.nothing ??? 'undef') is none }}"), "true");
}

#[test]
fn ternary_operator() {
    assert_eq!(render("{{ inputs.count > 2 ? 'big' : 'small' }}"), "big");
    assert_eq!(
        render("{{ inputs.count > 5 ? 'big' : inputs.count > 2 ? 'mid' : 'small' }}"),
        "mid"
    );
    assert_eq!(
        render("{{ upper(inputs.count == 3 ? 'y' : 'n') if false else 'ok' }}"),
        "ok"
    );
    assert_eq!(
        render("{% set v = inputs.count == 3 ? 'three' : 'other' %}{{ v }}"),
        "three"
    );
    assert_eq!(
        render("{{ [inputs.count == 3 ? 1 : 2, 9] | join(',') }}"),
        "1,9"
    );
}

#[test]
fn pebble_operators_contains_null_and_tests() {
    assert_eq!(render("{{ inputs.list contains 2 }}"), "true");
    assert_eq!(render("{{ inputs.name contains 'orl' }}"), "true");
    assert_eq!(render("{{ inputs.map contains 'z' }}"), "false");
    assert_eq!(render("{{ inputs.nothing == null }}"), "true");
    assert_eq!(render("{{ inputs.nothing is null }}"), "true");
    assert_eq!(render("{{ inputs.missing is defined }}"), "false");
    assert_eq!(render("{{ outputs.nope.value is defined }}"), "false");
    assert_eq!(render("{{ outputs.first.value is not defined }}"), "false");
    assert_eq!(render("{{ inputs.empty is empty }}"), "true");
    assert_eq!(render("{{ inputs.list is empty }}"), "false");
    assert_eq!(
        render("{% if inputs.count >= 3 and not (inputs.name == 'x') %}yes{% endif %}"),
        "yes"
    );
}

#[test]
fn strict_undefined_names_the_variable_and_line() {
    match render_err("line one\n{{ inputs.unknown }}") {
        TemplateError::Undefined {
            name,
            line,
            template,
        } => {
            assert_eq!(name, "inputs.unknown");
            assert_eq!(line, Some(2));
            assert_eq!(template, "line one\n{{ inputs.unknown }}");
        }
        other => panic!("expected Undefined, got {other:?}"),
    }
    let message = render_err("{{ foo }}").to_string();
    assert!(
        message.contains("Unable to find `foo` used in the expression"),
        "{message}"
    );
    assert!(
        matches!(render_err("{{ outputs.nope.value }}"), TemplateError::Undefined { name, .. } if name == "outputs.nope.value")
    );
    assert!(matches!(
        render_err("{% if missing %}x{% endif %}"),
        TemplateError::Undefined { .. }
    ));
}

#[test]
fn default_filter_follows_pebble() {
    assert_eq!(render("{{ inputs.missing | default('d') }}"), "d");
    assert_eq!(render("{{ outputs.nope.value | default('deep') }}"), "deep");
    assert_eq!(
        render("{{ inputs.empty | default('was empty') }}"),
        "was empty"
    );
    assert_eq!(
        render("{{ inputs.nothing | default('was null') }}"),
        "was null"
    );
    assert_eq!(render("{{ inputs.name | default('x') }}"), "World");
    assert_eq!(render("{{ inputs.name | lower | default('x') }}"), "world");
}

#[test]
fn kestra_functions() {
    assert_eq!(render("{{ now() }}"), "2024-03-15T10:30:45.000000Z");
    assert_eq!(
        render("{{ now(timeZone='Europe/Paris') }}"),
        "2024-03-15T11:30:45.000000+01:00"
    );
    assert_eq!(render("{{ render(vars.greeting) }}"), "Hello World");
    assert_eq!(render("{{ fromJson(inputs.json).k[1] }}"), "2");
    assert_eq!(render("{{ json('[1,2,3]') | length }}"), "3");
    assert_eq!(render("{{ kv('threshold') + 1 }}"), "11");
    assert_eq!(
        render("{{ kv('absent', errorOnMissing=false) is none }}"),
        "true"
    );
    assert!(
        render_err("{{ kv('absent') }}")
            .to_string()
            .contains("absent")
    );
    assert_eq!(
        render("{% for i in range(1, 3) %}{{ i }}{% endfor %}"),
        "123"
    );
    assert_eq!(
        render("{{ range(0, 10, 5) | join(',') }}/{{ range(3) | join }}"),
        "0,5,10/012"
    );
    assert_eq!(render("{{ max(1, 7, 3) }} {{ min(inputs.list) }}"), "7 1");
    let id = render("{{ uuid() }}");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    for _ in 0..20 {
        let n: i64 = render("{{ randomInt(1, 4) }}").parse().expect("an integer");
        assert!((1..4).contains(&n));
    }
}

#[test]
fn read_function_uses_services() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("data.txt");
    std::fs::write(&file, "file content").expect("write");
    let template = format!("{{{{ read('file://{}') | upper }}}}", file.display());
    assert_eq!(render(&template), "FILE CONTENT");
}

#[test]
fn date_filters() {
    assert_eq!(
        render("{{ execution.startDate | date('yyyy-MM-dd') }}"),
        "2024-01-02"
    );
    assert_eq!(
        render("{{ execution.startDate | date('HH:mm:ss.SSS') }}"),
        "03:04:05.678"
    );
    assert_eq!(
        render("{{ execution.startDate | date(\"yyyy-MM-dd'T'HH:mm:ssXXX\") }}"),
        "2024-01-02T03:04:05Z"
    );
    assert_eq!(
        render(
            "{{ execution.startDate | date('yyyy-MM-dd HH:mm z', timeZone='America/New_York') }}"
        ),
        "2024-01-01 22:04 EST"
    );
    assert_eq!(
        render("{{ execution.startDate | date('iso') }}"),
        "2024-01-02T03:04:05.678000Z"
    );
    assert_eq!(
        render("{{ execution.startDate | date('EEEE d MMMM yy') }}"),
        "Tuesday 2 January 24"
    );
    assert_eq!(
        render("{{ '2024-12-25' | date('dd/MM/yyyy') }}"),
        "25/12/2024"
    );
    assert_eq!(
        render("{{ '25/12/2024' | date('yyyy-MM-dd', existingFormat='dd/MM/yyyy') }}"),
        "2024-12-25"
    );
    assert_eq!(
        render("{{ now() | dateAdd(-1, 'DAYS') | date('yyyy-MM-dd') }}"),
        "2024-03-14"
    );
    assert_eq!(
        render("{{ '2024-01-31T00:00:00Z' | dateAdd(1, 'MONTHS') }}"),
        "2024-02-29T00:00:00Z"
    );
    assert_eq!(
        render("{{ '2024-01-01T00:00:00Z' | dateAdd(90, 'MINUTES') }}"),
        "2024-01-01T01:30:00Z"
    );
    assert_eq!(
        render("{{ '2024-01-01T00:00:00Z' | timestamp }}"),
        "1704067200"
    );
    assert_eq!(
        render("{{ execution.startDate | timestampMilli }}"),
        "1704164645678"
    );
    assert_eq!(render("{{ 1704067200 | date('yyyy') }}"), "2024");
}

#[test]
fn string_filters() {
    assert_eq!(
        render("{{ 'Hello' | upper }} {{ 'Hello' | lower }}"),
        "HELLO hello"
    );
    assert_eq!(
        render("{{ 'hello world' | title }}|{{ 'hello' | capitalize }}"),
        "Hello World|Hello"
    );
    assert_eq!(render("{{ '  pad  ' | trim }}"), "pad");
    assert_eq!(
        render("{{ 'a-b-c' | replace({'-': '+', 'a': 'A'}) }}"),
        "A+b+c"
    );
    assert_eq!(render("{{ 'a-b-c' | replace('-', '') }}"), "abc");
    assert_eq!(render("{{ 'a,b,c' | split(',') | last }}"), "c");
    assert_eq!(render("{{ 'a,b,c' | split(',', 2) | last }}"), "b,c");
    assert_eq!(
        render("{{ 'Hello World! 2024' | slugify }}"),
        "hello-world-2024"
    );
    assert_eq!(
        render("{{ 'kestra.io' | startsWith('kes') }} {{ 'kestra.io' | endsWith('.io') }}"),
        "true true"
    );
    assert_eq!(render("{{ 'a.b.c' | substringBefore('.') }}"), "a");
    assert_eq!(render("{{ 'a.b.c' | substringAfter('.') }}"), "b.c");
    assert_eq!(render("{{ 'a.b.c' | substringBeforeLast('.') }}"), "a.b");
    assert_eq!(render("{{ 'a.b.c' | substringAfterLast('.') }}"), "c");
    assert_eq!(render("{{ '12' | number + 1 }}"), "13");
    assert_eq!(render("{{ '1.5' | number * 2 }}"), "3.0");
    assert_eq!(render("{{ '7' | number('FLOAT') }}"), "7.0");
    assert_eq!(render("{{ 'hello' | length }}"), "5");
    assert_eq!(render("{{ 'abc' | first }}{{ 'abc' | last }}"), "ac");
    assert_eq!(render("{{ 'a b&c' | urlencode }}"), "a%20b%26c");
    assert_eq!(render("{{ 'a%20b%26c' | urldecode }}"), "a b&c");
    assert_eq!(render("{{ -3 | abs }}"), "3");
    assert_eq!(render("{{ 'abcdefghij' | abbreviate(6) }}"), "abc...");
}

#[test]
fn encoding_filters() {
    assert_eq!(
        render("{{ 'hello' | sha1 }}"),
        "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    );
    assert_eq!(
        render("{{ 'hello' | sha256 }}"),
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(
        render("{{ 'hello' | md5 }}"),
        "5d41402abc4b2a76b9719d911017c592"
    );
    assert_eq!(render("{{ 'hello' | base64encode }}"), "aGVsbG8=");
    assert_eq!(render("{{ 'aGVsbG8=' | base64decode }}"), "hello");
    assert_eq!(render("{{ inputs.map | toJson }}"), r#"{"b":2,"a":1}"#);
    assert_eq!(render("{{ 'x' | toJson }}"), r#""x""#);
    assert_eq!(render("{{ (inputs.json | json).k[0] }}"), "1");
    assert_eq!(
        render("{{ {'a': 1, 'b': [1, 'x y']} | yaml }}"),
        "a: 1\nb:\n  - 1\n  - x y"
    );
}

#[test]
fn collection_filters() {
    assert_eq!(render("{{ inputs.map | keys | join(',') }}"), "b,a");
    assert_eq!(render("{{ inputs.map | values | join(',') }}"), "2,1");
    assert_eq!(
        render("{{ inputs.list | first }}-{{ inputs.list | last }}"),
        "3-1"
    );
    assert_eq!(render("{{ inputs.list | length }}"), "4");
    assert_eq!(render("{{ inputs.list | join }}"), "3121");
    assert_eq!(render("{{ inputs.list | join(', ') }}"), "3, 1, 2, 1");
    assert_eq!(render("{{ inputs.list | sort | join }}"), "1123");
    assert_eq!(render("{{ inputs.list | reverse | join }}"), "1213");
    assert_eq!(render("{{ inputs.list | distinct | join }}"), "312");
    assert_eq!(
        render("{{ inputs.list | chunk(3) | toJson }}"),
        "[[3,1,2],[1]]"
    );
    assert_eq!(render("{{ [1, 2] | merge([3]) | toJson }}"), "[1,2,3]");
    assert_eq!(
        render("{{ inputs.map | merge({'c': 3}) | toJson }}"),
        r#"{"b":2,"a":1,"c":3}"#
    );
}

#[test]
fn jq_filter_paths() {
    assert_eq!(render("{{ inputs.map | jq('.a') | first }}"), "1");
    assert_eq!(render("{{ inputs.json | jq('.k[1]') | first }}"), "2");
    assert_eq!(render("{{ inputs.json | jq('.k[]') }}"), "[1,2]");
    assert_eq!(
        render("{{ outputs | jq('.[\"my-task\"].value') }}"),
        r#"["dash"]"#
    );
    assert_eq!(render("{{ inputs.map | jq('.missing') }}"), "[null]");
    assert!(
        render_err("{{ inputs.map | jq('.a | length') }}")
            .to_string()
            .contains("jq")
    );
}

#[test]
fn render_value_renders_keys_and_nested_strings() {
    let value = json!({"{{ inputs.name }}": ["{{ inputs.count }}", 5, true, null], "n": {"deep": "{{ flow.id }}"}});
    let rendered = Renderer::new()
        .render_value(&value, &ctx())
        .expect("renders");
    assert_eq!(
        rendered,
        json!({"World": ["3", 5, true, null], "n": {"deep": "hello"}})
    );
}

#[test]
fn render_typed_returns_json_values() {
    let r = Renderer::new();
    let c = ctx();
    assert_eq!(
        r.render_typed("{{ inputs.list }}", &c).expect("list"),
        json!([3, 1, 2, 1])
    );
    assert_eq!(
        r.render_typed(" {{ inputs.map }} ", &c).expect("map"),
        json!({"b": 2, "a": 1})
    );
    assert_eq!(
        r.render_typed("{{ inputs.count * 2 }}", &c)
            .expect("number"),
        json!(6)
    );
    assert_eq!(
        r.render_typed("{{ inputs.count > 2 }}", &c).expect("bool"),
        json!(true)
    );
    assert_eq!(
        r.render_typed("{{ inputs.nothing }}", &c).expect("null"),
        json!(null)
    );
    assert_eq!(
        r.render_typed("{{ inputs.missing ?? [1] }}", &c)
            .expect("coalesced"),
        json!([1])
    );
    assert_eq!(
        r.render_typed("{{ fromJson('{\"a\": {\"b\": 1}}') }}", &c)
            .expect("json"),
        json!({"a": {"b": 1}})
    );
    assert_eq!(
        r.render_typed("n={{ inputs.count }}", &c).expect("text"),
        json!("n=3")
    );
    assert_eq!(
        r.render_typed("{{ 1 }}{{ 2 }}", &c).expect("two exprs"),
        json!("12")
    );
    assert_eq!(
        r.render_typed("[1, 2]", &c).expect("plain"),
        json!("[1, 2]")
    );
    assert!(matches!(
        r.render_typed("{{ inputs.missing }}", &c),
        Err(TemplateError::Undefined { .. })
    ));
}

#[test]
fn check_syntax_reports_references() {
    let refs = check_syntax(
        "{{ inputs.name }} {{ outputs.first.value | upper }} {{ vars.x ~ outputs['my-task'].value }}",
    )
    .expect("valid");
    assert_eq!(
        refs,
        vec![
            "inputs.name",
            "outputs.first.value",
            "vars.x",
            "outputs.my-task.value"
        ]
    );
    let refs = check_syntax(
        "{% for item in inputs.list %}{{ item.id }}{{ loop.index }}{% endfor %}{{ secret('X') }}{{ outputs[\"a b\"][0] ?? null }}",
    )
    .expect("valid");
    assert_eq!(refs, vec!["inputs.list", "outputs.a b.0"]);
    assert_eq!(
        check_syntax("plain text").expect("valid"),
        Vec::<String>::new()
    );
    assert_eq!(
        check_syntax("{{ taskrun.value | date('yyyy', timeZone=tz) }}").expect("valid"),
        vec!["taskrun.value", "tz"]
    );
}

#[test]
fn check_syntax_reports_errors_with_line() {
    match check_syntax("ok\nstill ok\n{{ inputs.name | }}") {
        Err(TemplateError::Syntax { line, .. }) => assert_eq!(line, Some(3)),
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(matches!(
        check_syntax("{% if x %}no end"),
        Err(TemplateError::Syntax { .. })
    ));
    assert!(matches!(
        Renderer::new().render_str("{{ 1 + }}", &ctx()),
        Err(TemplateError::Syntax { line: Some(1), .. })
    ));
}

#[test]
fn secrets_are_decoded_recorded_and_masked() {
    // SAFETY: the variable name is unique to this test; no other test reads or writes it.
    unsafe { std::env::set_var("SECRET_BATON_TEMPLATE_TEST", "c3VwZXI=\n") };
    let c = RenderContext::new(vars(), Arc::new(EnvServices));
    let out = Renderer::new()
        .render_str("token={{ secret('BATON_TEMPLATE_TEST') }}", &c)
        .expect("secret renders");
    assert_eq!(out, "token=super");
    assert_eq!(c.secrets_used(), BTreeSet::from(["super".to_string()]));
    assert_eq!(
        mask("log: token=super and super again", &c.secrets_used()),
        "log: token=****** and ****** again"
    );
    let missing = Renderer::new().render_str("{{ secret('BATON_NO_SUCH_SECRET') }}", &c);
    assert!(
        matches!(missing, Err(TemplateError::Render { .. })),
        "{missing:?}"
    );
    assert!(Renderer::new().render_str("{{ kv('k') }}", &c).is_err());
}

#[test]
fn errors_never_show_secret_values() {
    let err = Renderer::new()
        .render_str("{{ secret('API_KEY') | number }}", &ctx())
        .expect_err("not a number");
    let message = err.to_string();
    assert!(!message.contains("s3cr3t-value"), "{message}");
    assert!(message.contains("******"), "{message}");
}

#[test]
fn mask_hides_longer_secrets_first() {
    let secrets = BTreeSet::from(["abc".to_string(), "abcdef".to_string(), String::new()]);
    assert_eq!(mask("x abcdef y abc", &secrets), "x ****** y ******");
}

#[test]
fn infinite_work_is_stopped() {
    let err = render_err(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    );
    assert!(matches!(err, TemplateError::OutOfFuel { .. }), "{err:?}");
    let err = render_err("{% for i in range(1000000000) %}{% endfor %}");
    assert!(err.to_string().contains("range"), "{err}");
    let err = render_err(
        "{% set ns = namespace(n=0) %}{% for i in range(999999) %}{% set ns.n = ns.n + i %}{% endfor %}",
    );
    assert!(matches!(err, TemplateError::OutOfFuel { .. }), "{err:?}");
}

#[test]
fn huge_output_is_rejected() {
    let r = Renderer::with_limits(Limits {
        max_output_bytes: 1000,
        ..Limits::default()
    });
    let err = r
        .render_str("{{ 'x' * 5000 }}", &ctx())
        .expect_err("too large");
    assert!(
        matches!(err, TemplateError::OutputTooLarge { limit: 1000, .. }),
        "{err:?}"
    );
    let err = r
        .render_str("{% for i in range(5000) %}ab{% endfor %}", &ctx())
        .expect_err("too large");
    assert!(
        matches!(err, TemplateError::OutputTooLarge { .. }),
        "{err:?}"
    );
}

#[test]
fn recursive_render_is_bounded() {
    let v = json!({"vars": {"loop": "{{ render(vars.loop) }}"}});
    let c = RenderContext::new(v, Arc::new(EnvServices));
    let err = Renderer::new()
        .render_str("{{ render(vars.loop) }}", &c)
        .expect_err("bounded");
    assert!(
        matches!(err, TemplateError::RecursionLimit { .. }),
        "{err:?}"
    );
}

#[test]
fn includes_cannot_reach_files() {
    let err = render_err("{% include '/etc/passwd' %}");
    assert!(err.to_string().contains("include"), "{err}");
}

#[test]
fn rendering_many_templates_is_fast_enough() {
    let r = Renderer::new();
    let c = ctx();
    let started = std::time::Instant::now();
    for i in 0..2000 {
        let out = r
            .render_str(
                "{{ inputs.name }}-{{ outputs['my-task'].value ?? 'x' }}",
                &c,
            )
            .expect("renders");
        assert_eq!(out, "World-dash", "iteration {i}");
    }
    eprintln!("2000 renders took {:?}", started.elapsed());
}

proptest::proptest! {
    /// Whatever a user writes, parsing and rendering return a result, never panic.
    #[test]
    fn arbitrary_templates_never_panic(
        source in "[a-z{}%#()\\[\\]'\"?:.|=, -]{0,40}",
    ) {
        let _ = check_syntax(&source);
        let _ = Renderer::new().render_str(&source, &ctx());
        let _ = Renderer::new().render_typed(&source, &ctx());
    }

    /// Text without template code comes back byte for byte.
    #[test]
    fn text_without_code_is_unchanged(text in "[^{]{0,60}") {
        proptest::prop_assert_eq!(Renderer::new().render_str(&text, &ctx()).ok(), Some(text));
    }
}
