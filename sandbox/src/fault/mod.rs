//! Deliberate contract violations, each breaking one rule of `docs/contract-rules.md` the way a
//! real implementation gets it subtly wrong. The catalog (`catalog.rs`) is one table: variant,
//! command-line name, the rule id it breaks, and what it does.

use std::fmt;
use std::str::FromStr;

/// Declares the `Fault` enum and its tables from one list of rows.
macro_rules! faults {
    ($( $variant:ident = $name:literal, $rule:literal, $desc:literal; )*) => {
        /// One deliberate violation of the contract; everything else stays correct.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $($variant,)*
        }

        impl Fault {
            /// Every fault, in catalog order (grouped by area).
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            /// The kebab-case name used on the command line (`--fault NAME`).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Fault::$variant => $name,)*
                }
            }

            /// The id of the contract rule this fault breaks (`docs/contract-rules.md`).
            pub fn rule(&self) -> &'static str {
                match self {
                    $(Fault::$variant => $rule,)*
                }
            }

            /// One line saying what the fault does.
            pub fn description(&self) -> &'static str {
                match self {
                    $(Fault::$variant => $desc,)*
                }
            }
        }
    };
}

mod catalog;

pub use catalog::Fault;

/// Returned by `Fault::from_str` for a name that is not a fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{0}` (see `conform sandbox --fault list`)")]
pub struct UnknownFault(pub String);

impl Fault {
    /// All fault names, in `Fault::ALL` order.
    pub fn names() -> Vec<&'static str> {
        Fault::ALL.iter().map(Fault::name).collect()
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
            assert_eq!(f.to_string(), f.name());
            assert!(seen.insert(f.name()), "duplicate fault name {}", f.name());
            assert!(!f.description().is_empty());
        }
        assert!("no-such-fault".parse::<Fault>().is_err());
    }

    #[test]
    fn every_fault_names_a_rule_id() {
        for f in Fault::ALL {
            let rule = f.rule();
            assert!(
                !rule.is_empty()
                    && rule
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
                    && !rule.starts_with('-')
                    && !rule.ends_with('-'),
                "fault {}: rule id `{rule}` is not UPPER-KEBAB",
                f.name()
            );
        }
    }

    /// `docs/sandbox.md` lists every fault with its rule.
    #[test]
    fn faults_are_documented_with_their_rule() {
        let doc = include_str!("../../../docs/sandbox.md");
        for f in Fault::ALL {
            let cell = format!("| `{}` | `{}` |", f.name(), f.rule());
            assert!(
                doc.contains(&cell),
                "docs/sandbox.md has no row `{cell}` for fault {}",
                f.name()
            );
        }
    }

    /// Every rule id a fault names is a rule of `docs/contract-rules.md`.
    #[test]
    fn fault_rules_are_documented() {
        let doc = include_str!("../../../docs/contract-rules.md");
        for f in Fault::ALL {
            let cell = format!("| `{}` |", f.rule());
            assert!(
                doc.contains(&cell),
                "fault {}: rule `{}` has no row in docs/contract-rules.md",
                f.name(),
                f.rule()
            );
        }
    }
}
