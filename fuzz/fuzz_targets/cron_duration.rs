//! Arbitrary text as a cron expression (then the next fire times after fixed instants, in UTC
//! and in a zone with daylight saving) and as an ISO-8601 duration.
#![no_main]

use baton::spec::{Cron, Duration};
use chrono::TimeZone as _;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cron) = Cron::parse(&text) {
        let utc = chrono::Utc.timestamp_opt(1_711_846_800, 0).single();
        if let Some(after) = utc {
            if let Some(next) = cron.next_after(&after) {
                assert!(next > after);
            }
            let paris = after.with_timezone(&chrono_tz::Europe::Paris);
            if let Some(next) = cron.next_after(&paris) {
                assert!(next > paris);
            }
        }
    }
    if let Ok(duration) = Duration::parse(&text) {
        let _ = duration.as_std();
    }
});
