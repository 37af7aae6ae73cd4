//! Drafted check-ins and briefings from user-editable templates.
//!
//! The templates are minijinja (Jinja2) files in the `[tiers] templates` folder
//! (`pipelines/templates/` by default): `<action>.j2` drafts the body of that action, and
//! `scenarios/<slug>.j2` holds the text specific to one predicted escalation category (the
//! slug of its configured name, [`crate::contract::taxonomy::slug`]: `Champion change` →
//! `champion_change.j2`; macros `acknowledge`, `next_actions`, `approach`, `talking_points`), imported by the
//! action templates as `{% import scenario as s %}`; `scenarios/generic.j2` serves an
//! account without a predicted category, or one whose category has no scenario file.
//!
//! Which actions draft: exactly those with a template of their name. The four shipped
//! drafts ([`DRAFT_ACTIONS`]) must keep their template when a tier names them; any other
//! action (`watchlist`, `csm_review`, `leadership_review`, or one of the user's own) drafts
//! as soon as a `<action>.j2` is added next to them.
//!
//! Everything is checked when the stage starts, so that a typo fails the run instead of
//! leaving a blank in a CSM's email: syntax; every variable a template reads must be a field
//! of [`AccountBrief`] or of [`DraftExtra`] (static analysis, with a "did you mean");
//! and every action template must render, strictly (an undefined value is an error), with
//! every scenario, against an account with every field filled and one with nothing but the
//! required fields — which catches misspelt fields of list items and optional fields used
//! without an `{% if %}`. Drafts are for a human to review; vigil never sends them.

mod check;
mod filters;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;

use super::brief::AccountBrief;
use crate::score::tiers::TiersOptions;
use crate::score::tiers::valid_name;
use chrono::{DateTime, Utc};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::contract::Taxonomy;
/// The default escalation categories of the data contract, each with a shipped scenario template.
pub use crate::contract::schema::ESCALATION_CATEGORIES as CATEGORIES;
use crate::contract::taxonomy::slug;

/// The scenario used when the category is unknown or has no scenario file (required).
pub const GENERIC_SCENARIO: &str = "generic";

/// Actions whose template ships with vigil and must exist when a tier names the action.
pub const DRAFT_ACTIONS: [&str; 4] = ["checkin_draft", "war_room", "exec_briefing", "exec_outreach"];

/// Folder of the scenario templates, under the templates folder.
const SCENARIO_DIR: &str = "scenarios";

/// Why the templates could not be loaded, or a draft not rendered.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The templates folder or one of its files could not be read.
    #[error("cannot read draft templates at {path}: {source}")]
    Io {
        /// Folder or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A template file's name is not an action or category name.
    #[error(
        "draft template {file}: the file name must be an action or category name of [a-z0-9_] \
         followed by .j2"
    )]
    BadName {
        /// The file.
        file: PathBuf,
    },
    /// A template does not parse.
    #[error("draft template {file}{}: {message}", at_line(*.line))]
    Syntax {
        /// The file.
        file: PathBuf,
        /// Line of the error.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A template reads a variable that the account brief does not have.
    #[error(
        "draft template {file}{}: unknown variable `{variable}`{}; the variables are listed in \
         the templates folder's README.md",
        at_line(*.line),
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
    )]
    UnknownVariable {
        /// The file.
        file: PathBuf,
        /// First line that mentions the variable.
        line: Option<usize>,
        /// The variable, with its attribute path (`resolution.mean_dayz`).
        variable: String,
        /// The closest known variable, when one is close.
        suggestion: Option<String>,
    },
    /// A template failed to render (an undefined value, a missing scenario macro, a bad
    /// filter argument).
    #[error(transparent)]
    Render(Box<RenderFailure>),
    /// A tier names a shipped draft action whose template is missing.
    #[error(
        "tiers action `{action}` drafts from {file}, which does not exist: restore it (vigil ships \
         one in pipelines/templates/) or remove the action from [tiers]"
    )]
    MissingTemplate {
        /// The action.
        action: String,
        /// The expected file.
        file: PathBuf,
    },
    /// The fallback scenario template is missing.
    #[error("the fallback scenario template {file} does not exist: restore it from pipelines/templates/")]
    MissingScenario {
        /// The expected file.
        file: PathBuf,
    },
}

/// Where and why a draft failed to render ([`DraftError::Render`]).
#[derive(Debug, thiserror::Error)]
#[error(
    "draft template {file}{}: {message} at `{expression}` in `{source_line}` ({case})",
    at_line(*.line)
)]
pub struct RenderFailure {
    /// The file (the scenario's when the failure is in one of its macros).
    pub file: PathBuf,
    /// Line of the failure.
    pub line: Option<usize>,
    /// The template expression that failed (template source, never account data).
    pub expression: String,
    /// The template line of the failure (template source, shortened to 160 characters).
    pub source_line: String,
    /// What went wrong.
    pub message: String,
    /// For which account, or which start-up check.
    pub case: String,
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(", line {l}")).unwrap_or_default()
}

/// What a template knows besides the account: the action being drafted and its routing.
/// Its fields are template variables next to the [`AccountBrief`] fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftExtra {
    /// Role that owns the action (`csm`, `cs_manager`, …).
    pub owner: String,
    /// Roles to notify.
    pub notify: Vec<String>,
    /// When the action is due.
    #[serde(serialize_with = "utc_minutes")]
    pub due_by: DateTime<Utc>,
    /// The tier's SLA in hours.
    pub sla_hours: u32,
}

/// Formats a time like [`AccountBrief::as_of`]: `YYYY-MM-DD HH:MM UTC`.
pub fn format_utc(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn utc_minutes<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_utc(t))
}

/// The whole template context: the brief's fields, the action's, and the scenario.
#[derive(Serialize)]
struct Context<'a> {
    #[serde(flatten)]
    brief: &'a AccountBrief,
    action: &'a str,
    #[serde(flatten)]
    extra: &'a DraftExtra,
    /// Template name of the scenario (`scenarios/product_defect.j2`), for `{% import %}`.
    scenario: String,
}

/// The loaded and validated draft templates.
pub struct Drafts {
    env: Environment<'static>,
    dir: PathBuf,
    /// Actions with a template (file stems at the top of the folder).
    actions: BTreeSet<String>,
    /// Categories with a scenario template (including `generic`).
    scenarios: BTreeSet<String>,
}

impl fmt::Debug for Drafts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drafts")
            .field("dir", &self.dir)
            .field("actions", &self.actions)
            .field("scenarios", &self.scenarios)
            .finish()
    }
}

/// Loads every `*.j2` of `dir` and `dir/scenarios/`, and validates them (module docs).
/// `dir` is the `[tiers] templates` folder, already resolved against the project root; a
/// scenario file is used for the `taxonomy` category whose slug is its name.
pub fn load(dir: &Path, tiers: &TiersOptions, taxonomy: &Taxonomy) -> Result<Drafts, DraftError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    filters::register(&mut env);
    let mut actions = BTreeSet::new();
    for (stem, source) in read_templates(dir)? {
        add(&mut env, dir, format!("{stem}.j2"), source)?;
        actions.insert(stem);
    }
    let mut scenarios = BTreeSet::new();
    let scenario_dir = dir.join(SCENARIO_DIR);
    if scenario_dir.is_dir() {
        for (stem, source) in read_templates(&scenario_dir)? {
            let configured = taxonomy
                .categories
                .values
                .values()
                .iter()
                .any(|c| slug(c) == stem);
            if stem != GENERIC_SCENARIO && !configured {
                tracing::warn!(file = %scenario_dir.join(format!("{stem}.j2")).display(),
                    "scenario template is not named after an escalation category; it is never used");
            }
            add(&mut env, dir, scenario_name(&stem), source)?;
            scenarios.insert(stem);
        }
    }
    if !scenarios.contains(GENERIC_SCENARIO) {
        return Err(DraftError::MissingScenario {
            file: dir.join(scenario_name(GENERIC_SCENARIO)),
        });
    }
    let named = tiers
        .levels
        .iter()
        .chain(tiers.watch.as_ref())
        .flat_map(|l| l.actions.iter());
    for action in named {
        if DRAFT_ACTIONS.contains(&action.as_str()) && !actions.contains(action) {
            return Err(DraftError::MissingTemplate {
                action: action.clone(),
                file: dir.join(format!("{action}.j2")),
            });
        }
    }
    let drafts = Drafts {
        env,
        dir: dir.to_path_buf(),
        actions,
        scenarios,
    };
    check::validate(&drafts)?;
    tracing::info!(dir = %dir.display(), actions = ?drafts.actions, scenarios = ?drafts.scenarios,
        "draft templates loaded and checked");
    Ok(drafts)
}

/// The `(stem, source)` of every `*.j2` file directly in `dir`, sorted by name.
fn read_templates(dir: &Path) -> Result<Vec<(String, String)>, DraftError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DraftError::Io { path, source }
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".j2"))
        else {
            continue;
        };
        if !path.is_file() {
            continue;
        }
        if !valid_name(stem) {
            return Err(DraftError::BadName { file: path });
        }
        let source = std::fs::read_to_string(&path).map_err(io(&path))?;
        out.push((stem.to_string(), source));
    }
    out.sort();
    Ok(out)
}

fn add(env: &mut Environment<'static>, dir: &Path, name: String, source: String) -> Result<(), DraftError> {
    env.add_template_owned(name.clone(), source)
        .map_err(|e| DraftError::Syntax {
            file: dir.join(&name),
            line: e.line(),
            message: e
                .to_string()
                .split(" (in ")
                .next()
                .unwrap_or_default()
                .to_string(),
        })
}

fn scenario_name(stem: &str) -> String {
    format!("{SCENARIO_DIR}/{stem}.j2")
}

impl Drafts {
    /// The templates folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `action` has a template, i.e. its rows get a drafted body.
    pub fn drafts(&self, action: &str) -> bool {
        self.actions.contains(action)
    }

    /// The actions with a template, sorted.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(String::as_str)
    }

    /// Template name of the scenario for a predicted category: `scenarios/<slug>.j2` when
    /// that file exists, else `scenarios/generic.j2`.
    pub fn scenario_for(&self, category: Option<&str>) -> String {
        match category.map(slug) {
            Some(c) if self.scenarios.contains(&c) => scenario_name(&c),
            _ => scenario_name(GENERIC_SCENARIO),
        }
    }

    /// Drafts the body of `action` for one account: `None` when the action has no template.
    /// The text is tidied for plain-text reading (no trailing spaces, no runs of blank
    /// lines, one final newline).
    pub fn render(
        &self,
        action: &str,
        brief: &AccountBrief,
        extra: &DraftExtra,
    ) -> Result<Option<String>, DraftError> {
        if !self.drafts(action) {
            return Ok(None);
        }
        let case = format!("account {}", brief.account_id);
        self.render_with(
            action,
            brief,
            extra,
            self.scenario_for(brief.predicted_category.as_deref()),
            &case,
        )
        .map(Some)
    }

    /// Renders `action` with an explicit scenario template; `case` says what for, in errors.
    fn render_with(
        &self,
        action: &str,
        brief: &AccountBrief,
        extra: &DraftExtra,
        scenario: String,
        case: &str,
    ) -> Result<String, DraftError> {
        let ctx = Context {
            brief,
            action,
            extra,
            scenario,
        };
        let name = format!("{action}.j2");
        self.env
            .get_template(&name)
            .and_then(|t| t.render(&ctx))
            .map(|text| tidy(&text))
            .map_err(|e| self.render_error(&name, &e, case))
    }

    fn render_error(&self, name: &str, e: &minijinja::Error, case: &str) -> DraftError {
        let source = e.template_source().unwrap_or_default();
        let expression = e
            .range()
            .and_then(|r| source.get(r))
            .unwrap_or_default()
            .trim()
            .to_string();
        let source_line = e
            .line()
            .and_then(|l| source.lines().nth(l.saturating_sub(1)))
            .map(|l| l.trim().chars().take(160).collect())
            .unwrap_or_default();
        let message = match e.kind() {
            minijinja::ErrorKind::UndefinedError => {
                "undefined value (a misspelt field, or an optional field used without `{% if %}`)".into()
            }
            kind => e
                .detail()
                .map_or_else(|| kind.to_string(), |d| format!("{kind}: {d}")),
        };
        DraftError::Render(Box::new(RenderFailure {
            file: self.dir.join(e.name().unwrap_or(name)),
            line: e.line(),
            expression,
            source_line,
            message,
            case: case.to_string(),
        }))
    }
}

/// Plain-text tidying: trailing spaces trimmed, blank lines at the start and end dropped,
/// runs of blank lines (left by empty sections) collapsed to one, one final newline.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
