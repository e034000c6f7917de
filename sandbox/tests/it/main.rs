//! The sandbox's HTTP tests in one test binary: each module is one area, `common` holds a
//! sandbox on 127.0.0.1:0 per test, a client and a webhook receiver.
mod auth;
mod common;
mod faults;
mod faults_rules;
mod idempotency;
mod orders;
mod ratelimit;
mod transport;
mod variants;
mod webhooks;
