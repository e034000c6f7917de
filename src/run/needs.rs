//! What an environment can offer a scenario, read from the resolved environment: the
//! [`TargetTraits`] the plan decides skips with.
use super::plan::TargetTraits;
use crate::config::{Environment, NameKind, ValueLookup};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Tokens this short-lived (or shorter) let a scenario wait for one to expire.
pub const SHORT_LIVED_TOKEN: Duration = Duration::from_secs(60);

/// The traits of `env`. `names` are the variable and test-data names of the whole
/// configuration ([`crate::config::Config::environment_names`]).
pub fn target_traits(
    env: &Environment,
    names: &BTreeMap<String, NameKind>,
    lookup: &ValueLookup,
) -> TargetTraits {
    let mut capabilities = env.capabilities.clone();
    // The embedded sandbox says how long its tokens live; a short lifetime is a capability.
    if env
        .embedded_sandbox
        .as_ref()
        .and_then(|e| e.token_ttl)
        .is_some_and(|t| t.0 <= SHORT_LIVED_TOKEN)
    {
        capabilities.insert("short_lived_tokens".to_string());
    }
    let mut unmet = BTreeMap::new();
    if capabilities.contains("webhooks") {
        if let Some(why) = webhooks_unmet(env, lookup) {
            unmet.insert("webhooks".to_string(), why);
        }
    }
    let clients = match env.auth.as_ref().and_then(|a| a.oauth2.as_ref()) {
        Some(o) => o.value.clients.keys().cloned().collect(),
        None => BTreeSet::from(["default".to_string()]),
    };
    TargetTraits {
        name: env.name.clone(),
        capabilities,
        unmet,
        production: env.production,
        clients,
        vars: env.vars.keys().cloned().collect(),
        unavailable: env.unavailable.clone(),
        test_data: names
            .iter()
            .filter(|(_, k)| **k == NameKind::TestData)
            .map(|(n, _)| n.clone())
            .collect(),
    }
}

/// Why the webhook receiver cannot be reached by the target, if it cannot: its public URL
/// cannot be read, or the target is remote and no public URL is configured (it would call
/// an address only this machine knows).
pub fn webhooks_unmet(env: &Environment, lookup: &ValueLookup) -> Option<String> {
    if let Some(p) = &env.webhooks.public_url {
        return lookup
            .resolve(&p.value)
            .err()
            .map(|e| format!("webhooks.public_url: {e}"));
    }
    if env.embedded_sandbox.is_some() || env.webhooks.secret.is_some() {
        return None;
    }
    let remote = env.base_url.as_ref().is_some_and(|u| match u.host() {
        Some(url::Host::Domain(d)) => d != "localhost",
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
        None => false,
    });
    remote.then(|| {
        "a remote target cannot reach the receiver without webhooks.public_url".to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn env(y: &str, name: &str) -> (Environment, BTreeMap<String, NameKind>) {
        let c = Config::parse(Path::new("c.yaml"), y).expect("parses");
        let e = c
            .environment(name, None, &ValueLookup::default())
            .expect("resolves");
        (e, c.environment_names())
    }

    #[test]
    fn remote_webhooks_need_a_public_url() {
        let y = "environments:\n  staging:\n    base_url: https://api-staging.example.com\n    capabilities: [webhooks]\n  near:\n    base_url: http://127.0.0.1:9\n    capabilities: [webhooks]\n  tunnel:\n    base_url: https://x.example.com\n    capabilities: [webhooks]\n    webhooks: {public_url: {env: CONFORM_TEST_UNSET_PUBLIC_URL}}\n";
        let (e, names) = env(y, "staging");
        let t = target_traits(&e, &names, &ValueLookup::default());
        assert_eq!(
            t.unmet.get("webhooks").map(String::as_str),
            Some("a remote target cannot reach the receiver without webhooks.public_url")
        );
        let (e, names) = env(y, "near");
        assert!(target_traits(&e, &names, &ValueLookup::default())
            .unmet
            .is_empty());
        let (e, names) = env(y, "tunnel");
        assert_eq!(
            target_traits(&e, &names, &ValueLookup::default())
                .unmet
                .get("webhooks")
                .map(String::as_str),
            Some("webhooks.public_url: environment variable CONFORM_TEST_UNSET_PUBLIC_URL is not set")
        );
    }

    #[test]
    fn short_token_lifetime_and_clients() {
        let y = "environments:\n  local:\n    embedded_sandbox: {token_ttl: 4s}\n    auth:\n      oauth2:\n        token_url: /oauth/token\n        clients:\n          default: {client_id: a, client_secret: {env: X}}\n          readonly: {client_id: b, client_secret: {env: Y}}\n    test_data: {declining_customer: CUST-DECLINE}\n  long:\n    embedded_sandbox: {token_ttl: 1h}\n";
        let (e, names) = env(y, "local");
        let t = target_traits(&e, &names, &ValueLookup::default());
        assert!(t.capabilities.contains("short_lived_tokens"));
        assert_eq!(
            t.clients,
            BTreeSet::from(["default".to_string(), "readonly".to_string()])
        );
        assert!(t.test_data.contains("declining_customer"));
        let (e, names) = env(y, "long");
        let t = target_traits(&e, &names, &ValueLookup::default());
        assert!(!t.capabilities.contains("short_lived_tokens"));
    }
}
