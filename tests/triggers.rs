//! Triggers: schedules against an injected clock (DST in Europe/Paris, recovery of missed
//! ticks, no double fire with two schedulers on one database), webhook triggers and flow
//! triggers on the real daemon, and the kestra-compat flow-trigger and webhook flows.
