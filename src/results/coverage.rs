//! What a finished run exercised of the contract, as data (`RunResult.coverage`). The
//! contract stage computes it (`Contract::coverage`); merging shards adds it up here.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Coverage of a run: documented responses (operation × status), error codes and webhook
/// events, each with counts, and what was seen but is not in the contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// `title version` of the contract.
    pub contract: String,
    /// One item per operation and documented response key (`createOrder 201`, `getOrder 4XX`).
    pub responses: CoverageSection,
    /// The same, summed per operation.
    pub operations: Vec<OperationCoverage>,
    /// One item per documented error code (the `enum` named by `contract_options.error_code`,
    /// by default the `Error` schema's `error_code`), counted from response bodies. Left out
    /// of results when the contract documents no codes.
    #[serde(default, skip_serializing_if = "CoverageSection::is_empty")]
    pub error_codes: CoverageSection,
    /// One item per event of the `webhooks` section, counted from received deliveries. Left
    /// out of results when the contract has no webhooks.
    #[serde(default, skip_serializing_if = "CoverageSection::is_empty")]
    pub webhook_events: CoverageSection,
    /// Seen in the run but not in the contract (operations, statuses, error codes, events).
    pub undocumented: Vec<CoverageItem>,
    /// Items of the three sections together.
    pub total: usize,
    pub covered: usize,
    /// The `--min-coverage` threshold of the run, judged (a verdict) or, in a shard, recorded
    /// for `conform report merge` to judge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_percent: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoverageSection {
    pub total: usize,
    pub covered: usize,
    /// `covered / total` in percent (0 when there is nothing to cover).
    pub percent: f64,
    /// Every item, in document order, with how often it was seen (0 = not covered).
    pub items: Vec<CoverageItem>,
    /// Ids of the items seen 0 times.
    pub not_covered: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageItem {
    pub id: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationCoverage {
    pub id: String,
    pub method: String,
    pub template: String,
    /// Responses received for this operation (documented statuses or not).
    pub exchanges: u64,
    /// Documented response keys.
    pub total: usize,
    pub covered: usize,
    pub percent: f64,
    pub not_covered: Vec<String>,
}

/// `covered / total` in percent, 0 when there is nothing to cover.
pub(crate) fn percent(covered: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        covered as f64 * 100.0 / total as f64
    }
}

impl CoverageSection {
    /// Nothing to cover: the contract has none of these.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub(crate) fn new(items: Vec<CoverageItem>) -> CoverageSection {
        let covered = items.iter().filter(|i| i.count > 0).count();
        CoverageSection {
            total: items.len(),
            covered,
            percent: percent(covered, items.len()),
            not_covered: items
                .iter()
                .filter(|i| i.count == 0)
                .map(|i| i.id.clone())
                .collect(),
            items,
        }
    }
}

impl Coverage {
    /// Overall coverage in percent: covered items / total items over responses, error codes
    /// and webhook events (0 when the contract has none).
    pub fn percent(&self) -> f64 {
        percent(self.covered, self.total)
    }

    /// The coverage of a whole run from the coverages of its shards: counts are added per
    /// item (an item covered by any shard is covered), then every total, percentage and
    /// "not covered" list is computed again. The parts must be of the same contract; the
    /// error names the first one that is not.
    pub fn merge(parts: Vec<Coverage>) -> Result<Option<Coverage>, String> {
        let Some(first) = parts.first() else {
            return Ok(None);
        };
        let contract = first.contract.clone();
        if let Some((i, other)) = parts
            .iter()
            .enumerate()
            .find(|(_, c)| c.contract != contract)
        {
            return Err(format!(
                "part {} covers the contract `{}` but the first part `{contract}`",
                i + 1,
                other.contract
            ));
        }
        let section = |pick: fn(&Coverage) -> &[CoverageItem]| {
            CoverageSection::new(add_up(parts.iter().map(pick)))
        };
        let responses = section(|c| &c.responses.items);
        let error_codes = section(|c| &c.error_codes.items);
        let webhook_events = section(|c| &c.webhook_events.items);
        let undocumented = add_up(parts.iter().map(|c| c.undocumented.as_slice()));

        // Operations in first-seen order, exchanges added up, coverage from the merged items.
        let mut operations: Vec<OperationCoverage> = Vec::new();
        for op in parts.iter().flat_map(|c| &c.operations) {
            match operations.iter_mut().find(|o| o.id == op.id) {
                Some(into) => into.exchanges += op.exchanges,
                None => operations.push(op.clone()),
            }
        }
        for op in &mut operations {
            let prefix = format!("{} ", op.id);
            let keys: Vec<&CoverageItem> = responses
                .items
                .iter()
                .filter(|i| i.id.starts_with(&prefix))
                .collect();
            op.total = keys.len();
            op.not_covered = keys
                .iter()
                .filter(|i| i.count == 0)
                .map(|i| i.id[prefix.len()..].to_string())
                .collect();
            op.covered = op.total - op.not_covered.len();
            op.percent = percent(op.covered, op.total);
        }
        let total = responses.total + error_codes.total + webhook_events.total;
        let covered = responses.covered + error_codes.covered + webhook_events.covered;
        Ok(Some(Coverage {
            contract,
            responses,
            operations,
            error_codes,
            webhook_events,
            undocumented,
            total,
            covered,
            min_percent: None,
        }))
    }

    /// The documented response keys of operation `id` with how often each was seen, in
    /// document order (`[("200", 3), ("404", 0)]`).
    pub fn responses_of(&self, id: &str) -> Vec<(&str, u64)> {
        let prefix = format!("{id} ");
        self.responses
            .items
            .iter()
            .filter_map(|i| i.id.strip_prefix(&prefix).map(|k| (k, i.count)))
            .collect()
    }

    /// Every item not covered, section first: `response getOrder 404`, `error code
    /// INTERNAL_ERROR`, `webhook event order.cancelled`.
    pub fn not_covered(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (label, section) in [
            ("response", &self.responses),
            ("error code", &self.error_codes),
            ("webhook event", &self.webhook_events),
        ] {
            out.extend(section.not_covered.iter().map(|id| format!("{label} {id}")));
        }
        out
    }

    /// The sections the contract has, for a line: `documented responses, error codes and
    /// webhook events` (a contract without webhooks has no events to cover).
    pub fn what(&self) -> String {
        let mut parts = vec!["documented responses"];
        if !self.error_codes.is_empty() {
            parts.push("error codes");
        }
        if !self.webhook_events.is_empty() {
            parts.push("webhook events");
        }
        match parts.as_slice() {
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        }
    }
}

/// Items of several lists with the counts of equal ids added, in first-seen order.
fn add_up<'a>(lists: impl Iterator<Item = &'a [CoverageItem]>) -> Vec<CoverageItem> {
    let mut out: Vec<CoverageItem> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for item in lists.flatten() {
        match at.get(&item.id) {
            Some(&i) => out[i].count += item.count,
            None => {
                at.insert(item.id.clone(), out.len());
                out.push(item.clone());
            }
        }
    }
    out
}
