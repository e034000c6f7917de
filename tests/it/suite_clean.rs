//! The shipped suite passes against the clean embedded sandbox, three runs in a row (a flake
//! check; the release checklist asks for ten by hand). Default `--jobs`, as `conform run`.

use crate::suite_support::*;

#[test]
fn clean_suite_passes_three_times_in_a_row() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for i in 1..=3 {
        let run = run_suite(&tmp.path().join(format!("run{i}")), &[], &[]);
        println!(
            "run {i}: exit {:?}, {}/{} passed in {:.1} s",
            run.code, run.passed, run.total, run.secs
        );
        assert!(
            run.code == Some(0) && run.failed.is_empty(),
            "run {i}: expected exit 0 and no failure, got exit {:?}, failed {:?}\n{}",
            run.code,
            run.failed,
            run.output_tail()
        );
        assert!(run.total >= 60, "run {i}: only {} scenarios ran", run.total);
        assert_eq!(
            run.passed, run.total,
            "run {i}: every scenario passes (none skipped)"
        );
        // The reference answers only what the contract documents: no undocumented property.
        assert_eq!(
            run.warnings,
            0,
            "run {i}: warnings against the reference sandbox: {:?}",
            run.warned.iter().take(10).collect::<Vec<_>>()
        );
    }
}
