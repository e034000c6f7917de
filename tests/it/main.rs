//! conform's end-to-end tests, gathered into one test binary (one link of the dependency tree
//! instead of one per file). Each module is one area; `common` and `suite_support` hold the
//! shared helpers. Servers are per test on 127.0.0.1:0 and keep their own counters, so the
//! modules run safely at once in this one process. Run one area with
//! `cargo test --test it cli_run::` (a module path filter).
mod adversarial;
mod adversarial_receiver;
mod adversarial_support;
mod auth_mtls;
mod auth_oauth_server;
mod ci;
mod cli_auth_refresh;
mod cli_contract;
mod cli_interrupt;
mod cli_jobs;
mod cli_pacing;
mod cli_retry_429;
mod cli_run;
mod cli_secrets;
mod cli_shard;
mod cli_shard_contract;
mod cli_webhook_preregistered;
mod common;
mod contract_sandbox;
mod field_environments;
mod hostile_scenario_corpus;
mod hostile_targets;
mod module_graph;
mod parity;
mod proptest_inputs;
mod report_console;
mod report_formats;
mod report_html;
mod report_junitparser;
mod report_sample;
mod schemas;
mod session;
mod suite_clean;
mod suite_faults;
mod suite_support;
mod suite_variants;
mod third_party_api;
mod webhook_listen;
mod webhook_receiver;
mod webhook_sign_py;
mod webhook_steps;
mod webhook_tls;
mod webhook_vectors;
