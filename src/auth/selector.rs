//! A step's `auth:` value.
use super::AuthError;
use std::fmt;
use std::str::FromStr;

/// Which credentials a request is sent with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum AuthSelector {
    /// No `auth:` on the step (or `auth: default`): the environment's default credentials.
    #[default]
    Default,
    /// `auth: none`: no credentials at all.
    None,
    /// `auth: <client>`: the named OAuth2 client's token.
    Named(String),
    /// `auth: invalid`: a random token no server can know.
    Invalid,
    /// `auth: expired`: a real token of the default client whose lifetime has passed.
    Expired,
}

impl FromStr for AuthSelector {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t {
            "" => Err(AuthError::Selector(s.to_string())),
            "default" => Ok(AuthSelector::Default),
            "none" => Ok(AuthSelector::None),
            "invalid" => Ok(AuthSelector::Invalid),
            "expired" => Ok(AuthSelector::Expired),
            name if name.chars().any(char::is_whitespace) => {
                Err(AuthError::Selector(name.to_string()))
            }
            name => Ok(AuthSelector::Named(name.to_string())),
        }
    }
}

impl fmt::Display for AuthSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthSelector::Default => f.write_str("default"),
            AuthSelector::None => f.write_str("none"),
            AuthSelector::Named(n) => f.write_str(n),
            AuthSelector::Invalid => f.write_str("invalid"),
            AuthSelector::Expired => f.write_str("expired"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keywords_and_client_names() {
        assert_eq!("none".parse::<AuthSelector>().unwrap(), AuthSelector::None);
        assert_eq!(
            "invalid".parse::<AuthSelector>().unwrap(),
            AuthSelector::Invalid
        );
        assert_eq!(
            " expired ".parse::<AuthSelector>().unwrap(),
            AuthSelector::Expired
        );
        assert_eq!(
            "default".parse::<AuthSelector>().unwrap(),
            AuthSelector::Default
        );
        assert_eq!(
            "readonly".parse::<AuthSelector>().unwrap(),
            AuthSelector::Named("readonly".into())
        );
        assert!("".parse::<AuthSelector>().is_err());
        assert!("two words".parse::<AuthSelector>().is_err());
    }
}
