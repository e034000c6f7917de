//! Coverage: shards add up per item.
use super::super::*;

fn item(id: &str, count: u64) -> CoverageItem {
    CoverageItem {
        id: id.into(),
        count,
    }
}

fn part(
    responses: &[(&str, u64)],
    codes: &[(&str, u64)],
    undocumented: &[(&str, u64)],
) -> Coverage {
    let section = |items: &[(&str, u64)]| {
        let items: Vec<CoverageItem> = items.iter().map(|(i, c)| item(i, *c)).collect();
        let covered = items.iter().filter(|i| i.count > 0).count();
        CoverageSection {
            total: items.len(),
            covered,
            percent: 0.0,
            not_covered: vec![],
            items,
        }
    };
    let responses = section(responses);
    let error_codes = section(codes);
    let webhook_events = section(&[]);
    Coverage {
        contract: "Orders API 1.0.0".into(),
        operations: vec![OperationCoverage {
            id: "getOrder".into(),
            method: "GET".into(),
            template: "/orders/{id}".into(),
            exchanges: responses.items.iter().map(|i| i.count).sum(),
            total: 2,
            covered: 0,
            percent: 0.0,
            not_covered: vec![],
        }],
        total: responses.total + error_codes.total,
        covered: responses.covered + error_codes.covered,
        responses,
        error_codes,
        webhook_events,
        undocumented: undocumented.iter().map(|(i, c)| item(i, *c)).collect(),
        min_percent: None,
    }
}

#[test]
fn shard_coverages_add_up_per_item() {
    let a = part(
        &[("getOrder 200", 3), ("getOrder 404", 0)],
        &[("NOT_FOUND", 0), ("CONFLICT", 1)],
        &[("status 418 of getOrder", 1)],
    );
    let b = part(
        &[("getOrder 200", 1), ("getOrder 404", 2)],
        &[("NOT_FOUND", 2), ("CONFLICT", 0)],
        &[("status 418 of getOrder", 2), ("error_code TEAPOT", 1)],
    );
    let m = Coverage::merge(vec![a.clone(), b])
        .unwrap()
        .expect("merged");
    assert_eq!(
        m.responses.items,
        [item("getOrder 200", 4), item("getOrder 404", 2)]
    );
    assert_eq!(
        (m.responses.covered, m.responses.total, m.responses.percent),
        (2, 2, 100.0)
    );
    assert!(m.responses.not_covered.is_empty());
    assert_eq!((m.error_codes.covered, m.error_codes.total), (2, 2));
    assert_eq!((m.covered, m.total), (4, 4));
    assert_eq!(
        m.undocumented,
        [
            item("status 418 of getOrder", 3),
            item("error_code TEAPOT", 1)
        ]
    );
    let op = &m.operations[0];
    assert_eq!((op.exchanges, op.covered, op.total), (6, 2, 2));
    assert!(op.not_covered.is_empty());

    // One part alone: what it did not cover stays not covered.
    let one = Coverage::merge(vec![a.clone()]).unwrap().expect("one");
    assert_eq!(one.responses.not_covered, ["getOrder 404"]);
    assert_eq!(one.operations[0].not_covered, ["404"]);
    assert_eq!((one.covered, one.total), (2, 4));

    assert_eq!(Coverage::merge(vec![]).unwrap(), None);
    let mut other = a.clone();
    other.contract = "Orders API 2.0.0".into();
    let err = Coverage::merge(vec![a, other]).unwrap_err();
    assert_eq!(
        err,
        "part 2 covers the contract `Orders API 2.0.0` but the first part `Orders API 1.0.0`"
    );
}
