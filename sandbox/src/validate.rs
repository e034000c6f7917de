//! Validation of `POST /api/v1/orders` bodies (contract §4): every failure, with its path.

use serde_json::{Map, Value};

use crate::error::Detail;
use crate::fault::Fault;
use crate::state::Address;

/// Which faults are on (`|_| false`: none).
pub type Faults<'a> = &'a dyn Fn(Fault) -> bool;

/// A validated order request.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    pub customer_id: String,
    pub items: Vec<NewItem>,
    pub shipping_address: Option<Address>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub product_id: String,
    pub quantity: u32,
    /// `None`: the catalog price.
    pub unit_price_cents: Option<i64>,
}

/// Assigned ISO 3166-1 alpha-2 codes.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI \
BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ \
GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN \
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS \
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT \
PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF \
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split_ascii_whitespace().any(|c| c == code)
}

pub fn is_postal_code(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => digits(b),
        10 => digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]),
        _ => false,
    }
}

pub fn is_customer_id(s: &str) -> bool {
    let n = s.chars().count();
    (1..=50).contains(&n) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Checks `body`. `product_exists` answers whether a product id is in the catalog; `has`
/// which faults bend the rules.
pub fn validate_order(
    body: &Value,
    product_exists: impl Fn(&str) -> bool,
    has: Faults<'_>,
) -> Result<NewOrder, Vec<Detail>> {
    let mut errs = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(vec![Detail::new("body", "must be a JSON object")]);
    };
    // `null` counting as absent: the `null-as-absent` fault.
    let get = |o: &'_ Map<String, Value>, k: &str| -> Option<Value> {
        match o.get(k) {
            Some(Value::Null) if has(Fault::NullAsAbsent) => None,
            other => other.cloned(),
        }
    };

    let customer_id = match obj.get("customer_id") {
        None => {
            errs.push(Detail::new("customer_id", "is required"));
            None
        }
        Some(Value::String(s)) if customer_id_ok(s, has) => Some(s.clone()),
        Some(Value::String(_)) => {
            errs.push(Detail::new(
                "customer_id",
                "must be 1-50 characters of letters, digits and '-'",
            ));
            None
        }
        Some(_) => {
            errs.push(Detail::new("customer_id", "must be a string"));
            None
        }
    };

    let mut items = Vec::new();
    match obj.get("items") {
        None => errs.push(Detail::new("items", "is required")),
        Some(Value::Array(list)) => {
            let max = if has(Fault::ItemsMax99) {
                99
            } else if has(Fault::ItemsLimitNotEnforced) {
                usize::MAX
            } else {
                100
            };
            if list.is_empty() || list.len() > max {
                errs.push(Detail::new("items", "must contain between 1 and 100 items"));
            }
            for (i, item) in list.iter().enumerate() {
                if let Some(it) = validate_item(i, item, &product_exists, has, &mut errs) {
                    items.push(it);
                }
            }
        }
        Some(_) => errs.push(Detail::new("items", "must be an array")),
    }

    let shipping_address = match get(obj, "shipping_address") {
        None if has(Fault::AddressRequired) => {
            errs.push(Detail::new("shipping_address", "is required"));
            None
        }
        None => None,
        Some(Value::Object(a)) => validate_address(&a, has, &mut errs),
        Some(_) => {
            errs.push(Detail::new("shipping_address", "must be an object"));
            None
        }
    };

    match customer_id {
        Some(customer_id) if errs.is_empty() => Ok(NewOrder {
            customer_id,
            items,
            shipping_address,
        }),
        _ => Err(errs),
    }
}

fn customer_id_ok(s: &str, has: Faults<'_>) -> bool {
    if !has(Fault::CustomerIdMax49) && !has(Fault::CustomerIdUnderscore) {
        return is_customer_id(s);
    }
    let n = s.chars().count();
    let max = if has(Fault::CustomerIdMax49) { 49 } else { 50 };
    let extra = |c: char| has(Fault::CustomerIdUnderscore) && (c == '_' || c == '.');
    (1..=max).contains(&n)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || extra(c))
}

fn validate_item(
    i: usize,
    item: &Value,
    product_exists: &impl Fn(&str) -> bool,
    has: Faults<'_>,
    errs: &mut Vec<Detail>,
) -> Option<NewItem> {
    let Some(obj) = item.as_object() else {
        errs.push(Detail::new(format!("items[{i}]"), "must be an object"));
        return None;
    };
    let before = errs.len();
    let field = |name: &str| format!("items[{i}].{name}");

    let product_id = match obj.get("product_id").cloned().map(|v| match v {
        Value::Number(n) if has(Fault::ProductIdNumber) => Value::String(n.to_string()),
        other => other,
    }) {
        None => {
            errs.push(Detail::new(field("product_id"), "is required"));
            None
        }
        Some(Value::String(s)) if s.is_empty() => {
            errs.push(Detail::new(field("product_id"), "must not be empty"));
            None
        }
        Some(Value::String(s)) if !product_exists(&s) && !has(Fault::UnknownProduct409) => {
            errs.push(Detail::new(field("product_id"), "unknown product"));
            None
        }
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            errs.push(Detail::new(field("product_id"), "must be a string"));
            None
        }
    };

    let quantity = match obj.get("quantity") {
        None => {
            errs.push(Detail::new(field("quantity"), "is required"));
            None
        }
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => match n.as_i64() {
            Some(q) if (1..=max_quantity(has)).contains(&q) => u32::try_from(q).ok(),
            _ => {
                errs.push(Detail::new(field("quantity"), "Must be between 1 and 999"));
                None
            }
        },
        Some(_) => {
            errs.push(Detail::new(field("quantity"), "must be an integer"));
            None
        }
    };

    let unit_price = match obj.get("unit_price") {
        Some(Value::Null) if has(Fault::NullAsAbsent) => None,
        other => other,
    };
    let unit_price_cents = match unit_price {
        None => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(p) if p < 0.0 && !has(Fault::UnitPriceNegative) => {
                errs.push(Detail::new(field("unit_price"), "must be >= 0"));
                None
            }
            Some(p) if has(Fault::UnitPriceThreeDecimals) && p.is_finite() => {
                Some((p * 100.0).round() as i64)
            }
            Some(p) => match crate::util::cents(p) {
                Some(c) => Some(c),
                None => {
                    errs.push(Detail::new(
                        field("unit_price"),
                        "must have at most 2 decimals",
                    ));
                    None
                }
            },
            None => {
                errs.push(Detail::new(field("unit_price"), "must be a number"));
                None
            }
        },
        Some(_) => {
            errs.push(Detail::new(field("unit_price"), "must be a number"));
            None
        }
    };

    if errs.len() > before {
        return None;
    }
    Some(NewItem {
        product_id: product_id?,
        quantity: quantity?,
        unit_price_cents,
    })
}

fn max_quantity(has: Faults<'_>) -> i64 {
    if has(Fault::Quantity1000) {
        1000
    } else if has(Fault::QuantityMax998) {
        998
    } else {
        999
    }
}

fn validate_address(
    a: &Map<String, Value>,
    has: Faults<'_>,
    errs: &mut Vec<Detail>,
) -> Option<Address> {
    let before = errs.len();
    let mut text = |name: &str, max: usize, check: &dyn Fn(&str) -> Option<&'static str>| {
        let path = format!("shipping_address.{name}");
        match a.get(name) {
            None => {
                errs.push(Detail::new(path, "is required"));
                None
            }
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if n == 0 || n > max {
                    errs.push(Detail::new(path, format!("must be 1-{max} characters")));
                    None
                } else if let Some(msg) = check(s) {
                    errs.push(Detail::new(path, msg));
                    None
                } else {
                    Some(s.clone())
                }
            }
            Some(_) => {
                errs.push(Detail::new(path, "must be a string"));
                None
            }
        }
    };
    let any = |_: &str| None;
    let street = text("street", 100, &any);
    let city = text("city", 50, &any);
    let plus4_refused = has(Fault::PostalPlus4Refused);
    let postal_code = text("postal_code", 10, &|s| {
        (!is_postal_code(s) || (plus4_refused && s.len() != 5))
            .then_some("must match ^\\d{5}(-\\d{4})?$")
    });
    let lower_ok = has(Fault::CountryLowercase);
    let any_ok = has(Fault::CountryUnassigned);
    let country = text("country", 2, &|s| {
        let ok = is_country(s)
            || (lower_ok && is_country(&s.to_ascii_uppercase()))
            || (any_ok && s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()));
        (!ok).then_some("must be an ISO 3166-1 alpha-2 country code (upper case)")
    });
    if errs.len() > before {
        return None;
    }
    Some(Address {
        street: street?,
        city: city?,
        postal_code: postal_code?,
        country: country?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn known(p: &str) -> bool {
        p.starts_with("SKU-")
    }

    fn fields(body: Value) -> Vec<String> {
        match validate_order(&body, known, &|_| false) {
            Ok(_) => vec![],
            Err(d) => d.into_iter().map(|d| d.field).collect(),
        }
    }

    fn valid() -> Value {
        json!({
            "customer_id": "CUST-12345",
            "items": [{"product_id": "SKU-001", "quantity": 2, "unit_price": 29.99}],
            "shipping_address": {"street": "1 Main St", "city": "Springfield",
                                 "postal_code": "12345-6789", "country": "US"}
        })
    }

    #[test]
    fn a_valid_order_passes() {
        let o = validate_order(&valid(), known, &|_| false).unwrap();
        assert_eq!(o.items[0].unit_price_cents, Some(2999));
        assert_eq!(o.shipping_address.unwrap().postal_code, "12345-6789");
    }

    #[test]
    fn country_list_is_complete() {
        assert_eq!(COUNTRIES.split_ascii_whitespace().count(), 249);
        assert!(is_country("US") && is_country("DE") && is_country("AX"));
        assert!(!is_country("us") && !is_country("XX") && !is_country("UK"));
    }

    #[test]
    fn postal_codes() {
        assert!(is_postal_code("12345"));
        assert!(is_postal_code("12345-6789"));
        for bad in [
            "1234",
            "123456",
            "12345-678",
            "abcde",
            "12345 6789",
            "١٢٣٤٥",
        ] {
            assert!(!is_postal_code(bad), "{bad}");
        }
    }

    #[test]
    fn every_rule_has_its_path() {
        let cases: Vec<(Value, &str)> = vec![
            (json!({"items": valid()["items"]}), "customer_id"),
            (
                json!({"customer_id": null, "items": valid()["items"]}),
                "customer_id",
            ),
            (
                json!({"customer_id": "", "items": valid()["items"]}),
                "customer_id",
            ),
            (
                json!({"customer_id": "a".repeat(51), "items": valid()["items"]}),
                "customer_id",
            ),
            (
                json!({"customer_id": "CUST_1", "items": valid()["items"]}),
                "customer_id",
            ),
            (json!({"customer_id": "C"}), "items"),
            (json!({"customer_id": "C", "items": []}), "items"),
            (json!({"customer_id": "C", "items": {}}), "items"),
            (json!({"customer_id": "C", "items": [1]}), "items[0]"),
            (
                json!({"customer_id": "C", "items": [{"quantity": 1}]}),
                "items[0].product_id",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": 5, "quantity": 1}]}),
                "items[0].product_id",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "NOPE", "quantity": 1}]}),
                "items[0].product_id",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1"}]}),
                "items[0].quantity",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": 0}]}),
                "items[0].quantity",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": 1000}]}),
                "items[0].quantity",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": -1}]}),
                "items[0].quantity",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": 1.5}]}),
                "items[0].quantity",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": "1"}]}),
                "items[0].quantity",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": null}]}),
                "items[0].quantity",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": 1, "unit_price": -1}]}),
                "items[0].unit_price",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": 1, "unit_price": 1.234}]}),
                "items[0].unit_price",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": 1, "unit_price": "1"}]}),
                "items[0].unit_price",
            ),
            (
                json!({"customer_id": "C", "items": [{"product_id": "SKU-1", "quantity": 1, "unit_price": null}]}),
                "items[0].unit_price",
            ),
        ];
        for (body, field) in cases {
            assert_eq!(fields(body.clone()), vec![field.to_owned()], "{body}");
        }
        let too_many: Vec<Value> = (0..101)
            .map(|_| json!({"product_id": "SKU-1", "quantity": 1}))
            .collect();
        assert_eq!(
            fields(json!({"customer_id": "C", "items": too_many})),
            vec!["items"]
        );
    }

    #[test]
    fn address_rules() {
        let with = |addr: Value| {
            let mut b = valid();
            b["shipping_address"] = addr;
            fields(b)
        };
        assert_eq!(with(json!(null)), vec!["shipping_address"]);
        assert_eq!(with(json!("x")), vec!["shipping_address"]);
        assert_eq!(
            with(json!({})),
            vec![
                "shipping_address.street",
                "shipping_address.city",
                "shipping_address.postal_code",
                "shipping_address.country"
            ]
        );
        let base = valid()["shipping_address"].clone();
        for (k, v) in [
            ("street", json!("")),
            ("street", json!("s".repeat(101))),
            ("city", json!("c".repeat(51))),
            ("city", json!(null)),
            ("postal_code", json!("1234")),
            ("postal_code", json!(12345)),
            ("country", json!("us")),
            ("country", json!("USA")),
            ("country", json!("ZZ")),
        ] {
            let mut a = base.clone();
            a[k] = v.clone();
            assert_eq!(with(a), vec![format!("shipping_address.{k}")], "{k}={v}");
        }
    }

    #[test]
    fn all_failures_are_listed_together() {
        let body = json!({
            "customer_id": "",
            "items": [
                {"product_id": "SKU-001", "quantity": 1},
                {"product_id": "SKU-001", "quantity": 0, "unit_price": 1.001}
            ],
            "shipping_address": {"street": "x", "city": "y", "postal_code": "1", "country": "US"}
        });
        assert_eq!(
            fields(body),
            vec![
                "customer_id",
                "items[1].quantity",
                "items[1].unit_price",
                "shipping_address.postal_code"
            ]
        );
        assert_eq!(fields(json!([1])), vec!["body"]);
    }
}
