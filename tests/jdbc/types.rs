//! The mapping of fetched PostgreSQL values to JSON, one column per type of the table in
//! `docs/jdbc.md`.

use serde_json::json;

use super::pg;

#[tokio::test]
async fn every_documented_type_maps_to_its_json() {
    let Some(pg) = pg("types_all").await else {
        return;
    };
    pg.exec("CREATE TYPE mood AS ENUM ('happy', 'sad')").await;
    let sql = r#"SELECT
        1::int2 AS i2, 2::int4 AS i4, 9007199254740993::int8 AS i8,
        12.50::numeric AS num, 123456789012345678901234567890.5::numeric AS big_num,
        'NaN'::numeric AS nan_num,
        1.5::float4 AS f4, 0.1::float8 AS f8, 'Infinity'::float8 AS inf,
        true AS yes, false AS no,
        'text'::text AS t, 'var'::varchar(5) AS vc, 'ab'::char(4) AS ch,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id,
        '2024-02-29'::date AS d, '13:45:30.25'::time AS tm,
        '2024-02-29 13:45:30.123456'::timestamp AS ts,
        '2024-02-29 13:45:30+02'::timestamptz AS tstz,
        '1 year 2 months 3 days 04:05:06.5'::interval AS iv,
        '{"a": [1, 2.5, null], "b": "c"}'::json AS js,
        '{"k": true}'::jsonb AS jsb,
        ARRAY[1, NULL, 3]::int4[] AS ints,
        ARRAY[['a b', 'c"d'], [NULL, 'e']]::text[] AS texts,
        ARRAY['2024-01-01 00:00:00+00']::timestamptz[] AS stamps,
        ARRAY['{"x":1}']::jsonb[] AS docs,
        '\x68656c6c6f'::bytea AS bin,
        NULL::int AS nothing,
        'happy'::mood AS custom,
        '192.168.0.1/24'::inet AS net,
        12.34::money AS cash"#;
    let rows = pg.rows(sql).await;
    let expected = json!({
        "i2": 1, "i4": 2, "i8": 9007199254740993i64,
        "num": 12.5, "big_num": "123456789012345678901234567890.5", "nan_num": "NaN",
        "f4": 1.5, "f8": 0.1, "inf": "Infinity",
        "yes": true, "no": false,
        "t": "text", "vc": "var", "ch": "ab  ",
        "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "d": "2024-02-29", "tm": "13:45:30.25",
        "ts": "2024-02-29T13:45:30.123456",
        "tstz": "2024-02-29T11:45:30+00:00",
        "iv": "P1Y2M3DT4H5M6.5S",
        "js": {"a": [1, 2.5, null], "b": "c"},
        "jsb": {"k": true},
        "ints": [1, null, 3],
        "texts": [["a b", "c\"d"], [null, "e"]],
        "stamps": ["2024-01-01T00:00:00+00:00"],
        "docs": [{"x": 1}],
        "bin": "aGVsbG8=",
        "nothing": null,
        "custom": "happy",
        "net": "192.168.0.1/24",
        "cash": "$12.34"
    });
    assert_eq!(rows, vec![expected]);
    pg.cleanup().await;
}

#[tokio::test]
async fn timestamptz_is_shown_in_the_time_zone_id() {
    let Some(pg) = pg("types_zone").await else {
        return;
    };
    let out = pg
        .run(
            "Query",
            json!({
                "sql": "SELECT '2024-07-01 12:00:00+00'::timestamptz AS summer, '2024-01-01 12:00:00+00'::timestamptz AS winter",
                "fetchType": "FETCH_ONE",
                "timeZoneId": "Europe/Paris"
            }),
        )
        .await;
    assert_eq!(
        out.ok(),
        Some(
            json!({"row": {"summer": "2024-07-01T14:00:00+02:00", "winter": "2024-01-01T13:00:00+01:00"}, "size": 1})
        )
    );
    let bad = pg
        .run(
            "Query",
            json!({"sql": "SELECT 1", "timeZoneId": "Mars/Olympus"}),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(bad.contains("timeZoneId"), "{bad}");
    pg.cleanup().await;
}
