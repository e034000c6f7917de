//! `assert`: checks on variables.
use super::*;

impl ScenarioRun<'_> {
    pub(super) fn assert(
        &self,
        checks: &[Spanned<Check>],
        res: &mut StepResult,
    ) -> Result<(), RunError> {
        let file = self.file().to_string();
        let render = self.check_render();
        let ctx = CheckContext {
            file: &file,
            render: &render,
            fixtures_dir: &self.target.fixtures_dir,
            contract: self.target.contract.as_deref(),
        };
        for c in checks {
            res.checks.extend(check::check_assert(c, &ctx));
        }
        Ok(())
    }
}
