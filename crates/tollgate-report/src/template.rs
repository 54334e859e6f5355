//! `--format template`: a user's Jinja template (minijinja) over the report as Trivy's JSON
//! value, so Trivy's templates carry over with Jinja syntax: `{% for r in Results %}` where
//! Trivy writes `{{ range . }}`.

use std::io::Write;

use minijinja::Environment;

use crate::Report;

const NAME: &str = "template";

/// A compiled template.
pub struct Template {
    env: Environment<'static>,
}

/// Trivy's `escapeXML`: the five XML entities.
fn escape_xml(s: String) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

impl Template {
    /// Compiles a template; the error names the line and what is wrong.
    pub fn new(source: String) -> Result<Template, String> {
        let mut env = Environment::new();
        env.add_filter("escapeXML", escape_xml);
        env.add_filter("escape_xml", escape_xml);
        env.add_template_owned(NAME, source)
            .map_err(|e| describe(&e))?;
        Ok(Template { env })
    }

    /// Renders the report; Trivy's top-level value (the results) is `Results`, the rest of
    /// the JSON report sits beside it (`ArtifactName`, `Metadata`, ...).
    pub fn write(&self, report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
        let value = crate::json::to_value(report);
        let tpl = self
            .env
            .get_template(NAME)
            .map_err(|e| std::io::Error::other(describe(&e)))?;
        tpl.render_captured_to(&value, &mut *w)
            .map_err(|e| std::io::Error::other(describe(&e)))?;
        Ok(())
    }
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(l) => format!("template line {l}: {e}"),
        None => format!("template: {e}"),
    }
}
