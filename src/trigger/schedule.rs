//! Schedule arithmetic, pure: the ticks of a cron expression in a time zone between two
//! instants, and which of them to fire after downtime (`recoverMissedSchedules`).
//!
//! Ticks are computed in the schedule's zone (chrono-tz), so `0 2 * * *` in Europe/Paris means
//! 02:00 Paris time all year. On the spring-forward day 02:00-02:59 does not exist: the tick
//! fires once, at the first instant after the gap (Vixie cron does the same); on the fall-back
//! day 02:00-02:59 happens twice: the tick fires once, at its first occurrence.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::spec::Cron;
use crate::spec::trigger::{RecoverMissed, Schedule};

/// A tick older than this when the scheduler sees it was missed (downtime), not just late.
pub const LATE_GRACE: chrono::Duration = chrono::Duration::seconds(60);

/// The most ticks computed in one evaluation (a schedule every second down for a year would
/// otherwise allocate millions).
pub const MAX_TICKS: usize = 10_000;

/// A parsed schedule trigger.
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    pub cron: Cron,
    pub zone: Tz,
    pub recover: RecoverMissed,
}

impl ScheduleSpec {
    /// Parses the cron expression and the zone (default UTC); recovery defaults to `ALL`, as in
    /// Kestra.
    pub fn from_schedule(schedule: &Schedule) -> Result<ScheduleSpec, String> {
        let cron = Cron::parse(&schedule.cron).map_err(|e| e.to_string())?;
        let zone = match &schedule.timezone {
            Some(name) => name
                .parse::<Tz>()
                .map_err(|_| format!("unknown time zone `{name}`"))?,
            None => Tz::UTC,
        };
        Ok(ScheduleSpec {
            cron,
            zone,
            recover: schedule
                .recover_missed_schedules
                .unwrap_or(RecoverMissed::All),
        })
    }

    /// The first tick strictly after `after`.
    pub fn next_tick(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = self.zone.from_utc_datetime(&after.naive_utc());
        let next = self.cron.next_after(&local)?;
        Some(next.with_timezone(&Utc))
    }
}

/// Every tick in `(after, until]`, oldest first (at most [`MAX_TICKS`], keeping the newest).
pub fn due_ticks(
    spec: &ScheduleSpec,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut ticks = Vec::new();
    let mut cursor = after;
    while let Some(next) = spec.next_tick(cursor) {
        if next > until || next <= cursor {
            break;
        }
        ticks.push(next);
        if ticks.len() > MAX_TICKS {
            ticks.remove(0);
        }
        cursor = next;
    }
    ticks
}

/// The ticks to fire among `due` at `now`, by recovery policy: ticks within [`LATE_GRACE`] are
/// on time and always fire; of the missed ones, `ALL` fires every one, `LAST` the newest,
/// `NONE` none.
pub fn ticks_to_fire(
    due: &[DateTime<Utc>],
    now: DateTime<Utc>,
    recover: RecoverMissed,
) -> Vec<DateTime<Utc>> {
    let (missed, on_time): (Vec<_>, Vec<_>) = due.iter().partition(|t| **t < now - LATE_GRACE);
    let mut out: Vec<DateTime<Utc>> = match recover {
        RecoverMissed::All => missed,
        RecoverMissed::Last => missed.last().copied().into_iter().collect(),
        RecoverMissed::None => Vec::new(),
    };
    out.extend(on_time);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(cron: &str) -> ScheduleSpec {
        ScheduleSpec {
            cron: Cron::parse(cron).expect("cron"),
            zone: chrono_tz::Europe::Paris,
            recover: RecoverMissed::All,
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    #[test]
    fn spring_forward_gap_fires_once_after_the_gap() {
        // 2024-03-31: Paris jumps from 02:00 CET to 03:00 CEST; 02:30 does not exist.
        let ticks = due_ticks(
            &paris("30 2 * * *"),
            utc("2024-03-30T12:00:00Z"),
            utc("2024-04-01T12:00:00Z"),
        );
        // 03:00 CEST is 01:00 UTC: the first instant after the gap.
        assert_eq!(
            ticks,
            vec![utc("2024-03-31T01:00:00Z"), utc("2024-04-01T00:30:00Z")]
        );
    }

    #[test]
    fn fall_back_overlap_fires_once() {
        // 2024-10-27: Paris goes from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
        let ticks = due_ticks(
            &paris("30 2 * * *"),
            utc("2024-10-26T12:00:00Z"),
            utc("2024-10-28T12:00:00Z"),
        );
        assert_eq!(
            ticks,
            vec![utc("2024-10-27T00:30:00Z"), utc("2024-10-28T01:30:00Z")]
        );
    }

    #[test]
    fn recovery_policies_choose_missed_ticks() {
        let now = utc("2024-01-01T05:00:10Z");
        let due: Vec<_> = (1..=5)
            .map(|h| utc(&format!("2024-01-01T0{h}:00:00Z")))
            .collect();
        assert_eq!(ticks_to_fire(&due, now, RecoverMissed::All).len(), 5);
        assert_eq!(
            ticks_to_fire(&due, now, RecoverMissed::Last),
            vec![utc("2024-01-01T04:00:00Z"), utc("2024-01-01T05:00:00Z")]
        );
        assert_eq!(
            ticks_to_fire(&due, now, RecoverMissed::None),
            vec![utc("2024-01-01T05:00:00Z")]
        );
    }
}
